# Bug: a WebAssembly memory-grow helper uses t5 as a scratch register for the
# new size before it has read the instance from wa0. On Windows x64 both are
# rcx. On System V (wa0 = rdi, t5 = r10) and ARM64 (wa0 = x0, t5 = x5) the
# instance survives.
# Pair t5/wa0: written through t5, read through wa0.
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

const Instance_memorySize = 24
const PageSize = 65536

# u64 wasm_memory_grow(Instance* instance, u64 pages)
global _wasm_memory_grow
_wasm_memory_grow:
    move wa1, t5
    mulp PageSize, t5                       # bytes to add
    move wa0, t3                            # Windows: wa0 is rcx = t5
    loadp Instance_memorySize[t3], t2
    addp t2, t5
    storep t5, Instance_memorySize[t3]
    move t2, r0                             # the old size
    ret
