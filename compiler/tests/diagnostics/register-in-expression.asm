# Registers cannot take part in arithmetic.
    move t0 + 4, t1
    loadi (t2 * 8)[cfr], t3
