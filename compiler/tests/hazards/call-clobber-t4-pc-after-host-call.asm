# Bug (wrong everywhere): the interpreter keeps its bytecode PC in t4 across a
# host call and dispatches on it afterwards. t4 is caller-saved on every
# target (r8 on System V, r10 on Windows x64, x4 on ARM64), so the C function
# may have changed it. It belongs in a callee-saved register (csrN).
# t4 read after a C call.
#
# expect sysv: call-clobber
# expect win64: call-clobber
# expect arm64: call-clobber

include prelude

# u64 vm_op_with_barrier(VM* vm, const u8* pc)
global _vm_op_with_barrier
_vm_op_with_barrier:
    functionPrologue()
    pushCalleeSaves()
    move a1, t4                             # the PC
    if X86_64_WIN
        subp 32, sp
        call _host_write_barrier            # a0 = vm
        addp 32, sp
    else
        call _host_write_barrier
    end
    loadb 1[t4], r0                         # next opcode: t4 may be anything now
    popCalleeSaves()
    functionEpilogue()
    ret
