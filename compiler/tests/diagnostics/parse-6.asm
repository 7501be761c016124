# `)` with no matching `(` in an expression, inside a macro call argument.
macro bump(v)
    addi v, t0
end
bump((1 + 2)))
