# Bug: an interpreter's op_div keeps the destination address in t1 across an
# x86 division. `cqoq` and `idivq` write r1, which is rdx = t1 on Windows
# x64: the quotient is stored through the remainder. On x86-64 System V r1 is
# rdx = t2 and t1 is rsi, so the same code is right; ARM64 uses divqs, which
# writes only its destination.
# Pair t1/r1: written through r1 (cqoq/idivq's implicit writes), read through t1.
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

# void vm_op_div(i64* frame, u64 dst, u64 lhs, u64 rhs)
#   frame[dst] := frame[lhs] / frame[rhs]  (rhs is neither 0 nor -1)
global _vm_op_div
_vm_op_div:
    if ARM64
        loadq [a0, a2, 8], t2
        loadq [a0, a3, 8], t3
        leap [a0, a1, 8], t1
        divqs t3, t2, t2
        storeq t2, [t1]
    else
        leap [a0, a1, 8], t1                # destination address
        loadq [a0, a3, 8], t3               # divisor
        loadq [a0, a2, 8], t0               # dividend
        cqoq                                # Windows: r1 = rdx = t1
        idivq t3
        storeq t0, [t1]                     # Windows: t1 is the remainder
    end
    ret
