# Bug: code ported from the old offlineasm x86-64 map (where t6 was r10, see
# TARGETS.md §7 rule 5) keeps the metadata pointer in t6 while it sets up a0.
# On x86-64 System V t6 is rdi = a0 today, so the host function receives the
# VM pointer as its metadata. On ARM64 t6 is x6 (a6, unused by this
# two-argument call). t6 does not exist on Windows x64, where the code uses
# t4 (r10).
# Pair t6/a0: written through a0, read through t6.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

include prelude

if X86_64_WIN
    const Metadata = t4
else
    const Metadata = t6
end

const Instruction_metadata = 8

# u64 vm_get_by_id_slow(VM* vm, Instruction* pc)
global _vm_get_by_id_slow
_vm_get_by_id_slow:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    loadp Instruction_metadata[a1], Metadata
    move csr0, a0                           # System V: rdi = t6
    move Metadata, a1
    if X86_64_WIN
        subp 32, sp
        call _host_get_by_id
        addp 32, sp
    else
        call _host_get_by_id
    end
    popCalleeSaves()
    functionEpilogue()
    ret
