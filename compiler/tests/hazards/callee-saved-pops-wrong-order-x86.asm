# Bug: the callee-saved registers are saved with one four-register push on
# x86-64 and with two pair pushes on ARM64. The ARM64 epilogue pops the pairs
# in reverse order, correctly; the x86-64 epilogue repeats the push order, so
# csr0..csr3 come back reversed (csr0 gets csr3's value, and so on) on both
# x86-64 ABIs.
# Pops in the wrong order (x86-64 only).
#
# expect sysv: callee-saved-clobbered, callee-saved-clobbered, callee-saved-clobbered, callee-saved-clobbered
# expect win64: callee-saved-clobbered, callee-saved-clobbered, callee-saved-clobbered, callee-saved-clobbered
# expect arm64: none

# u64 vm_mix4(u64 a, u64 b, u64 c, u64 d)
global _vm_mix4
_vm_mix4:
    if ARM64
        push cfr, lr
        move sp, cfr
        push csr0, csr1
        push csr2, csr3
    else
        push cfr
        move sp, cfr
        push csr0, csr1, csr2, csr3
    end
    move a0, csr0
    move a1, csr1
    move a2, csr2
    move a3, csr3
    xorq csr1, csr0
    xorq csr3, csr2
    addq csr2, csr0
    move csr0, r0
    if ARM64
        pop csr3, csr2
        pop csr1, csr0
        pop lr, cfr
    else
        pop csr0, csr1, csr2, csr3          # should be: pop csr3, csr2, csr1, csr0
        pop cfr
    end
    ret
