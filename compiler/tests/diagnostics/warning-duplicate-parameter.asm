macro pick(x, y, x)
    move x, t0
end
pick(1, 2, 3)
