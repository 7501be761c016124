# Bug: a six-argument leaf function accumulates into t7 before it has read
# its sixth argument a5. On x86-64 System V t7 is r9 = a5. On ARM64 t7 is x7
# and a5 is x5: right. On Windows x64 the fifth and sixth arguments are on the
# stack and the code reads them from there (a4/a5/t7 do not exist).
# Pair t7/a5: written through t7, read through a5.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

# u64 vm_sum6(u64 a, u64 b, u64 c, u64 d, u64 e, u64 f)
global _vm_sum6
_vm_sum6:
    if X86_64_WIN
        addq a1, a0, t0
        addq a2, t0
        addq a3, t0
        addq 40[sp], t0                     # 5th argument, above the shadow space
        addq 48[sp], t0                     # 6th argument
        move t0, r0
    else
        addq a1, a0, t7                     # System V: r9 = a5
        addq a2, t7
        addq a3, t7
        addq a4, t7
        addq a5, t7
        move t7, r0
    end
    ret
