# Bug: the tag of the value being boxed is computed in t0, then the first
# argument of the allocation call is set up before the tag has been passed.
# On ARM64 a0 and t0 are both x0: `move csr0, a0` overwrites the tag, and the
# allocator receives the VM pointer twice. On x86-64 t0 is rax, which is no
# argument register, and the code is right.
# Pair t0/a0: written through a0, read through t0.
#
# expect sysv: none
# expect win64: none
# expect arm64: alias-clobber

include prelude

const Value_tag = 8

# Cell* box_value(VM* vm, Value* v)
global _box_value
_box_value:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    loadi Value_tag[a1], t0         # the tag
    orp 0x10, t0
    move csr0, a0                   # arg 1: vm (ARM64: x0 = t0, the tag is lost)
    move t0, a1                     # arg 2: tag
    if X86_64_WIN
        subp 32, sp
        call _allocate_cell
        addp 32, sp
    else
        call _allocate_cell
    end
    popCalleeSaves()
    functionEpilogue()
    ret
