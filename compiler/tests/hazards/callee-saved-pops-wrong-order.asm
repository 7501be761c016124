# Bug (wrong everywhere): the epilogue pops the callee-saved registers in the
# order they were pushed. `pop` must list them in reverse order; as written,
# csr0 and csr1 come back swapped on every target (x86-64 pushes one register
# at a time, ARM64 stores the pair in one slot pair, with the same result).
# Pops in the wrong order.
#
# expect sysv: callee-saved-clobbered, callee-saved-clobbered
# expect win64: callee-saved-clobbered, callee-saved-clobbered
# expect arm64: callee-saved-clobbered, callee-saved-clobbered

include prelude

# u64 vm_accumulate(VM* vm, const u64* values, u64 count)
global _vm_accumulate
_vm_accumulate:
    functionPrologue()
    push csr0, csr1
    move 0, csr0
    move 0, csr1
.loop:
    bpaeq csr1, a2, .done
    addq [a1, csr1, 8], csr0
    addp 1, csr1
    jmp .loop
.done:
    move csr0, r0
    pop csr0, csr1                          # should be: pop csr1, csr0
    functionEpilogue()
    ret
