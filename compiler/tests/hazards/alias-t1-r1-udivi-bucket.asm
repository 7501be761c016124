# Bug: a hash-table lookup keeps the bucket array in t1 across the 32-bit
# x86 division that computes hash % capacity. `move 0, r1` and `udivi` write
# r1, which is rdx = t1 on Windows x64, so the bucket is loaded relative to
# the remainder. On x86-64 System V r1 is rdx = t2 and t1 is rsi: right. ARM64
# divides with divi.
# Pair t1/r1: written through r1 (`move 0, r1`, udivi's implicit write), read through t1.
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

const Table_buckets = 0
const Table_capacity = 8

# u64 vm_bucket_for(Table* table, u32 hash)
global _vm_bucket_for
_vm_bucket_for:
    loadp Table_buckets[a0], t1
    loadi Table_capacity[a0], t3
    if ARM64
        divi t3, a1, t2                     # t2 := hash / capacity
        muli t3, t2
        subi a1, t2, t2                     # the remainder
        loadp [t1, t2, 8], r0
    else
        move a1, r0
        move 0, r1                          # Windows: rdx = t1, the buckets
        udivi t3
        loadp [t1, r1, 8], r0
    end
    ret
