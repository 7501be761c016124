# target: aarch64-unknown-linux-gnu
# sp moved by 8 and used as a base: fine on x86-64, a fault on ARM64.
global _spill
_spill:
    subp 8, sp
    storep a0, [sp]
    loadp [sp], r0
    addp 8, sp
    ret
