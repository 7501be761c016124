# The unresolved name is inside a file-level constant that is used twice.
const Base = Undefined
    loadi 8[t0], t1
    move Base, t2
    move Base, t3
