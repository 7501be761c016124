# prelude.asm — the standard macros of offasm programs.
#
# Use it with `include prelude`: offasm has it built in (searched after the -I
# directories and the including file's directory; docs/prelude.md). It defines
# macros and constants: nothing is emitted until a macro is called.
#
# The macros hide the per-ABI parts of writing a C-callable function: the
# frame, the callee-saved registers and the call sequence to C. Every macro
# supports the three register maps (x86-64 System V, x86-64 Windows, ARM64);
# on any other back end it stops the compilation with `error-reached`.
#
# A typical C-ABI function that calls back into C:
#
#     global _fold
#     _fold:                          # u64 fold(u64 (*f)(u64, u64), u64 x, u64 n)
#         functionPrologue()
#         pushCalleeSaves()
#         move a0, csr0               # keep what must survive the calls
#         ...                         # in csr0..csr3
#         cCall2(csr0, csr1, csr2)    # csr0(csr1, csr2); result in r0
#         ...
#         popCalleeSaves()
#         functionEpilogue()
#         ret
#
# Stack alignment contract (TARGETS.md §2.3)
# ------------------------------------------
# * At the entry of a C-ABI function, sp + 8 is 16-byte aligned on x86-64
#   (the `call` pushed the return address) and sp is 16-byte aligned on ARM64.
# * functionPrologue moves sp by 16 bytes in total counting the return address
#   (x86-64: the return address plus `push cfr`; ARM64: `push cfr, lr`), so
#   right after it sp is 16-byte aligned on every target.
# * pushCalleeSaves pushes 32 bytes, which keeps that alignment.
# * cCall2/cCall4 REQUIRE sp to be 16-byte aligned where they are used (they
#   do not realign it; the cross-target checker verifies this at compile
#   time, and `offasm sim` stops at a call of an external function made
#   with a misaligned sp). After
#   functionPrologue(), and after pushCalleeSaves(), it is. On Windows the
#   macros move sp by the 32 bytes of shadow space around the call, which
#   keeps the alignment. On ARM64 sp must be 16-byte aligned at every
#   instruction anyway.
# * The macros never store below sp (no target's red zone is used).

const PtrSize = 8                   # bytes in a pointer or a pushed register
const StackAlignment = 16           # sp alignment required at a `call`
const CalleeSaveSpace = 32          # bytes pushed by pushCalleeSaves (csr0..csr3)
const WindowsShadowSpace = 32       # Windows x64: the callee may write [sp, sp + 32) at its entry

# functionPrologue()
#   Builds a frame record and points cfr at it:
#     x86-64: push cfr; move sp, cfr     (record = {caller's cfr, return address})
#     ARM64:  push cfr, lr; move sp, cfr (an AAPCS64 frame record {x29, x30})
#   Use it first thing in every function that calls other code (on ARM64 a
#   `call` overwrites lr, which this saves) or that uses the callee-saved
#   registers. Afterwards 0[cfr] holds the caller's cfr and 8[cfr] the return
#   address on every target; unwinders and debuggers walk this chain.
#   Arguments: none. Writes: cfr, sp (sp -= 8 on x86-64, -= 16 on ARM64).
#   Alignment: at entry as a C function is entered (see above); afterwards sp
#   is 16-byte aligned.
macro functionPrologue()
    if X86_64
        push cfr
    elsif X86_64_WIN
        push cfr
    elsif ARM64
        push cfr, lr
    else
        error                       # the prelude knows only x86-64 and ARM64 frames
    end
    move sp, cfr
end

# functionEpilogue()
#   Undoes functionPrologue: restores the caller's cfr (and lr on ARM64). It
#   does not return: `ret` follows it.
#   Arguments: none. Writes: cfr, sp (and lr on ARM64).
#   Requires: sp == cfr, i.e. sp is back where functionPrologue left it (pop
#   whatever was pushed after the prologue first, e.g. popCalleeSaves()).
macro functionEpilogue()
    if X86_64
        pop cfr
    elsif X86_64_WIN
        pop cfr
    elsif ARM64
        pop lr, cfr                 # the reverse of `push cfr, lr`
    else
        error
    end
end

# pushCalleeSaves()
#   Saves csr0, csr1, csr2, csr3 on the stack (32 bytes), so that the function
#   may use them and keep values in them across calls (C code preserves them).
#     x86-64:  push csr0, csr1, csr2, csr3  (csr0 ends at the highest address)
#     ARM64:   push csr0, csr1 / push csr2, csr3 (ARM64 pushes whole pairs)
#   The slot layout differs between the targets: never read the slots by
#   offset; restore them with popCalleeSaves().
#   Which physical registers these are depends on the target (TARGETS.md):
#   rbx r12 r13 r14 (System V), rbx rsi rdi r12 (Windows), x19..x22 (ARM64).
#   Arguments: none. Writes: sp (sp -= 32). Preserves every other register.
#   Alignment: keeps sp's alignment modulo 16 (32 is a multiple of 16).
macro pushCalleeSaves()
    if X86_64
        push csr0, csr1, csr2, csr3
    elsif X86_64_WIN
        push csr0, csr1, csr2, csr3
    elsif ARM64
        push csr0, csr1
        push csr2, csr3
    else
        error
    end
end

# popCalleeSaves()
#   Restores csr0..csr3 saved by pushCalleeSaves() (pops in the reverse order).
#   Arguments: none. Writes: csr0, csr1, csr2, csr3, sp (sp += 32).
#   Requires: sp is where pushCalleeSaves() left it.
macro popCalleeSaves()
    if X86_64
        pop csr3, csr2, csr1, csr0
    elsif X86_64_WIN
        pop csr3, csr2, csr1, csr0
    elsif ARM64
        pop csr3, csr2
        pop csr1, csr0
    else
        error
    end
end

# cCall2(fn, arg0, arg1), cCall4(fn, arg0, arg1, arg2, arg3)
#   Calls the C function `fn` with two (cCall2) or four (cCall4) integer or
#   pointer arguments. Four register arguments is the most that every target
#   passes in registers (Windows x64 has only rcx, rdx, r8, r9).
#   arg0..arg3: registers or immediates. They are placed in a0..a3 by ONE
#       `moveargs` (a parallel move: every value is read before any argument
#       register is written), so a value may sit in any register, including
#       an argument register or a temporary that aliases one on some target
#       (t5 is a0 on Windows, t6 is a0 on System V, t0 is a0 on ARM64), and
#       arguments may be permuted: `cCall2(fn, a1, a0)` swaps them.
#   fn: a global label (`_name`, an external C function or one in this file)
#       or a register or memory operand holding the function's address. A
#       register must not be an argument register on any target (the
#       arguments overwrite it): use a callee-saved register (csrN) or a
#       label. A memory operand must not be sp-relative (on Windows sp moves
#       by 32 bytes before the call).
#   Result: r0 (an integer or pointer of at most 8 bytes) or fr (a double).
#       Results wider than 8 bytes are not supported: on Windows x64 they are
#       returned through memory, and r1 is not a second result register there.
#   Writes: a0, a1 (a0..a3 for cCall4), sp only temporarily (Windows), and
#       whatever the call clobbers: everything the C ABI lets a callee
#       clobber: all temporaries t*, a*, r*, ft*, fa*, fr, the ws*/wa*/wfa*
#       aliases, and lr on ARM64 (so the enclosing function must have saved
#       lr: functionPrologue()). Nothing else: no scratch of the macro's own.
#   Preserves: csr*, csfr*, cfr, and sp (sp after the macro == sp before it).
#   Requires: sp 16-byte aligned at the macro (as after functionPrologue()
#       and pushCalleeSaves(); see the contract above). The macros do not
#       realign sp; the cross-target checker verifies the alignment at compile
#       time (`misaligned-call`), and the simulator (`offasm sim`) stops at a
#       call of an external function made with a misaligned sp.
#     x86-64 System V: `moveargs`, then `call fn` (the call pushes the return
#       address: the callee is entered with sp + 8 aligned, as the ABI wants).
#     x86-64 Windows: `moveargs`, then `subp 32, sp` reserves the 32 bytes of
#       shadow space the callee owns at [sp, sp + 32), `call fn`, and
#       `addp 32, sp` releases it (32 keeps sp 16-byte aligned).
#     ARM64: `moveargs`, then a plain `call` (bl/blr).
#   Not for variadic C functions (System V wants al set, Apple ARM64 passes
#   variadic arguments on the stack) nor for more than four arguments.
macro cCall2(fn, arg0, arg1)
    moveargs arg0, arg1
    cCallSetUp(fn)
end

macro cCall4(fn, arg0, arg1, arg2, arg3)
    moveargs arg0, arg1, arg2, arg3
    cCallSetUp(fn)
end

# cCallSetUp(fn): the call sequence of cCall2 and cCall4 once the arguments
# are in place (see there).
macro cCallSetUp(fn)
    if X86_64
        call fn
    elsif X86_64_WIN
        subp WindowsShadowSpace, sp # the callee's shadow space
        call fn
        addp WindowsShadowSpace, sp
    elsif ARM64
        call fn
    else
        error
    end
end
