# First half of an include cycle (used by include-cycle.asm).
macro fromA()
    addi 1, t0
end
include CycleB
