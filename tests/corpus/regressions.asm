# regressions.asm — bugs found by the differential random-program tests
# (differential_random_programs in compiler/tests/exec.rs), kept as tests.
#
# Hand-written. Each function names the bug it pins; the expected values
# follow INSTRUCTIONS.md.

# load2ia with both destinations the same register: the second word wins
# (§3: R(d1) := lo; then R(d2) := hi). The x86 back end wrote the first word.
# test: reg_load2ia_same_register(0x1111111122222222) = 0x11111111
# test: reg_load2ia_same_register(0xfedcba9876543210) = 0xfedcba98
global _reg_load2ia_same_register
_reg_load2ia_same_register:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    move -1, t1
    load2ia [sp], t1, t1
    move t1, t0
    addp 16, sp
    ret

# Byte tests with a mask that is not an A64 logical immediate (0xbd): the
# ARM64 back end emitted `and w16, wN, #0xbd`, which the assembler rejects.
# test: reg_tbz_mask_bd(0x42) = 1
# test: reg_tbz_mask_bd(0x43) = 0
# test: reg_tbz_mask_bd(0x1ff) = 0
# test: reg_tbz_mask_bd(0x100) = 1
global _reg_tbz_mask_bd
_reg_tbz_mask_bd:
    move a0, t0
    tbz t0, 0xbd, t0
    ret

# test: reg_btbnz_mask_bd(0x42) = 7
# test: reg_btbnz_mask_bd(0x80) = 9
global _reg_btbnz_mask_bd
_reg_btbnz_mask_bd:
    move a0, t0
    btbnz t0, 0xbd, .reg_btbnz_mask_bd_taken
    move 7, t0
    ret
.reg_btbnz_mask_bd_taken:
    move 9, t0
    ret
