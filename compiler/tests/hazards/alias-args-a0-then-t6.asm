# Bug: code ported from the old x86-64 map (t6 = r10) sets up a0 and then
# uses t6 as a temporary for the second argument. On x86-64 System V t6 is
# rdi = a0 today. On ARM64 t6 is x6 (a6, unused by this call). t6 does not
# exist on Windows x64, where the code uses t4 (r10).
# Pair t6/a0: written through t6, read through a0 (set up, then passed to the call).
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

include prelude

if X86_64_WIN
    const Temp = t4
else
    const Temp = t6
end

const Frame_callee = 24

# void vm_notify_callee(VM* vm, Frame* frame)
global _vm_notify_callee
_vm_notify_callee:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move a1, csr1
    move csr0, a0
    loadp Frame_callee[csr1], Temp          # System V: rdi = a0
    move Temp, a1
    if X86_64_WIN
        subp 32, sp
        call _host_notify
        addp 32, sp
    else
        call _host_notify
    end
    popCalleeSaves()
    functionEpilogue()
    ret
