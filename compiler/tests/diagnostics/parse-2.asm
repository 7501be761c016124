# A bad operand: the two address registers are missing their comma.
    loadi 8[t0 t1], t2
    addi 1, t2
