# Bug: a leaf reserves one spill slot: 8 bytes on x86-64 but 16 on ARM64
# (where sp must stay 16-byte aligned); the common exit frees 8 bytes. On
# ARM64 sp is 8 bytes below its entry value at the `ret`.
# Unbalanced stack at a return (ARM64 only).
#
# expect sysv: none
# expect win64: none
# expect arm64: unbalanced-stack

# u64 vm_swap_halves(u64 x)
global _vm_swap_halves
_vm_swap_halves:
    if ARM64
        subp 16, sp
    else
        subp 8, sp
    end
    storeq a0, [sp]
    loadi [sp], t2
    loadi 4[sp], t3
    lshiftq 32, t2
    orq t3, t2
    move t2, r0
    addp 8, sp                              # the x86-64 size
    ret
