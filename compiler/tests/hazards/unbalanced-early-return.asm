# Bug (wrong everywhere): the early exit for an empty input returns without
# popping the registers saved at the entry. sp is 16 bytes below its entry
# value at that `ret` on every target (x86-64 `ret` even pops a saved register
# as the return address).
# Unbalanced stack at a return.
#
# expect sysv: unbalanced-stack
# expect win64: unbalanced-stack
# expect arm64: unbalanced-stack

# u64 vm_max(const u64* values, u64 count)
global _vm_max
_vm_max:
    push csr0, csr1
    btpz a1, .empty
    move 0, csr0
    move 0, csr1
.loop:
    bpaeq csr1, a1, .done
    loadq [a0, csr1, 8], t2
    bqbeq t2, csr0, .next
    move t2, csr0
.next:
    addp 1, csr1
    jmp .loop
.done:
    move csr0, r0
    pop csr1, csr0
    ret
.empty:
    move 0, r0
    ret                                     # the push is still on the stack
