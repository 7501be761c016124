# Bug: a small wrapper calls C without saving lr on ARM64. The x86-64 paths
# only need to realign sp (and reserve the shadow space on Windows x64): the
# return address is on the stack there. On ARM64 `call` (bl) overwrites lr,
# so the final `ret` jumps back to the instruction after the call.
# lr overwritten by a call on ARM64 without being saved.
#
# expect sysv: none
# expect win64: none
# expect arm64: callee-saved-clobbered

# u64 vm_checked_length(Array* array)
global _vm_checked_length
_vm_checked_length:
    if X86_64
        subp 8, sp
        call _host_array_length
        addp 8, sp
    elsif X86_64_WIN
        subp 40, sp
        call _host_array_length
        addp 40, sp
    else
        call _host_array_length             # ARM64: lr now points here
    end
    ret
