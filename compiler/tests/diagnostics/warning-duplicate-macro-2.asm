# Two definitions of `h` in one macro body; the body is expanded three times.
macro outer()
    macro h()
        nop
    end
    macro h()
        ret
    end
    h()
end
outer()
outer()
outer()
