# Right everywhere: a leaf copies its first argument to t5 and keeps reading
# a0 as well. On Windows x64 t5 and a0 are the same register rcx, so
# `move a0, t5` copies rcx to itself and a0 is unchanged; on System V
# (t5 = r10) and ARM64 (t5 = x5) both registers hold the pointer. t5 is never
# written again, so nothing is destroyed on any target.
#
# expect sysv: none
# expect win64: none
# expect arm64: none

const Pair_first = 0
const Pair_second = 8

# u64 vm_pair_sum(Pair* pair)
global _vm_pair_sum
_vm_pair_sum:
    move a0, t5                             # Windows: rcx to itself
    loadp Pair_first[a0], t2
    loadp Pair_second[t5], t3
    addp t3, t2, r0
    ret
