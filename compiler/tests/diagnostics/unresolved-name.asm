# `PayloadOffset` is never declared.
const TagOffset = 4
    loadi TagOffset[cfr], t0
    loadi PayloadOffset[cfr], t1
