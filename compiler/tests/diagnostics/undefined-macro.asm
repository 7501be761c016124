# `dispatchOp` is misspelled at the call site.
macro dispatchOp(size)
    addp size, t4
    jmp [t4]
end

macro op_nop()
    dispatchOP(1)
end

op_nop()
