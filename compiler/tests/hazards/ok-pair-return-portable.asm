# Right everywhere: a slow path returning a pair {pc, frame} is called with
# the per-ABI convention (r0:r1 on System V and ARM64, a hidden result
# pointer on Windows x64), and both words are moved to callee-saved
# registers before any other register is written.
#
# expect sysv: none
# expect win64: none
# expect arm64: none

include prelude

# const u8* vm_slow_path_pair(VM* vm, const u8* pc, Frame** frameOut)
global _vm_slow_path_pair
_vm_slow_path_pair:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move a2, csr1
    if X86_64_WIN
        move a1, a2
        move csr0, a1
        subp 48, sp
        leap 32[sp], a0
        call _slow_path
        loadp 8[r0], csr2
        loadp [r0], csr3
        addp 48, sp
    else
        call _slow_path
        move r1, csr2
        move r0, csr3
    end
    storep csr2, [csr1]
    move csr3, r0
    popCalleeSaves()
    functionEpilogue()
    ret
