    move 8[cfr], t0
