# Bug: the WebAssembly interpreter keeps its PC in t5 and uses the scratch
# register ws1 for a bounds check. On x86-64 System V ws1 is r10 = t5
# (TARGETS.md §7 rule 4), so the PC is replaced by the memory size. On ARM64
# ws1 is x10 and t5 is x5: right. ws1 does not exist on Windows x64, where the
# code uses t4 (r10) for the size and t3 for the PC (t5 is rcx = a0 there).
# Pair t5/ws1: written through ws1, read through t5.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

const Instance_memorySize = 24

# const u8* wasm_check_bounds(Instance* instance, const u8* pc, u64 address)
#   returns the next PC, or 0 when address is out of bounds
global _wasm_check_bounds
_wasm_check_bounds:
    if X86_64_WIN
        addp 4, a1, t3
        loadp Instance_memorySize[a0], t4
        bpaeq a2, t4, .outOfBounds
        move t3, r0
    else
        addp 4, a1, t5                      # next PC
        loadp Instance_memorySize[a0], ws1  # System V: r10 = t5
        bpaeq a2, ws1, .outOfBounds
        move t5, r0
    end
    ret
.outOfBounds:
    move 0, r0
    ret
