# Second half of an include cycle (used by include-cycle.asm).
macro fromB()
    addi 2, t0
end
include CycleA
