# Bug (wrong everywhere): the bytecode PC is kept in t4 across a call of an
# internal helper, and the helper calls C. The checker follows the helper
# (its summary), so the C call inside it destroys t4 for the caller: t4 is
# caller-saved on every target (r8 on System V, r10 on Windows x64, x4 on
# ARM64).
# t4 read after a call of code in this file that calls C.
#
# expect sysv: call-clobber
# expect win64: call-clobber
# expect arm64: call-clobber

include prelude

# u64 vm_step(VM* vm, const u8* pc)
global _vm_step
_vm_step:
    functionPrologue()
    move a1, t4                             # the PC
    call _slow_path_helper
    loadb 1[t4], r0                         # t4 was destroyed by host_slow_path
    functionEpilogue()
    ret

# internal: host_slow_path(vm), with its own frame
_slow_path_helper:
    functionPrologue()
    if X86_64_WIN
        subp 32, sp
        call _host_slow_path
        addp 32, sp
    else
        call _host_slow_path
    end
    functionEpilogue()
    ret
