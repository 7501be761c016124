# Bug: the WebAssembly interpreter passes quotient and remainder to a host
# import in wa1 and wa2, in order. On Windows x64 wa1 is rdx = r1, so
# `move r0, wa1` destroys the remainder. On x86-64 System V wa1 is rsi and
# wa2 is rdx = r1: right. ARM64 divides with divqs and never uses r1.
# Pair r1/wa1: written through wa1, read through r1.
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

include prelude

# void wasm_divmod_import(Instance* instance, i64 lhs, i64 rhs)
global _wasm_divmod_import
_wasm_divmod_import:
    functionPrologue()
    pushCalleeSaves()
    move wa0, csr0
    if ARM64
        divqs wa2, wa1, csr1
        mulq csr1, wa2, t3
        subq wa1, t3, csr2
        move csr0, wa0
        move csr1, wa1
        move csr2, wa2
        call _wasm_host_import
    else
        move wa2, csr1
        move wa1, r0
        cqoq
        idivq csr1
        move csr0, wa0
        move r0, wa1                        # Windows: rdx = r1, the remainder
        move r1, wa2
        if X86_64_WIN
            subp 32, sp
            call _wasm_host_import
            addp 32, sp
        else
            call _wasm_host_import
        end
    end
    popCalleeSaves()
    functionEpilogue()
    ret
