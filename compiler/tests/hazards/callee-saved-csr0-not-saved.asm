# Bug (wrong everywhere): a leaf loop keeps its end pointer in csr0 without
# saving it. csr0 is callee-saved on every target (rbx on both x86-64 ABIs,
# x19 on ARM64), so the caller finds it changed.
# A callee-saved register used but not saved.
#
# expect sysv: callee-saved-clobbered
# expect win64: callee-saved-clobbered
# expect arm64: callee-saved-clobbered

# u64 vm_count_zeros(const u64* words, u64 count)
global _vm_count_zeros
_vm_count_zeros:
    move a0, t3
    leap [t3, a1, 8], csr0                  # end pointer in a callee-saved register
    move 0, t2
.loop:
    bpaeq t3, csr0, .done
    btqnz [t3], .next
    addp 1, t2
.next:
    addp 8, t3
    jmp .loop
.done:
    move t2, r0
    ret
