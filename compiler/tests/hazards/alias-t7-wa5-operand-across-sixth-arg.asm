# Bug: the WebAssembly interpreter fills the argument registers of a
# six-parameter call from the value stack, keeping parameter 4 in t7 while it
# loads parameter 5 into wa5. On x86-64 System V t7 is r9 = wa5. On ARM64 t7
# is x7 and wa5 is x5: right. On Windows x64 (no wa4/wa5/t7) the interpreter
# passes parameters 4 and 5 in memory.
# Pair t7/wa5: written through wa5, read through t7.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

include prelude

# u64 wasm_call6(const u64* stack, void* code)
global _wasm_call6
_wasm_call6:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move a1, csr1
    if X86_64_WIN
        subp 48, sp
        loadq 32[csr0], t0
        storeq t0, 32[sp]
        loadq 40[csr0], t0
        storeq t0, 40[sp]
        loadq [csr0], wa0
        loadq 8[csr0], wa1
        loadq 16[csr0], wa2
        loadq 24[csr0], wa3
        call csr1
        addp 48, sp
    else
        loadq 32[csr0], t7                  # parameter 4, for wa4
        loadq 40[csr0], wa5                 # System V: r9 = t7
        move t7, wa4
        loadq [csr0], wa0
        loadq 8[csr0], wa1
        loadq 16[csr0], wa2
        loadq 24[csr0], wa3
        call csr1
    end
    popCalleeSaves()
    functionEpilogue()
    ret
