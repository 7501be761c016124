# stack.asm — the stack pointer, push/pop, peek/poke, frames
# (INSTRUCTIONS.md §2, §2.1; TARGETS.md §2.3)
#
# Hand-written. Portable code pushes an even number of registers and pops
# them in reverse order; the slot layout differs per target (x86 pushes one
# register at a time, so the LAST register ends at the lowest address; ARM64
# stores pairs with the FIRST register at the lower address), hence the
# `# test x86:` / `# test arm64:` expectations. Odd push counts exist only on
# x86 and are guarded.

# ---- push / pop ----

# test: push_pop_pair(0x1111, 0x2222) = 0x1111
# test: push_pop_pair(-1, 0) = -1
global _push_pop_pair
_push_pop_pair:
    move a0, t0
    push t0, t1
    move 0, t0
    move 0, t1
    pop t1, t0
    ret

# test: push_pop_pair_second(0x1111, 0x2222) = 0x2222
global _push_pop_pair_second
_push_pop_pair_second:
    move a0, t0
    push t0, t1
    move 0, t0
    move 0, t1
    pop t1, t0
    move t1, t0
    ret

# Four registers come back in the right places: t0 | t1 << 4 | t2 << 8 | t3 << 12.
# test: push_pop_four(1, 2, 3, 4) = 0x4321
global _push_pop_four
_push_pop_four:
    move a0, t0
    push t0, t1, t2, t3
    move 0, t0
    move 0, t1
    move 0, t2
    move 0, t3
    pop t3, t2, t1, t0
    lshiftq 4, t1
    lshiftq 8, t2
    lshiftq 12, t3
    orq t1, t0
    orq t2, t0
    orq t3, t0
    ret

# Registers other than t0..t3 (t4 and t5; t5 is rcx on Windows).
# test: push_pop_t4_t5(0x123456789, 0x987654321) = 0xaaaaaaaaa
global _push_pop_t4_t5
_push_pop_t4_t5:
    move a0, t0
    move t0, t4
    move t1, t5
    push t4, t5
    move 0, t4
    move 0, t5
    pop t5, t4
    move t4, t0
    addq t5, t0
    ret

# Swapping through the stack: push a, b then pop a, b exchanges them.
# test: push_pop_swap(5, 7) = 0x0705
global _push_pop_swap
_push_pop_swap:
    move a0, t0
    push t0, t1
    pop t0, t1
    lshiftq 8, t0
    orq t1, t0
    ret

# Two pushes of two registers, then pops in reverse order.
# test: push_pop_nested(1, 2, 3, 4) = 0x4321
global _push_pop_nested
_push_pop_nested:
    move a0, t0
    push t0, t1
    push t2, t3
    move 0, t0
    move 0, t1
    move 0, t2
    move 0, t3
    pop t3, t2
    pop t1, t0
    lshiftq 4, t1
    lshiftq 8, t2
    lshiftq 12, t3
    orq t1, t0
    orq t2, t0
    orq t3, t0
    ret

# test: push_moves_sp_by_16(0) = 16
global _push_moves_sp_by_16
_push_moves_sp_by_16:
    move a0, t0
    move sp, t4
    push t0, t1
    subq sp, t4
    pop t1, t0
    move t4, t0
    ret

# test: push_pop_restores_sp(0) = 0
global _push_pop_restores_sp
_push_pop_restores_sp:
    move a0, t0
    move sp, t4
    push t0, t1, t2, t3
    pop t3, t2, t1, t0
    subq sp, t4
    move t4, t0
    ret

# Slot layout (target-specific; read by offset only to test it).
# test x86: push_layout_peek0(5, 7) = 7
# test arm64: push_layout_peek0(5, 7) = 5
global _push_layout_peek0
_push_layout_peek0:
    move a0, t0
    push t0, t1
    peek 0, t2
    pop t1, t0
    move t2, t0
    ret

# test x86: push_layout_peek1(5, 7) = 5
# test arm64: push_layout_peek1(5, 7) = 7
global _push_layout_peek1
_push_layout_peek1:
    move a0, t0
    push t0, t1
    peek 1, t2
    pop t1, t0
    move t2, t0
    ret

# [sp], [sp+8], [sp+16], [sp+24] -> t0, t1, t2, t3; returns t0 << 4 | t1 << 8 | t2 << 12 | t3.
# test x86: push_layout_four(1, 2, 3, 4) = 0x2341
# test arm64: push_layout_four(1, 2, 3, 4) = 0x1432
global _push_layout_four
_push_layout_four:
    move a0, t0
    push t0, t1, t2, t3
    loadq [sp], t0
    loadq 8[sp], t1
    loadq 16[sp], t2
    loadq 24[sp], t3
    addp 32, sp
    lshiftq 4, t0
    lshiftq 8, t1
    lshiftq 12, t2
    orq t1, t0
    orq t2, t0
    orq t3, t0
    ret

# Odd counts (x86 only).
if X86_64 or X86_64_WIN
# test x86: push_one(0x1234, 0) = 0x1234
global _push_one
_push_one:
    move a0, t0
    push t0
    move 0, t0
    pop t1
    move t1, t0
    ret

# test x86: push_three_layout(1, 2, 3) = 0x123
global _push_three_layout
_push_three_layout:
    move a0, t0
    push t0, t1, t2
    peek 0, t0
    peek 1, t1
    peek 2, t2
    addp 24, sp
    lshiftq 4, t1
    lshiftq 8, t2
    orq t1, t0
    orq t2, t0
    ret

# test x86: push_three_sp(0) = 24
global _push_three_sp
_push_three_sp:
    move a0, t0
    move sp, t4
    push t0, t1, t2
    subq sp, t4
    pop t2, t1, t0
    move t4, t0
    ret
end

# ---- peek / poke ----

# test: poke_peek(0, 0x123456789abcdef0) = 0x123456789abcdef0
global _poke_peek
_poke_peek:
    move a0, t0
    subp 32, sp
    poke t1, 3
    peek 3, t0
    addp 32, sp
    ret

# peek n reads M_64[sp + 8n]; poke n writes it.
# test: poke_then_load(0, 0xfedcba9876543210) = 0xfedcba9876543210
global _poke_then_load
_poke_then_load:
    move a0, t0
    subp 32, sp
    poke t1, 2
    loadq 16[sp], t0
    addp 32, sp
    ret

# test: store_then_peek(0, 0xfedcba9876543210) = 0xfedcba9876543210
global _store_then_peek
_store_then_peek:
    move a0, t0
    subp 32, sp
    storeq t1, 8[sp]
    peek 1, t0
    addp 32, sp
    ret

# test: poke_imm(0) = -1
global _poke_imm
_poke_imm:
    move a0, t0
    subp 16, sp
    poke -1, 0
    peek 0, t0
    addp 16, sp
    ret

# test: poke_imm_large(0) = 0x8000000000000001
global _poke_imm_large
_poke_imm_large:
    move a0, t0
    subp 16, sp
    poke 0x8000000000000001, 1
    peek 1, t0
    addp 16, sp
    ret

# test: poke_peek_t5(0, 77) = 77
global _poke_peek_t5
_poke_peek_t5:
    move a0, t0
    move t1, t5
    subp 16, sp
    poke t5, 0
    move 0, t5
    peek 0, t5
    addp 16, sp
    move t5, t0
    ret

# ---- sp arithmetic ----

# test: sp_sub_add(0) = 48
global _sp_sub_add
_sp_sub_add:
    move a0, t0
    move sp, t1
    subp 48, sp
    move sp, t2
    addp 48, sp
    subq t2, t1
    move t1, t0
    ret

# sp as the destination and as a source of 64-bit arithmetic, moves,
# addresses and loads, in the shapes where ARM64 can name sp directly (add/sub
# immediates of either sign, add/sub of a register, sp first) and where it
# cannot (logical operations of a register, flag-setting ones, loads into sp,
# sp subtracted from a constant): every step keeps sp 16-byte aligned, and sp
# is back at its entry value before returning. The result is independent of
# where the stack is: t1 holds the entry sp.
# test: sp_arith_forms(3) = 67
# test: sp_arith_forms(0) = 64
global _sp_arith_forms
_sp_arith_forms:
    move a0, t0
    move sp, t1
    addp -16, sp
    subp t1, sp, t2
    addp t2, sp
    subp 32, sp
    addp sp, t2
    subp t1, t2
    subp 16, sp, t3
    addp t1, t3
    addp t3, t2
    move -1, t3
    andp t3, sp
    andp -8, sp
    leap 32[sp], t3
    subp t1, t3
    orp t3, sp
    orp t3, t2
    subp -32, sp
    subp sp, t1, t3
    addp t3, t2
    addps -16, sp
    subp 16, sp, t3
    addp t1, t3
    addp t3, t2
    storeq t1, [sp]
    loadq [sp], sp
    subp t1, sp, t3
    addp t3, t2
    addp t2, t0
    ret

# sp as the destination of instructions that A64 cannot give sp to (shifts,
# rotates, extensions, compares, bit counts, peek): the value is computed in a
# scratch register and moved into sp. Each result is read back from sp at
# once (no memory access in between), then sp is restored from t4:
# t0 := (sp after the rotates) - entry sp, + 1000 * (compare into sp),
# + sp written by sxi2q, lzcntq and peek, each minus its expected value.
# test: sp_written_by_other_forms(5, 0x80000000) = 1000
# test: sp_written_by_other_forms(6, 0x80000000) = 0
global _sp_written_by_other_forms
_sp_written_by_other_forms:
    move a0, t0
    move sp, t4
    rrotateq 8, sp
    move sp, t2
    lrotateq 8, sp
    move sp, t3
    move t4, sp
    lrotateq 8, t2
    subp t4, t2
    subp t4, t3
    orp t3, t2
    cpeq t0, 5, sp
    move sp, t3
    move t4, sp
    mulp 1000, t3
    addp t3, t2
    sxi2q t1, sp
    move sp, t3
    move t4, sp
    addp 0x80000000, t3
    orp t3, t2
    lzcntq t1, sp
    move sp, t3
    move t4, sp
    subp 32, t3
    orp t3, t2
    lshiftp 4, sp
    urshiftp 4, sp
    move sp, t3
    move t4, sp
    subp t4, t3
    andp -16, t3
    orp t3, t2
    subp 16, sp
    storep t4, 8[sp]
    peek 1, sp
    move sp, t3
    move t4, sp
    subp t4, t3
    orp t3, t2
    move t2, t0
    ret

# The C caller keeps sp 16-byte aligned before its call: after x86's return
# address push sp is 8 mod 16 at entry; ARM64 keeps it aligned.
# test x86: sp_mod16_at_entry(0) = 8
# test arm64: sp_mod16_at_entry(0) = 0
global _sp_mod16_at_entry
_sp_mod16_at_entry:
    move a0, t0
    move sp, t0
    andq 15, t0
    ret

# A frame built on cfr (callee-saved: restored before returning).
# test: frame_cfr(100, 58) = 42
# test: frame_cfr(0, 1) = -1
global _frame_cfr
_frame_cfr:
    move a0, t0
if ARM64
    push cfr, lr
else
    push cfr
end
    move sp, cfr
    subp 16, sp
    storeq t0, -8[cfr]
    storeq t1, -16[cfr]
    loadq -8[cfr], t2
    loadq -16[cfr], t3
    subq t3, t2
    move t2, t0
    move cfr, sp
if ARM64
    pop lr, cfr
else
    pop cfr
end
    ret

# The caller's cfr is saved at [cfr] once the frame is built (x86: push cfr;
# ARM64: push cfr, lr puts cfr at the lower address).
# test: frame_cfr_saved(0) = 0
global _frame_cfr_saved
_frame_cfr_saved:
    move a0, t0
    move cfr, t1
if ARM64
    push cfr, lr
else
    push cfr
end
    move sp, cfr
    loadq [cfr], t2
    subq t1, t2
    move t2, t0
if ARM64
    pop lr, cfr
else
    pop cfr
end
    ret

# Large frames (multiple pages; still 16-byte aligned).
# test: big_frame(0, 0x5a5a5a5a5a5a5a5a) = 0x5a5a5a5a5a5a5a5a
global _big_frame
_big_frame:
    move a0, t0
    subp 2048, sp
    storeq t1, 2040[sp]
    subp 2048, sp
    storeq 0, [sp]
    subp 2048, sp
    storeq 0, [sp]
    subp 2048, sp
    storeq 0, [sp]
    loadq 8184[sp], t0
    addp 8192, sp
    ret
