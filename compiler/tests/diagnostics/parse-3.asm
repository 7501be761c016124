# The macro is never closed with `end`.
macro dispatch(size)
    addp size, t4
    jmp [t4]

dispatch(4)
