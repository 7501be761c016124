# Two instructions cannot share a line; an empty operand.
    addi 1, t0 addi 2, t1
    subi , t2
