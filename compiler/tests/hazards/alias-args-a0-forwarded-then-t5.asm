# Bug: the VM pointer arrives in a0 and is forwarded unchanged to a host
# call, while t5 serves as a temporary for the second argument. On Windows
# x64 t5 is rcx = a0, so the host function receives the temporary as its VM
# pointer. On System V (t5 = r10) and ARM64 (t5 = x5) a0 survives.
# Pair t5/a0: written through t5, read through a0 (the function's own a0,
# never written, passed to the call).
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

include prelude

const Frame_codeBlock = 16

# void vm_profile_hit(VM* vm, Frame* frame)
global _vm_profile_hit
_vm_profile_hit:
    functionPrologue()
    pushCalleeSaves()
    move a1, csr1
    # a0 already holds vm
    loadp Frame_codeBlock[csr1], t5         # Windows: rcx = a0
    addp 8, t5
    move t5, a1
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
