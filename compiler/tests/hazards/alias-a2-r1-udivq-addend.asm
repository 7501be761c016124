# Bug: `(a / b) + c` divides with the addend still in its argument register.
# `udivq` writes the remainder to r1, which is rdx = a2 on x86-64 System V:
# the remainder is added instead of c. On Windows x64 a2 is r8 and r1 is rdx
# (a1, already copied to t3): right. ARM64 divides with divq.
# Pair a2/r1: written through r1 (`move 0, r1`, udivq's implicit write), read through a2.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

# u64 vm_div_add(u64 a, u64 b, u64 c): a / b + c  (b is not 0)
global _vm_div_add
_vm_div_add:
    if ARM64
        divq a1, a0, t3
        addq a2, t3, r0
    else
        move a1, t3                         # the divisor (Windows: a1 is rdx = r1)
        move a0, r0
        move 0, r1                          # high half of the dividend
        udivq t3
        addq a2, r0                         # System V: a2 is rdx, the remainder
    end
    ret
