# Bug: the first argument of a type-error host call is set up, then t0 is
# used to compute the second. On ARM64 t0 is x0 = a0, so the host function is
# called with the type tag as its VM pointer. On x86-64 t0 is rax, which is
# not an argument register: right.
# Pair t0/a0: written through t0, read through a0 (set up, then passed to the call).
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

include prelude

const Cell_type = 4

# void vm_throw_type_error(VM* vm, Cell* cell)
global _vm_throw_type_error
_vm_throw_type_error:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move a1, csr1
    move csr0, a0                           # arg 1: vm
    loadb Cell_type[csr1], t0               # ARM64: x0 = a0
    orp 0x100, t0
    move t0, a1                             # arg 2: the tagged type
    if X86_64_WIN
        subp 32, sp
        call _host_type_error
        addp 32, sp
    else
        call _host_type_error
    end
    popCalleeSaves()
    functionEpilogue()
    ret
