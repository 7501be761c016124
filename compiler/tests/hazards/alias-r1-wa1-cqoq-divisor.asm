# Bug: WebAssembly i64.rem_s sign-extends the dividend before reading the
# divisor from wa1. `cqoq` writes r1, which is rdx = wa1 on Windows x64. On
# x86-64 System V wa1 is rsi: right. ARM64 divides with divqs.
# Pair r1/wa1: written through r1 (cqoq's implicit write), read through wa1.
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

# i64 wasm_i64_rem_s(i64 lhs, i64 rhs)  (rhs is neither 0 nor -1)
global _wasm_i64_rem_s
_wasm_i64_rem_s:
    if ARM64
        divqs wa1, wa0, t2
        mulq t2, wa1, t2
        subq wa0, t2, r0
    else
        move wa0, r0
        cqoq                                # Windows: rdx = wa1, the divisor
        move wa1, t3
        idivq t3
        move r1, r0
    end
    ret
