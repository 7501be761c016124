# A 32-bit operation cannot take a 64-bit immediate.
    addi 0x100000000, t0
    addi -0x80000000, t1
    addi -0x80000001, t2
