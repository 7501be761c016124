# Windows x64 helper for harness.c (GNU assembler, AT&T syntax).
#
# u64 probe(u64 (*fn)(void *), void *arg, u64 after[7]):
# calls fn(arg) with every non-volatile GPR set to a known mark, and stores
# them (rbx rsi rdi r12 r13 r14 r15) into after[] once fn returns; returns
# fn's result. A callee that does not restore one of them shows there.
    .text
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
    push %r8                      # after[]
    sub $32, %rsp                 # shadow space; rsp is 16-byte aligned at the call
    mov %rcx, %rax
    mov %rdx, %rcx                # fn's one argument
    movabs $0x1111111111111111, %rbx
    movabs $0x2222222222222222, %rsi
    movabs $0x3333333333333333, %rdi
    movabs $0x4444444444444444, %r12
    movabs $0x5555555555555555, %r13
    movabs $0x6666666666666666, %r14
    movabs $0x7777777777777777, %r15
    call *%rax
    add $32, %rsp
    pop %r10
    mov %rbx, (%r10)
    mov %rsi, 8(%r10)
    mov %rdi, 16(%r10)
    mov %r12, 24(%r10)
    mov %r13, 32(%r10)
    mov %r14, 40(%r10)
    mov %r15, 48(%r10)
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rdi
    pop %rsi
    pop %rbx
    pop %rbp
    ret
