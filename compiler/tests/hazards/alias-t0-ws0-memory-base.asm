# Bug: a WebAssembly memory.copy keeps the memory base in the scratch
# register ws0 and copies through t0. On x86-64 System V ws0 is rax = t0, so
# the second access goes through the copied value. On ARM64 ws0 is x9 and t0
# is x0. ws0 does not exist on Windows x64, where the code keeps the base in
# t4 (r10).
# Pair t0/ws0: written through t0, read through ws0.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

const Instance_memoryBase = 16

# void wasm_copy_word(Instance* instance, u64 dst, u64 src)
global _wasm_copy_word
_wasm_copy_word:
    if X86_64_WIN
        loadp Instance_memoryBase[a0], t4
        loadq [t4, a2, 1], t0
        storeq t0, [t4, a1, 1]
    else
        loadp Instance_memoryBase[a0], ws0
        loadq [ws0, a2, 1], t0              # System V: rax = ws0, the base
        storeq t0, [ws0, a1, 1]
    end
    ret
