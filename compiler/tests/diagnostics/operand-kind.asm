# A store needs an address destination; a load needs an address or label source.
    storei t0, t1
    loadi t0, t1
