# `t0` is a register name and cannot be used as a constant name.
const t0 = 5
    move 1, t1
