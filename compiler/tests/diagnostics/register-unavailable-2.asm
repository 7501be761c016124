# target: x86_64-unknown-linux-gnu
# `lr` is ARM64 only; the register arrives through a parameter.
macro saveReturnAddress(reg)
    push cfr, reg
end
saveReturnAddress(lr)
