# target: aarch64-unknown-linux-gnu
# A label difference is only allowed on x86-64.
_start:
    nop
_end:
    move _end - _start, t0
