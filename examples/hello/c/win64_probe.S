# Windows x64 callee-saved-register probe (GNU assembler, AT&T syntax), shared
# by the C drivers of examples/hello (harness.c) and of the WebAssembly
# interpreter core (runtime/tests/win64/harness.c).
    .text
# u64 probe(const void *fn, u64 a, u64 b, u64 c, u64 d, u64 after[27]):
# calls fn(a, b, c, d) with every non-volatile register of the Windows x64
# ABI set to a mark and stores them into after[] once fn returns: rbx rsi rdi
# r12 r13 r14 r15 (after[0..6]), then xmm6..xmm15, all 128 bits (low and high
# half: after[7..26]). Mark of after[i]: 0x1111111111111111 * (i % 15 + 1).
# Returns fn's result.
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
    # 32 bytes of shadow space, 8 of padding (aligned at the call), then the
    # caller's xmm6..xmm15 (the probe is a C function too: it keeps them).
    sub $200, %rsp
    movdqu %xmm6, 40(%rsp)
    movdqu %xmm7, 56(%rsp)
    movdqu %xmm8, 72(%rsp)
    movdqu %xmm9, 88(%rsp)
    movdqu %xmm10, 104(%rsp)
    movdqu %xmm11, 120(%rsp)
    movdqu %xmm12, 136(%rsp)
    movdqu %xmm13, 152(%rsp)
    movdqu %xmm14, 168(%rsp)
    movdqu %xmm15, 184(%rsp)
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
    movabs $0x8888888888888888, %r10
    movq %r10, %xmm6
    movabs $0x9999999999999999, %r10
    movq %r10, %xmm0
    punpcklqdq %xmm0, %xmm6
    movabs $0xaaaaaaaaaaaaaaaa, %r10
    movq %r10, %xmm7
    movabs $0xbbbbbbbbbbbbbbbb, %r10
    movq %r10, %xmm0
    punpcklqdq %xmm0, %xmm7
    movabs $0xcccccccccccccccc, %r10
    movq %r10, %xmm8
    movabs $0xdddddddddddddddd, %r10
    movq %r10, %xmm0
    punpcklqdq %xmm0, %xmm8
    movabs $0xeeeeeeeeeeeeeeee, %r10
    movq %r10, %xmm9
    movabs $0xffffffffffffffff, %r10
    movq %r10, %xmm0
    punpcklqdq %xmm0, %xmm9
    movabs $0x1111111111111111, %r10
    movq %r10, %xmm10
    movabs $0x2222222222222222, %r10
    movq %r10, %xmm0
    punpcklqdq %xmm0, %xmm10
    movabs $0x3333333333333333, %r10
    movq %r10, %xmm11
    movabs $0x4444444444444444, %r10
    movq %r10, %xmm0
    punpcklqdq %xmm0, %xmm11
    movabs $0x5555555555555555, %r10
    movq %r10, %xmm12
    movabs $0x6666666666666666, %r10
    movq %r10, %xmm0
    punpcklqdq %xmm0, %xmm12
    movabs $0x7777777777777777, %r10
    movq %r10, %xmm13
    movabs $0x8888888888888888, %r10
    movq %r10, %xmm0
    punpcklqdq %xmm0, %xmm13
    movabs $0x9999999999999999, %r10
    movq %r10, %xmm14
    movabs $0xaaaaaaaaaaaaaaaa, %r10
    movq %r10, %xmm0
    punpcklqdq %xmm0, %xmm14
    movabs $0xbbbbbbbbbbbbbbbb, %r10
    movq %r10, %xmm15
    movabs $0xcccccccccccccccc, %r10
    movq %r10, %xmm0
    punpcklqdq %xmm0, %xmm15
    call *%rax
    mov 56(%rbp), %r10            # 6th argument (after)
    mov %rbx, (%r10)
    mov %rsi, 8(%r10)
    mov %rdi, 16(%r10)
    mov %r12, 24(%r10)
    mov %r13, 32(%r10)
    mov %r14, 40(%r10)
    mov %r15, 48(%r10)
    movdqu %xmm6, 56(%r10)
    movdqu %xmm7, 72(%r10)
    movdqu %xmm8, 88(%r10)
    movdqu %xmm9, 104(%r10)
    movdqu %xmm10, 120(%r10)
    movdqu %xmm11, 136(%r10)
    movdqu %xmm12, 152(%r10)
    movdqu %xmm13, 168(%r10)
    movdqu %xmm14, 184(%r10)
    movdqu %xmm15, 200(%r10)
    movdqu 40(%rsp), %xmm6
    movdqu 56(%rsp), %xmm7
    movdqu 72(%rsp), %xmm8
    movdqu 88(%rsp), %xmm9
    movdqu 104(%rsp), %xmm10
    movdqu 120(%rsp), %xmm11
    movdqu 136(%rsp), %xmm12
    movdqu 152(%rsp), %xmm13
    movdqu 168(%rsp), %xmm14
    movdqu 184(%rsp), %xmm15
    add $200, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rdi
    pop %rsi
    pop %rbx
    pop %rbp
    ret
