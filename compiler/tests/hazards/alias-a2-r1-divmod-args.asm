# Bug: a host function takes (vm, remainder, quotient); the code sets the
# arguments from r0 first. On x86-64 System V a2 is rdx = r1, so
# `move r0, a2` destroys the remainder before `move r1, a1` reads it. On
# Windows x64 a2 is r8 and a1 is rdx = r1 (the last move copies rdx to
# itself): right. ARM64 keeps both results in callee-saved registers.
# Pair a2/r1: written through a2, read through r1.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

include prelude

# void vm_report_moddiv(VM* vm, i64 lhs, i64 rhs)
#   calls host_report(vm, lhs % rhs, lhs / rhs)  (rhs is neither 0 nor -1)
global _vm_report_moddiv
_vm_report_moddiv:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    if ARM64
        divqs a2, a1, csr1                  # quotient
        mulq csr1, a2, t3
        subq a1, t3, csr2                   # remainder
        move csr0, a0
        move csr2, a1
        move csr1, a2
        call _host_report
    else
        move a2, csr1
        move a1, r0
        cqoq
        idivq csr1
        move csr0, a0
        move r0, a2                         # System V: rdx = r1, the remainder
        move r1, a1
        if X86_64_WIN
            subp 32, sp
            call _host_report
            addp 32, sp
        else
            call _host_report
        end
    end
    popCalleeSaves()
    functionEpilogue()
    ret
