# Bug: a WebAssembly host function with six parameters uses t5 as scratch
# before it has read wa5. On ARM64 t5 and wa5 are both x5. On x86-64 System V
# t5 is r10 and wa5 is r9: right. Windows x64 has no wa5 and reads that
# parameter from the stack.
# Pair t5/wa5: written through t5, read through wa5.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

# u64 wasm_clamp6(u64 x, u64 lo, u64 hi, u64 u0, u64 u1, u64 bias)
global _wasm_clamp6
_wasm_clamp6:
    move wa0, t5                            # ARM64: x5 = wa5
    bpaeq t5, wa1, .notLow
    move wa1, t5
.notLow:
    bpbeq t5, wa2, .notHigh
    move wa2, t5
.notHigh:
    if X86_64_WIN
        addq 48[sp], t5
    else
        addq wa5, t5                        # ARM64: reads the clamped value
    end
    move t5, r0
    ret
