    move 010, t0
    move 08, t1
    move 019, t2
