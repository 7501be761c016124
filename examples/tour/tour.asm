# A short tour of the dialect. Try:
#   cargo run --release -p offasm -- expand examples/tour/tour.asm
#   cargo run --release -p offasm -- check  examples/tour/tour.asm --target aarch64-unknown-linux-gnu

const ValueSize = 8                      # a file-level constant

# Registers are logical: t0..t7 temporaries, a0.. arguments, r0 result,
# csr0.. callee-saved, cfr frame, sp stack. Each target maps them.
if X86_64_WIN
    const Counter = t4                   # t4 is not an argument register on Windows
else
    const Counter = t3
end

# A macro with a closure parameter and its own local labels.
macro forEachSlot(base, count, visit)
    move 0, Counter
.loop:
    bpaeq Counter, count, .done
    visit([base, Counter, ValueSize])    # hand the closure an address
    addp 1, Counter
    jmp .loop
.done:
end

macro defineSum(kind)
    global _sum_%kind%                   # exported symbol `sum_<kind>`
_sum_%kind%:
    move 0, r0
    forEachSlot(a0, a1, macro (slot)
        addq slot, r0                    # `r0` accumulates; the closure sees the caller's names
    end)
    ret
end

defineSum(values)
