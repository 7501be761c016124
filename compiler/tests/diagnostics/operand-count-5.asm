# target: aarch64-apple-darwin
# ARM64 passes eight integer arguments in registers (a0..a7).
    moveargs t7, t6, t5, t4, t3, t2, t1, t0
    moveargs t7, t6, t5, t4, t3, t2, t1, t0, t8
