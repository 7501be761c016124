# target: x86_64-unknown-linux-gnu
# System V passes six integer arguments in registers (a0..a5).
    moveargs t7, t4, t3, t2, t1, t6
    moveargs t7, t4, t3, t2, t1, t6, t0
