# Bug (wrong everywhere): a trampoline loads the VM into csr0 and tail-jumps
# to the exported interpreter entry `vm_run`. vm_run preserves csr0 as it
# found it, i.e. holding the VM, so the trampoline's caller gets its csr0
# (rbx on x86-64, x19 on ARM64) back changed.
# A callee-saved register not restored at a tail jump into a C-ABI function.
#
# expect sysv: callee-saved-clobbered
# expect win64: callee-saved-clobbered
# expect arm64: callee-saved-clobbered

include prelude

const Context_vm = 8

# u64 vm_enter(Context* context, u64 argument)
global _vm_enter
_vm_enter:
    loadp Context_vm[a0], csr0              # not saved, not restored
    move a1, a0
    jmp _vm_run

# u64 vm_run(u64 argument): uses csr0 internally, saved and restored
global _vm_run
_vm_run:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    addp 1, csr0
    move csr0, r0
    popCalleeSaves()
    functionEpilogue()
    ret
