# Bug: a slow path returns a pair {pc, frame} in r0/r1 (through memory on
# Windows x64, where the code loads the pair into r0/r1 itself). Before the
# frame in r1 is stored, t1 is used to load the metadata offset. On ARM64
# (x1) and on Windows x64 (rdx) t1 and r1 are the same register, so the
# offset is stored as the frame. On x86-64 System V t1 is rsi and r1 is rdx:
# right.
# Pair t1/r1: written through t1, read through r1.
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: alias-clobber

include prelude

const VM_metadataOffset = 64

# const u8* vm_run_slow_path(VM* vm, const u8* pc, Frame** frameOut)
global _vm_run_slow_path
_vm_run_slow_path:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move a2, csr1
    if X86_64_WIN
        # A 16-byte result comes back through a hidden first argument.
        move a1, a2
        move csr0, a1
        subp 48, sp                         # shadow space + the result buffer
        leap 32[sp], a0
        call _slow_path
        loadp 8[r0], r1
        loadp [r0], r0
        addp 48, sp
    else
        call _slow_path                     # a0 = vm, a1 = pc; result in r0:r1
    end
    loadp VM_metadataOffset[csr0], t1       # Windows, ARM64: t1 = r1, the frame
    storep r1, [csr1]
    addp t1, r0
    popCalleeSaves()
    functionEpilogue()
    ret
