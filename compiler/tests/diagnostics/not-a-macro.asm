# `slowPath` is bound to a register, not a macro, so it cannot be called.
macro callSlowPath(slowPath)
    slowPath()
end

callSlowPath(t3)
