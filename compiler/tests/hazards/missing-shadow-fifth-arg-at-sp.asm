# Bug: the Windows x64 path of a five-argument call stores the fifth argument
# at 0[sp]. Windows passes it at 32[sp], above the 32-byte shadow space that
# belongs to the callee, which may overwrite 0[sp] before it reads its fifth
# argument from 32[sp]. System V and ARM64 pass the fifth argument in a4.
# Live data inside the Windows shadow space at a call.
#
# expect sysv: none
# expect win64: missing-shadow-space
# expect arm64: none

include prelude

# u64 vm_call_host5(VM* vm, u64 a, u64 b, u64 c, u64 d)
#   host5(vm, a, b, c, d)
global _vm_call_host5
_vm_call_host5:
    functionPrologue()
    if X86_64_WIN
        loadq 48[sp], t0                    # d: 5th argument of this function
        subp 48, sp
        storeq t0, [sp]                     # should be 32[sp]
        call _host5
        addp 48, sp
    else
        call _host5                         # a0..a4 passed through
    end
    functionEpilogue()
    ret
