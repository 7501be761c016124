# Folding uses 128-bit arithmetic; this leaves that range.
    move 0xffffffffffffffff * 0xffffffffffffffff * 0xffffffffffffffff, t0
