# target: aarch64-unknown-linux-gnu
# `cdqi` (sign-extend into r1 for `idivi`) only exists on x86-64.
    cdqi
    idivi t2
