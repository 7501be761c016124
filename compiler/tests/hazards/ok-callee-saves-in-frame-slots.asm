# Right everywhere: the callee-saved registers are saved in frame slots with
# stores and restored with loads (no push/pop), the frame is 16-byte aligned
# and the Windows x64 path puts its shadow space below the slots.
#
# expect sysv: none
# expect win64: none
# expect arm64: none

include prelude

# u64 vm_twice(u64 (*f)(u64), u64 x): f(f(x))
global _vm_twice
_vm_twice:
    functionPrologue()
    subp 16, sp
    storep csr0, [sp]
    storep csr1, 8[sp]
    move a0, csr0
    move a1, a0
    if X86_64_WIN
        subp 32, sp
    end
    call csr0
    move r0, a0
    call csr0
    if X86_64_WIN
        addp 32, sp
    end
    loadp [sp], csr0
    loadp 8[sp], csr1
    addp 16, sp
    functionEpilogue()
    ret
