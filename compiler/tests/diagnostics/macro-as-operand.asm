# `fn` is bound to a macro; using it as a jump target is an error.
macro helper()
    addi 1, t0
end

macro callIt(fn)
    jmp fn
end

callIt(helper)
