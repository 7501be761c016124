# Bug (wrong everywhere): two exported entry points share one exit sequence
# that frees a 16-byte scratch area. vm_sum_checked reserves it; vm_sum_fast,
# added later, jumps to the same exit without reserving it, so at its `ret`
# sp is 16 bytes above its entry value on every target.
# Unbalanced stack at a return reached from two C-ABI entries.
#
# expect sysv: unbalanced-stack
# expect win64: unbalanced-stack
# expect arm64: unbalanced-stack

# u64 vm_sum_checked(u64 a, u64 b)
global _vm_sum_checked
_vm_sum_checked:
    subp 16, sp
    storep a0, [sp]
    storep a1, 8[sp]
    loadp [sp], t2
    addp 8[sp], t2
    move t2, r0
    jmp .exit

# u64 vm_sum_fast(u64 a, u64 b)
global _vm_sum_fast
_vm_sum_fast:
    addp a0, a1, t2
    move t2, r0
.exit:
    addp 16, sp                             # vm_sum_fast never reserved it
    ret
