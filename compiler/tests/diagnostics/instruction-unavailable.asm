# target: x86_64-unknown-linux-gnu
# Two-operand division only exists on ARM64.
    divi t1, t0
