# `%kind%` needs a name, but the argument is an integer expression.
macro defineReader(kind)
_read_%kind%:
    loadi %kind%Header::length[t0], r0
    ret
end

defineReader(4 + 1)
