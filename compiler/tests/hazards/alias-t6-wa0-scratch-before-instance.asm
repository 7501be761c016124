# Bug: a WebAssembly global.get helper loads the global's index into t6
# before reading the instance from wa0. On x86-64 System V t6 is rdi = wa0.
# On ARM64 t6 is x6 and wa0 is x0. t6 does not exist on Windows x64, where the
# code uses t4 (r10).
# Pair t6/wa0: written through t6, read through wa0.
#
# expect sysv: alias-clobber
# expect win64: none
# expect arm64: none

if X86_64_WIN
    const Index = t4
else
    const Index = t6
end

const Instance_globals = 48

# u64 wasm_global_get(Instance* instance, const u32* pc)
global _wasm_global_get
_wasm_global_get:
    loadi 4[wa1], Index                     # System V: rdi = wa0
    loadp Instance_globals[wa0], t2
    loadq [t2, Index, 8], r0
    ret
