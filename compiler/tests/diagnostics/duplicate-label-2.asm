# The same local label twice in one macro body.
macro loopTwice()
.loop:
    subi 1, t0
    btinz t0, .loop
.loop:
    subi 1, t1
    btinz t1, .loop
end

loopTwice()
