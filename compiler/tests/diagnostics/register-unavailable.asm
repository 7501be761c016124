# target: x86_64-pc-windows-msvc
# Windows x64 has fewer argument registers: `t7` does not exist there.
    move 0, t7
    move 0, t6
