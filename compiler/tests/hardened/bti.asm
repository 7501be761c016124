# Hardened control flow (tests/hardened.rs): indirect jumps to labels whose
# address is taken, called through a function pointer from C.

# r0 = 1 if a0 is 0, else 2: jumps through a register to one of two labels.
# (A function that jumps indirectly is taken for interpreter code unless it
# says it is called from C: docs/checks.md, docs/unwind.md.)
global _dispatch
_dispatch:              # offasm: c-function
    move a0, t2
    leap .add1, t1
    btiz t2, .go
    leap .add2, t1
.go:
    jmp t1
.add1:
    move 1, r0
    ret
.add2:
    move 2, r0
    ret

# A deliberate bug: jumps 4 bytes past `.target`, over its landing pad.
global _misjump
_misjump:
    leap .target, t1
    addp 4, t1
    jmp t1
.target:
    move 7, r0
    move 7, r0
    ret

# A tail jump through a register to the exported label whose address C
# passes, as a threaded interpreter dispatches to handlers exported for its
# translator: an exported label must admit jumps (`br x0`), not only calls.
global _tailjump
_tailjump:              # offasm: c-function
    jmp a0

global _seven
_seven:
    move 7, r0
    ret
