# Bug (wrong everywhere): a tail call to an external C function is made
# without tearing down the frame. The callee returns with its own `ret` to
# whatever is at sp (x86-64) or to lr (ARM64): on x86-64 sp is 8 below the
# entry value and the saved cfr is taken as the return address; on ARM64 sp is
# 16 below. cfr still points at this frame on every target.
# A tail jump to an external function with an unbalanced stack (and cfr not
# restored).
#
# expect sysv: callee-saved-clobbered, unbalanced-stack
# expect win64: callee-saved-clobbered, unbalanced-stack
# expect arm64: callee-saved-clobbered, unbalanced-stack

include prelude

const VM_pending = 24

# u64 vm_finish_call(VM* vm): host_finish(vm) if work is pending, else 0
global _vm_finish_call
_vm_finish_call:
    functionPrologue()
    loadp VM_pending[a0], t2
    btpz t2, .nothing
    jmp _host_finish                        # tail call: frame still in place
.nothing:
    move 0, r0
    functionEpilogue()
    ret
