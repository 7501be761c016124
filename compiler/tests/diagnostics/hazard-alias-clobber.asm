# target: x86_64-pc-windows-msvc
# A value kept in t5 while the first C argument is set up: on Windows x64
# t5 and a0 are both rcx.
global _vm_call_host
_vm_call_host:
    push cfr
    move sp, cfr
    loadp 8[a0], t5
    move a1, a0
    subp 32, sp
    call t5
    addp 32, sp
    pop cfr
    ret
