# Right everywhere: x86 division with nothing kept in r1's aliases (t2/a2 on
# System V, t1/a1 on Windows x64): the divisor is copied to t3 (rcx on
# System V, r9 on Windows) before `cqoq`, and the remainder is read as r1.
# ARM64 uses divqs/mulq/subq.
#
# expect sysv: none
# expect win64: none
# expect arm64: none

# void vm_divmod(i64 lhs, i64 rhs, i64* out)  (rhs is neither 0 nor -1)
#   out[0] := lhs / rhs, out[1] := lhs % rhs
global _vm_divmod
_vm_divmod:
    if ARM64
        divqs a1, a0, t3
        mulq t3, a1, t4
        subq a0, t4, t4
        storeq t3, [a2]
        storeq t4, 8[a2]
    else
        move a2, t4                         # out (System V: a2 is rdx = r1)
        move a1, t3                         # divisor (Windows: a1 is rdx = r1)
        move a0, r0
        cqoq
        idivq t3
        storeq r0, [t4]
        storeq r1, 8[t4]
    end
    ret
