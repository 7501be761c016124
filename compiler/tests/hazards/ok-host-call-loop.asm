# Right everywhere: a fold over 0..n that calls a C function pointer for each
# step, written with explicit per-target call sequences. Everything that must
# survive the calls lives in callee-saved registers, the arguments are set up
# from callee-saved registers only, sp is 16-byte aligned at every call, and
# the Windows x64 path reserves the shadow space once around the loop.
#
# expect sysv: none
# expect win64: none
# expect arm64: none

include prelude

# u64 vm_fold(u64 (*step)(u64 acc, u64 i), u64 init, u64 n)
global _vm_fold
_vm_fold:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0                           # step
    move a1, csr3                           # acc
    move a2, csr1                           # n
    move 0, csr2                            # i
    if X86_64_WIN
        subp 32, sp
    end
.loop:
    bpaeq csr2, csr1, .done
    move csr3, a0
    move csr2, a1
    call csr0
    move r0, csr3
    addp 1, csr2
    jmp .loop
.done:
    if X86_64_WIN
        addp 32, sp
    end
    move csr3, r0
    popCalleeSaves()
    functionEpilogue()
    ret
