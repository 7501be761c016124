# `.done` is defined in the caller's body, not lexically visible in `check`.
macro check(reg)
    btiz reg, .done
end

macro run()
    check(t0)
.done:
    ret
end

run()
