# symbols.asm — global label spellings (LANGUAGE.md §2.6, §7; TARGETS.md §8.1–§8.3)
#
# Hand-written. Symbols that an assembler could mistake for a register or a
# keyword (x86: rax, rcx, xmm0, offset, byte, ptr; ARM64: x0, w1, sp, lr, d0,
# q3), names starting with L (assembler-local on Mach-O if not prefixed),
# digits and underscores. Each is defined, exported, called, jumped to and
# has its address taken from within the file.

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

# test: rax(1) = 2
global _rax
_rax:
    move a0, t0
    addq 1, t0
    ret

# test: rcx(1) = 3
global _rcx
_rcx:
    move a0, t0
    addq 2, t0
    ret

# test: xmm0(1) = 4
global _xmm0
_xmm0:
    move a0, t0
    addq 3, t0
    ret

# test: x0(1) = 5
global _x0
_x0:
    move a0, t0
    addq 4, t0
    ret

# test: w1(1) = 6
global _w1
_w1:
    move a0, t0
    addq 5, t0
    ret

# test: sp(1) = 7
global _sp
_sp:
    move a0, t0
    addq 6, t0
    ret

# test: lr(1) = 8
global _lr
_lr:
    move a0, t0
    addq 7, t0
    ret

# test: d0(1) = 9
global _d0
_d0:
    move a0, t0
    addq 8, t0
    ret

# test: q3(1) = 10
global _q3
_q3:
    move a0, t0
    addq 9, t0
    ret

# test: offset(1) = 11
global _offset
_offset:
    move a0, t0
    addq 10, t0
    ret

# test: byte(1) = 12
global _byte
_byte:
    move a0, t0
    addq 11, t0
    ret

# test: ptr(1) = 13
global _ptr
_ptr:
    move a0, t0
    addq 12, t0
    ret

# test: Lstarts_with_L(1) = 14
global _Lstarts_with_L
_Lstarts_with_L:
    move a0, t0
    addq 13, t0
    ret

# test: __double_underscore(1) = 15
global ___double_underscore
___double_underscore:
    move a0, t0
    addq 14, t0
    ret

# test: with_digits_123(1) = 16
global _with_digits_123
_with_digits_123:
    move a0, t0
    addq 15, t0
    ret

# Helpers with the same kind of names, not exported.
_rdx:
    addq 100, t0
    ret

_x1:
    addq 200, t0
    ret

_Lhelper:
    addq 400, t0
    ret

# test: call_register_named(0) = 700
global _call_register_named
_call_register_named:
    move a0, t0
    enterCall()
    call _rdx
    call _x1
    call _Lhelper
    leaveCall()
    ret

# The exported functions start with `move a0, t0`: keep a0 equal to t0.
# test: call_exported_register_named(0) = 18
global _call_exported_register_named
_call_exported_register_named:
    move a0, t0
    enterCall()
    move t0, a0
    call _rax
    move t0, a0
    call _x0
    move t0, a0
    call _sp
    move t0, a0
    call _lr
    leaveCall()
    ret

# test: jmp_register_named(0) = 10
global _jmp_register_named
_jmp_register_named:
    move a0, t0
    addq 5, t0
    move t0, a0
    jmp _w1

# test: leap_register_named(0) = 302
global _leap_register_named
_leap_register_named:
    move a0, t0
    enterCall()
    leap _rcx, t3
    move t0, a0
    call t3
    leap _x1, t3
    call t3
    leap _rdx, t3
    call t3
    leaveCall()
    ret

# test: branch_register_named(0) = 8
# test: branch_register_named(1) = 1
global _branch_register_named
_branch_register_named:
    move a0, t0
    btqz t0, _d0
    ret
