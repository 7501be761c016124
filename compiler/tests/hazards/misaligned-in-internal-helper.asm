# Bug: an exported function with an aligned frame calls an internal helper,
# and the helper calls C without a frame of its own. The `call` of the helper
# pushed a return address on x86-64, so the helper's C call is made with sp
# off by 8 on System V and on Windows x64 (whose 32 bytes of shadow space do
# not change the alignment). On ARM64 the helper saves cfr and lr as a pair
# and sp stays aligned.
# A call with sp off by 8, inside code called from this file (x86-64).
#
# expect sysv: misaligned-call
# expect win64: misaligned-call
# expect arm64: none

include prelude

# u64 vm_check_traps(VM* vm): the status returned by host_check_traps
global _vm_check_traps
_vm_check_traps:
    functionPrologue()                      # sp is 16-byte aligned from here
    call _check_traps                       # x86-64: the helper starts 8 mod 16
    functionEpilogue()
    ret

# internal: host_check_traps(vm)
_check_traps:
    if ARM64
        push cfr, lr
        call _host_check_traps
        pop lr, cfr
    elsif X86_64_WIN
        subp 32, sp
        call _host_check_traps              # 8 mod 16
        addp 32, sp
    else
        call _host_check_traps              # 8 mod 16
    end
    ret
