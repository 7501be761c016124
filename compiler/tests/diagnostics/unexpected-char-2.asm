# A single `/` is not an annotation (those start with `//`), nor a division.
const HalfSlot = 8 / 2
    addp HalfSlot, sp
