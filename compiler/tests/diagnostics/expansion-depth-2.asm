# args: --max-expansion-depth=8
# Indirect recursion through two macros; the later statement is still checked.
macro ping()
    pong()
end
macro pong()
    ping()
end

ping()
    addi 0x100000000, t0
