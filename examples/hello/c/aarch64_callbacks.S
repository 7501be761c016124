// AArch64 callbacks for harness.c, GNU assembler syntax.
    .text

// Callbacks that count entries with a misaligned stack (sp must be a
// multiple of 16 at every call), then continue in C.
    .macro count_misaligned
    mov x9, sp
    tst x9, #15
    b.eq 1f
    adrp x9, misaligned
    add x9, x9, :lo12:misaligned
    ldr w10, [x9]
    add w10, w10, #1
    str w10, [x9]
1:
    .endm

    .globl step_checked
    .type step_checked, %function
step_checked:
    count_misaligned
    b step_impl

    .globl hello_rust_mix4
    .type hello_rust_mix4, %function
hello_rust_mix4:
    count_misaligned
    b mix4_impl
    .section .note.GNU-stack,"",%progbits
