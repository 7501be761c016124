# Bug: a WebAssembly call keeps the callee's entry point in t6 while the
# instance is put into wa0. On x86-64 System V t6 is rdi = wa0, so the call
# goes to the instance pointer. On ARM64 t6 is x6. t6 does not exist on
# Windows x64, where the code uses t4 (r10).
# Pair t6/wa0: written through wa0, read through t6.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

include prelude

if X86_64_WIN
    const Entry = t4
else
    const Entry = t6
end

const Callee_entry = 0
const Callee_instance = 8

# u64 wasm_call_ref(Callee* callee, u64 argument)
global _wasm_call_ref
_wasm_call_ref:
    functionPrologue()
    move a0, t3
    loadp Callee_entry[t3], Entry
    loadp Callee_instance[t3], wa0          # System V: rdi = t6
    if X86_64_WIN
        subp 32, sp
        call Entry
        addp 32, sp
    else
        call Entry
    end
    functionEpilogue()
    ret
