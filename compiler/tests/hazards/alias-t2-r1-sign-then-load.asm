# Bug: the dividend is sign-extended into r1 with `cqoq` first, and only then
# is the result address loaded into t2. On x86-64 System V t2 is rdx = r1,
# so `idivq` divides a 128-bit dividend whose high half is a pointer (a
# wrong quotient or a divide-error fault); then idivq's remainder destroys the
# result address as well. On Windows x64 t2 is r8 and r1 is rdx: right.
# ARM64 divides with divqs.
# Pair t2/r1: written through t2, read through r1 (idivq's implicit read).
# Pair t2/r1: written through r1 (idivq's implicit write), read through t2.
#
# expect sysv: alias-clobber, alias-clobber
# expect win64: none
# expect arm64: none

const Operands_result = 0
const Operands_divisor = 8

# void vm_div_into(Operands* ops, i64 dividend)
global _vm_div_into
_vm_div_into:
    if ARM64
        loadq Operands_divisor[a0], t3
        loadp Operands_result[a0], t2
        divqs t3, a1, t3
        storeq t3, [t2]
    else
        move a1, r0
        cqoq                                # r1 := sign of the dividend
        loadp Operands_result[a0], t2       # System V: t2 = rdx = r1
        loadq Operands_divisor[a0], t3
        idivq t3                            # reads r1:r0
        storeq r0, [t2]
    end
    ret
