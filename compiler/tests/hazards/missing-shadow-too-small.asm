# Bug: the Windows x64 path reserves only 16 bytes before a call ("keep sp
# 16-byte aligned"), not the 32-byte shadow space. The callee owns
# [sp, sp + 32), which now covers the saved cfr pushed by the prologue.
# System V and ARM64 have no shadow space; the 16 bytes keep sp aligned
# everywhere.
# Live data (the saved cfr) inside the Windows shadow space at a call.
#
# expect sysv: none
# expect win64: missing-shadow-space
# expect arm64: none

include prelude

# void vm_flush_log(VM* vm)
global _vm_flush_log
_vm_flush_log:
    functionPrologue()
    subp 16, sp                             # meant as the shadow space on Windows
    call _host_flush
    addp 16, sp
    functionEpilogue()
    ret
