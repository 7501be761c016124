# Bug (wrong everywhere): a double is kept in ft2 across a call to a libm
# function. ft2 is caller-saved on every target (xmm2, or d2 on ARM64; only
# the callee-saved csfrN survive calls, and they exist only on Windows x64
# and ARM64).
# ft2 read after a C call.
#
# expect sysv: call-clobber
# expect win64: call-clobber
# expect arm64: call-clobber

include prelude

# double vm_hypot_plus(double x, double y, double z): hypot(x, y) + z
global _vm_hypot_plus
_vm_hypot_plus:
    functionPrologue()
    moved fa2, ft2                          # z
    if X86_64_WIN
        subp 32, sp
        call _hypot                         # fa0, fa1 -> fr
        addp 32, sp
    else
        call _hypot
    end
    addd ft2, fr                            # ft2 may have been changed by hypot
    functionEpilogue()
    ret
