# A string is only an operand of `emit`.
    move "rax" + 1, t0
