# Bug: Windows x64 has more callee-saved registers than System V (csr5 = r14
# and csr6 = r15 exist only there among the x86-64 maps), and its path keeps
# the loop bound in csr5 without saving it. The System V path keeps the bound
# on the stack, and the ARM64 path saves csr4/csr5 with a pair push.
# A callee-saved register used but not saved (Windows x64 only).
#
# expect sysv: none
# expect win64: callee-saved-clobbered
# expect arm64: none

include prelude

# void vm_call_n(VM* vm, u64 n): calls host_tick(vm) n times
global _vm_call_n
_vm_call_n:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move 0, csr1
    if X86_64_WIN
        move a1, csr5                       # r14: not saved
        subp 32, sp
    .loopWin:
        bpaeq csr1, csr5, .doneWin
        move csr0, a0
        call _host_tick
        addp 1, csr1
        jmp .loopWin
    .doneWin:
        addp 32, sp
    elsif ARM64
        push csr4, csr5
        move a1, csr5
    .loopArm:
        bpaeq csr1, csr5, .doneArm
        move csr0, a0
        call _host_tick
        addp 1, csr1
        jmp .loopArm
    .doneArm:
        pop csr5, csr4
    else
        push a1, a1                         # the bound, twice: keeps sp aligned
    .loopSysV:
        loadp [sp], t0
        bpaeq csr1, t0, .doneSysV
        move csr0, a0
        call _host_tick
        addp 1, csr1
        jmp .loopSysV
    .doneSysV:
        addp 16, sp
    end
    popCalleeSaves()
    functionEpilogue()
    ret
