# Bug: the error path tail-jumps to the exported `vm_throw` after undoing the
# frame set-up on ARM64 and System V only; the Windows x64 path reserved 40
# bytes (shadow space plus alignment) and does not release them, so vm_throw
# returns to a wrong address.
# A tail jump to an exported function with an unbalanced stack (Windows x64
# only).
#
# expect sysv: none
# expect win64: unbalanced-stack
# expect arm64: none

# u64 vm_checked_op(VM* vm, u64 operand)
global _vm_checked_op
_vm_checked_op:
    if ARM64
        push cfr, lr
    elsif X86_64
        subp 8, sp
    elsif X86_64_WIN
        subp 40, sp
    end
    call _host_checked_op                   # r0 = 0 on failure
    btpz r0, .failed
    if ARM64
        pop lr, cfr
    elsif X86_64
        addp 8, sp
    elsif X86_64_WIN
        addp 40, sp
    end
    ret
.failed:
    if ARM64
        pop lr, cfr
    elsif X86_64
        addp 8, sp
    end                                     # Windows x64: 40 bytes left
    jmp _vm_throw

# u64 vm_throw(): the error value
global _vm_throw
_vm_throw:
    move -1, r0
    ret
