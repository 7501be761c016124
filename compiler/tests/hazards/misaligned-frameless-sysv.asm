# Bug: a frameless function calls C directly. The author adjusted sp for
# Windows x64 (40 bytes: the 32-byte shadow space plus 8 to realign the
# return address) and saved lr on ARM64, but on x86-64 System V the call is
# made with the entry sp, which is 8 mod 16 because of the return address.
# A raw call with sp off by 8 (System V only).
#
# expect sysv: misaligned-call
# expect win64: none
# expect arm64: none

# void vm_log_event(u64 event)
global _vm_log_event
_vm_log_event:
    if X86_64_WIN
        subp 40, sp
        call _host_log
        addp 40, sp
    elsif ARM64
        push cfr, lr
        call _host_log
        pop lr, cfr
    else
        call _host_log                      # sp is 8 mod 16 here
    end
    ret
