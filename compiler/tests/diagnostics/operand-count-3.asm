# target: x86_64-pc-windows-msvc
# moveargs writes a0..a(n-1): Windows x64 has four integer argument registers.
    moveargs a1, a0, a3, a2
    moveargs t1, t2, t3, t5, 0
    moveargs
