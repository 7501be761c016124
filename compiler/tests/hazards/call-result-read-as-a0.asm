# Bug (wrong everywhere, differently): the result of a host call is read
# through a0 ("the argument register is overwritten with the result"). That is
# true only on ARM64, where a0 and r0 are both x0; the code relies on that
# alias. On x86-64 the result is in rax while a0 (rdi on System V, rcx on
# Windows x64) is a caller-saved register the call destroyed.
# Pair a0/r0: written through r0 (the call's result), read through a0 (ARM64);
# elsewhere a0 is read after a call.
#
# expect sysv: call-clobber
# expect win64: call-clobber
# expect arm64: alias-clobber

include prelude

# u64 vm_to_string_length(VM* vm, Value v)
global _vm_to_string_length
_vm_to_string_length:
    functionPrologue()
    if X86_64_WIN
        subp 32, sp
        call _host_to_string                # String* in r0
        addp 32, sp
    else
        call _host_to_string
    end
    loadi 4[a0], r0                         # meant: 4[r0]
    functionEpilogue()
    ret
