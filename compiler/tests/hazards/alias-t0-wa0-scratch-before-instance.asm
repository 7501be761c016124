# Bug: a WebAssembly table.size helper loads the table into t0 before it has
# read the instance passed in wa0. On ARM64 t0 and wa0 are both x0. On x86-64
# t0 is rax and wa0 is rdi (System V) or rcx (Windows): right there.
# Pair t0/wa0: written through t0, read through wa0.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

const Instance_tables = 32
const Instance_tableCount = 40
const Table_size = 8

# u64 wasm_table_size(Instance* instance, u64 index)
global _wasm_table_size
_wasm_table_size:
    loadp Instance_tables[wa0], t0              # ARM64: x0 = wa0
    loadp [t0, wa1, 8], t0
    loadi Instance_tableCount[wa0], t2          # reads the table pointer on ARM64
    bpaeq wa1, t2, .outOfBounds
    loadi Table_size[t0], r0
    ret
.outOfBounds:
    move 0, r0
    ret
