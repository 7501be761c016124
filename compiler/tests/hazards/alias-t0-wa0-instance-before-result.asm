# Bug: after computing a WebAssembly i64.add result in t0, the code puts the
# instance into wa0 for the trap check before it has stored the result. On
# ARM64 wa0 is x0 = t0, so the instance pointer is stored as the result. On
# x86-64 (t0 = rax; wa0 = rdi or rcx) it is right.
# Pair t0/wa0: written through wa0, read through t0.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

include prelude

const Frame_instance = 16
const Frame_locals = 24

# void wasm_i64_add_local(Frame* frame, u64 rhs)
global _wasm_i64_add_local
_wasm_i64_add_local:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0                           # the frame
    loadq Frame_locals[csr0], t0
    addq a1, t0                             # the result
    loadp Frame_instance[csr0], wa0         # arg 1 of the trap check (ARM64: x0 = t0)
    storeq t0, Frame_locals[csr0]           # ARM64: stores the instance pointer
    if X86_64_WIN
        subp 32, sp
        call _wasm_check_traps
        addp 32, sp
    else
        call _wasm_check_traps
    end
    popCalleeSaves()
    functionEpilogue()
    ret
