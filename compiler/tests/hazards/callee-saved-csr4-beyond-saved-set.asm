# Bug (wrong everywhere): pushCalleeSaves() saves csr0..csr3 only, but the
# function also uses csr4 (r15 on System V, r13 on Windows x64, x23 on ARM64),
# which stays changed at the return.
# A callee-saved register used but not saved.
#
# expect sysv: callee-saved-clobbered
# expect win64: callee-saved-clobbered
# expect arm64: callee-saved-clobbered

include prelude

# u64 vm_run_five(VM* vm, u64 a, u64 b, u64 c): host_step(vm) + a + b + c
global _vm_run_five
_vm_run_five:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move a1, csr1
    move a2, csr2
    move a3, csr3
    move 0, csr4                            # a fifth value: not saved
    if X86_64_WIN
        subp 32, sp
        call _host_step                     # a0 = vm
        addp 32, sp
    else
        call _host_step
    end
    addp r0, csr4
    addp csr1, csr4
    addp csr2, csr4
    addp csr3, csr4
    move csr4, r0
    popCalleeSaves()
    functionEpilogue()
    ret
