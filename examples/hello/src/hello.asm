# hello.asm — C-ABI functions written once for every offasm target.
#
# Built by build.rs (offasm::build) into the static library `hello_asm`;
# src/main.rs declares and calls them. Registers are logical (a0.. arguments,
# r0 result, t* temporaries, csr* callee-saved); the prelude's macros supply
# the per-ABI frame and call sequences.

include prelude

# u64 hello_muladd(u64 a, u64 b, u64 c): a * b + c, wrapping.
# A leaf: no frame needed.
global _hello_muladd
_hello_muladd:
    mulq a0, a1, r0                 # three operands: r0 := a0 * a1
    addq a2, r0
    ret

# forEachIndex(count, index, body): body() for index = 0 .. count - 1.
# `index` must be a register distinct from `count`.
macro forEachIndex(count, index, body)
    move 0, index
.loop:
    bpaeq index, count, .done       # unsigned index >= count: finished
    body()
    addp 1, index
    jmp .loop
.done:
end

# u64 hello_sum(const u64 *ptr, usize len): the wrapping sum of ptr[0..len].
# The element is read through base + index * 8 addressing.
global _hello_sum
_hello_sum:
    move a0, t3                     # a0 is also r0 (and t0) on ARM64: move it away
    move 0, r0                      # the sum
    forEachIndex(a1, t2, macro ()
        addq [t3, t2, 8], r0
    end)
    ret

# u64 hello_fold(u64 (*step)(u64 acc, u64 i), u64 init, u64 n):
#   acc := init; for i in 0 .. n: acc := step(acc, i); return acc.
# Calls back into Rust through a function pointer; step, n, i and acc live in
# callee-saved registers across the calls.
global _hello_fold
_hello_fold:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0                   # step
    move a1, csr3                   # acc
    move a2, csr1                   # n
    forEachIndex(csr1, csr2, macro ()
        cCall2(csr0, csr3, csr2)    # acc := step(acc, i)
        move r0, csr3
    end)
    move csr3, r0
    popCalleeSaves()
    functionEpilogue()
    ret

# u64 hello_reverse4(u64 a, u64 b, u64 c, u64 d):
#   hello_rust_mix4(d, c, b, a) + a, where hello_rust_mix4 is a Rust
#   `extern "C"` function reached as an external symbol. cCall4 places its
#   arguments with one parallel move (`moveargs a3, a2, a1, a0`), so reversing
#   the argument registers in place is correct on every target: no value is
#   overwritten before it is read, however the registers alias.
global _hello_reverse4
_hello_reverse4:
    functionPrologue()
    pushCalleeSaves()               # sp is 16-byte aligned, as cCall4 requires
    move a0, csr0                   # a is needed after the call
    cCall4(_hello_rust_mix4, a3, a2, a1, a0)
    addq csr0, r0                   # csr0 survived the call
    popCalleeSaves()
    functionEpilogue()
    ret
