# arm64_only.asm — instructions available only on ARM64 targets
# (INSTRUCTIONS.md §3 pairs, §4.5 bfiq, §4.6 division, §4.8 smulli,
# §16.2 fetch-and-clear/or/xor, §16.4 exclusives, §17 pcrtoaddr/globaladdr).
# Hand-written; every function is guarded by `if ARM64`.

if ARM64

# --- §4.6 division: divisor first; x/0 = 0; MIN / -1 = MIN ------------------
# test arm64: a64_divi(100, 7) = 14
# test arm64: a64_divi(0xffffffff, 2) = 0x7fffffff
# test arm64: a64_divi(5, 0) = 0
# test arm64: a64_divi(0x100000064, 7) = 14
global _a64_divi
_a64_divi:
    move a0, t0
    divi t1, t0
    ret

# test arm64: a64_divis(-100, 7) = 0xfffffff2
# test arm64: a64_divis(0x80000000, -1) = 0x80000000
# test arm64: a64_divis(7, 0) = 0
global _a64_divis
_a64_divis:
    move a0, t0
    divis t1, t0
    ret

# Three operands: d := b / a.
# test arm64: a64_divi3(100, 7) = 14
# test arm64: a64_divi3(7, 100) = 0
global _a64_divi3
_a64_divi3:
    move a0, t0
    divi t1, t0, t2
    move t2, t0
    ret

# test arm64: a64_divq(100, 7) = 14
# test arm64: a64_divq(-1, 2) = 0x7fffffffffffffff
# test arm64: a64_divq(9, 0) = 0
global _a64_divq
_a64_divq:
    move a0, t0
    divq t1, t0
    ret

# test arm64: a64_divqs(-100, 7) = -14
# test arm64: a64_divqs(0x8000000000000000, -1) = 0x8000000000000000
# test arm64: a64_divqs(-9, 0) = 0
global _a64_divqs
_a64_divqs:
    move a0, t0
    divqs t1, t0
    ret

# --- §4.8 widening multiply ------------------------------------------------
# test arm64: a64_smulli(-2, 3) = -6
# test arm64: a64_smulli(0x7fffffff, 0x7fffffff) = 0x3fffffff00000001
# test arm64: a64_smulli(0x100000002, 3) = 6
# test arm64: a64_smulli(0x80000000, 0x80000000) = 0x4000000000000000
global _a64_smulli
_a64_smulli:
    move a0, t0
    smulli t0, t1, t2
    move t2, t0
    ret

# --- §4.5 bit-field insert: bits 8..23 of t0 := bits 0..15 of t1 -------------
# test arm64: a64_bfiq(0xffffffffffffffff, 0x1234) = 0xffffffffff1234ff
# test arm64: a64_bfiq(0, 0xabcdef) = 0x00cdef00
global _a64_bfiq
_a64_bfiq:
    move a0, t0
    bfiq t1, 8, 16, t0
    ret

# test arm64: a64_bfiq_top(0, 1) = 0x8000000000000000
global _a64_bfiq_top
_a64_bfiq_top:
    move a0, t0
    bfiq t1, 63, 1, t0
    ret

# --- §3 pairs ----------------------------------------------------------------
# test arm64: a64_loadpairq(5, 7) = 19
global _a64_loadpairq
_a64_loadpairq:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    storeq t1, 8[sp]
    loadpairq [sp], t2, t3
    addp 16, sp
    lshiftq 1, t3
    addq t3, t2
    move t2, t0
    ret

# test arm64: a64_storepairq(5, 7) = 17
global _a64_storepairq
_a64_storepairq:
    move a0, t0
    subp 16, sp
    storepairq t0, t1, [sp]
    loadq [sp], t2
    loadq 8[sp], t3
    addp 16, sp
    lshiftq 1, t2
    addq t3, t2
    move t2, t0
    ret

# test arm64: a64_pairsd_second(1, 0x4000000000000000) = 0x4000000000000000
global _a64_pairsd_second
_a64_pairsd_second:
    move a0, t0
    fq2d t0, ft0
    fq2d t1, ft1
    subp 16, sp
    storepaird ft0, ft1, [sp]
    loadpaird [sp], ft2, ft3
    addp 16, sp
    fd2q ft3, t0
    ret

# test arm64: a64_pairsd_first(0x3ff0000000000000, 2) = 0x3ff0000000000000
global _a64_pairsd_first
_a64_pairsd_first:
    move a0, t0
    fq2d t0, ft0
    fq2d t1, ft1
    subp 16, sp
    storepaird ft0, ft1, [sp]
    loadpaird [sp], ft2, ft3
    addp 16, sp
    fd2q ft2, t0
    ret

# --- §16.2 fetch-and-clear / or / xor ------------------------------------------
# Returns the new memory word.
# test arm64: a64_clearq_mem(0xff, 0x0f) = 0xf0
global _a64_clearq_mem
_a64_clearq_mem:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgclearq t1, [sp]
    loadq [sp], t0
    addp 16, sp
    ret

# Two operands: the old value comes back in the value register.
# test arm64: a64_clearq_old(0xff, 0x0f) = 0xff
global _a64_clearq_old
_a64_clearq_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgclearq t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# A byte operation touches one byte only.
# test arm64: a64_clearb_mem(0x1ff, 0x0f) = 0x1f0
global _a64_clearb_mem
_a64_clearb_mem:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgclearb t1, [sp]
    loadq [sp], t0
    addp 16, sp
    ret

# Three operands: old value into the third register, zero-extended.
# test arm64: a64_ori_old(0x1000000f0, 0x0f) = 0xf0
global _a64_ori_old
_a64_ori_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgori t1, [sp], t2
    addp 16, sp
    move t2, t0
    ret

# test arm64: a64_ori_mem(0x1000000f0, 0x0f) = 0x1000000ff
global _a64_ori_mem
_a64_ori_mem:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgori t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_orq_mem(0xf000000000000000, 1) = 0xf000000000000001
global _a64_orq_mem
_a64_orq_mem:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgorq t1, [sp]
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_xori_mem(0xff, 0x0f) = 0xf0
global _a64_xori_mem
_a64_xori_mem:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgxori t1, [sp]
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_xorq_old(0x123, 0xfff) = 0x123
global _a64_xorq_old
_a64_xorq_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgxorq t1, [sp], t2
    addp 16, sp
    move t2, t0
    ret

# --- §16.4 exclusive load / store-conditional ---------------------------------
# test arm64: a64_llsc_i(0x100000005, 3) = 0x100000008
global _a64_llsc_i
_a64_llsc_i:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
.retry:
    loadlinkacqi [sp], t2
    addi t1, t2
    storecondreli t3, t2, [sp]
    btinz t3, .retry
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_llsc_q(0xffffffffffffffff, 2) = 1
global _a64_llsc_q
_a64_llsc_q:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
.retryq:
    loadlinkacqq [sp], t2
    addq t1, t2
    storecondrelq t3, t2, [sp]
    btinz t3, .retryq
    loadq [sp], t0
    addp 16, sp
    ret

# --- §17 code and symbol addresses ------------------------------------------------
# test arm64: a64_pcrtoaddr(0) = 1
global _a64_pcrtoaddr
_a64_pcrtoaddr:
    move a0, t0
    pcrtoaddr .here, t2
    jmp t2
    move 99, t0
.here:
    addq 1, t0
    ret

# test arm64: a64_pcr_vs_leap(0) = 0
global _a64_pcr_vs_leap
_a64_pcr_vs_leap:
    pcrtoaddr .there, t2
    leap .there, t3
    subq t3, t2
    move t2, t0
.there:
    ret

# test arm64: a64_globaladdr(0) = 42
global _a64_globaladdr
_a64_globaladdr:
    globaladdr _a64_data, t2
    leap _a64_data, t3
    bpneq t2, t3, .bad
    loadq [t2], t0
    ret
.bad:
    move -1, t0
    ret
    emit ".p2align 3"            # align the data before its label

global _a64_data
_a64_data:
    emit ".quad 42"


# --- narrow widths of the fetch-and-op family, and exclusives (generated by hand-run Python; see arm64_only.asm header) ---
# test arm64: a64_clearb_w(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x1122334455667708
global _a64_clearb_w
_a64_clearb_w:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgclearb t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_clearb_w_old(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x88
global _a64_clearb_w_old
_a64_clearb_w_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgclearb t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# test arm64: a64_clearh_w(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x1122334455660708
global _a64_clearh_w
_a64_clearh_w:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgclearh t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_clearh_w_old(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x7788
global _a64_clearh_w_old
_a64_clearh_w_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgclearh t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# test arm64: a64_cleari_w(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x1122334405060708
global _a64_cleari_w
_a64_cleari_w:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgcleari t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_cleari_w_old(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x55667788
global _a64_cleari_w_old
_a64_cleari_w_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgcleari t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# test arm64: a64_clearq_w(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x102030405060708
global _a64_clearq_w
_a64_clearq_w:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgclearq t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_clearq_w_old(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x1122334455667788
global _a64_clearq_w_old
_a64_clearq_w_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgclearq t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# test arm64: a64_orb_w(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x11223344556677f8
global _a64_orb_w
_a64_orb_w:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgorb t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_orb_w_old(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x88
global _a64_orb_w_old
_a64_orb_w_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgorb t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# test arm64: a64_orh_w(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x112233445566f7f8
global _a64_orh_w
_a64_orh_w:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgorh t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_orh_w_old(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x7788
global _a64_orh_w_old
_a64_orh_w_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgorh t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# test arm64: a64_ori_w(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x11223344f5f6f7f8
global _a64_ori_w
_a64_ori_w:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgori t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_ori_w_old(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x55667788
global _a64_ori_w_old
_a64_ori_w_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgori t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# test arm64: a64_orq_w(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0xf1f2f3f4f5f6f7f8
global _a64_orq_w
_a64_orq_w:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgorq t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_orq_w_old(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x1122334455667788
global _a64_orq_w_old
_a64_orq_w_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgorq t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# test arm64: a64_xorb_w(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x1122334455667778
global _a64_xorb_w
_a64_xorb_w:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgxorb t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_xorb_w_old(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x88
global _a64_xorb_w_old
_a64_xorb_w_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgxorb t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# test arm64: a64_xorh_w(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x1122334455668778
global _a64_xorh_w
_a64_xorh_w:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgxorh t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_xorh_w_old(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x7788
global _a64_xorh_w_old
_a64_xorh_w_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgxorh t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# test arm64: a64_xori_w(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x11223344a5968778
global _a64_xori_w
_a64_xori_w:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgxori t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_xori_w_old(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x55667788
global _a64_xori_w_old
_a64_xori_w_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgxori t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# test arm64: a64_xorq_w(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0xe1d2c3b4a5968778
global _a64_xorq_w
_a64_xorq_w:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgxorq t1, [sp], t2
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_xorq_w_old(0x1122334455667788, 0xf0f0f0f0f0f0f0f0) = 0x1122334455667788
global _a64_xorq_w_old
_a64_xorq_w_old:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
    atomicxchgxorq t1, [sp]
    addp 16, sp
    move t1, t0
    ret

# test arm64: a64_llsc_b(0x1122334455667788, 3) = 0x112233445566778b
global _a64_llsc_b
_a64_llsc_b:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
.retry_b:
    loadlinkacqb [sp], t2
    addi t1, t2
    storecondrelb t3, t2, [sp]
    btinz t3, .retry_b
    loadq [sp], t0
    addp 16, sp
    ret

# test arm64: a64_llsc_h(0x1122334455667788, 3) = 0x112233445566778b
global _a64_llsc_h
_a64_llsc_h:
    move a0, t0
    subp 16, sp
    storeq t0, [sp]
.retry_h:
    loadlinkacqh [sp], t2
    addi t1, t2
    storecondrelh t3, t2, [sp]
    btinz t3, .retry_h
    loadq [sp], t0
    addp 16, sp
    ret


# Three-operand forms of the other divisions (d := b / a).
# test arm64: a64_divis3(-7, 100) = 0xfffffff2
global _a64_divis3
_a64_divis3:
    move a0, t0
    divis t0, t1, t2
    move t2, t0
    ret

# test arm64: a64_divq3(7, 100) = 14
global _a64_divq3
_a64_divq3:
    move a0, t0
    divq t0, t1, t2
    move t2, t0
    ret

# test arm64: a64_divqs3(-7, 100) = -14
# test arm64: a64_divqs3(-1, 0x8000000000000000) = 0x8000000000000000
global _a64_divqs3
_a64_divqs3:
    move a0, t0
    divqs t0, t1, t2
    move t2, t0
    ret

end
