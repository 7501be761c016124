# Right everywhere: a value is computed in t0, copied to a0 for a host call,
# and t0 is read once more (stored) before the call. On ARM64 t0 and a0 are
# the same register x0, so `move t0, a0` copies x0 to itself and t0 still
# holds the value; on x86-64 (t0 = rax, a0 = rdi or rcx) both hold it.
# Nothing is destroyed on any target.
#
# expect sysv: none
# expect win64: none
# expect arm64: none

include prelude

const Frame_callee = 8
const Frame_lastCallee = 16

# void vm_visit_callee(Frame* frame)
global _vm_visit_callee
_vm_visit_callee:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr1
    loadp Frame_callee[csr1], t0
    move t0, a0                             # arg 1 (ARM64: x0 to itself)
    storep t0, Frame_lastCallee[csr1]       # t0 still holds the callee everywhere
    if X86_64_WIN
        subp 32, sp
        call _host_visit
        addp 32, sp
    else
        call _host_visit
    end
    popCalleeSaves()
    functionEpilogue()
    ret
