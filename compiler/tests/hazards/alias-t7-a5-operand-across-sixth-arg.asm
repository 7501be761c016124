# Bug: a six-argument host call loads operand 3 (for a4) into t7 and then
# loads operand 4 straight into a5 before moving t7 to a4. On x86-64 System V
# t7 is r9 = a5, so operand 4 is passed twice. On ARM64 t7 is x7 and a5 is x5:
# right. Windows x64 passes arguments 5 and 6 on the stack (a4/a5 and t7 do
# not exist there) and has its own path.
# Pair t7/a5: written through a5, read through t7.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

include prelude

# u64 vm_call_host6(VM* vm, const u64* operands)
#   host6(vm, operands[0], operands[1], operands[2], operands[3], operands[4])
global _vm_call_host6
_vm_call_host6:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move a1, csr1
    if X86_64_WIN
        subp 48, sp                         # shadow space + arguments 5 and 6
        loadq 24[csr1], t0
        storeq t0, 32[sp]
        loadq 32[csr1], t0
        storeq t0, 40[sp]
        move csr0, a0
        loadq [csr1], a1
        loadq 8[csr1], a2
        loadq 16[csr1], a3
        call _host6
        addp 48, sp
    else
        loadq 24[csr1], t7                  # operand 3, for a4
        loadq 32[csr1], a5                  # operand 4 (System V: r9 = t7)
        move t7, a4
        move csr0, a0
        loadq [csr1], a1
        loadq 8[csr1], a2
        loadq 16[csr1], a3
        call _host6
    end
    popCalleeSaves()
    functionEpilogue()
    ret
