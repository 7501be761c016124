# Bug: on x86-64 the function saves one callee-saved register after building
# its frame and then calls C. Entry sp is 8 mod 16 (the return address), the
# `push cfr` realigns it, and the single `push csr0` misaligns it again: the
# call is made with sp off by 8 on System V and on Windows x64 (where the 32
# bytes of shadow space do not change the alignment). ARM64 pushes registers
# in pairs, so sp stays 16-byte aligned there.
# A raw call with sp off by 8.
#
# expect sysv: misaligned-call
# expect win64: misaligned-call
# expect arm64: none

# u64 vm_hash_cell(VM* vm, Cell* cell)
global _vm_hash_cell
_vm_hash_cell:
    if ARM64
        push cfr, lr
        move sp, cfr
        push csr0, csr1
    else
        push cfr
        move sp, cfr
        push csr0                           # x86-64: sp is 8 mod 16 again
    end
    move a1, csr0
    if X86_64_WIN
        subp 32, sp
        call _host_hash                     # a0 = vm, a1 = cell
        addp 32, sp
    else
        call _host_hash
    end
    addp 0x10, csr0
    storeq r0, [csr0]
    if ARM64
        pop csr1, csr0
        pop lr, cfr
    else
        pop csr0
        pop cfr
    end
    ret
