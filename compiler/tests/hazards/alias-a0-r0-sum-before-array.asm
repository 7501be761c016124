# Bug: the original README tour: the sum is accumulated directly in r0 while
# the loop still reads the array through a0. On ARM64 r0 and a0 are both x0,
# so the second iteration loads through the partial sum (a crash). On x86-64
# r0 is rax and a0 is rdi (System V) or rcx (Windows): right.
# Pair a0/r0: written through r0, read through a0.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

# u64 sum_values(const u64* values, u64 count)
global _sum_values
_sum_values:
    move 0, r0                              # ARM64: x0 = a0, the array
    move 0, t3
.loop:
    bpaeq t3, a1, .done
    addq [a0, t3, 8], r0
    addp 1, t3
    jmp .loop
.done:
    ret
