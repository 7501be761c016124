# Bug: a WebAssembly division helper with the instance in wa0 sign-extends the
# dividend (wa1) before reading the divisor from wa2. `cqoq` writes r1, which
# is rdx = wa2 on x86-64 System V. On Windows x64 wa2 is r8: right. ARM64
# divides with divqs.
# Pair r1/wa2: written through r1 (cqoq's implicit write), read through wa2.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

const Instance_divisions = 8

# i64 wasm_i64_div_s_counted(Instance* instance, i64 lhs, i64 rhs)
global _wasm_i64_div_s_counted
_wasm_i64_div_s_counted:
    loadq Instance_divisions[wa0], t3
    addq 1, t3
    storeq t3, Instance_divisions[wa0]
    if ARM64
        divqs wa2, wa1, r0
    else
        move wa1, r0
        cqoq                                # System V: rdx = wa2, the divisor
        move wa2, t3
        idivq t3
    end
    ret
