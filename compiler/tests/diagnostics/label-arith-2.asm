# target: aarch64-unknown-linux-gnu
# A label difference is only allowed on x86-64 (as an address offset and as
# the source of `move`); both uses below are `label-arith` on ARM64.
_start:
    nop
_end:
    loadq (_end - _start)[t1], t0
    move _end - _start, t0
