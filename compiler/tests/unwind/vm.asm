# Unwind information end to end (tests/unwind.rs): a C-ABI function and an
# interpreter entry with a handler, both calling back into C with values in
# callee-saved registers. The callback throws (C++) or panics (Rust).

include prelude

# A C-ABI function that calls back into C with values in callee-saved registers.
global _outer
_outer:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move 11, csr1
    move 12, csr2
    move 13, csr3
    cCall2(_callback, csr0, 7)
    addp csr1, r0
    popCalleeSaves()
    functionEpilogue()
    ret

# An interpreter entry: builds the frame, then dispatches to a handler.
global _enter_vm
_enter_vm:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move 21, csr1
    move 22, csr2
    move 23, csr3
    leap _vm_handler, t0
    jmp t0

global _vm_handler
_vm_handler:            # offasm: not-c-function
    cCall2(_callback, csr0, 1)
    addp csr2, r0
    popCalleeSaves()
    functionEpilogue()
    ret
