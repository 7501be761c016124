# Bug: the code reads the second word of a 16-byte result from r1 after the
# call, on every target. x86-64 System V (rdx) and ARM64 (x1) return such a
# pair in r0:r1; Windows x64 returns it through memory and r1 (rdx) is just a
# caller-saved register that the call destroyed.
# r1 read after a call: a result on System V and ARM64, not on Windows.
#
# expect sysv: none
# expect win64: call-clobber
# expect arm64: none

include prelude

# u64 vm_frame_of(VM* vm, const u8* pc): the frame half of slow_path(vm, pc)
global _vm_frame_of
_vm_frame_of:
    functionPrologue()
    if X86_64_WIN
        subp 32, sp
        call _slow_path
        addp 32, sp
    else
        call _slow_path
    end
    move r1, r0                             # Windows: rdx was not returned
    functionEpilogue()
    ret
