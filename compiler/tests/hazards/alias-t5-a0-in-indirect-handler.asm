# Bug: an interpreter handler reached only by an indirect jump (so the checker
# knows nothing about the registers at its start) keeps an operand in t5
# while it sets up a0 for a host call. On Windows x64 t5 and a0 are both rcx.
# On System V (t5 = r10, a0 = rdi) and ARM64 (t5 = x5, a0 = x0) it is right.
# Nothing is reported about the values the handler found at its start.
# Pair t5/a0: written through a0, read through t5 (in code reached by an indirect jump).
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

include prelude

# void* vm_handler_address(): the handler's address, for the dispatch table
global _vm_handler_address
_vm_handler_address:
    leap _op_new_object, r0
    ret

# Interpreter state: PC in csr0, VM in csr1, registers in csr2.
_op_new_object:
    loadb 1[csr0], t5                       # size class operand
    move csr1, a0                           # Windows: rcx = t5
    move t5, a1
    if X86_64_WIN
        subp 32, sp
        call _host_new_object
        addp 32, sp
    else
        call _host_new_object
    end
    loadb 2[csr0], t1
    storep r0, [csr2, t1, 8]
    addp 3, csr0
    loadb [csr0], t2
    loadp [csr2, t2, 8], t3
    jmp t3
