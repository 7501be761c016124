# 2^64 does not fit in a 64-bit literal (hex and decimal).
    move 0x10000000000000000, t0
    move 18446744073709551616, t1
    move 18446744073709551615, t2
