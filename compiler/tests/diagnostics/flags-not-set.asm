# `bo` must directly follow a flag-setting instruction.
    addi 1, t0
    bo _overflow
    addis 1, t1
.here:
    bs _negative
    addis 1, t2
    bz _zero
