# A scale must be 1, 2, 4 or 8 (also when it comes from a constant).
const ElemSize = 16
    loadq [t0, t1, 3], t2
    loadq [t0, t1, ElemSize], t2
