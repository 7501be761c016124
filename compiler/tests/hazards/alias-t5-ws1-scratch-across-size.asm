# Bug: a WebAssembly memory.fill keeps the memory size in the scratch register
# ws1 and then computes the end address in t5. On x86-64 System V t5 is
# r10 = ws1, so the bounds check compares against the end address itself. On
# ARM64 (t5 = x5, ws1 = x10) it is right. ws1 does not exist on Windows x64,
# where the size is kept in t4 (r10).
# Pair t5/ws1: written through t5, read through ws1.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

const Instance_memorySize = 24

# u64 wasm_fill_in_bounds(Instance* instance, u64 start, u64 length): 1 if in bounds
global _wasm_fill_in_bounds
_wasm_fill_in_bounds:
    if X86_64_WIN
        loadp Instance_memorySize[a0], t4
        addp a1, a2, t5                     # end (rcx = a0, already read)
        bpa t5, t4, .out
    else
        loadp Instance_memorySize[a0], ws1
        addp a1, a2, t5                     # System V: r10 = ws1
        bpa t5, ws1, .out
    end
    move 1, r0
    ret
.out:
    move 0, r0
    ret
