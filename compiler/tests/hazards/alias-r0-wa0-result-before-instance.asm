# Bug: a WebAssembly i32.popcnt-and-store helper writes its return value into
# r0 early and then reads the instance from wa0 again. On ARM64 r0 and wa0 are
# both x0. On x86-64 r0 is rax and wa0 is rdi (System V) or rcx (Windows):
# right.
# Pair r0/wa0: written through r0, read through wa0.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

const Instance_memoryBase = 16
const Instance_lastResult = 32

# u32 wasm_load_and_record(Instance* instance, u64 address)
global _wasm_load_and_record
_wasm_load_and_record:
    loadp Instance_memoryBase[wa0], t2
    loadi [t2, wa1, 1], r0                  # the return value (ARM64: x0 = wa0)
    storei r0, Instance_lastResult[wa0]
    ret
