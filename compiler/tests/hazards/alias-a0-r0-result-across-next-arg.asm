# Bug: the cell returned by one host call (r0) is passed as the second
# argument of the next one, but a0 is set up first. On ARM64 a0 and r0 are
# both x0, so the write barrier receives the VM pointer twice. On x86-64 r0 is
# rax and a0 is rdi (System V) or rcx (Windows): right.
# Pair a0/r0: written through a0, read through r0.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

include prelude

# void vm_lookup_and_barrier(VM* vm, u64 key)
global _vm_lookup_and_barrier
_vm_lookup_and_barrier:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    if X86_64_WIN
        subp 32, sp
    end
    call _host_lookup                       # a0 = vm, a1 = key; r0 := the cell
    move csr0, a0                           # ARM64: x0 = r0, the cell
    move r0, a1
    call _host_write_barrier
    if X86_64_WIN
        addp 32, sp
    end
    popCalleeSaves()
    functionEpilogue()
    ret
