# Right everywhere: an exported function calls a helper defined in the same
# file. The checker uses the helper's summary instead of the C convention:
# the helper is a leaf that only writes t2 and r0, so the value in t3 is
# still there after the call, and no alignment or shadow space is needed for
# it (on x86-64 sp is 8 mod 16 at the internal call). ARM64 saves lr, which
# the call overwrites.
#
# expect sysv: none
# expect win64: none
# expect arm64: none

# u64 vm_scaled_sum(const u64* values, u64 scale)
global _vm_scaled_sum
_vm_scaled_sum:
    if ARM64
        push cfr, lr
    end
    move a1, t3                             # the scale, kept across the call
    call _sum_pair                          # r0 := values[0] + values[1]
    mulq t3, r0
    if ARM64
        pop lr, cfr
    end
    ret

# internal: r0 := a0[0] + a0[1]; writes t2 and r0 only
_sum_pair:
    loadq [a0], t2
    addq 8[a0], t2
    move t2, r0
    ret
