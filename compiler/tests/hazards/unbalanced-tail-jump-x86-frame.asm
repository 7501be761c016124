# Bug: before tail-jumping to the exported `vm_return_to_host`, the ARM64 path
# pops its frame record but the x86-64 paths forget `pop cfr`. On both x86-64
# ABIs sp is 8 below its entry value and cfr still points at this frame when
# the jump leaves the function.
# A tail jump to an exported function with an unbalanced stack (and a
# callee-saved cfr not restored), x86-64 only.
#
# expect sysv: callee-saved-clobbered, unbalanced-stack
# expect win64: callee-saved-clobbered, unbalanced-stack
# expect arm64: none

include prelude

# u64 vm_finish(VM* vm, u64 value)
global _vm_finish
_vm_finish:
    functionPrologue()
    if X86_64_WIN
        subp 32, sp
        call _host_finalize
        addp 32, sp
    else
        call _host_finalize
    end
    if ARM64
        pop lr, cfr
    end                                     # x86-64: `pop cfr` missing
    jmp _vm_return_to_host

# u64 vm_return_to_host(u64 value)
global _vm_return_to_host
_vm_return_to_host:
    move a0, r0
    ret
