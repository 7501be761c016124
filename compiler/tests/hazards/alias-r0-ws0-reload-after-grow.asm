# Bug: after calling the memory-grow runtime function, whose result (the old
# size) is in r0, the code reloads the memory base into the scratch register
# ws0 before it has saved the result. On x86-64 System V ws0 is rax = r0. On
# ARM64 ws0 is x9, and on Windows x64 (no ws0) the code uses t4 (r10).
# Pair r0/ws0: written through ws0, read through r0.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

include prelude

const Instance_memoryBase = 16
const Instance_lastGrow = 24

# u64 wasm_grow_and_touch(Instance* instance, u64 pages)
global _wasm_grow_and_touch
_wasm_grow_and_touch:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    if X86_64_WIN
        subp 32, sp
        call _wasm_runtime_grow             # r0 := old size in pages
        addp 32, sp
        loadp Instance_memoryBase[csr0], t4
        storeq 0, [t4]
    else
        call _wasm_runtime_grow
        loadp Instance_memoryBase[csr0], ws0   # System V: rax = r0
        storeq 0, [ws0]
    end
    storep r0, Instance_lastGrow[csr0]
    popCalleeSaves()
    functionEpilogue()
    ret
