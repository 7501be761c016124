# Bug: a host import takes (instance, remainder, quotient) in wa0..wa2; the
# interpreter fills wa2 from r0 first. On x86-64 System V wa2 is rdx = r1, so
# the remainder is gone when `move r1, wa1` reads it. On Windows x64 wa2 is r8
# and wa1 is rdx = r1: right. ARM64 divides with divqs and never uses r1.
# Pair r1/wa2: written through wa2, read through r1.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

include prelude

# void wasm_moddiv_import(Instance* instance, i64 lhs, i64 rhs)
global _wasm_moddiv_import
_wasm_moddiv_import:
    functionPrologue()
    pushCalleeSaves()
    move wa0, csr0
    if ARM64
        divqs wa2, wa1, csr1
        mulq csr1, wa2, t3
        subq wa1, t3, csr2
        move csr0, wa0
        move csr2, wa1
        move csr1, wa2
        call _wasm_host_import
    else
        move wa2, csr1
        move wa1, r0
        cqoq
        idivq csr1
        move csr0, wa0
        move r0, wa2                        # System V: rdx = r1, the remainder
        move r1, wa1
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
