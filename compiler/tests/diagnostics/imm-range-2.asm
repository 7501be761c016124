# The bad immediate comes from three macro expansions deep: the chain shows
# every call, innermost first.
macro storeTag(value, base)
    storei value, 4[base]
end

macro boxInt32(payload, base)
    storei payload, [base]
    storeTag(0xfffffffff, base)
end

macro emitReturn(base)
    boxInt32(t0, base)
    ret
end

emitReturn(cfr)
