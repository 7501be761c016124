# Bug: the arguments of a report call are set up in order, and the last one
# is computed with an x86 division, which writes r1. On x86-64 System V r1 is
# rdx = a2 (the kind argument is lost); on Windows x64 r1 is rdx = a1 (the
# flags argument is lost). ARM64 divides with divqs, which writes only its
# destination: right.
# Pair a2/r1: written through r1 (cqoq/idivq), read through a2 (set up, then passed to the call).
# Pair a1/r1: written through r1 (cqoq/idivq), read through a1 (set up, then passed to the call).
#
# expect sysv: alias-clobber
# expect win64: alias-clobber
# expect arm64: none

include prelude

# void vm_report_average(VM* vm, i64 total, i64 count)
#   host_report(vm, 1, 2, total / count)  (count is neither 0 nor -1)
global _vm_report_average
_vm_report_average:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move a1, csr1
    move a2, csr2
    move 1, a1                              # flags
    move 2, a2                              # kind
    if ARM64
        divqs csr2, csr1, a3
    else
        move csr1, r0
        cqoq                                # System V: rdx = a2; Windows: rdx = a1
        idivq csr2
        move r0, a3
    end
    if X86_64_WIN
        subp 32, sp
        call _host_report
        addp 32, sp
    else
        call _host_report
    end
    popCalleeSaves()
    functionEpilogue()
    ret
