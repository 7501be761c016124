# Bug: the bytecode PC is kept in t5 while the first argument of a host call
# is set up. On Windows x64 t5 and a0 are both rcx, so `move csr0, a0`
# destroys the PC and the slow path receives the VM pointer as its PC.
# System V (t5 = r10, a0 = rdi) and ARM64 (t5 = x5, a0 = x0) are fine.
# Pair t5/a0: written through a0, read through t5.
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

include prelude

# u64 llint_slow_path_call(VM* vm, const u8* pc)
global _llint_slow_path_call
_llint_slow_path_call:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0                   # vm survives the call in a callee-saved register
    loadp [a1], t5                  # PC of the current instruction
    move csr0, a0                   # arg 1: vm        (Windows: rcx = t5, PC lost)
    move t5, a1                     # arg 2: pc
    if X86_64_WIN
        subp 32, sp                 # shadow space
        call _slow_path_dispatch
        addp 32, sp
    else
        call _slow_path_dispatch
    end
    popCalleeSaves()
    functionEpilogue()
    ret
