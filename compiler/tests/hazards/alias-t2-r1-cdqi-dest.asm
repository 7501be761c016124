# Bug: the 32-bit op_div keeps the destination address in t2 across `cdqi`
# and `idivi`, which write r1. On x86-64 System V r1 is rdx = t2, so the
# quotient is stored through the sign extension / remainder. On Windows x64
# r1 is rdx = t1 and t2 is r8: right there. ARM64 divides with divis.
# Pair t2/r1: written through r1 (cdqi/idivi's implicit writes), read through t2.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

# void vm_op_div32(i32* frame, u64 dst, u64 lhs, u64 rhs)
#   frame[dst] := frame[lhs] / frame[rhs]  (rhs is neither 0 nor -1)
global _vm_op_div32
_vm_op_div32:
    if ARM64
        loadi [a0, a2, 4], t2
        loadi [a0, a3, 4], t3
        leap [a0, a1, 4], t1
        divis t3, t2, t2
        storei t2, [t1]
    else
        loadi [a0, a2, 4], t0               # dividend
        loadi [a0, a3, 4], t3               # divisor
        leap [a0, a1, 4], t2                # destination address
        cdqi                                # System V: r1 = rdx = t2
        idivi t3
        storei t0, [t2]                     # System V: t2 is the remainder
    end
    ret
