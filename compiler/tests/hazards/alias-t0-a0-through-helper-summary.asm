# Bug: an exported function calls a helper defined in the same file and then
# reads its own first argument again. The helper returns a status in t0; on
# x86-64 it leaves a0 (rdi or rcx) alone, but on ARM64 t0 is x0 = a0, so the
# caller then loads through the status. The checker follows the call with the
# helper's summary rather than the C convention.
# Pair t0/a0: written through t0 (in the called helper), read through a0.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

const Object_flags = 8
const Object_count = 16

# u64 vm_touch_and_count(Object* object)
global _vm_touch_and_count
_vm_touch_and_count:
    if ARM64
        push cfr, lr
    end
    call _mark_object                       # t0 := previous flags
    loadq Object_count[a0], r0              # ARM64: a0 is the status now
    if ARM64
        pop lr, cfr
    end
    ret

# internal: sets bit 0 of object->flags; t0 := the previous flags
_mark_object:
    loadq Object_flags[a0], t2
    orq 1, t2, t3
    storeq t3, Object_flags[a0]
    move t2, t0                             # last: on ARM64 this is a0
    ret
