# target: x86_64-unknown-linux-gnu
# moveargs sources are general-purpose registers or immediates.
    moveargs 8[t0], t1
    moveargs t1, ft0
