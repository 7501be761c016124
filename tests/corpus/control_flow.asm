# control_flow.asm — jumps, calls, returns, labels (INSTRUCTIONS.md §14, §15;
# LANGUAGE.md §7, §10.4; TARGETS.md §8.2–§8.5)
#
# Hand-written. jmp/call to local labels, to global labels (exported or not),
# through registers and through memory; the pointer-authentication operands
# and instructions (no-ops on every release-1 target); fall-through from one
# global label into the next; leap of local and global labels; x86 label
# differences.
#
# `call` writes the return address into lr on ARM64, so a function that calls
# saves lr first (enterCall/leaveCall); on x86 the return address goes on the
# stack and nothing needs saving.

macro enterCall()
    if ARM64
        push cfr, lr
    end
end

macro leaveCall()
    if ARM64
        pop lr, cfr
    end
end

# ---- helpers (not tests; reached by jmp/call) ----

_cf_add100_ret:
    addq 100, t0
    ret

_cf_mul3_ret:
    mulq 3, t0
    ret

global _cf_exported_add7
_cf_exported_add7:
    addq 7, t0
    ret

# ---- jmp ----

# test: loop_sum(0) = 0
# test: loop_sum(10) = 55
# test: loop_sum(100) = 5050
global _loop_sum
_loop_sum:
    move a0, t0
    move t0, t1
    move 0, t0
.loop_sum_loop:
    btqz t1, .loop_sum_done
    addq t1, t0
    subq 1, t1
    jmp .loop_sum_loop
.loop_sum_done:
    ret

# Backward conditional branch.
# test: loop_count_down(5) = 15
# test: loop_count_down(1) = 1
global _loop_count_down
_loop_count_down:
    move a0, t0
    move t0, t1
    move 0, t0
.loop_count_down_top:
    addq t1, t0
    subq 1, t1
    bqneq t1, 0, .loop_count_down_top
    ret

# test: jmp_forward(1) = 3
global _jmp_forward
_jmp_forward:
    move a0, t0
    jmp .jmp_forward_skip
    addq 100, t0
    break
.jmp_forward_skip:
    addq 2, t0
    ret

# test: jmp_global(5) = 105
global _jmp_global
_jmp_global:
    move a0, t0
    jmp _cf_add100_ret

# test: jmp_exported(5) = 12
global _jmp_exported
_jmp_exported:
    move a0, t0
    jmp _cf_exported_add7

# test: jmp_reg_local(1) = 6
global _jmp_reg_local
_jmp_reg_local:
    move a0, t0
    leap .jmp_reg_local_target, t3
    jmp t3
    break
.jmp_reg_local_target:
    addq 5, t0
    ret

# t5 is rcx on Windows, t4 is r8/r10.
# test: jmp_reg_global_t5(1) = 101
global _jmp_reg_global_t5
_jmp_reg_global_t5:
    move a0, t0
    leap _cf_add100_ret, t5
    jmp t5

# test: jmp_reg_exported_t4(1) = 8
global _jmp_reg_exported_t4
_jmp_reg_exported_t4:
    move a0, t0
    leap _cf_exported_add7, t4
    jmp t4

# test: jmp_mem(1) = 10
global _jmp_mem
_jmp_mem:
    move a0, t0
    subp 16, sp
    leap .jmp_mem_target, t1
    storeq t1, 8[sp]
    jmp 8[sp]
    break
.jmp_mem_target:
    addp 16, sp
    addq 9, t0
    ret

# test: jmp_mem_indexed(1) = 101
global _jmp_mem_indexed
_jmp_mem_indexed:
    move a0, t0
    subp 32, sp
    leap .jmp_mem_indexed_target, t1
    move 2, t3
    storeq t1, [sp, t3, 8]
    jmp [sp, t3, 8]
    break
.jmp_mem_indexed_target:
    addp 32, sp
    jmp _cf_add100_ret

# Pointer-authentication operands are ignored (§14, §15).
# test: jmp_tagged(1) = 4
global _jmp_tagged
_jmp_tagged:
    move a0, t0
    jmp .jmp_tagged_a, 1
.jmp_tagged_a:
    addq 1, t0
    leap .jmp_tagged_b, t3
    jmp t3, 1, 2
.jmp_tagged_b:
    addq 2, t0
    ret

# A jump table: t1 selects one of three targets.
# test: jump_table(0, 0) = 10
# test: jump_table(0, 1) = 20
# test: jump_table(0, 2) = 30
global _jump_table
_jump_table:
    move a0, t0
    subp 32, sp
    leap .jump_table_0, t2
    storeq t2, [sp]
    leap .jump_table_1, t2
    storeq t2, 8[sp]
    leap .jump_table_2, t2
    storeq t2, 16[sp]
    loadq [sp, t1, 8], t2
    addp 32, sp
    jmp t2
.jump_table_0:
    move 10, t0
    ret
.jump_table_1:
    move 20, t0
    ret
.jump_table_2:
    move 30, t0
    ret

# Conditional branches to global labels (not exported, and exported).
# test: branch_to_global(0) = 100
# test: branch_to_global(1) = 1
global _branch_to_global
_branch_to_global:
    move a0, t0
    btqz t0, _cf_add100_ret
    ret

# test: branch_to_exported(3, 3) = 10
# test: branch_to_exported(3, 4) = 3
global _branch_to_exported
_branch_to_exported:
    move a0, t0
    bqeq t0, t1, _cf_exported_add7
    ret

# ---- call / ret ----

# test: call_local(1) = 7
global _call_local
_call_local:
    move a0, t0
    enterCall()
    call .call_local_sub
    call .call_local_sub
    leaveCall()
    ret
.call_local_sub:
    addq 3, t0
    ret

# test: call_global(2) = 18
global _call_global
_call_global:
    move a0, t0
    enterCall()
    call _cf_mul3_ret
    call _cf_mul3_ret
    leaveCall()
    ret

# test: call_exported(2) = 16
global _call_exported
_call_exported:
    move a0, t0
    enterCall()
    call _cf_exported_add7
    call _cf_exported_add7
    leaveCall()
    ret

# test: call_reg(2) = 6
global _call_reg
_call_reg:
    move a0, t0
    enterCall()
    leap _cf_mul3_ret, t3
    call t3
    leaveCall()
    ret

# test: call_reg_local_t5(2) = 12
global _call_reg_local_t5
_call_reg_local_t5:
    move a0, t0
    enterCall()
    leap .call_reg_local_t5_sub, t5
    call t5
    call t5
    leaveCall()
    ret
.call_reg_local_t5_sub:
    addq 5, t0
    ret

# test: call_mem(2) = 6
global _call_mem
_call_mem:
    move a0, t0
    enterCall()
    subp 16, sp
    leap _cf_mul3_ret, t1
    storeq t1, 8[sp]
    call 8[sp]
    addp 16, sp
    leaveCall()
    ret

# test: call_tagged(1) = 14
global _call_tagged
_call_tagged:
    move a0, t0
    enterCall()
    call .call_tagged_sub, 5
    leap .call_tagged_sub, t3
    call t3, 1, 2
    subp 16, sp
    storeq t3, [sp]
    call [sp], 3
    addp 16, sp
    leaveCall()
    ret
.call_tagged_sub:
    mulq 3, t0
    subq 1, t0
    ret

# The return address: on x86 at [sp] on entry to the callee, on ARM64 in lr.
# Either way it is the address of the instruction after the call.
# test: call_return_address(0) = 0
global _call_return_address
_call_return_address:
    move a0, t0
    enterCall()
    leap .call_return_address_after, t2
    call .call_return_address_sub
.call_return_address_after:
    leaveCall()
    subq t2, t1
    move t1, t0
    ret
.call_return_address_sub:
if ARM64
    move lr, t1
else
    peek 0, t1
end
    ret

# On x86 a call moves sp down by 8 in the callee.
if X86_64 or X86_64_WIN
# test x86: call_sp_delta(0) = 8
global _call_sp_delta
_call_sp_delta:
    move a0, t0
    move sp, t1
    call .call_sp_delta_sub
    subq t2, t1
    move t1, t0
    ret
.call_sp_delta_sub:
    move sp, t2
    ret
end

# Nested calls (the callee saves lr on ARM64 before calling).
# test: call_nested(1) = 9
global _call_nested
_call_nested:
    move a0, t0
    enterCall()
    call .call_nested_outer
    leaveCall()
    ret
.call_nested_outer:
    enterCall()
    call .call_nested_inner
    call .call_nested_inner
    leaveCall()
    ret
.call_nested_inner:
    addq 4, t0
    ret

# Recursion: sum(n) = n + sum(n - 1); the argument is kept on the stack.
# test: call_recursive(0) = 0
# test: call_recursive(1) = 1
# test: call_recursive(10) = 55
global _call_recursive
_call_recursive:
    move a0, t0
    enterCall()
    call .call_recursive_sum
    leaveCall()
    ret
.call_recursive_sum:
    btqz t0, .call_recursive_zero
if ARM64
    push lr, t0
else
    push t0, t0
end
    subq 1, t0
    call .call_recursive_sum
if ARM64
    pop t1, lr
else
    pop t1, t1
end
    addq t1, t0
.call_recursive_zero:
    ret

# Calls preserve the caller's registers other than the ones the callee writes.
# test: call_keeps_registers(1, 2, 3, 4) = 0x4321
global _call_keeps_registers
_call_keeps_registers:
    move a0, t0
    enterCall()
    call .call_keeps_registers_sub
    leaveCall()
    lshiftq 4, t1
    lshiftq 8, t2
    lshiftq 12, t3
    orq t1, t0
    orq t2, t0
    orq t3, t0
    ret
.call_keeps_registers_sub:
    move 0x77, t4
    move 0x88, t5
    ret

# Calls to an external C function (defined by the harness's driver:
# uint64_t oa_ext_fn(uint64_t a, uint64_t b) { return a * 3 + b; }). Setting
# up a C call is target-specific: ARM64 saves lr; System V aligns sp to 16;
# Windows also reserves the 32-byte shadow space.
macro callExternal(target)
    if ARM64
        push cfr, lr
        call target
        pop lr, cfr
    elsif X86_64_WIN
        subp 40, sp
        call target
        addp 40, sp
    else
        subp 8, sp
        call target
        addp 8, sp
    end
end

# test: call_external(5, 1) = 16
# test: call_external(-1, 0) = -3
global _call_external
_call_external:
    move a0, t0
    move t0, a0
    move t1, a1
    callExternal(_oa_ext_fn)
    ret

# Through a register holding the external symbol's address (GOT on ELF and Mach-O).
# test: call_external_reg(2, 10) = 16
global _call_external_reg
_call_external_reg:
    move a0, t0
    move t0, a0
    move t1, a1
    leap _oa_ext_fn, t4
    callExternal(t4)
    ret

# A tail call: the external function returns to our caller.
# test: jmp_external(7, 1) = 22
global _jmp_external
_jmp_external:
    move a0, t0
    move t0, a0
    move t1, a1
    jmp _oa_ext_fn

# ---- fall-through across labels ----

# test: fallthrough_plain(1) = 4
global _fallthrough_plain
_fallthrough_plain:
    move a0, t0
    addq 1, t0
_cf_fallthrough_next:
    addq 2, t0
    ret

# An exported label is preceded by alignment (NOP) padding, which execution
# falls through.
# test: fallthrough_into_exported(1) = 13
global _fallthrough_into_exported
_fallthrough_into_exported:
    move a0, t0
    addq 4, t0
global _cf_fallthrough_exported_target
_cf_fallthrough_exported_target:
    addq 8, t0
    ret

# test: fallthrough_local(1) = 4
global _fallthrough_local
_fallthrough_local:
    move a0, t0
    addq 1, t0
.fallthrough_local_next:
    addq 2, t0
    ret

# ---- leap of labels ----

# A local label and a non-exported global label at the same place.
# test: leap_local_vs_global(0) = 0
global _leap_local_vs_global
_leap_local_vs_global:
    move a0, t0
    leap .leap_local_vs_global_here, t1
    leap _cf_leap_here, t2
    subq t2, t1
    move t1, t0
    ret
.leap_local_vs_global_here:
_cf_leap_here:
    ret

# Addresses are ordered like the code.
# test: leap_order(0) = 1
global _leap_order
_leap_order:
    move a0, t0
    leap _cf_add100_ret, t1
    leap _leap_order, t2
    leap .leap_order_after, t3
    cqb t1, t2, t0
    cqb t2, t3, t4
    andq t4, t0
.leap_order_after:
    ret

# leap of an exported label gives its address (calling it works).
# test: leap_exported_call(1) = 8
global _leap_exported_call
_leap_exported_call:
    move a0, t0
    enterCall()
    leap _cf_exported_add7, t4
    call t4
    leaveCall()
    ret

# leap of a global label with an offset.
# test: leap_global_offset(0) = 24
global _leap_global_offset
_leap_global_offset:
    move a0, t0
    leap _cf_mul3_ret + 24, t1
    leap _cf_mul3_ret, t2
    subq t2, t1
    move t1, t0
    ret

# ---- label differences (x86 only, LANGUAGE.md §10.4) ----

if X86_64 or X86_64_WIN
# test x86: label_difference_move(0) = 0
global _label_difference_move
_label_difference_move:
    move a0, t0
    leap _cf_diff_b, t1
    leap _cf_diff_a, t2
    subq t2, t1
    move _cf_diff_b - _cf_diff_a, t0
    subq t1, t0
    ret

# test x86: label_difference_offset(0) = 0
global _label_difference_offset
_label_difference_offset:
    move a0, t0
    leap _cf_diff_a, t2
    leap (_cf_diff_b - _cf_diff_a)[t2], t1
    leap _cf_diff_b, t3
    subq t3, t1
    move t1, t0
    ret

# test x86: label_difference_plus_k(0) = 5
global _label_difference_plus_k
_label_difference_plus_k:
    move a0, t0
    move _cf_diff_b - _cf_diff_a + 5, t0
    move _cf_diff_b - _cf_diff_a, t1
    subq t1, t0
    ret

_cf_diff_a:
    nop
    nop
_cf_diff_b:
    ret
end

# ---- pointer-authentication instructions: no code on release-1 targets ----

# test: pac_noops(0x123456789abcdef0, 5, 6) = 0x123456789abcdef0
global _pac_noops
_pac_noops:
    move a0, t0
    tagReturnAddress sp
    untagReturnAddress sp
    tagCodePtr t0, 5
    tagCodePtr t0, t1, 3, t2
    removeCodePtrTag t0
    untagArrayPtr t1, t0
    subp 16, sp
    storeq t1, 8[sp]
    untagArrayPtr 8[sp], t0
    addp 16, sp
    removeArrayPtrTag t0
    ret

# test: pac_noops_keep_others(1, 2, 3) = 6
global _pac_noops_keep_others
_pac_noops_keep_others:
    move a0, t0
    tagCodePtr t1, 7
    removeCodePtrTag t2
    untagArrayPtr t0, t1
    removeArrayPtrTag t2
    addq t1, t0
    addq t2, t0
    ret

# ---- sp manipulation ----

# test: sp_align_down(0) = 0
global _sp_align_down
_sp_align_down:
    move a0, t0
    move sp, t1
    andp -64, sp
    move sp, t2
    move t1, sp
    andq 63, t2
    subq sp, t1
    orq t2, t1
    move t1, t0
    ret

# ---- `global` after the definition ----

# test: global_after_definition(4) = 4
_global_after_definition:
    move a0, t0
    ret
global _global_after_definition

# ---- Mach-O only: thread-local slots (assembled, not run) ----

if OS_DARWIN
_cf_tls_slots:
    tls_loadp 3, t1
    tls_loadp t2, t3
    tls_storep t1, 4
    tls_storep t3, t2
    ret
end

# ---- nop ----

# test: nops(3) = 3
global _nops
_nops:
    move a0, t0
    nop
    nop
    nop
    ret
