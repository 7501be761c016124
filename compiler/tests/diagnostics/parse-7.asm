# A macro call whose `)` is missing: newlines inside the parentheses are
# insignificant, so the error shows up on the next line.
macro storePair(a, b)
    storeq a, [cfr]
    storeq b, 8[cfr]
end
storePair(t0, t1
    addi 1, t0
