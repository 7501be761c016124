# Bug: a six-argument host call sets a5 first and then computes a4 with t5 as
# a temporary. On ARM64 t5 is x5 = a5, so the sixth argument is replaced by
# the temporary. On x86-64 System V t5 is r10 and a5 is r9: right. Windows x64
# passes arguments 5 and 6 on the stack (no a4/a5) and has its own path.
# Pair t5/a5: written through t5, read through a5 (set up, then passed to the call).
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

include prelude

const Frame_pc = 16
const Frame_sp = 24

# void vm_trap(VM* vm, Frame* frame, u64 kind, u64 detail)
#   host_trap(vm, frame, kind, detail, pc + 1, sp)
global _vm_trap
_vm_trap:
    functionPrologue()
    if X86_64_WIN
        loadp Frame_pc[a1], t4
        addp 1, t4
        loadp Frame_sp[a1], t0
        subp 48, sp
        storep t4, 32[sp]
        storep t0, 40[sp]
        call _host_trap
        addp 48, sp
    else
        loadp Frame_sp[a1], a5              # arg 6
        loadp Frame_pc[a1], t5              # ARM64: x5 = a5
        addp 1, t5, a4                      # arg 5
        call _host_trap
    end
    functionEpilogue()
    ret
