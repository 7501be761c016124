# Bug: a portable spill slot of 8 bytes is reserved below the frame. On
# x86-64 the frameless entry sp is 8 mod 16, so `subp 8, sp` realigns it
# (Windows x64 adds its 32 bytes of shadow space); on ARM64 sp is 16-byte
# aligned at entry and after `push cfr, lr`, so the 8-byte slot misaligns it
# at the call (and ARM64 faults on any sp-based access with a misaligned sp).
# A call with sp off by 8 (ARM64 only).
#
# expect sysv: none
# expect win64: none
# expect arm64: misaligned-call, misaligned-stack, misaligned-stack

# u64 vm_call_with_spill(u64 x, u64 y)
global _vm_call_with_spill
_vm_call_with_spill:
    if ARM64
        push cfr, lr
    end
    subp 8, sp                              # one spill slot
    storep a1, [sp]
    if X86_64_WIN
        subp 32, sp
        call _host_transform                # a0 = x
        addp 32, sp
    else
        call _host_transform
    end
    loadp [sp], t3
    addp 8, sp
    addp t3, r0
    if ARM64
        pop lr, cfr
    end
    ret
