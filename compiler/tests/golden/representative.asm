# A representative program for the assembly golden files: exported and
# file-local symbols, local labels, calls (internal and external), label
# addresses, memory operands, shifts by register, compares, floating point.

const ValueSize = 8

macro prologue()
    if ARM64
        push cfr, lr
    else
        push cfr
    end
    move sp, cfr
end

macro epilogue()
    if ARM64
        pop lr, cfr
    else
        pop cfr
    end
    ret
end

global _rep_sum
_rep_sum:                         # sum of a1 u64 values at a0
    prologue()
    move a0, t0
    move 0, t4
    move 0, t5
.loop:
    bqaeq t5, t1, .done
    addq [t0, t5, ValueSize], t4
    addp 1, t5
    jmp .loop
.done:
    move t4, r0
    epilogue()

global _rep_shift
_rep_shift:
    move a0, t0
    lshiftq t1, t0
    urshifti t3, t0
    lrotateq 3, t0
    ret

_rep_helper:                      # file-local
    addi 1, t0
    ret

global _rep_calls
_rep_calls:
    prologue()
    move a0, t0
    call _rep_helper
    leap _rep_table, t1
    loadq 8[t1], t2
    addq t2, t0
    leap _rep_external_data, t2
    epilogue()

global _rep_fp
_rep_fp:
    fq2d a0, ft0
    fq2d a1, ft1
    addd ft0, ft1, ft2
    muld ft2, ft2
    sqrtd ft2, ft3
    bdltun ft3, ft0, .small
    truncated2qs ft3, t0
    ret
.small:
    move -1, t0
    ret

global _rep_compare
_rep_compare:
    move a0, t0
    cieq t0, 0x7fffffff, t4
    cqlt t0, 0x123456789, t5
    addi t4, t5
    move t5, t0
    btinz t0, .nonzero
    move 0xffffffffffff, t0
.nonzero:
    ret

# Sub-word memory operands are accessed at exactly their width (a byte
# compare reads one byte, `orh` reads and writes two): see the page-edge
# oracle in compiler/tests/exec.rs.
global _rep_subword_memory
_rep_subword_memory:
    move a0, t4
    move 0, t0
    bbeq [t4], 7, .seven
    cbgt t1, 1[t4], t0
    cbb [t4], t1, t2
    orh 3, 2[t4]
    bbaeq t1, [t4], .seven
    ret
.seven:
    move 7, t0
    ret

# moveargs: a swap through the scratch register, a cycle broken by its
# fan-out copy, an immediate loaded last.
global _rep_moveargs
_rep_moveargs:
    moveargs a1, a0
    moveargs a1, a0, a0, 0x123456789
    move a0, r0
    ret

global _rep_table
_rep_table:
    emit ".quad 1, 2, 3"
