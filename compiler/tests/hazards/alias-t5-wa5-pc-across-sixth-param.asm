# Bug: the WebAssembly interpreter keeps the PC in t5 and then fills wa5, the
# sixth parameter register of a call, before storing the PC in the frame. On
# ARM64 t5 and wa5 are both x5. On x86-64 System V t5 is r10 and wa5 is r9:
# right. Windows x64 has no wa5 and passes that parameter in memory.
# Pair t5/wa5: written through wa5, read through t5.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

include prelude

const Frame_savedPC = 24

# u64 wasm_call_with_pc(Frame* frame, const u8* pc, u64* params, void* code)
global _wasm_call_with_pc
_wasm_call_with_pc:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move a2, csr1
    move a3, csr2
    if X86_64_WIN
        move a1, t4
        subp 48, sp
        loadq 40[csr1], t0
        storeq t0, 40[sp]
        storep t4, Frame_savedPC[csr0]
        call csr2
        addp 48, sp
    else
        addp 1, a1, t5                      # PC of the next instruction
        loadq 40[csr1], wa5                 # ARM64: x5 = t5
        storep t5, Frame_savedPC[csr0]
        call csr2
    end
    popCalleeSaves()
    functionEpilogue()
    ret
