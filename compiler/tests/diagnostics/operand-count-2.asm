# An instruction without operands followed by a comment, and one followed by
# `end` on the same line.
    addi    # increment
macro m()
    subi   end
m()
