# Bug: a WebAssembly host function with six parameters in wa0..wa5 uses t7 as
# its hash accumulator before it has read wa5. On x86-64 System V t7 is
# r9 = wa5. On ARM64 t7 is x7 and wa5 is x5: right. Windows x64 has no
# wa4/wa5/t7 and reads parameters 4 and 5 from the stack.
# Pair t7/wa5: written through t7, read through wa5.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

# u64 wasm_hash6(u64, u64, u64, u64, u64, u64)
global _wasm_hash6
_wasm_hash6:
    if X86_64_WIN
        xorq wa1, wa0, t0
        xorq wa2, t0
        xorq wa3, t0
        xorq 40[sp], t0
        xorq 48[sp], t0
        move t0, r0
    else
        xorq wa1, wa0, t7                   # System V: r9 = wa5
        xorq wa2, t7
        xorq wa3, t7
        xorq wa4, t7
        xorq wa5, t7
        move t7, r0
    end
    ret
