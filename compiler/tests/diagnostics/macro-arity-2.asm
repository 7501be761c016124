# A closure called with the wrong number of arguments.
macro eachPair(visit)
    visit(t0, t1)
    visit(t2)
end

eachPair(macro (x, y)
    addq x, y
end)
