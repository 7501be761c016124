# Bug: a leaf accessor computes a byte offset in t5 before it has read its
# first argument. On Windows x64 t5 is rcx, the register that carries a0, so
# the VM pointer is gone when `loadp VM_globals[a0]` reads it. On System V
# (t5 = r10) and ARM64 (t5 = x5) t5 is not an argument register of this
# two-argument function.
# Pair t5/a0: written through t5, read through a0.
#
# expect sysv: none
# expect win64: alias-clobber
# expect arm64: none

const VM_globals = 16

# u64 vm_load_global(VM* vm, u64 index)
global _vm_load_global
_vm_load_global:
    move a1, t5
    lshiftp 3, t5                   # byte offset of the global
    loadp VM_globals[a0], t2        # Windows: a0 is rcx = t5, the offset
    loadp [t2, t5, 1], r0
    ret
