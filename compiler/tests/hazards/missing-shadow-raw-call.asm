# Bug: a plain `call` after the frame set-up, written the same way for every
# target. Windows x64 lets the callee use the 32 bytes above sp (the shadow
# space) for its register arguments; without `subp 32, sp` the callee may
# overwrite the saved cfr and the return address of this function. System V
# and ARM64 have no shadow space, and sp is aligned on all three.
# A raw call without the Windows shadow space.
#
# expect sysv: none
# expect win64: missing-shadow-space
# expect arm64: none

include prelude

# u64 vm_string_hash(VM* vm, String* s)
global _vm_string_hash
_vm_string_hash:
    functionPrologue()
    call _host_string_hash                  # a0 = vm, a1 = s
    functionEpilogue()
    ret
