    addi 1
    ret t0
    move 1, t0, t1
