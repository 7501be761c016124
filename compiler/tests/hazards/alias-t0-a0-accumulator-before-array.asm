# Bug: a checksum loop clears its accumulator t0 before it has finished with
# its first argument. On ARM64 t0 and a0 are both x0, so the loop then reads
# the array through a null pointer. On x86-64 t0 is rax and a0 is rdi (System
# V) or rcx (Windows), and the code is right.
# Pair t0/a0: written through t0, read through a0.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

# u64 checksum(const u64* words, u64 count)
global _checksum
_checksum:
    move 0, t0                      # accumulator (ARM64: x0 = a0, the array)
    move 0, t3                      # index
.loop:
    bpaeq t3, a1, .done
    loadq [a0, t3, 8], t2           # ARM64: a0 now holds the accumulator
    xorq t2, t0
    addp 1, t3
    jmp .loop
.done:
    move t0, r0
    ret
