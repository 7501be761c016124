# Bug: a leaf property load uses t6 as a scratch register for the property
# offset before it has read the object from a0. On x86-64 System V t6 is
# rdi = a0. On ARM64 t6 is x6. t6 does not exist on Windows x64, where the
# code uses t4 (r10).
# Pair t6/a0: written through t6, read through a0.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

if X86_64_WIN
    const Offset = t4
else
    const Offset = t6
end

const Object_butterfly = 8

# u64 vm_load_property(Object* object, StructureInfo* info)
global _vm_load_property
_vm_load_property:
    loadi [a1], Offset                      # System V: rdi = a0, the object
    loadp Object_butterfly[a0], t2
    loadq [t2, Offset, 8], r0
    ret
