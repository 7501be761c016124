# Bug: the VM pointer is put into a0 first, then t5 serves as a temporary
# for the second argument. On Windows x64 t5 is rcx = a0, so the host
# function receives the temporary as its VM pointer. On System V (t5 = r10)
# and ARM64 (t5 = x5) a0 survives.
# Pair t5/a0: written through t5, read through a0 (set up, then passed to the call).
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

include prelude

const VM_topCallFrame = 40
const Frame_codeBlock = 16

# void vm_profile_top(VM* vm)
global _vm_profile_top
_vm_profile_top:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    loadp VM_topCallFrame[csr0], csr1
    move csr0, a0                           # arg 1: vm
    loadp Frame_codeBlock[csr1], t5         # Windows: rcx = a0
    addp 8, t5
    move t5, a1                             # arg 2: the code block's counters
    if X86_64_WIN
        subp 32, sp
        call _host_profile_hit
        addp 32, sp
    else
        call _host_profile_hit
    end
    popCalleeSaves()
    functionEpilogue()
    ret
