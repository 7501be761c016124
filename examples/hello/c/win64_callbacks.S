# Windows x64 callbacks for harness.c (GNU assembler, AT&T syntax).
    .text

# Callbacks that count entries with a misaligned stack (rsp + 8 must be a
# multiple of 16 at a function's entry), then continue in C.
    .globl step_checked
step_checked:
    lea 8(%rsp), %rax
    test $15, %al
    jz 1f
    incl misaligned(%rip)
1:  jmp step_impl

    .globl hello_rust_mix4
hello_rust_mix4:
    lea 8(%rsp), %rax
    test $15, %al
    jz 1f
    incl misaligned(%rip)
1:  jmp mix4_impl
