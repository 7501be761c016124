# Bug (wrong everywhere, differently): the second word of a pair-returning
# host call is read through t1 instead of r1. On ARM64 t1 is x1 = r1, so the
# code happens to work there, but it relies on an alias that no other target
# has: on x86-64 System V t1 is rsi and on Windows x64 t1 is rdx, both just
# destroyed by the call (Windows does not return pairs in registers at all).
# Pair t1/r1: written through r1 (the call's second result), read through t1
# (ARM64); elsewhere t1 is read after a call.
#
# expect sysv: call-clobber
# expect win64: call-clobber
# expect arm64: alias-clobber

include prelude

# u64 vm_frame_after_slow_path(VM* vm, const u8* pc)
global _vm_frame_after_slow_path
_vm_frame_after_slow_path:
    functionPrologue()
    if X86_64_WIN
        subp 32, sp
        call _slow_path
        addp 32, sp
    else
        call _slow_path
    end
    move t1, r0                             # meant: r1, the second result
    functionEpilogue()
    ret
