# Bug: quotient and remainder of an x86 division are passed to a host
# function as its 2nd and 3rd arguments, in argument order. On Windows x64 a1
# is rdx = r1, so `move r0, a1` destroys the remainder before `move r1, a2`
# reads it. On x86-64 System V a1 is rsi and a2 is rdx = r1 (the last move
# copies rdx to itself): right. ARM64 keeps both results in callee-saved
# registers.
# Pair a1/r1: written through a1, read through r1.
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

include prelude

# void vm_report_divmod(VM* vm, i64 lhs, i64 rhs)
#   calls host_report(vm, lhs / rhs, lhs % rhs)  (rhs is neither 0 nor -1)
global _vm_report_divmod
_vm_report_divmod:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    if ARM64
        divqs a2, a1, csr1                  # quotient
        mulq csr1, a2, t3
        subq a1, t3, csr2                   # remainder
        move csr0, a0
        move csr1, a1
        move csr2, a2
        call _host_report
    else
        move a2, csr1                       # the divisor (System V: a2 is rdx = r1)
        move a1, r0                         # (Windows: a1 is rdx = r1)
        cqoq
        idivq csr1
        move csr0, a0
        move r0, a1                         # Windows: rdx = r1, the remainder
        move r1, a2
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
