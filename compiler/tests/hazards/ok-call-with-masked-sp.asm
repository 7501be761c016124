# Right everywhere: a frameless function calls C from a stack of unknown
# alignment by rounding sp down with `andp -16, sp` and keeping the old sp in
# an aligned slot, as the prelude's call macros do. Windows x64 keeps the old
# sp above its 32-byte shadow space; ARM64 saves lr, and its sp is always
# 16-byte aligned.
#
# expect sysv: none
# expect win64: none
# expect arm64: none

# u64 vm_call_any_alignment(u64 x)
global _vm_call_any_alignment
_vm_call_any_alignment:
    if X86_64
        move sp, t5
        andp -16, sp
        subp 16, sp
        storep t5, [sp]
        call _host_transform
        loadp [sp], sp
    elsif X86_64_WIN
        move sp, t4
        andp -16, sp
        subp 48, sp
        storep t4, 32[sp]
        call _host_transform
        loadp 32[sp], sp
    else
        push cfr, lr
        call _host_transform
        pop lr, cfr
    end
    ret
