# interp.asm — the WebAssembly interpreter's execution core.
#
# Compiled by runtime/build.rs (offasm::build) with `-I lib-asm -I lib-asm/wasm`.
# The design is described in docs/interpreter.md; the internal code it runs is
# produced by runtime/src/translate.rs. Every handler is an exported label
# `_wasm_<op>[_<operand kinds>]` whose address Rust stores in the internal code
# (runtime/src/abi.rs lists them). Operand kinds: `s` a frame slot, `i` an
# immediate field.

include prelude
include abi
include vm

# ---- entry and exit -----------------------------------------------------------

# u64 wasm_enter(struct Ctx *ctx)
#   Runs internal code from ctx->pc with frame ctx->fp until something needs
#   Rust: returns a Status_* and leaves pc/fp in the Ctx. Re-entering with the
#   same Ctx resumes (Rust sets ctx->pc first for call-outs).
global _wasm_enter
_wasm_enter:
    functionPrologue()
    saveVmRegisters()
    move a0, vmCtx
    loadp Ctx_pc[vmCtx], vmPC
    loadp Ctx_fp[vmCtx], vmFP
    loadp Ctx_memDesc[vmCtx], t0
    loadp Mem_base[t0], vmMem
    loadp Mem_size[t0], vmSize
    next()

# The way out, status in t0: reached by jumps from handlers only. sp is where
# the entry left it (handlers never move sp).
_vm_exit:                          # offasm: not-c-function
    storep vmPC, Ctx_pc[vmCtx]
    storep vmFP, Ctx_fp[vmCtx]
    restoreVmRegisters()
    functionEpilogue()
    ret

# Traps: vmPC still addresses the trapping instruction, which is how Rust finds
# the function and the wasm code offset.
macro defineTrap(name, kind)
_vm_trap_%name%:                   # offasm: not-c-function
    move kind, t0
    jmp _vm_trap_common
end

defineTrap(unreachable, Trap_Unreachable)
defineTrap(div_zero, Trap_DivideByZero)
defineTrap(overflow, Trap_IntegerOverflow)
defineTrap(oob, Trap_MemoryOutOfBounds)
defineTrap(stack, Trap_StackExhausted)
defineTrap(undefined_element, Trap_UndefinedElement)
defineTrap(uninitialized_element, Trap_UninitializedElement)
defineTrap(signature, Trap_IndirectCallTypeMismatch)
defineTrap(conversion, Trap_InvalidConversion)

_vm_trap_common:                   # offasm: not-c-function
    storep t0, Ctx_trap[vmCtx]
    move Status_Trap, t0
    jmp _vm_exit

# ---- handler definition helpers --------------------------------------------------

# The families below define handlers through these macros so that every
# handler is exported and marked as entered by jumps (not a C function).
macro handler(name, body)
    global _wasm_%name%
_wasm_%name%:                        # offasm: not-c-function
    body()
end

# Binary operations, fields (a, b, d), 24 bytes. `op(rhs, lhs)` computes
# lhs := lhs OP rhs in registers (t0 = lhs, t1 = rhs; t2, t3 free).
# get/imm fetch an operand of the input type, put stores the result type.
#
# Every handler of this file that computes a result leaves it in t0 (ft0 for
# float results) when it dispatches, besides storing it; runtime/src/forward.rs
# lists which. The `_r` variants take one operand from there: the previous
# instruction's result, which the translator's last pass lets them use when
# that instruction wrote the operand's slot and nothing can jump between the
# two. Their layout is the plain form's; the operand's field is not read.
macro binaryFamily(name, get, imm, put, op)
    # Every shape brings the left operand to t0 and the right one to t1
    # (`_rs`, `_sr`, `_ri`, `_ir` find the previous result in t0), combines
    # them and stores the result, field 2; `_ss2` and `_si2` store it to field
    # 3 too (a value that `local.tee a; local.set b` gives two names).
    macro shape(label, operands, store)
        handler(label, macro ()
            operands()
            op(t1, t0)
            store()
            dispatch(24)
        end)
    end
    macro once() put(2, t0, t1) end
    macro twice() put(2, t0, t1) put(3, t0, t1) end
    shape(%name%_ss2, macro () get(0, t0) get(1, t1) end, twice)
    shape(%name%_si2, macro () get(0, t0) imm(1, t1) end, twice)
    shape(%name%_rs, macro () get(1, t1) end, once)
    shape(%name%_sr, macro ()
        move t0, t1
        get(0, t0)
    end, once)
    shape(%name%_ri, macro () imm(1, t1) end, once)
    shape(%name%_ir, macro ()
        move t0, t1
        imm(0, t0)
    end, once)
    shape(%name%_ss, macro () get(0, t0) get(1, t1) end, once)
    shape(%name%_si, macro () get(0, t0) imm(1, t1) end, once)
    shape(%name%_is, macro () imm(0, t0) get(1, t1) end, once)
end

macro binaryI32(name, op)
    binaryFamily(name, slotI32, immI32, putI32, op)
end

macro binaryI64(name, op)
    binaryFamily(name, slotI64, immI64, putI64, op)
end

macro compareI64(name, op)
    binaryFamily(name, slotI64, immI64, putI32, op)
end

# Unary operations, fields (a, d), 16 bytes; `op(x)` works in place on t0
# (t1..t3 free).
# `_r`: the operand is the previous instruction's result, in t0.
macro unaryFamily(name, get, put, op)
    handler(name, macro ()
        get(0, t0)
        op(t0)
        put(1, t0, t1)
        dispatch(16)
    end)
    handler(%name%_r, macro ()
        op(t0)
        put(1, t0, t1)
        dispatch(16)
    end)
end

# Fused compare-and-branch, fields (target:64, a, b), 24 bytes: jumps to the
# target when `a CC b` (br(a, b, label) emits the compare-branch).
# A memory operand in fields k, k+1, k+2 (address slot, c, offset + width),
# as the loads' `_a` variants take it: `address` gets the checked end address
# (the access is at -width[vmMem, address]).
macro memAddressAt(k, width, address, tmp)
    slotI32(k, address)
    addi (Insn_fields + 4 * k + 4)[vmPC], address
    immI32(k + 2, tmp)
    addp tmp, address
    bpa address, vmSize, _vm_trap_oob
end

# `_sm`/`_ms`: one side is loaded from memory (a full-width load the
# translator fused with the compare): fields (target:64, x slot, address
# slot, c, offset + width), 32 bytes.
macro branchFamily(name, get, imm, br, width, load)
    handler(br_%name%_rs, macro ()
        get(3, t1)
        br(t0, t1, .taken)
        dispatch(24)
    .taken:
        jumpToField(Insn_fields)
    end)
    handler(br_%name%_sr, macro ()
        move t0, t1
        get(2, t0)
        br(t0, t1, .taken)
        dispatch(24)
    .taken:
        jumpToField(Insn_fields)
    end)
    handler(br_%name%_ri, macro ()
        imm(3, t1)
        br(t0, t1, .taken)
        dispatch(24)
    .taken:
        jumpToField(Insn_fields)
    end)
    handler(br_%name%_ss, macro ()
        get(2, t0)
        get(3, t1)
        br(t0, t1, .taken)
        dispatch(24)
    .taken:
        jumpToField(Insn_fields)
    end)
    handler(br_%name%_si, macro ()
        get(2, t0)
        imm(3, t1)
        br(t0, t1, .taken)
        dispatch(24)
    .taken:
        jumpToField(Insn_fields)
    end)
    handler(br_%name%_sm, macro ()
        memAddressAt(3, width, t1, t2)
        load(-width[vmMem, t1], t1)
        get(2, t0)
        br(t0, t1, .taken)
        dispatch(32)
    .taken:
        jumpToField(Insn_fields)
    end)
    handler(br_%name%_ms, macro ()
        memAddressAt(3, width, t0, t2)
        load(-width[vmMem, t0], t0)
        get(2, t1)
        br(t0, t1, .taken)
        dispatch(32)
    .taken:
        jumpToField(Insn_fields)
    end)
end

# ---- integer arithmetic --------------------------------------------------------

binaryI32(i32_add, macro (r, l) addi r, l end)
binaryI32(i32_sub, macro (r, l) subi r, l end)
binaryI32(i32_mul, macro (r, l) muli r, l end)
binaryI32(i32_and, macro (r, l) andi r, l end)
binaryI32(i32_or, macro (r, l) ori r, l end)
binaryI32(i32_xor, macro (r, l) xori r, l end)
binaryI32(i32_shl, macro (r, l) lshifti r, l end)
binaryI32(i32_shr_s, macro (r, l) rshifti r, l end)
binaryI32(i32_shr_u, macro (r, l) urshifti r, l end)
binaryI32(i32_rotl, macro (r, l) lrotatei r, l end)
binaryI32(i32_rotr, macro (r, l) rrotatei r, l end)

# `a OP (b SHIFT k)` (`_sk`; fields a, b, k, d, 24 bytes): the shifted or
# rotated operand of hashing and bit-mixing code (`h ^ (h >> 16)`, sha256's
# sigma functions) and of an element's address kept in a local (`a + (i << 2)`),
# which would otherwise take the shift and the operation.
macro shiftedBody(get, imm, put, shift, op)
    get(1, t0)
    imm(2, t1)
    shift(t1, t0)
    move t0, t1
    get(0, t0)
    op(t1, t0)
    put(3, t0, t1)
    dispatch(24)
end

macro shiftedFamily(name, get, imm, put, op, shl, shrs, shru, rotl, rotr)
    handler(%name%_shl_sk, macro () shiftedBody(get, imm, put, shl, op) end)
    handler(%name%_shr_s_sk, macro () shiftedBody(get, imm, put, shrs, op) end)
    handler(%name%_shr_u_sk, macro () shiftedBody(get, imm, put, shru, op) end)
    handler(%name%_rotl_sk, macro () shiftedBody(get, imm, put, rotl, op) end)
    handler(%name%_rotr_sk, macro () shiftedBody(get, imm, put, rotr, op) end)
end

macro shiftedI32(name, op)
    shiftedFamily(name, slotI32, immI32, putI32, op,
        macro (r, l) lshifti r, l end, macro (r, l) rshifti r, l end, macro (r, l) urshifti r, l end,
        macro (r, l) lrotatei r, l end, macro (r, l) rrotatei r, l end)
end
macro shiftedI64(name, op)
    shiftedFamily(name, slotI64, immI64, putI64, op,
        macro (r, l) lshiftq r, l end, macro (r, l) rshiftq r, l end, macro (r, l) urshiftq r, l end,
        macro (r, l) lrotateq r, l end, macro (r, l) rrotateq r, l end)
end

shiftedI32(i32_add, macro (r, l) addi r, l end)
shiftedI32(i32_sub, macro (r, l) subi r, l end)
shiftedI32(i32_and, macro (r, l) andi r, l end)
shiftedI32(i32_or, macro (r, l) ori r, l end)
shiftedI32(i32_xor, macro (r, l) xori r, l end)
shiftedI64(i64_add, macro (r, l) addq r, l end)
shiftedI64(i64_sub, macro (r, l) subq r, l end)
shiftedI64(i64_and, macro (r, l) andq r, l end)
shiftedI64(i64_or, macro (r, l) orq r, l end)
shiftedI64(i64_xor, macro (r, l) xorq r, l end)

binaryI64(i64_add, macro (r, l) addq r, l end)
binaryI64(i64_sub, macro (r, l) subq r, l end)
binaryI64(i64_mul, macro (r, l) mulq r, l end)
binaryI64(i64_and, macro (r, l) andq r, l end)
binaryI64(i64_or, macro (r, l) orq r, l end)
binaryI64(i64_xor, macro (r, l) xorq r, l end)
binaryI64(i64_shl, macro (r, l) lshiftq r, l end)
binaryI64(i64_shr_s, macro (r, l) rshiftq r, l end)
binaryI64(i64_shr_u, macro (r, l) urshiftq r, l end)
binaryI64(i64_rotl, macro (r, l) lrotateq r, l end)
binaryI64(i64_rotr, macro (r, l) rrotateq r, l end)

# Division. The operands arrive as l = t0 (the dividend, already r0 on every
# target) and r = t1 (the divisor). x86-64 divides r1:r0 by a register that is
# neither r0 nor r1, and r1 is t2 on System V but t1 on Windows, so the divisor
# moves to t3 first; ARM64 has three-operand division (divisor first) and no
# remainder instruction. Division by zero and the one overflowing quotient
# trap; the overflowing remainder (MIN rem -1) is 0, which x86 `idiv` would
# fault on, so it is answered before dividing.
macro divide32(r, l, signed, wantRemainder)
    btiz r, _vm_trap_div_zero
    if X86_64 or X86_64_WIN
        move r, t3
        signed(macro ()
            cdqi
            idivi t3
        end, macro ()
            move 0, r1
            udivi t3
        end)
        wantRemainder(macro () move r1, l end, macro () end)
    elsif ARM64
        wantRemainder(macro ()
            signed(macro () divis r, l, t2 end, macro () divi r, l, t2 end)
            muli r, t2
            subi t2, l
        end, macro ()
            signed(macro () divis r, l, l end, macro () divi r, l, l end)
        end)
    else
        error
    end
end

macro divide64(r, l, signed, wantRemainder)
    btqz r, _vm_trap_div_zero
    if X86_64 or X86_64_WIN
        move r, t3
        signed(macro ()
            cqoq
            idivq t3
        end, macro ()
            move 0, r1
            udivq t3
        end)
        wantRemainder(macro () move r1, l end, macro () end)
    elsif ARM64
        wantRemainder(macro ()
            signed(macro () divqs r, l, t2 end, macro () divq r, l, t2 end)
            mulq r, t2
            subq t2, l
        end, macro ()
            signed(macro () divqs r, l, l end, macro () divq r, l, l end)
        end)
    else
        error
    end
end

# Selectors passed as `signed` / `wantRemainder`: call the first or the second.
macro first(a, b)
    a()
end
macro second(a, b)
    b()
end

binaryI32(i32_div_s, macro (r, l)
    bineq r, -1, .divide
    bieq l, 0x80000000, _vm_trap_overflow
.divide:
    divide32(r, l, first, second)
end)
binaryI32(i32_div_u, macro (r, l) divide32(r, l, second, second) end)
binaryI32(i32_rem_s, macro (r, l)
    bineq r, -1, .divide
    move 0, l                        # MIN rem -1 (and x rem -1) is 0
    jmp .done
.divide:
    divide32(r, l, first, first)
.done:
end)
binaryI32(i32_rem_u, macro (r, l) divide32(r, l, second, first) end)

binaryI64(i64_div_s, macro (r, l)
    bqneq r, -1, .divide
    bqeq l, 0x8000000000000000, _vm_trap_overflow
.divide:
    divide64(r, l, first, second)
end)
binaryI64(i64_div_u, macro (r, l) divide64(r, l, second, second) end)
binaryI64(i64_rem_s, macro (r, l)
    bqneq r, -1, .divide
    move 0, l
    jmp .done
.divide:
    divide64(r, l, first, first)
.done:
end)
binaryI64(i64_rem_u, macro (r, l) divide64(r, l, second, first) end)

# Comparisons: 0 or 1 as an i32. `cmp(a, b, d)` is the dialect's compare-and-set.
binaryI32(i32_eq, macro (r, l) cieq l, r, l end)
binaryI32(i32_ne, macro (r, l) cineq l, r, l end)
binaryI32(i32_lt_s, macro (r, l) cilt l, r, l end)
binaryI32(i32_lt_u, macro (r, l) cib l, r, l end)
binaryI32(i32_gt_s, macro (r, l) cigt l, r, l end)
binaryI32(i32_gt_u, macro (r, l) cia l, r, l end)
binaryI32(i32_le_s, macro (r, l) cilteq l, r, l end)
binaryI32(i32_le_u, macro (r, l) cibeq l, r, l end)
binaryI32(i32_ge_s, macro (r, l) cigteq l, r, l end)
binaryI32(i32_ge_u, macro (r, l) ciaeq l, r, l end)

compareI64(i64_eq, macro (r, l) cqeq l, r, l end)
compareI64(i64_ne, macro (r, l) cqneq l, r, l end)
compareI64(i64_lt_s, macro (r, l) cqlt l, r, l end)
compareI64(i64_lt_u, macro (r, l) cqb l, r, l end)
compareI64(i64_gt_s, macro (r, l) cqgt l, r, l end)
compareI64(i64_gt_u, macro (r, l) cqa l, r, l end)
compareI64(i64_le_s, macro (r, l) cqlteq l, r, l end)
compareI64(i64_le_u, macro (r, l) cqbeq l, r, l end)
compareI64(i64_ge_s, macro (r, l) cqgteq l, r, l end)
compareI64(i64_ge_u, macro (r, l) cqaeq l, r, l end)

# Unary operations.
unaryFamily(i32_eqz, slotI32, putI32, macro (x) cieq x, 0, x end)
unaryFamily(i64_eqz, slotI64, putI32, macro (x) cqeq x, 0, x end)
unaryFamily(i32_clz, slotI32, putI32, macro (x) lzcnti x, x end)
unaryFamily(i64_clz, slotI64, putI64, macro (x) lzcntq x, x end)
unaryFamily(i32_ctz, slotI32, putI32, macro (x) tzcnti x, x end)
unaryFamily(i64_ctz, slotI64, putI64, macro (x) tzcntq x, x end)
unaryFamily(i64_extend_i32_s, slotI32, putI64, macro (x) sxi2q x, x end)
unaryFamily(i64_extend_i32_u, slotI32, putI64, macro (x) zxi2q x, x end)   # an i32 in t0 may have any upper half

# Population count without a popcnt instruction (not in the x86-64 baseline):
# the classic SWAR sum of bit fields.
macro popcount(x, andW, subW, addW, shrW, mulW, m1, m2, m4, h01, top)
    move x, t1
    shrW(1, t1)
    andW(m1, t1)
    subW(t1, x)                      # pairs
    move x, t1
    shrW(2, t1)
    andW(m2, t1)
    andW(m2, x)
    addW(t1, x)                      # nibbles
    move x, t1
    shrW(4, t1)
    addW(t1, x)
    andW(m4, x)                      # bytes
    mulW(h01, x)
    shrW(top, x)                     # the sum of the bytes is in the top byte
end

unaryFamily(i32_popcnt, slotI32, putI32, macro (x)
    popcount(x, macro (s, d) andi s, d end, macro (s, d) subi s, d end,
        macro (s, d) addi s, d end, macro (s, d) urshifti s, d end,
        macro (s, d) muli s, d end,
        0x55555555, 0x33333333, 0x0f0f0f0f, 0x01010101, 24)
end)
unaryFamily(i64_popcnt, slotI64, putI64, macro (x)
    popcount(x, macro (s, d) andq s, d end, macro (s, d) subq s, d end,
        macro (s, d) addq s, d end, macro (s, d) urshiftq s, d end,
        macro (s, d) mulq s, d end,
        0x5555555555555555, 0x3333333333333333, 0x0f0f0f0f0f0f0f0f, 0x0101010101010101, 56)
end)

# ---- moves and constants ------------------------------------------------------

# copy: fields (src, d), 16 bytes; the whole 8-byte slot (any value type).
handler(copy, macro ()
    slotI64(0, t0)
    putI64(1, t0, t1)
    dispatch(16)
end)

# copy_r: the value is the previous instruction's result, in t0.
handler(copy_r, macro ()
    putI64(1, t0, t1)
    dispatch(16)
end)

# const32: fields (d, imm), 16 bytes. const64: fields (imm:64, d), 24 bytes.
handler(const32, macro ()
    immI32(1, t0)
    putI32(0, t0, t1)
    dispatch(16)
end)

handler(const64, macro ()
    loadq Insn_fields[vmPC], t0
    putI64(2, t0, t1)
    dispatch(24)
end)

# select: fields (cond, a, b, d), 24 bytes: d := cond ? a : b.
# `_si`/`_is`: the second or the first value is an immediate (sign-extended).
# `_r`: the condition is the previous instruction's result, in t0.
macro selectWith(cond, first, second)
    cond()
    btiz t0, .second
    first(1, t0)
    putI64(3, t0, t2)
    dispatch(24)
.second:
    second(2, t0)
    putI64(3, t0, t2)
    dispatch(24)
end
macro condFromSlot() slotI32(0, t0) end
macro condInT0() end
handler(select, macro () selectWith(condFromSlot, slotI64, slotI64) end)
handler(select_si, macro () selectWith(condFromSlot, slotI64, immI64) end)
handler(select_is, macro () selectWith(condFromSlot, immI64, slotI64) end)
handler(select_r, macro () selectWith(condInT0, slotI64, slotI64) end)
handler(select_si_r, macro () selectWith(condInT0, slotI64, immI64) end)
handler(select_is_r, macro () selectWith(condInT0, immI64, slotI64) end)

# global.get: fields (address:64, d), 24 bytes. global.set: fields (address:64, src).
handler(global_get, macro ()
    loadp Insn_fields[vmPC], t0
    loadq [t0], t0
    putI64(2, t0, t1)
    dispatch(24)
end)

handler(global_set, macro ()
    slotI64(2, t0)
    loadp Insn_fields[vmPC], t1
    storeq t0, [t1]
    dispatch(24)
end)

# ---- control flow ---------------------------------------------------------------

handler(unreachable, macro ()
    jmp _vm_trap_unreachable
end)

# br: fields (target:64), 16 bytes.
handler(br, macro ()
    jumpToField(Insn_fields)
end)

# br_nz / br_z: fields (target:64, cond), 24 bytes.
macro branchOnZero(name, cond, br)
    handler(name, macro ()
        cond()
        br(t0, .taken)
        dispatch(24)
    .taken:
        jumpToField(Insn_fields)
    end)
end
macro conditionField() slotI32(2, t0) end
branchOnZero(br_nz, conditionField, macro (x, l) btinz x, l end)
branchOnZero(br_z, conditionField, macro (x, l) btiz x, l end)
branchOnZero(br_nz_r, condInT0, macro (x, l) btinz x, l end)
branchOnZero(br_z_r, condInT0, macro (x, l) btiz x, l end)

# br_table: fields (index, count), then count + 1 targets of 64 bits from byte
# 16 (the last is the default).
handler(br_table, macro ()
    slotI32(0, t0)
    immI32(1, t1)
    bib t0, t1, .inRange
    move t1, t0
.inRange:
    loadp 16[vmPC, t0, 8], vmPC
    next()
end)

macro branchI32(name, br)
    branchFamily(name, slotI32, immI32, br, 4, macro (m, d) loadi m, d end)
end
macro branchI64(name, br)
    branchFamily(name, slotI64, immI64, br, 8, macro (m, d) loadq m, d end)
end

# The i32 conditions, once: `apply(name, br)` for each (the compare-and-branch
# families here, the load-and-branch pairs below).
macro i32Conditions(apply)
    apply(i32_eq, macro (a, b, l) bieq a, b, l end)
    apply(i32_ne, macro (a, b, l) bineq a, b, l end)
    apply(i32_lt_s, macro (a, b, l) bilt a, b, l end)
    apply(i32_lt_u, macro (a, b, l) bib a, b, l end)
    apply(i32_gt_s, macro (a, b, l) bigt a, b, l end)
    apply(i32_gt_u, macro (a, b, l) bia a, b, l end)
    apply(i32_le_s, macro (a, b, l) bilteq a, b, l end)
    apply(i32_le_u, macro (a, b, l) bibeq a, b, l end)
    apply(i32_ge_s, macro (a, b, l) bigteq a, b, l end)
    apply(i32_ge_u, macro (a, b, l) biaeq a, b, l end)
end

i32Conditions(branchI32)

# Loop steps: `x += addend; if (x <cond> bound) goto target` in one
# instruction, the back edge of a counted loop (the translator fuses an
# in-place i32 add with the compare-and-branch right after it). Fields
# (target:64, x slot, addend, bound), 32 bytes; `_<addend><bound>` kinds.
macro stepFamily(name, br)
    macro step(addend, bound)
        loadi (Insn_fields + 8)[vmPC], t2
        loadi [vmFP, t2], t0
        addend(3, t1)
        addi t1, t0
        storei t0, [vmFP, t2]
        bound(4, t1)
        br(t0, t1, .taken)
        dispatch(32)
    .taken:
        jumpToField(Insn_fields)
    end
    handler(step_%name%_ii, macro () step(immI32, immI32) end)
    handler(step_%name%_is, macro () step(immI32, slotI32) end)
    handler(step_%name%_si, macro () step(slotI32, immI32) end)
    handler(step_%name%_ss, macro () step(slotI32, slotI32) end)
end

stepFamily(i32_eq, macro (a, b, l) bieq a, b, l end)
stepFamily(i32_ne, macro (a, b, l) bineq a, b, l end)
stepFamily(i32_lt_s, macro (a, b, l) bilt a, b, l end)
stepFamily(i32_lt_u, macro (a, b, l) bib a, b, l end)
stepFamily(i32_gt_s, macro (a, b, l) bigt a, b, l end)
stepFamily(i32_gt_u, macro (a, b, l) bia a, b, l end)
stepFamily(i32_le_s, macro (a, b, l) bilteq a, b, l end)
stepFamily(i32_le_u, macro (a, b, l) bibeq a, b, l end)
stepFamily(i32_ge_s, macro (a, b, l) bigteq a, b, l end)
stepFamily(i32_ge_u, macro (a, b, l) biaeq a, b, l end)

branchI32(i32_and, macro (a, b, l) btinz a, b, l end)    # (a & b) != 0
branchI32(i32_nand, macro (a, b, l) btiz a, b, l end)    # (a & b) == 0

# Load-and-branch pairs: an i32 load (plain, `_a` or `_pre`) and right after
# it a compare-and-branch that takes the loaded value from t0 (`_rs`, `_sr`,
# `_ri`): the scan loops of searches and partitions. The translator's last
# pass puts the pair's handler on the load when nothing jumps to the branch;
# the pair does both and steps over both. The branch instruction (24 bytes
# on: target at 32, a at 40, b at 44) stays in the code for its fields.
macro loadBranchPairs(name, br)
    macro loadI32(m, d) loadi m, d end
    macro afterRS()
        loadi 44[vmPC], t1
        loadi [vmFP, t1], t1
        br(t0, t1, .taken)
        dispatch(48)
    .taken:
        jumpToField(32)
    end
    macro afterSR()
        move t0, t1
        loadi 40[vmPC], t0
        loadi [vmFP, t0], t0
        br(t0, t1, .taken)
        dispatch(48)
    .taken:
        jumpToField(32)
    end
    macro afterRI()
        loadi 44[vmPC], t1
        br(t0, t1, .taken)
        dispatch(48)
    .taken:
        jumpToField(32)
    end
    macro pairs(form, body)
        handler(br_%name%_%form%_rs, macro () body(afterRS) end)
        handler(br_%name%_%form%_sr, macro () body(afterSR) end)
        handler(br_%name%_%form%_ri, macro () body(afterRI) end)
    end
    pairs(load, macro (finish) loadPlainBody(4, loadI32, putI32, t0, addressSlot, finish) end)
    pairs(load_a, macro (finish) loadSumBody(4, loadI32, putI32, t0, addressSlot, noShift, finish) end)
    pairs(load_pre, macro (finish) loadPreBody(4, loadI32, putI32, t0, finish) end)
end

i32Conditions(loadBranchPairs)

branchI64(i64_eq, macro (a, b, l) bqeq a, b, l end)
branchI64(i64_ne, macro (a, b, l) bqneq a, b, l end)
branchI64(i64_lt_s, macro (a, b, l) bqlt a, b, l end)
branchI64(i64_lt_u, macro (a, b, l) bqb a, b, l end)
branchI64(i64_gt_s, macro (a, b, l) bqgt a, b, l end)
branchI64(i64_gt_u, macro (a, b, l) bqa a, b, l end)
branchI64(i64_le_s, macro (a, b, l) bqlteq a, b, l end)
branchI64(i64_le_u, macro (a, b, l) bqbeq a, b, l end)
branchI64(i64_ge_s, macro (a, b, l) bqgteq a, b, l end)
branchI64(i64_ge_u, macro (a, b, l) bqaeq a, b, l end)

# ---- calls -------------------------------------------------------------------------

# enterFunction(info, size): the call sequence shared by the call handlers.
# `info` (t2) holds the callee's FuncInfo, t1 the callee's frame base (the
# caller's first argument slot, so the callee's parameters are the caller's
# argument slots: overlapped frames, and the results land where the caller
# expects them), `size` is the call instruction's size. The caller's resume pc
# and frame go on the return stack; nothing recurses on the machine stack.
# Both stacks are checked before anything changes, so a trap leaves the
# caller intact (vmPC still at the call).
macro enterFunction(size)
    loadp Func_frameBytes[t2], t3
    addp t1, t3
    bpa t3, Ctx_stackEnd[vmCtx], _vm_trap_stack
    loadp Ctx_retSp[vmCtx], t0
    bpaeq t0, Ctx_retLimit[vmCtx], _vm_trap_stack
    leap size[vmPC], t3
    storep t3, Ret_pc[t0]
    storep vmFP, Ret_fp[t0]
    addp Ret_size, t0
    storep t0, Ctx_retSp[vmCtx]
    move t1, vmFP
    loadp Func_localsBytes[t2], t0   # zero the non-parameter locals
    btpz t0, .run
    loadp Func_localsStart[t2], t3
    addp vmFP, t3
.zero:
    subp 8, t0
    storeq 0, [t3, t0]
    btpnz t0, .zero
.run:
    loadp Func_code[t2], vmPC
    next()
end

# call_direct: fields (callee:64 = struct FuncInfo *, args), 24 bytes; `args`
# is the byte offset of the first argument slot.
handler(call_direct, macro ()
    loadp Insn_fields[vmPC], t2
    loadi 16[vmPC], t1
    addp vmFP, t1
    enterFunction(24)
end)

# call_indirect: fields (table:64, length, type id, index slot, args), 32
# bytes. The table is an array of struct TableEntry; the element must exist,
# be set, and have the expected (canonical) type.
handler(call_indirect, macro ()
    slotI32(4, t0)
    immI32(2, t1)
    biaeq t0, t1, _vm_trap_undefined_element
    loadp Insn_fields[vmPC], t1
    lshiftp Elem_shift, t0
    addp t0, t1                      # the element
    loadp Elem_func[t1], t2
    btpz t2, _vm_trap_uninitialized_element
    loadi Elem_sig[t1], t3
    immI32(3, t0)
    bineq t3, t0, _vm_trap_signature
    loadi 28[vmPC], t1
    addp vmFP, t1
    enterFunction(32)
end)

# return: no fields. The results are already in the frame's first slots.
handler(return, macro ()
    loadp Ctx_retSp[vmCtx], t0
    subp Ret_size, t0
    storep t0, Ctx_retSp[vmCtx]
    loadp Ret_pc[t0], vmPC
    loadp Ret_fp[t0], vmFP
    next()
end)

# exit: the return address Rust puts under the function it enters.
handler(exit, macro ()
    move Status_Return, t0
    jmp _vm_exit
end)

# host_call: fields (host function record:64), 16 bytes; a host function's
# stub is `host_call h; return`. The arguments are at vmFP (the callee's
# frame, set up by the call), and so are the results when Rust resumes at the
# `return`.
handler(host_call, macro ()
    loadp Insn_fields[vmPC], t0
    storep t0, Ctx_arg0[vmCtx]
    addp 16, vmPC
    move Status_HostCall, t0
    jmp _vm_exit
end)

# translate: fields (instance:64, function index), 24 bytes: the code of a
# function that has not run yet (translation is lazy). The call has set up
# its frame, sized by the bound validation found; Rust translates the
# function, points its FuncInfo at the result and resumes there.
handler(translate, macro ()
    loadp Insn_fields[vmPC], t0
    storep t0, Ctx_arg0[vmCtx]
    loadi 16[vmPC], t0
    storep t0, Ctx_arg1[vmCtx]
    move Status_Translate, t0
    jmp _vm_exit
end)

# Calls into another instance go through a stub of the callee's instance,
# `memory_enter desc; call_direct f; memory_leave; return`: the callee runs
# on the same stacks with its own memory. memory_enter: fields (MemDesc:64),
# 16 bytes; pushes the current MemDesc on the memory stack and switches.
handler(memory_enter, macro ()
    loadp Ctx_memSp[vmCtx], t0
    bpaeq t0, Ctx_memLimit[vmCtx], _vm_trap_stack
    loadp Ctx_memDesc[vmCtx], t1
    storep t1, [t0]
    addp 8, t0
    storep t0, Ctx_memSp[vmCtx]
    loadp Insn_fields[vmPC], t1
    storep t1, Ctx_memDesc[vmCtx]
    loadp Mem_base[t1], vmMem
    loadp Mem_size[t1], vmSize
    dispatch(16)
end)

# memory_leave: no fields; back to the memory memory_enter saved.
handler(memory_leave, macro ()
    loadp Ctx_memSp[vmCtx], t0
    subp 8, t0
    storep t0, Ctx_memSp[vmCtx]
    loadp [t0], t1
    storep t1, Ctx_memDesc[vmCtx]
    loadp Mem_base[t1], vmMem
    loadp Mem_size[t1], vmSize
    dispatch(8)
end)

# ---- linear memory ---------------------------------------------------------------

# Loads: fields (address slot, offset + width, d), 24 bytes. The effective end
# address (u32 address + static offset + access width) is computed in 64 bits,
# so it cannot wrap, and must not pass the memory size. The translator turns
# an access whose offset + width does not fit 32 bits into a trap.
#
# The `_a` variants take the address as a slot plus a 32-bit immediate added
# with wrap-around, as wasm's `i32.add` computes it (the translator folds
# `x + c` into the access that uses it): fields (address slot, c, offset +
# width, d), 24 bytes. The `_ax` variants shift the slot left by `scale`
# (log2 width) first, `(i << scale) + c`: an element of a static array.
#
# `_r`, `_ar`, `_axr`: the address slot's value is the previous instruction's
# result, in t0 (an i32 whose upper half need not be clear: the plain form
# clears it, the others compute in 32 bits).
# The three ways a load gets its address, as bodies that end with `finish`
# (the handlers below dispatch; the load-and-branch pairs branch).
macro loadPlainBody(width, load, put, value, address, finish)
    address(t0)
    immI32(1, t1)
    addp t1, t0
    bpa t0, vmSize, _vm_trap_oob
    load(-width[vmMem, t0], value)
    put(2, value, t2)
    finish()
end
macro loadSumBody(width, load, put, value, address, shift, finish)
    address(t0)
    shift(t0)
    addi (Insn_fields + 4)[vmPC], t0
    immI32(2, t1)
    addp t1, t0
    bpa t0, vmSize, _vm_trap_oob
    load(-width[vmMem, t0], value)
    put(3, value, t2)
    finish()
end
# `_pre`: `p += c` on the address slot first (a pointer bumped, then
# dereferenced): fields (address slot, c, offset + width, d), 24 bytes.
macro loadPreBody(width, load, put, value, finish)
    loadi Insn_fields[vmPC], t2
    loadi [vmFP, t2], t0
    addi (Insn_fields + 4)[vmPC], t0
    storei t0, [vmFP, t2]
    immI32(2, t1)
    addp t1, t0
    bpa t0, vmSize, _vm_trap_oob
    load(-width[vmMem, t0], value)
    put(3, value, t2)
    finish()
end
macro addressSlot(r) slotI32(0, r) end
macro addressInT0(r) end
macro addressInT0Cleared(r) zxi2q r, r end
macro noShift(r) end
macro next24() dispatch(24) end

macro loadHandlerInto(value, name, width, scale, load, put)
    macro scaled(r) lshifti scale, r end
    handler(name, macro () loadPlainBody(width, load, put, value, addressSlot, next24) end)
    handler(%name%_r, macro () loadPlainBody(width, load, put, value, addressInT0Cleared, next24) end)
    handler(%name%_a, macro () loadSumBody(width, load, put, value, addressSlot, noShift, next24) end)
    handler(%name%_ax, macro () loadSumBody(width, load, put, value, addressSlot, scaled, next24) end)
    handler(%name%_ar, macro () loadSumBody(width, load, put, value, addressInT0, noShift, next24) end)
    handler(%name%_axr, macro () loadSumBody(width, load, put, value, addressInT0, scaled, next24) end)
    handler(%name%_pre, macro () loadPreBody(width, load, put, value, next24) end)
end

macro loadHandler(name, width, scale, load, put)
    loadHandlerInto(t0, name, width, scale, load, put)
end

loadHandler(i32_load, 4, 2, macro (m, d) loadi m, d end, putI32)
loadHandler(i32_load8_s, 1, 0, macro (m, d) loadbsi m, d end, putI32)
loadHandler(i32_load8_u, 1, 0, macro (m, d) loadb m, d end, putI32)
loadHandler(i32_load16_s, 2, 1, macro (m, d) loadhsi m, d end, putI32)
loadHandler(i32_load16_u, 2, 1, macro (m, d) loadh m, d end, putI32)
loadHandler(i64_load, 8, 3, macro (m, d) loadq m, d end, putI64)
loadHandler(i64_load8_s, 1, 0, macro (m, d) loadbsq m, d end, putI64)
loadHandler(i64_load8_u, 1, 0, macro (m, d) loadb m, d end, putI64)
loadHandler(i64_load16_s, 2, 1, macro (m, d) loadhsq m, d end, putI64)
loadHandler(i64_load16_u, 2, 1, macro (m, d) loadh m, d end, putI64)
loadHandler(i64_load32_s, 4, 2, macro (m, d) loadis m, d end, putI64)
loadHandler(i64_load32_u, 4, 2, macro (m, d) loadi m, d end, putI64)

# The full-width loads again, loading into ft0: the forms the translator's
# last pass gives an i32/i64 load whose value the next instruction takes as
# an f32/f64 from ft0 (same fields, same slot written).
loadHandlerInto(ft0, f32_load, 4, 2, macro (m, f) loadf m, f end, putF32)
loadHandlerInto(ft0, f64_load, 8, 3, macro (m, f) loadd m, f end, putF64)

# Stores: fields (address slot, offset + width, value), 24 bytes; the value is
# a slot (`_s`) or an immediate (`_i`, sign-extended for 64-bit stores). The
# `_as`/`_ai` variants add a 32-bit immediate to the address as the loads'
# `_a` do: fields (address slot, c, offset + width, value), 24 bytes; the
# `_axs`/`_axi` variants shift the slot by `scale` first, as `_ax`.
macro storeHandlers(name, width, scale, get, imm, store)
    macro storeWith(value, sum, valueField)
        value(valueField, t1)
        slotI32(0, t0)
        sum(t0)
        immI32(valueField - 1, t2)
        addp t2, t0
        bpa t0, vmSize, _vm_trap_oob
        store(t1, -width[vmMem, t0])
        dispatch(24)
    end
    macro plain(address) end
    macro plusImmediate(address)
        addi (Insn_fields + 4)[vmPC], address
    end
    handler(%name%_s, macro () storeWith(get, plain, 2) end)
    handler(%name%_i, macro () storeWith(imm, plain, 2) end)
    macro scaledPlusImmediate(address)
        lshifti scale, address
        addi (Insn_fields + 4)[vmPC], address
    end
    handler(%name%_as, macro () storeWith(get, plusImmediate, 3) end)
    handler(%name%_ai, macro () storeWith(imm, plusImmediate, 3) end)
    handler(%name%_axs, macro () storeWith(get, scaledPlusImmediate, 3) end)
    handler(%name%_axi, macro () storeWith(imm, scaledPlusImmediate, 3) end)
    # `_r`, `_ar`, `_axr`: the value is the previous instruction's result, in t0.
    macro valueInT0(k, reg)
        move t0, reg
    end
    handler(%name%_r, macro () storeWith(valueInT0, plain, 2) end)
    handler(%name%_ar, macro () storeWith(valueInT0, plusImmediate, 3) end)
    handler(%name%_axr, macro () storeWith(valueInT0, scaledPlusImmediate, 3) end)
end

storeHandlers(i32_store, 4, 2, slotI32, immI32, macro (v, m) storei v, m end)
storeHandlers(i32_store8, 1, 0, slotI32, immI32, macro (v, m) storeb v, m end)
storeHandlers(i32_store16, 2, 1, slotI32, immI32, macro (v, m) storeh v, m end)
storeHandlers(i64_store, 8, 3, slotI64, immI64, macro (v, m) storeq v, m end)
storeHandlers(i64_store8, 1, 0, slotI64, immI64, macro (v, m) storeb v, m end)
storeHandlers(i64_store16, 2, 1, slotI64, immI64, macro (v, m) storeh v, m end)
storeHandlers(i64_store32, 4, 2, slotI64, immI64, macro (v, m) storei v, m end)

# Stores of a float that the previous instruction computed, from ft0 (the
# translator stores float values with the integer stores of their width;
# these are their forms for a value in a float register): fields as the
# integer stores' `_s`, `_as`, `_axs`, the value's field not read.
macro floatAddressPlain(address) end
macro floatAddressPlusImmediate(address)
    addi (Insn_fields + 4)[vmPC], address
end
macro floatStoreHandlers(name, width, scale, store)
    macro storeFloat(sum, endField)
        slotI32(0, t0)
        sum(t0)
        immI32(endField, t2)
        addp t2, t0
        bpa t0, vmSize, _vm_trap_oob
        store(ft0, -width[vmMem, t0])
        dispatch(24)
    end
    macro floatAddressScaledPlusImmediate(address)
        lshifti scale, address
        addi (Insn_fields + 4)[vmPC], address
    end
    handler(%name%_r, macro () storeFloat(floatAddressPlain, 1) end)
    handler(%name%_ar, macro () storeFloat(floatAddressPlusImmediate, 2) end)
    handler(%name%_axr, macro () storeFloat(floatAddressScaledPlusImmediate, 2) end)
end

floatStoreHandlers(f32_store, 4, 2, macro (v, m) storef v, m end)
floatStoreHandlers(f64_store, 8, 3, macro (v, m) stored v, m end)

# trap_oob: an access whose static offset alone is past any memory.
handler(trap_oob, macro ()
    jmp _vm_trap_oob
end)

# memory.size: fields (d), 16 bytes: the size in 64 KiB pages.
handler(memory_size, macro ()
    move vmSize, t0
    urshiftq 16, t0
    putI32(0, t0, t1)
    dispatch(16)
end)

# memory.grow: fields (delta slot, d), 16 bytes. Rust grows the current
# memory (Ctx_memDesc; it may move), writes the old size or -1 to the slot at
# Ctx_arg1 and resumes after this instruction; the entry reloads vmMem and
# vmSize from the MemDesc.
handler(memory_grow, macro ()
    slotI32(0, t0)
    storep t0, Ctx_arg0[vmCtx]
    immI32(1, t0)
    addp vmFP, t0
    storep t0, Ctx_arg1[vmCtx]
    addp 16, vmPC
    move Status_MemoryGrow, t0
    jmp _vm_exit
end)

# ---- floating point ------------------------------------------------------------
# Floats live in their slots as raw bits (f32 in the low 4 bytes). Handlers
# use ft0..ft2 (Windows has ft0..ft4). Operands are always slots: the
# translator materialises float constants. Sign operations (abs, neg,
# copysign) work on the bits in integer registers, so NaN payloads pass
# through unchanged, as WebAssembly requires.

macro slotF32(k, tmp, f)
    loadi (Insn_fields + 4 * k)[vmPC], tmp
    loadf [vmFP, tmp], f
end

macro slotF64(k, tmp, f)
    loadi (Insn_fields + 4 * k)[vmPC], tmp
    loadd [vmFP, tmp], f
end

macro putF32(k, f, tmp)
    loadi (Insn_fields + 4 * k)[vmPC], tmp
    storef f, [vmFP, tmp]
end

macro putF64(k, f, tmp)
    loadi (Insn_fields + 4 * k)[vmPC], tmp
    stored f, [vmFP, tmp]
end

# Two float operands, fields (a, b, d), 24 bytes: op(rhs, lhs) computes
# lhs := lhs OP rhs in ft0 (lhs) and ft1 (rhs); put stores ft0.
macro floatBinary(name, get, put, op)
    handler(%name%_ss, macro ()
        get(0, t0, ft0)
        get(1, t0, ft1)
        op(ft1, ft0)
        put(2, ft0, t0)
        dispatch(24)
    end)
    handler(%name%_rs, macro ()
        get(1, t0, ft1)
        op(ft1, ft0)
        put(2, ft0, t0)
        dispatch(24)
    end)
    handler(%name%_sr, macro ()
        moved ft0, ft1
        get(0, t0, ft0)
        op(ft1, ft0)
        put(2, ft0, t0)
        dispatch(24)
    end)
end

# Float comparisons, fields (a, b, d): cmp(a, b, d) sets the i32 d. `_sk`:
# b is a constant in the instruction, fields (a, d, k) as the arithmetic's
# `_sk` (k at byte 16, 32 or 64 bits), 24 bytes.
macro floatCompare(name, get, loadk, cmp)
    handler(%name%_ss, macro ()
        get(0, t0, ft0)
        get(1, t0, ft1)
        cmp(ft0, ft1, t1)
        putI32(2, t1, t0)
        dispatch(24)
    end)
    handler(%name%_sk, macro ()
        get(0, t0, ft0)
        loadk((Insn_fields + 8)[vmPC], ft1)
        cmp(ft0, ft1, t1)
        putI32(1, t1, t0)
        dispatch(24)
    end)
end

# Fused float compare-and-branch: jumps to the target when `a CC b`. Fields
# (target:64, a, b), 24 bytes (`_ss`; `_rs`/`_sr`: a or b is the previous
# instruction's result, in ft0); `_sk`, `_rk`: b is a constant in the
# instruction, fields (target:64, a, k) for an f32 (24 bytes), (target:64,
# a, pad, k:64) for an f64 (32 bytes): `kOffset` is k's offset in the
# fields, `kSize` the instruction's size.
#
# CC is one of WebAssembly's six compares or the complement of one (what a
# branch on the compare being false tests: `if`, `br_if` out of a block
# with results): `nlt` is "not a < b", taken when a >= b or either is NaN
# (as SSE's cmpnltss), likewise `ngt`, `nle`, `nge`; eq and ne are each
# other's complement (ne is taken on NaN, eq is not).
#
# `test(a, b, L)` is one float branch of the dialect. `sense` is `first` when
# it branches where CC holds (to the target), `second` when it branches where
# CC does not hold (to the next instruction, falling through to the target):
# binary32 has no ordered <=, >= or unordered != branch, and branching on the
# complement costs no instruction more.
macro floatBranchFamily(name, get, loadk, kOffset, kSize, sense, test)
    macro decide(a, b, size)
        sense(macro ()
            test(a, b, .taken)
            dispatch(size)
        .taken:
            jumpToField(Insn_fields)
        end, macro ()
            test(a, b, .notTaken)
            jumpToField(Insn_fields)
        .notTaken:
            dispatch(size)
        end)
    end
    handler(br_%name%_ss, macro ()
        get(2, t0, ft0)
        get(3, t0, ft1)
        decide(ft0, ft1, 24)
    end)
    handler(br_%name%_rs, macro ()
        get(3, t0, ft1)
        decide(ft0, ft1, 24)
    end)
    handler(br_%name%_sr, macro ()
        get(2, t0, ft1)
        decide(ft1, ft0, 24)
    end)
    handler(br_%name%_sk, macro ()
        get(2, t0, ft0)
        loadk((Insn_fields + kOffset)[vmPC], ft1)
        decide(ft0, ft1, kSize)
    end)
    handler(br_%name%_rk, macro ()
        loadk((Insn_fields + kOffset)[vmPC], ft1)
        decide(ft0, ft1, kSize)
    end)
end

macro floatBranchF32(name, sense, test)
    floatBranchFamily(name, slotF32, macro (m, f) loadf m, f end, 12, 24, sense, test)
end
macro floatBranchF64(name, sense, test)
    floatBranchFamily(name, slotF64, macro (m, f) loadd m, f end, 16, 32, sense, test)
end

# One float operand, fields (a, d), 16 bytes, in place on ft0.
macro floatUnary(name, get, put, op)
    handler(name, macro ()
        get(0, t0, ft0)
        op(ft0)
        put(1, ft0, t0)
        dispatch(16)
    end)
    handler(%name%_r, macro ()
        op(ft0)
        put(1, ft0, t0)
        dispatch(16)
    end)
end

floatBinary(f32_add, slotF32, putF32, macro (r, l) addf r, l end)
floatBinary(f32_sub, slotF32, putF32, macro (r, l) subf r, l end)
floatBinary(f32_mul, slotF32, putF32, macro (r, l) mulf r, l end)
floatBinary(f32_div, slotF32, putF32, macro (r, l) divf r, l end)
floatBinary(f64_add, slotF64, putF64, macro (r, l) addd r, l end)
floatBinary(f64_sub, slotF64, putF64, macro (r, l) subd r, l end)
floatBinary(f64_mul, slotF64, putF64, macro (r, l) muld r, l end)
floatBinary(f64_div, slotF64, putF64, macro (r, l) divd r, l end)

# Multiply-accumulate: a product that only feeds the add or subtract right
# after it, fields (a, b, c, d), 24 bytes. `%type%_mul_%name%` computes
# (a * b) OP c, `%type%_%name%_mul` c OP (a * b); each operation is rounded as
# WebAssembly rounds it (two instructions, not a fused multiply-add).
macro mulAccumulate(type, name, get, put, mul, op)
    handler(%type%_mul_%name%, macro ()
        get(0, t0, ft0)
        get(1, t0, ft1)
        mul(ft1, ft0)
        get(2, t0, ft1)
        op(ft1, ft0)
        put(3, ft0, t0)
        dispatch(24)
    end)
    handler(%type%_%name%_mul, macro ()
        get(0, t0, ft1)
        get(1, t0, ft2)
        mul(ft2, ft1)
        get(2, t0, ft0)
        op(ft1, ft0)
        put(3, ft0, t0)
        dispatch(24)
    end)
    # `_r`: c is the previous instruction's result, in ft0.
    handler(%type%_mul_%name%_r, macro ()
        moved ft0, ft2
        get(0, t0, ft0)
        get(1, t0, ft1)
        mul(ft1, ft0)
        op(ft2, ft0)
        put(3, ft0, t0)
        dispatch(24)
    end)
    handler(%type%_%name%_mul_r, macro ()
        get(0, t0, ft1)
        get(1, t0, ft2)
        mul(ft2, ft1)
        op(ft1, ft0)
        put(3, ft0, t0)
        dispatch(24)
    end)
end

mulAccumulate(f32, add, slotF32, putF32, macro (r, l) mulf r, l end, macro (r, l) addf r, l end)
mulAccumulate(f32, sub, slotF32, putF32, macro (r, l) mulf r, l end, macro (r, l) subf r, l end)
mulAccumulate(f64, add, slotF64, putF64, macro (r, l) muld r, l end, macro (r, l) addd r, l end)
mulAccumulate(f64, sub, slotF64, putF64, macro (r, l) muld r, l end, macro (r, l) subd r, l end)

# ---- operations with a constant that is not a 32-bit immediate -------------------
# `x OP k` (`_sk`) and `k OP x` (`_ks`) with the constant in the instruction:
# fields (x slot, d, k), 24 bytes; k is 64 bits at byte 16 (i64, f64) or 32
# bits there (f32). The translator would otherwise materialise k each time.
macro constantI64(name, op)
    handler(%name%_sk, macro ()
        slotI64(0, t0)
        loadq (Insn_fields + 8)[vmPC], t1
        op(t1, t0)
        putI64(1, t0, t1)
        dispatch(24)
    end)
    handler(%name%_rk, macro ()
        loadq (Insn_fields + 8)[vmPC], t1
        op(t1, t0)
        putI64(1, t0, t1)
        dispatch(24)
    end)
end

constantI64(i64_add, macro (r, l) addq r, l end)
constantI64(i64_mul, macro (r, l) mulq r, l end)
constantI64(i64_and, macro (r, l) andq r, l end)
constantI64(i64_or, macro (r, l) orq r, l end)
constantI64(i64_xor, macro (r, l) xorq r, l end)

macro constantFloat(name, get, loadk, put, op)
    handler(%name%_sk, macro ()
        get(0, t0, ft0)
        loadk((Insn_fields + 8)[vmPC], ft1)
        op(ft1, ft0)
        put(1, ft0, t0)
        dispatch(24)
    end)
    handler(%name%_ks, macro ()
        loadk((Insn_fields + 8)[vmPC], ft0)
        get(0, t0, ft1)
        op(ft1, ft0)
        put(1, ft0, t0)
        dispatch(24)
    end)
    handler(%name%_rk, macro ()
        loadk((Insn_fields + 8)[vmPC], ft1)
        op(ft1, ft0)
        put(1, ft0, t0)
        dispatch(24)
    end)
    handler(%name%_kr, macro ()
        moved ft0, ft1
        loadk((Insn_fields + 8)[vmPC], ft0)
        op(ft1, ft0)
        put(1, ft0, t0)
        dispatch(24)
    end)
end

macro constantF32(name, op)
    constantFloat(name, slotF32, macro (m, f) loadf m, f end, putF32, op)
end
macro constantF64(name, op)
    constantFloat(name, slotF64, macro (m, f) loadd m, f end, putF64, op)
end

constantF32(f32_add, macro (r, l) addf r, l end)
constantF32(f32_sub, macro (r, l) subf r, l end)
constantF32(f32_mul, macro (r, l) mulf r, l end)
constantF32(f32_div, macro (r, l) divf r, l end)
constantF64(f64_add, macro (r, l) addd r, l end)
constantF64(f64_sub, macro (r, l) subd r, l end)
constantF64(f64_mul, macro (r, l) muld r, l end)
constantF64(f64_div, macro (r, l) divd r, l end)

# ---- operations on a value loaded from memory ---------------------------------
# `x OP load(addr)` (`_sm`) and `load(addr) OP x` (`_ms`) in one instruction:
# the translator fuses a full-width load with the arithmetic that consumes it
# right away. Fields (address slot, c, offset + width, x slot, d), 32 bytes;
# the address is computed and checked as the loads' `_a` variants do.
macro memAddress(width, address, tmp)
    memAddressAt(0, width, address, tmp)
end

# Written once for both register classes: v0 and v1 are t0 and t1, or ft0 and
# ft1; get(k, v) and put(k, v) read and write the slot of field k (a float
# slot's field goes through t0, free in those handlers; an integer result's
# through t1, free once the operation is done); copy(from, to) moves a value.
macro memBinaryFamily(name, width, load, get, put, copy, v0, v1, op)
    handler(%name%_sm, macro ()
        memAddress(width, t1, t2)
        load(-width[vmMem, t1], v1)
        get(3, v0)
        op(v1, v0)
        put(4, v0)
        dispatch(32)
    end)
    handler(%name%_ms, macro ()
        memAddress(width, t1, t2)
        load(-width[vmMem, t1], v0)
        get(3, v1)
        op(v1, v0)
        put(4, v0)
        dispatch(32)
    end)
    # `_rm`, `_mr`: x is the previous instruction's result, in v0.
    handler(%name%_rm, macro ()
        memAddress(width, t1, t2)
        load(-width[vmMem, t1], v1)
        op(v1, v0)
        put(4, v0)
        dispatch(32)
    end)
    handler(%name%_mr, macro ()
        copy(v0, v1)
        memAddress(width, t0, t2)
        load(-width[vmMem, t0], v0)
        op(v1, v0)
        put(4, v0)
        dispatch(32)
    end)
end

macro memBinaryI32(name, op)
    memBinaryFamily(name, 4, macro (m, d) loadi m, d end, macro (k, v) slotI32(k, v) end,
        macro (k, v) putI32(k, v, t1) end, macro (a, b) move a, b end, t0, t1, op)
end
macro memBinaryI64(name, op)
    memBinaryFamily(name, 8, macro (m, d) loadq m, d end, macro (k, v) slotI64(k, v) end,
        macro (k, v) putI64(k, v, t1) end, macro (a, b) move a, b end, t0, t1, op)
end

memBinaryI32(i32_add, macro (r, l) addi r, l end)
memBinaryI32(i32_sub, macro (r, l) subi r, l end)
memBinaryI32(i32_mul, macro (r, l) muli r, l end)
memBinaryI32(i32_and, macro (r, l) andi r, l end)
memBinaryI32(i32_or, macro (r, l) ori r, l end)
memBinaryI32(i32_xor, macro (r, l) xori r, l end)
memBinaryI64(i64_add, macro (r, l) addq r, l end)
memBinaryI64(i64_sub, macro (r, l) subq r, l end)
memBinaryI64(i64_mul, macro (r, l) mulq r, l end)
memBinaryI64(i64_and, macro (r, l) andq r, l end)
memBinaryI64(i64_or, macro (r, l) orq r, l end)
memBinaryI64(i64_xor, macro (r, l) xorq r, l end)

macro memBinaryF32(name, op)
    memBinaryFamily(name, 4, macro (m, f) loadf m, f end, macro (k, f) slotF32(k, t0, f) end,
        macro (k, f) putF32(k, f, t0) end, macro (a, b) moved a, b end, ft0, ft1, op)
end
macro memBinaryF64(name, op)
    memBinaryFamily(name, 8, macro (m, f) loadd m, f end, macro (k, f) slotF64(k, t0, f) end,
        macro (k, f) putF64(k, f, t0) end, macro (a, b) moved a, b end, ft0, ft1, op)
end

memBinaryF32(f32_add, macro (r, l) addf r, l end)
memBinaryF32(f32_sub, macro (r, l) subf r, l end)
memBinaryF32(f32_mul, macro (r, l) mulf r, l end)
memBinaryF32(f32_div, macro (r, l) divf r, l end)
memBinaryF64(f64_add, macro (r, l) addd r, l end)
memBinaryF64(f64_sub, macro (r, l) subd r, l end)
memBinaryF64(f64_mul, macro (r, l) muld r, l end)
memBinaryF64(f64_div, macro (r, l) divd r, l end)

# ---- operations whose result is stored to memory ------------------------------
# `store(addr, a OP b)` in one instruction (`_st`): the translator fuses an
# operation on two slots with the full-width store that takes its result.
# Fields (a, b, address slot, c, offset + width), 32 bytes.
# Both register classes, as memBinaryFamily.
macro storeResultFamily(name, width, get, store, copy, v0, v1, op)
    handler(%name%_st, macro ()
        get(0, v0)
        get(1, v1)
        op(v1, v0)
        memAddressAt(2, width, t1, t2)
        store(v0, -width[vmMem, t1])
        dispatch(32)
    end)
    # `_rst`, `_srt`: a or b is the previous instruction's result, in v0.
    handler(%name%_rst, macro ()
        get(1, v1)
        op(v1, v0)
        memAddressAt(2, width, t1, t2)
        store(v0, -width[vmMem, t1])
        dispatch(32)
    end)
    handler(%name%_srt, macro ()
        copy(v0, v1)
        get(0, v0)
        op(v1, v0)
        memAddressAt(2, width, t1, t2)
        store(v0, -width[vmMem, t1])
        dispatch(32)
    end)
end

macro storeResultI32(name, op)
    storeResultFamily(name, 4, macro (k, v) slotI32(k, v) end, macro (v, m) storei v, m end,
        macro (a, b) move a, b end, t0, t1, op)
end
macro storeResultI64(name, op)
    storeResultFamily(name, 8, macro (k, v) slotI64(k, v) end, macro (v, m) storeq v, m end,
        macro (a, b) move a, b end, t0, t1, op)
end
macro storeResultF32(name, op)
    storeResultFamily(name, 4, macro (k, f) slotF32(k, t0, f) end, macro (v, m) storef v, m end,
        macro (a, b) moved a, b end, ft0, ft1, op)
end
macro storeResultF64(name, op)
    storeResultFamily(name, 8, macro (k, f) slotF64(k, t0, f) end, macro (v, m) stored v, m end,
        macro (a, b) moved a, b end, ft0, ft1, op)
end

storeResultI32(i32_add, macro (r, l) addi r, l end)
storeResultI32(i32_sub, macro (r, l) subi r, l end)
storeResultI32(i32_mul, macro (r, l) muli r, l end)
storeResultI32(i32_and, macro (r, l) andi r, l end)
storeResultI32(i32_or, macro (r, l) ori r, l end)
storeResultI32(i32_xor, macro (r, l) xori r, l end)
storeResultI64(i64_add, macro (r, l) addq r, l end)
storeResultI64(i64_sub, macro (r, l) subq r, l end)
storeResultI64(i64_mul, macro (r, l) mulq r, l end)
storeResultI64(i64_and, macro (r, l) andq r, l end)
storeResultI64(i64_or, macro (r, l) orq r, l end)
storeResultI64(i64_xor, macro (r, l) xorq r, l end)
storeResultF32(f32_add, macro (r, l) addf r, l end)
storeResultF32(f32_sub, macro (r, l) subf r, l end)
storeResultF32(f32_mul, macro (r, l) mulf r, l end)
storeResultF32(f32_div, macro (r, l) divf r, l end)
storeResultF64(f64_add, macro (r, l) addd r, l end)
storeResultF64(f64_sub, macro (r, l) subd r, l end)
storeResultF64(f64_mul, macro (r, l) muld r, l end)
storeResultF64(f64_div, macro (r, l) divd r, l end)

# min/max: a NaN operand gives a NaN (the sum propagates it, quieted); equal
# operands (+0 and -0 included) combine their bits: or for min (-0 wins),
# and for max (+0 wins).
macro minMax(r, l, isNumber, less, add, combine, copy)
    isNumber(l, .lNumber)
    jmp .nan
.lNumber:
    isNumber(r, .numbers)
.nan:
    add(r, l)
    jmp .done
.numbers:
    less(l, r, .done)                # l is the result
    less(r, l, .takeR)
    combine(r, l)
    jmp .done
.takeR:
    copy(r, l)
.done:
end

floatBinary(f32_min, slotF32, putF32, macro (r, l)
    minMax(r, l, macro (x, L) bfeq x, x, L end, macro (a, b, L) bflt a, b, L end,
        macro (s, d) addf s, d end, macro (s, d) orf s, d end, macro (s, d) moved s, d end)
end)
floatBinary(f32_max, slotF32, putF32, macro (r, l)
    minMax(r, l, macro (x, L) bfeq x, x, L end, macro (a, b, L) bfgt a, b, L end,
        macro (s, d) addf s, d end, macro (s, d) andf s, d end, macro (s, d) moved s, d end)
end)
floatBinary(f64_min, slotF64, putF64, macro (r, l)
    minMax(r, l, macro (x, L) bdeq x, x, L end, macro (a, b, L) bdlt a, b, L end,
        macro (s, d) addd s, d end, macro (s, d) ord s, d end, macro (s, d) moved s, d end)
end)
floatBinary(f64_max, slotF64, putF64, macro (r, l)
    minMax(r, l, macro (x, L) bdeq x, x, L end, macro (a, b, L) bdgt a, b, L end,
        macro (s, d) addd s, d end, macro (s, d) andd s, d end, macro (s, d) moved s, d end)
end)

# copysign, abs, neg: bit operations in integer registers.
binaryFamily(f32_copysign, slotI32, immI32, putI32, macro (r, l)
    andi 0x80000000, r
    andi 0x7fffffff, l
    ori r, l
end)
binaryFamily(f64_copysign, slotI64, immI64, putI64, macro (r, l)
    andq 0x8000000000000000, r
    andq 0x7fffffffffffffff, l
    orq r, l
end)
unaryFamily(f32_abs, slotI32, putI32, macro (x) andi 0x7fffffff, x end)
unaryFamily(f32_neg, slotI32, putI32, macro (x) xori 0x80000000, x end)
unaryFamily(f64_abs, slotI64, putI64, macro (x) andq 0x7fffffffffffffff, x end)
unaryFamily(f64_neg, slotI64, putI64, macro (x) xorq 0x8000000000000000, x end)

floatUnary(f32_sqrt, slotF32, putF32, macro (x) sqrtf x, x end)
floatUnary(f32_ceil, slotF32, putF32, macro (x) ceilf x, x end)
floatUnary(f32_floor, slotF32, putF32, macro (x) floorf x, x end)
floatUnary(f32_trunc, slotF32, putF32, macro (x) truncatef x, x end)
floatUnary(f32_nearest, slotF32, putF32, macro (x) roundf x, x end)
floatUnary(f64_sqrt, slotF64, putF64, macro (x) sqrtd x, x end)
floatUnary(f64_ceil, slotF64, putF64, macro (x) ceild x, x end)
floatUnary(f64_floor, slotF64, putF64, macro (x) floord x, x end)
floatUnary(f64_trunc, slotF64, putF64, macro (x) truncated x, x end)
floatUnary(f64_nearest, slotF64, putF64, macro (x) roundd x, x end)
floatUnary(f32_demote_f64, slotF64, putF32, macro (x) cd2f x, x end)
floatUnary(f64_promote_f32, slotF32, putF64, macro (x) cf2d x, x end)

macro floatCompareF32(name, cmp)
    floatCompare(name, slotF32, macro (m, f) loadf m, f end, cmp)
end
macro floatCompareF64(name, cmp)
    floatCompare(name, slotF64, macro (m, f) loadd m, f end, cmp)
end

floatCompareF32(f32_eq, macro (a, b, d) cfeq a, b, d end)
floatCompareF32(f32_ne, macro (a, b, d) cfnequn a, b, d end)
floatCompareF32(f32_lt, macro (a, b, d) cflt a, b, d end)
floatCompareF32(f32_gt, macro (a, b, d) cfgt a, b, d end)
floatCompareF32(f32_le, macro (a, b, d) cflteq a, b, d end)
floatCompareF32(f32_ge, macro (a, b, d) cfgteq a, b, d end)
floatCompareF64(f64_eq, macro (a, b, d) cdeq a, b, d end)
floatCompareF64(f64_ne, macro (a, b, d) cdnequn a, b, d end)
floatCompareF64(f64_lt, macro (a, b, d) cdlt a, b, d end)
floatCompareF64(f64_gt, macro (a, b, d) cdgt a, b, d end)
floatCompareF64(f64_le, macro (a, b, d) cdlteq a, b, d end)
floatCompareF64(f64_ge, macro (a, b, d) cdgteq a, b, d end)

# The compare-and-branches: binary32's <= and >= branch on the complement
# (nle, nge), its != on eq; every other condition branches on itself.
floatBranchF32(f32_eq, first, macro (a, b, l) bfeq a, b, l end)
floatBranchF32(f32_ne, second, macro (a, b, l) bfeq a, b, l end)
floatBranchF32(f32_lt, first, macro (a, b, l) bflt a, b, l end)
floatBranchF32(f32_gt, first, macro (a, b, l) bfgt a, b, l end)
floatBranchF32(f32_le, second, macro (a, b, l) bfgtun a, b, l end)
floatBranchF32(f32_ge, second, macro (a, b, l) bfltun a, b, l end)
floatBranchF32(f32_nlt, first, macro (a, b, l) bfgtequn a, b, l end)
floatBranchF32(f32_ngt, first, macro (a, b, l) bfltequn a, b, l end)
floatBranchF32(f32_nle, first, macro (a, b, l) bfgtun a, b, l end)
floatBranchF32(f32_nge, first, macro (a, b, l) bfltun a, b, l end)
floatBranchF64(f64_eq, first, macro (a, b, l) bdeq a, b, l end)
floatBranchF64(f64_ne, first, macro (a, b, l) bdnequn a, b, l end)
floatBranchF64(f64_lt, first, macro (a, b, l) bdlt a, b, l end)
floatBranchF64(f64_gt, first, macro (a, b, l) bdgt a, b, l end)
floatBranchF64(f64_le, first, macro (a, b, l) bdlteq a, b, l end)
floatBranchF64(f64_ge, first, macro (a, b, l) bdgteq a, b, l end)
floatBranchF64(f64_nlt, first, macro (a, b, l) bdgtequn a, b, l end)
floatBranchF64(f64_ngt, first, macro (a, b, l) bdltequn a, b, l end)
floatBranchF64(f64_nle, first, macro (a, b, l) bdgtun a, b, l end)
floatBranchF64(f64_nge, first, macro (a, b, l) bdltun a, b, l end)

# Integer to float, fields (a, d): convert(gpr, fpr).
macro convertFromInt(name, get, put, convert)
    handler(name, macro ()
        get(0, t0)
        convert(t0, ft0)
        put(1, ft0, t0)
        dispatch(16)
    end)
    handler(%name%_r, macro ()
        convert(t0, ft0)
        put(1, ft0, t0)
        dispatch(16)
    end)
end

convertFromInt(f32_convert_i32_s, slotI32, putF32, macro (s, d) ci2fs s, d end)
convertFromInt(f32_convert_i32_u, slotI32, putF32, macro (s, d) ci2f s, d end)
convertFromInt(f32_convert_i64_s, slotI64, putF32, macro (s, d) cq2fs s, d end)
convertFromInt(f32_convert_i64_u, slotI64, putF32, macro (s, d) cq2f s, d end)
convertFromInt(f64_convert_i32_s, slotI32, putF64, macro (s, d) ci2ds s, d end)
convertFromInt(f64_convert_i32_u, slotI32, putF64, macro (s, d) ci2d s, d end)
convertFromInt(f64_convert_i64_s, slotI64, putF64, macro (s, d) cq2ds s, d end)
convertFromInt(f64_convert_i64_u, slotI64, putF64, macro (s, d) cq2d s, d end)

# Float to integer, trapping: NaN is an invalid conversion, a value whose
# truncation does not fit is an overflow. The bounds are exclusive floats
# given as bit patterns (lo < x < hi passes), loaded through t1 into ft1/ft2.
macro truncF32(name, put, loBits, hiBits, truncate)
    macro truncBody(get)
        get()
        bfeq ft0, ft0, .number
        jmp _vm_trap_conversion
    .number:
        move loBits, t1
        fi2f t1, ft1
        bfltequn ft0, ft1, _vm_trap_overflow
        move hiBits, t1
        fi2f t1, ft2
        bfgtequn ft0, ft2, _vm_trap_overflow
        truncate(ft0, t0)
        put(1, t0, t1)
        dispatch(16)
    end
    handler(name, macro () truncBody(macro () slotF32(0, t0, ft0) end) end)
    handler(%name%_r, macro () truncBody(macro () end) end)
end

macro truncF64(name, put, loBits, hiBits, truncate)
    macro truncBody(get)
        get()
        bdeq ft0, ft0, .number
        jmp _vm_trap_conversion
    .number:
        move loBits, t1
        fq2d t1, ft1
        bdltequn ft0, ft1, _vm_trap_overflow
        move hiBits, t1
        fq2d t1, ft2
        bdgtequn ft0, ft2, _vm_trap_overflow
        truncate(ft0, t0)
        put(1, t0, t1)
        dispatch(16)
    end
    handler(name, macro () truncBody(macro () slotF64(0, t0, ft0) end) end)
    handler(%name%_r, macro () truncBody(macro () end) end)
end

# Exclusive bounds: f32 -2^31 - 2^8 (the float below -2^31) and 2^31;
# -1 and 2^32 (unsigned); f32 -2^63 - 2^40 and 2^63; -1 and 2^64.
truncF32(i32_trunc_f32_s, putI32, 0xcf000001, 0x4f000000, macro (f, d) truncatef2is f, d end)
truncF32(i32_trunc_f32_u, putI32, 0xbf800000, 0x4f800000, macro (f, d) truncatef2i f, d end)
truncF32(i64_trunc_f32_s, putI64, 0xdf000001, 0x5f000000, macro (f, d) truncatef2qs f, d end)
truncF32(i64_trunc_f32_u, putI64, 0xbf800000, 0x5f800000, macro (f, d) truncatef2q f, d end)
# f64: -2^31 - 1 and 2^31; -1 and 2^32; the double below -2^63 and 2^63; -1 and 2^64.
truncF64(i32_trunc_f64_s, putI32, 0xc1e0000000200000, 0x41e0000000000000, macro (f, d) truncated2is f, d end)
truncF64(i32_trunc_f64_u, putI32, 0xbff0000000000000, 0x41f0000000000000, macro (f, d) truncated2i f, d end)
truncF64(i64_trunc_f64_s, putI64, 0xc3e0000000000001, 0x43e0000000000000, macro (f, d) truncated2qs f, d end)
truncF64(i64_trunc_f64_u, putI64, 0xbff0000000000000, 0x43f0000000000000, macro (f, d) truncated2q f, d end)
