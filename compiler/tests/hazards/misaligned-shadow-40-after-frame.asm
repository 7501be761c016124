# Bug: the Windows x64 path reserves 40 bytes before a call (shadow space
# plus 8), a sequence copied from frameless code. This function has already
# pushed cfr, so sp was 16-byte aligned and the extra 8 bytes misalign it.
# System V and ARM64 call with the aligned sp left by the frame set-up.
# A raw call with sp off by 8 (Windows x64 only).
#
# expect sysv: none
# expect win64: misaligned-call
# expect arm64: none

include prelude

# u64 vm_gc_allocate(VM* vm, u64 bytes)
global _vm_gc_allocate
_vm_gc_allocate:
    functionPrologue()
    if X86_64_WIN
        subp 40, sp                         # sp is 8 mod 16 now
        call _host_allocate
        addp 40, sp
    else
        call _host_allocate
    end
    functionEpilogue()
    ret
