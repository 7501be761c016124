# A global label defined twice (once through a concatenation).
macro defineEntry(name)
_llint_%name%:
    ret
end

_llint_op_enter:
    nop
defineEntry(op_enter)
