# target: aarch64-unknown-linux-gnu
# `pop` moves sp itself: popping into sp is rejected on every target.
    push t0, t1
    pop sp, t1
