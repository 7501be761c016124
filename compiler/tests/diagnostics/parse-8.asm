# An `if` that is never closed.
if X86_64
    addi 1, t0
    move 1, t1
