# `%op%` is bound to a macro, which has no spelling.
macro helper()
end
macro defineEntry(op)
_llint_%op%:
    ret
end
defineEntry(helper)
