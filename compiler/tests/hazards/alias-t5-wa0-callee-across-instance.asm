# Bug: a WebAssembly call sequence keeps the callee's code pointer in t5 and
# then passes the instance in wa0. On Windows x64 wa0 and t5 are both rcx:
# the call jumps to the instance pointer. System V (wa0 = rdi, t5 = r10) and
# ARM64 (wa0 = x0, t5 = x5) keep them apart.
# Pair t5/wa0: written through wa0, read through t5.
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

include prelude

const Callee_code = 8
const Callee_instance = 16

# u64 wasm_call_indirect(Callee* callee, u64 argument)
global _wasm_call_indirect
_wasm_call_indirect:
    functionPrologue()
    loadp Callee_instance[a0], t2
    loadp Callee_code[a0], t5       # code pointer of the callee
    move a1, wa1                    # the argument (a1 is wa1 everywhere)
    move t2, wa0                    # the instance (Windows: rcx = t5)
    if X86_64_WIN
        subp 32, sp
        call t5                     # Windows: calls the instance pointer
        addp 32, sp
    else
        call t5
    end
    functionEpilogue()
    ret
