# A store needs an address destination, and a jump needs a label or register.
    storei t0, t1
    loadi t0, t1
