# Bug: a leaf function spills a value with `subp 8, sp` / `storep … [sp]`.
# x86-64 accepts any sp alignment for an ordinary store, so the code runs
# there; on ARM64 a load or store based on an sp that is not a multiple of 16
# faults (TARGETS.md §2.3).
#
# expect sysv: none
# expect win64: none
# expect arm64: misaligned-stack, misaligned-stack

global _vm_spill_one
_vm_spill_one:                              # u64 vm_spill_one(u64 x)
    subp 8, sp
    storep a0, [sp]
    move 0, t2
    loadp [sp], t3
    addp 8, sp
    move t3, r0
    ret
