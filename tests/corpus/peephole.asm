# peephole.asm — instruction pairs a back end's peephole pass fuses, and
# their neighbours where it must not.
#
# Hand-written. x86-64 loads a shift count straight into rcx (keeping rcx in
# r11) when the count was just loaded and is dead after the shift, and gives
# rcx back with a move instead of a second exchange when the count came from
# a register; the functions below check the result, that rcx keeps its value
# (t3 on System V, t5 on Windows: both hold a sentinel), and that a count still
# read afterwards survives. ARM64 folds `addp/subp k, p; load [p]` into a pre-index load
# with writeback (`ldr x, [p, #k]!`) when -256 <= k <= 255, the load goes to
# another register than p, and p is neither sp nor the frame pointer. Each
# function returns what it loaded plus how far the pointer moved, so a fold
# that loads from the wrong place or forgets the writeback shows.
#
# The buffer: 0x11 at 0[sp], 0x22 at 8[sp], 0x33 at 16[sp], 0x44 at 24[sp],
# then t0 at 32[sp] and 0x55 at 288[sp] (256 bytes after it).

macro fillBuffer()
    subp 304, sp
    storeq t0, 32[sp]
    move 0x11, t1
    storeq t1, [sp]
    move 0x22, t1
    storeq t1, 8[sp]
    move 0x33, t1
    storeq t1, 16[sp]
    move 0x44, t1
    storeq t1, 24[sp]
    move 0x55, t1
    storeq t1, 288[sp]
    move sp, t1
end

macro emptyBuffer()
    addp 304, sp
end

# Fused: the pointer ends 8 bytes on, the word there is loaded.
# test: pp_add_then_load(0) = 0x2a
global _pp_add_then_load
_pp_add_then_load:
    move a0, t0
    fillBuffer()
    addp 8, t1
    loadq [t1], t0
    subp sp, t1
    addq t1, t0
    emptyBuffer()
    ret

# Fused: a 32-bit load, three words on.
# test: pp_add_then_load32(0) = 0x5c
global _pp_add_then_load32
_pp_add_then_load32:
    move a0, t0
    fillBuffer()
    addp 24, t1
    loadi [t1], t0
    subp sp, t1
    addq t1, t0
    emptyBuffer()
    ret

# Fused: a move back (subp), after moving forward unfused.
# test: pp_sub_then_load(0) = 0x43
global _pp_sub_then_load
_pp_sub_then_load:
    move a0, t0
    fillBuffer()
    addp 24, t1
    nop
    subp 8, t1
    loadq [t1], t0
    subp sp, t1
    addq t1, t0
    emptyBuffer()
    ret

# Not fused: 256 is beyond the pre-index reach (at most 255).
# test: pp_add_256_then_load(0) = 0x175
global _pp_add_256_then_load
_pp_add_256_then_load:
    move a0, t0
    fillBuffer()
    addp 32, t1
    nop
    addp 256, t1
    loadq [t1], t0
    subp sp, t1
    addq t1, t0
    emptyBuffer()
    ret

# Not fused: the load overwrites the pointer itself.
# test: pp_add_then_load_into_pointer(7) = 7
global _pp_add_then_load_into_pointer
_pp_add_then_load_into_pointer:
    move a0, t0
    fillBuffer()
    addp 32, t1
    loadq [t1], t1
    move t1, t0
    emptyBuffer()
    ret

# Fused into a floating-point load.
# test: pp_add_then_load_double(0) = 0x33
global _pp_add_then_load_double
_pp_add_then_load_double:
    move a0, t0
    fillBuffer()
    addp 16, t1
    loadd [t1], ft0
    fd2q ft0, t0
    emptyBuffer()
    ret

# Not fused: a label between them (the branch enters at the load, and the
# pointer must not move then).
# test: pp_label_between(0) = 0x11
# test: pp_label_between(1) = 0x22
global _pp_label_between
_pp_label_between:
    move a0, t0
    fillBuffer()
    btqz t0, .load
    addp 8, t1
.load:
    loadq [t1], t0
    emptyBuffer()
    ret

# x86-64: the count loaded from memory and dead after the shift.
# test: pp_shift_count_from_memory(5) = 0x820
global _pp_shift_count_from_memory
_pp_shift_count_from_memory:
    move a0, t0
    subp 16, sp
    storei t0, [sp]
    move 0x300, t3
    move 0x500, t5
    move 1, t0
    loadi [sp], t1
    lshifti t1, t0
    loadi 4[sp], t1
    addq t3, t0
    addq t5, t0
    addp 16, sp
    ret

# x86-64: a rotate, the same way.
# test: pp_rotate_count_from_memory(4) = 0x81234d67
global _pp_rotate_count_from_memory
_pp_rotate_count_from_memory:
    move a0, t0
    subp 16, sp
    storei t0, [sp]
    move 0x300, t3
    move 0x500, t5
    move 0x12345678, t0
    loadi [sp], t1
    rrotatei t1, t0
    loadi 4[sp], t1
    addq t3, t0
    addq t5, t0
    addp 16, sp
    ret

# x86-64: the count from a register, dead after the shift.
# test: pp_shift_count_from_register(3) = 0x808
global _pp_shift_count_from_register
_pp_shift_count_from_register:
    move a0, t0
    subp 16, sp
    move 0x300, t3
    move 0x500, t5
    move t0, t1
    move 1, t0
    lshiftq t1, t0
    loadi [sp], t1
    addq t3, t0
    addq t5, t0
    addp 16, sp
    ret

# x86-64: the count still read after the shift keeps its value.
# test: pp_shift_count_live(5) = 0x825
global _pp_shift_count_live
_pp_shift_count_live:
    move a0, t0
    subp 16, sp
    storei t0, [sp]
    move 0x300, t3
    move 0x500, t5
    move 1, t0
    loadi [sp], t1
    lshifti t1, t0
    addq t1, t0
    addq t3, t0
    addq t5, t0
    addp 16, sp
    ret
