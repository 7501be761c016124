# args: --max-expansion-depth=8
# A macro that calls itself unconditionally never stops expanding.
macro loop(reg)
    addi 1, reg
    loop(reg)
end

loop(t0)
    ret
