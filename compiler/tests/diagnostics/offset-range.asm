# Address offsets must fit in 32 bits (signed).
    loadq 0x80000000[cfr], t0
    loadq -0x80000000[cfr], t1
