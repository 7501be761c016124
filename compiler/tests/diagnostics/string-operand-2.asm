# A string is only an operand of `emit` (here a plain string operand of `move`).
    move "rax", t0
