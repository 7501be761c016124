# Bug: the ARM64 path keeps a tag mask in csr7 (x26), a callee-saved register
# that exists only on ARM64, and never saves it. The x86-64 paths, which have
# no csr7, materialise the mask in a temporary. ARM64 returns with x26
# changed.
# A callee-saved register used but not saved (ARM64 only).
#
# expect sysv: none
# expect win64: none
# expect arm64: callee-saved-clobbered

const NumberTag = 0xfffe000000000000

# u64 vm_is_number(u64 value)
global _vm_is_number
_vm_is_number:
    if ARM64
        move NumberTag, csr7                # x26: callee-saved, not saved
        andq a0, csr7, t1
        cqeq t1, csr7, r0
    else
        move NumberTag, t1
        andq a0, t1, t2
        cqeq t2, t1, r0
    end
    ret
