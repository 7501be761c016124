# vm.asm — the interpreter's pinned registers and the macros every handler is
# built from: operand fetch, result store, dispatch. See docs/interpreter.md.

# Pinned VM state: five callee-saved registers, loaded from the Ctx by the
# entry and kept in place by every handler. Callee-saved so that a future slow
# path may call C directly and find them intact; x86-64 System V has exactly
# five csr (plus cfr, which stays the native frame pointer: Apple ARM64 wants
# x29 to address a frame record at all times).
#
#            System V   Windows   ARM64
#   vmFP     rbx        rbx       x19     frame base (slot 0 of the function)
#   vmPC     r14        rsi       x20     current internal instruction
#   vmMem    r12        rdi       x21     linear memory base
#   vmSize   r13        r12       x22     linear memory size in bytes
#   vmCtx    r15        r13       x23     struct Ctx
#
# vmFP is rbx on x86-64 (no SIB or displacement quirk as a base); vmPC avoids
# r12/r13 where it can (r12 needs a SIB byte and r13 a displacement as a base,
# and `jmp *(pc)` is the hottest instruction). vmSize is only compared.
if X86_64
    const vmFP = csr0
    const vmMem = csr1
    const vmSize = csr2
    const vmPC = csr3
    const vmCtx = csr4
elsif X86_64_WIN
    const vmFP = csr0
    const vmPC = csr1
    const vmMem = csr2
    const vmSize = csr3
    const vmCtx = csr4
else
    const vmFP = csr0
    const vmPC = csr1
    const vmMem = csr2
    const vmSize = csr3
    const vmCtx = csr4
end

# The handlers use t0..t3 only: they exist on every target (Windows has t0..t5).
# Nothing in the loop calls C, so argument/return aliases matter only around
# the x86 division (r0/r1) and the entry (a0).

# saveVmRegisters / restoreVmRegisters: csr0..csr4 plus one padding slot, so
# that sp stays 16-byte aligned (48 bytes) and ARM64 pushes whole pairs.
macro saveVmRegisters()
    if X86_64 or X86_64_WIN
        push csr0, csr1, csr2, csr3, csr4, csr4
    elsif ARM64
        push csr0, csr1
        push csr2, csr3
        push csr4, csr4
    else
        error
    end
end

macro restoreVmRegisters()
    if X86_64 or X86_64_WIN
        pop t1, csr4, csr3, csr2, csr1, csr0   # the pad goes to t1 (t0 holds the status)
    elsif ARM64
        pop t1, csr4                # the pad goes to t1 (ldp with one register twice is unpredictable)
        pop csr3, csr2
        pop csr1, csr0
    else
        error
    end
end

# ---- instruction fields ----------------------------------------------------
# Field k (32 bits) is at byte Insn_fields + 4k of the instruction.

# Frame slots hold 8 bytes; an i32 lives in the low 4 (the upper 4 are
# undefined), an i64/f64 in all 8. A slot operand field holds the slot's byte
# offset from vmFP.
macro slotI32(k, reg)
    loadi (Insn_fields + 4 * k)[vmPC], reg
    loadi [vmFP, reg], reg
end

macro slotI64(k, reg)
    loadi (Insn_fields + 4 * k)[vmPC], reg
    loadq [vmFP, reg], reg
end

# An immediate operand is the field itself (i64 immediates are 32-bit fields,
# sign-extended: the translator uses them only for constants that fit).
macro immI32(k, reg)
    loadi (Insn_fields + 4 * k)[vmPC], reg
end

macro immI64(k, reg)
    loadis (Insn_fields + 4 * k)[vmPC], reg
end

# Store a result to the slot named by field k (tmp is clobbered).
macro putI32(k, value, tmp)
    loadi (Insn_fields + 4 * k)[vmPC], tmp
    storei value, [vmFP, tmp]
end

macro putI64(k, value, tmp)
    loadi (Insn_fields + 4 * k)[vmPC], tmp
    storeq value, [vmFP, tmp]
end

# ---- dispatch ----------------------------------------------------------------
# Threaded code: every handler ends by stepping over its own instruction and
# jumping through the next instruction's handler address.
macro dispatch(size)
    addp size, vmPC
    next()
end

# Continue at the absolute internal-code address in the 64-bit field at byte
# `offset` of the current instruction.
macro jumpToField(offset)
    loadp offset[vmPC], vmPC
    next()
end

# Run the instruction at vmPC: every transfer to a handler goes through here.
# The instrumented build (runtime feature `count-dispatches`) counts them.
macro next()
    if COUNT_DISPATCHES
        addq 1, Ctx_dispatches[vmCtx]
    end
    jmp [vmPC]
end
