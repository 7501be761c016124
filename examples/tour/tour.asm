# A short tour of the dialect. Try:
#   cargo run --release -p offasm --features cli -- expand examples/tour/tour.asm
#   cargo run --release -p offasm --features cli -- check  examples/tour/tour.asm --target aarch64-unknown-linux-gnu
# It defines `int64_t sum_values(const int64_t *values, uint64_t count)`.

const ValueSize = 8                  # constants are operands (here an integer)

# Registers are logical: t0.. temporaries, a0.. arguments, r0 result, csr0..
# callee-saved, cfr frame, sp stack. Each target maps them, differently: on
# ARM64 t0 = a0 = r0 (x0), so writing r0 before the last use of a0 destroys
# the array pointer there. Values live while a0 and a1 are still needed go
# in registers that are neither a0 nor a1 on any target.
if X86_64_WIN                        # settings: target-derived (X86_64, ARM64, OS_LINUX…) or -D NAME
    const Counter = t4               # r10: not an argument register on Windows
else
    const Counter = t3               # rcx / x3: a3, unused here
end
const Sum = t2                       # rdx / r8 / x2: a2 on every target, unused here

macro forEachSlot(base, count, visit)
    move 0, Counter
.loop:                               # local labels are fresh in every expansion
    bpaeq Counter, count, .done      # branch if unsigned >= (p = pointer width)
    visit([base, Counter, ValueSize])# call a macro parameter; addresses are off[base, index, scale]
    addp 1, Counter                  # two-operand form: Counter := Counter + 1
    jmp .loop
.done:
end

macro defineSum(kind)
    global _sum_%kind%               # %name% pastes an argument's spelling
_sum_%kind%:
    move 0, Sum                      # not r0: on ARM64 that is a0, the array
    forEachSlot(a0, a1, macro (slot) # an anonymous macro (closure)
        addq slot, Sum               # the closure sees the names of its caller
    end)
    move Sum, r0                     # the result, once the arguments are dead
    ret
end

defineSum(values)
