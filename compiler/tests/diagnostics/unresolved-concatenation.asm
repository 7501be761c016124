# `%opcode%` is misspelled: the parameter is `opName`.
macro slowPathFor(opName)
    call _slow_path_%opcode%
end

slowPathFor(op_add)
