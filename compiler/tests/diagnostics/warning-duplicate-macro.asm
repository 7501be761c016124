macro bumpCounter()
    addi 1, t0
end

bumpCounter()

macro bumpCounter()
    addi 2, t0
end
