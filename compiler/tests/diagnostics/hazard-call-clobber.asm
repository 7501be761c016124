# target: x86_64-unknown-linux-gnu
# t4 kept across a C call: every target may change it.
global _count
_count:
    push cfr
    move sp, cfr
    move a0, t4
    call _host_tick
    move t4, r0
    pop cfr
    ret
