# Bug: a checked division sign-extends the dividend before it reads the
# divisor from its second argument. `cqoq` writes r1, which is rdx = a1 on
# Windows x64: the divisor becomes 0 or -1. On x86-64 System V a1 is rsi and
# r1 is rdx: right there. ARM64 divides with divqs.
# Pair a1/r1: written through r1 (cqoq's implicit write), read through a1.
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

# i64 vm_checked_div(i64 lhs, i64 rhs): 0 when rhs is 0
global _vm_checked_div
_vm_checked_div:
    if ARM64
        btqz a1, .zero
        divqs a1, a0, r0
        ret
    else
        move a0, r0
        cqoq                                # Windows: rdx = a1, the divisor
        move a1, t3
        btqz t3, .zero
        idivq t3
        ret
    end
.zero:
    move 0, r0
    ret
