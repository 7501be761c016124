# Bug: a conversion helper keeps an intermediate double in csfr0 on the
# targets that have callee-saved FP registers (Windows x64: xmm6; ARM64: d8)
# and never saves it. System V has no csfr registers and uses the caller-saved
# ft5 instead, which is right.
# A callee-saved (FP) register used but not saved (Windows x64 and ARM64).
#
# expect sysv: none
# expect win64: callee-saved-clobbered
# expect arm64: callee-saved-clobbered

# double vm_scale(double x, double factor, double bias)
global _vm_scale
_vm_scale:
    if X86_64
        moved fa0, ft5
        muld fa1, ft5
        addd fa2, ft5
        moved ft5, fr
    else
        moved fa0, csfr0                    # xmm6 / d8: callee-saved
        muld fa1, csfr0
        addd fa2, csfr0
        moved csfr0, fr
    end
    ret
