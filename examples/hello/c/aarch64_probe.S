// AArch64 (AAPCS64) callee-saved-register probe for harness.c, GNU assembler syntax.
    .text
// u64 probe(const void *fn, u64 a, u64 b, u64 c, u64 d, u64 after[18]):
// calls fn(a, b, c, d) with every callee-saved register (x19..x28, d8..d15)
// set to a mark and stores them into after[] once fn returns.
    .globl probe
    .type probe, %function
probe:
    stp x29, x30, [sp, #-160]!
    mov x29, sp
    stp x19, x20, [sp, #16]
    stp x21, x22, [sp, #32]
    stp x23, x24, [sp, #48]
    stp x25, x26, [sp, #64]
    stp x27, x28, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    str x5, [sp, #-16]!             // after[], below the saved registers
    mov x16, x0
    mov x0, x1
    mov x1, x2
    mov x2, x3
    mov x3, x4
    // mark(i) = 0x1111111111111111 * (i % 15 + 1), i = 0 .. 17
    ldr x19, =0x1111111111111111
    ldr x20, =0x2222222222222222
    ldr x21, =0x3333333333333333
    ldr x22, =0x4444444444444444
    ldr x23, =0x5555555555555555
    ldr x24, =0x6666666666666666
    ldr x25, =0x7777777777777777
    ldr x26, =0x8888888888888888
    ldr x27, =0x9999999999999999
    ldr x28, =0xaaaaaaaaaaaaaaaa
    ldr x9, =0xbbbbbbbbbbbbbbbb
    fmov d8, x9
    ldr x9, =0xcccccccccccccccc
    fmov d9, x9
    ldr x9, =0xdddddddddddddddd
    fmov d10, x9
    ldr x9, =0xeeeeeeeeeeeeeeee
    fmov d11, x9
    ldr x9, =0xffffffffffffffff
    fmov d12, x9
    ldr x9, =0x1111111111111111
    fmov d13, x9
    ldr x9, =0x2222222222222222
    fmov d14, x9
    ldr x9, =0x3333333333333333
    fmov d15, x9
    blr x16
    ldr x9, [sp], #16
    stp x19, x20, [x9, #0]
    stp x21, x22, [x9, #16]
    stp x23, x24, [x9, #32]
    stp x25, x26, [x9, #48]
    stp x27, x28, [x9, #64]
    stp d8, d9, [x9, #80]
    stp d10, d11, [x9, #96]
    stp d12, d13, [x9, #112]
    stp d14, d15, [x9, #128]
    ldp x19, x20, [sp, #16]
    ldp x21, x22, [sp, #32]
    ldp x23, x24, [sp, #48]
    ldp x25, x26, [sp, #64]
    ldp x27, x28, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    ldp x29, x30, [sp], #160
    ret
    .ltorg
    .section .note.GNU-stack,"",%progbits
