# Bug: a WebAssembly i32.load keeps the loaded value in t0 while it bumps a
# statistics counter with the WebAssembly scratch register ws0. On x86-64
# System V ws0 is rax = t0 (TARGETS.md §7 rule 4), so the counter is
# returned instead of the value. On ARM64 ws0 is x9. ws0 does not exist on
# Windows x64, where the code uses t4 (r10) instead.
# Pair t0/ws0: written through ws0, read through t0.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

const Memory_base = 0
const Memory_loads = 8

# u32 wasm_i32_load(Memory* memory, u64 address)
global _wasm_i32_load
_wasm_i32_load:
    move a0, t3                             # the memory (a0 is t0 on ARM64)
    loadp Memory_base[t3], t2
    loadi [t2, a1, 1], t0                   # the loaded value
    if X86_64_WIN
        loadi Memory_loads[t3], t4
        addi 1, t4
        storei t4, Memory_loads[t3]
    else
        loadi Memory_loads[t3], ws0         # System V: rax = t0
        addi 1, ws0
        storei ws0, Memory_loads[t3]
    end
    move t0, r0
    ret
