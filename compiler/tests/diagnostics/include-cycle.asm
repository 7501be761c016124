# CycleA includes CycleB, which includes CycleA again.
include CycleA
    ret
