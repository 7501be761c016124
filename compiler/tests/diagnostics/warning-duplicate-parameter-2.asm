# `unused` is declared twice but never used: no warning. `value` is declared
# twice and used in a nested closure: warning.
macro op(fn)
    fn(t0, t1, t2, t3)
end
macro later(body)
    body()
end
op(macro (unused, value, unused, value)
    later(macro ()
        move 1, value
    end)
end)
