# Bug: after a call into WebAssembly code returns its result in r0, the
# interpreter loads the instance into wa0 for the next call before it has
# saved the result. On ARM64 wa0 and r0 are both x0. On x86-64 r0 is rax and
# wa0 is rdi (System V) or rcx (Windows): right.
# Pair r0/wa0: written through wa0, read through r0.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

include prelude

const Frame_instance = 16
const Frame_result = 24

# void wasm_call_twice(Frame* frame, void* code)
global _wasm_call_twice
_wasm_call_twice:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move a1, csr1
    if X86_64_WIN
        subp 32, sp
    end
    loadp Frame_instance[csr0], wa0
    call csr1                               # r0 := result of the first call
    loadp Frame_instance[csr0], wa0         # ARM64: x0 = r0
    storeq r0, Frame_result[csr0]
    call csr1
    if X86_64_WIN
        addp 32, sp
    end
    popCalleeSaves()
    functionEpilogue()
    ret
