# Several independent errors in one run: each instruction is reported.
    storei t0, t1
    addi 0x100000000, t0
    loadq [t0, t1, 3], t2
    move 0, lr
    divi t1, t0
    move Undefined, t3
    bo _somewhere
