# Bug: the {pc, frame} pair returned by a slow path in r0/r1 is passed on to
# a tracing hook as its 2nd and 3rd arguments, in argument order. On ARM64
# a0 is x0 = r0 and a1 is x1 = r1: `move csr0, a0` destroys the pc and
# `move r0, a1` destroys the frame. On Windows x64 (pair loaded from memory)
# a1 is rdx = r1: the frame is destroyed. On x86-64 System V (a0 = rdi,
# a1 = rsi, a2 = rdx = r1) every source is read before it is overwritten.
# Pair a0/r0: written through a0, read through r0.
# Pair a1/r1: written through a1, read through r1.
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: alias-clobber, alias-clobber

include prelude

# void vm_slow_path_traced(VM* vm, const u8* pc)
global _vm_slow_path_traced
_vm_slow_path_traced:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    if X86_64_WIN
        move a1, a2
        move csr0, a1
        subp 48, sp
        leap 32[sp], a0
        call _slow_path
        loadp 8[r0], r1
        loadp [r0], r0
        move csr0, a0
        move r0, a1                         # Windows: rdx = r1, the frame
        move r1, a2
        call _trace_hook                    # the shadow space is still reserved
        addp 48, sp
    else
        call _slow_path                     # a0 = vm, a1 = pc; result in r0:r1
        move csr0, a0                       # ARM64: x0 = r0, the pc
        move r0, a1                         # ARM64: x1 = r1, the frame
        move r1, a2
        call _trace_hook
    end
    popCalleeSaves()
    functionEpilogue()
    ret
