# Bug: a six-argument host call keeps the bytecode PC in t5 while it loads
# the sixth argument into a5, then passes the PC as a4. On ARM64 t5 and a5
# are both x5. On x86-64 System V t5 is r10 and a5 is r9: right. Windows x64
# passes arguments 5 and 6 on the stack (no a4/a5) and has its own path.
# Pair t5/a5: written through a5, read through t5.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

include prelude

const Frame_pc = 16

# u64 vm_trace_op(VM* vm, Frame* frame, u64 op, u64 a, u64 b)
#   host_trace(vm, frame, op, a, pc, b)
global _vm_trace_op
_vm_trace_op:
    functionPrologue()
    if X86_64_WIN
        loadp Frame_pc[a1], t4
        loadq 48[sp], t0                    # b: 5th argument (above cfr, the return address, the shadow space)
        subp 48, sp
        storep t4, 32[sp]
        storeq t0, 40[sp]
        call _host_trace
        addp 48, sp
    else
        loadp Frame_pc[a1], t5              # the PC (ARM64: x5 = a5)
        move a4, a5                         # b
        move t5, a4                         # ARM64: t5 is b now
        call _host_trace
    end
    functionEpilogue()
    ret
