# Windows x64 callee-saved-register probe (GNU assembler, AT&T syntax), shared
# by the C drivers of examples/hello (harness.c) and of the WebAssembly
# interpreter core (runtime/tests/win64/harness.c).
    .text
# u64 probe(const void *fn, u64 a, u64 b, u64 c, u64 d, u64 after[7]):
# calls fn(a, b, c, d) with every non-volatile GPR set to a mark and stores
# them (rbx rsi rdi r12 r13 r14 r15) into after[] once fn returns.
    .globl probe
probe:
    push %rbp
    mov %rsp, %rbp
    push %rbx
    push %rsi
    push %rdi
    push %r12
    push %r13
    push %r14
    push %r15
    sub $40, %rsp                 # 32 bytes of shadow space + 8: aligned at the call
    mov %rcx, %rax
    mov %rdx, %rcx
    mov %r8, %rdx
    mov %r9, %r8
    mov 48(%rbp), %r9             # 5th argument (d)
    movabs $0x1111111111111111, %rbx
    movabs $0x2222222222222222, %rsi
    movabs $0x3333333333333333, %rdi
    movabs $0x4444444444444444, %r12
    movabs $0x5555555555555555, %r13
    movabs $0x6666666666666666, %r14
    movabs $0x7777777777777777, %r15
    call *%rax
    mov 56(%rbp), %r10            # 6th argument (after)
    mov %rbx, (%r10)
    mov %rsi, 8(%r10)
    mov %rdi, 16(%r10)
    mov %r12, 24(%r10)
    mov %r13, 32(%r10)
    mov %r14, 40(%r10)
    mov %r15, 48(%r10)
    add $40, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rdi
    pop %rsi
    pop %rbx
    pop %rbp
    ret
