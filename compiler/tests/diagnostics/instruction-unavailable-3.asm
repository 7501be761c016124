# `remi` is reserved for the RISC-V back end (INSTRUCTIONS.md §19).
    remi t0, t1, t2
    cloopCrash
