# A string is only an operand of `emit` (LANGUAGE.md §10.5): in arithmetic,
# and as a plain operand of another instruction.
    move "rax" + 1, t0
    move "rax", t0
