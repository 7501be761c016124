# Bug: WebAssembly i64.div_s keeps the linear-memory base in ws0 across an
# x86 division. `idivq` writes its quotient to r0, and on x86-64 System V ws0
# is rax = r0: the quotient is stored through itself. ws0 does not exist on
# Windows x64, where the base lives in t4 (r10); ARM64 divides with divqs and
# keeps ws0 (x9) intact.
# Pair r0/ws0: written through r0 (idivq's implicit write), read through ws0.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

const Instance_memoryBase = 16

# void wasm_i64_div_s_store(Instance* instance, i64 lhs, i64 rhs, u64 address)
# (rhs is known to be neither 0 nor -1 here)
global _wasm_i64_div_s_store
_wasm_i64_div_s_store:
    if ARM64
        loadp Instance_memoryBase[a0], ws0
        divqs a2, a1, t2
        storeq t2, [ws0, a3, 1]
    elsif X86_64
        loadp Instance_memoryBase[a0], ws0  # rax
        move a2, t5                         # the divisor (a2 is rdx = r1)
        move a1, r0
        cqoq
        idivq t5                            # r0 := quotient (rax = ws0)
        storeq r0, [ws0, a3, 1]
    elsif X86_64_WIN
        loadp Instance_memoryBase[a0], t4
        move a2, t5
        move a1, r0
        cqoq
        idivq t5
        storeq r0, [t4, a3, 1]
    end
    ret
