# Bug: a six-argument leaf function computes a mask in t5 before it has read
# its sixth argument a5. On ARM64 t5 and a5 are both x5. On x86-64 System V
# t5 is r10 and a5 is r9: right. Windows x64 reads the sixth argument from the
# stack (a5 does not exist there).
# Pair t5/a5: written through t5, read through a5.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

# u64 vm_select6(u64 a, u64 b, u64 c, u64 d, u64 mask, u64 fallback)
global _vm_select6
_vm_select6:
    if X86_64_WIN
        loadq 40[sp], t4                    # mask (t5 would be rcx = a0 here)
        andq a0, t4
        btqnz t4, .hit
        loadq 48[sp], r0                    # fallback
        ret
    else
        andq a0, a4, t5                     # ARM64: x5 = a5, the fallback
        btqnz t5, .hit
        move a5, r0
        ret
    end
.hit:
    addq a1, a2, r0
    addq a3, r0
    ret
