//! AT&T text of x86-64 machine instructions: one line per instruction,
//! appended to the output with names from static tables and numbers from
//! `code::push_*` (no allocation). Symbols are spelled by `obj.rs`.

use crate::back::code::{push_hex, push_i64, push_offset, push_u64};
use crate::back::obj::{Obj, Reloc};

use super::inst::{Arg, Base, Cc, Disp, Inst, Mem, Opc, Sfx};
use super::regs::{gpr_name, XMM_NAMES};

fn stem(op: Opc) -> &'static str {
    match op {
        Opc::Mov => "mov",
        Opc::Movabs => "movabs",
        Opc::Movzb => "movzb",
        Opc::Movzw => "movzw",
        Opc::Movsb => "movsb",
        Opc::Movsw => "movsw",
        Opc::Movsl => "movsl",
        Opc::Lea => "lea",
        Opc::Push => "push",
        Opc::Pop => "pop",
        Opc::Add => "add",
        Opc::Sub => "sub",
        Opc::Imul => "imul",
        Opc::And => "and",
        Opc::Or => "or",
        Opc::Xor => "xor",
        Opc::Neg => "neg",
        Opc::Not => "not",
        Opc::Inc => "inc",
        Opc::Shl => "shl",
        Opc::Sar => "sar",
        Opc::Shr => "shr",
        Opc::Rol => "rol",
        Opc::Ror => "ror",
        Opc::Test => "test",
        Opc::Cmp => "cmp",
        Opc::Bts => "bts",
        Opc::Bsr => "bsr",
        Opc::Bsf => "bsf",
        Opc::Cltd => "cltd",
        Opc::Cqto => "cqto",
        Opc::Idiv => "idiv",
        Opc::Div => "div",
        Opc::Set(_) => "set",
        Opc::J(_) => "j",
        Opc::Jmp => "jmp",
        Opc::Call => "call",
        Opc::Ret => "ret",
        Opc::Int3 => "int3",
        Opc::Nop => "nop",
        Opc::Mfence => "mfence",
        Opc::LockCmpxchg => "lock cmpxchg",
        Opc::LockXadd => "lock xadd",
        Opc::Xchg => "xchg",
        Opc::Sqrts => "sqrts",
        Opc::Rounds => "rounds",
        Opc::Adds => "adds",
        Opc::Subs => "subs",
        Opc::Muls => "muls",
        Opc::Divs => "divs",
        Opc::Ucomis => "ucomis",
        Opc::Cmpeqs => "cmpeqs",
        Opc::Cmpneqs => "cmpneqs",
        Opc::Movmskp => "movmskp",
        Opc::Cvtsd2ss => "cvtsd2ss",
        Opc::Cvtss2sd => "cvtss2sd",
        Opc::Cvtsi2ss => "cvtsi2ss",
        Opc::Cvtsi2sd => "cvtsi2sd",
        Opc::Cvttss2si => "cvttss2si",
        Opc::Cvttsd2si => "cvttsd2si",
        Opc::Movss => "movss",
        Opc::Movsd => "movsd",
        Opc::Movups => "movups",
        Opc::Movaps => "movaps",
        Opc::Movd => "movd",
        Opc::Movq => "movq",
        Opc::Xorps => "xorps",
        Opc::Xorpd => "xorpd",
        Opc::Andps => "andps",
        Opc::Andpd => "andpd",
        Opc::Orps => "orps",
        Opc::Orpd => "orpd",
        Opc::Insertps => "insertps",
        Opc::Pinsrd => "pinsrd",
        Opc::Pextrd => "pextrd",
        Opc::Pcmpeqq => "pcmpeqq",
        Opc::Psll => "psll",
        Opc::Psrl => "psrl",
    }
}

fn cc(c: Cc) -> &'static str {
    match c {
        Cc::E => "e",
        Cc::Ne => "ne",
        Cc::A => "a",
        Cc::Ae => "ae",
        Cc::B => "b",
        Cc::Be => "be",
        Cc::G => "g",
        Cc::Ge => "ge",
        Cc::L => "l",
        Cc::Le => "le",
        Cc::S => "s",
        Cc::Ns => "ns",
        Cc::O => "o",
        Cc::P => "p",
        Cc::Np => "np",
        Cc::Nc => "nc",
        Cc::Nz => "nz",
    }
}

fn sfx(s: Sfx) -> &'static str {
    match s {
        Sfx::None => "",
        Sfx::B => "b",
        Sfx::W => "w",
        Sfx::L => "l",
        Sfx::Q => "q",
        Sfx::S => "s",
        Sfx::D => "d",
    }
}

/// Appends `\t<mnemonic> <operands>\n`.
pub fn write_inst(out: &mut String, obj: Obj, i: &Inst) {
    out.push('\t');
    out.push_str(stem(i.op));
    if let Opc::Set(c) | Opc::J(c) = i.op {
        out.push_str(cc(c));
    }
    out.push_str(sfx(i.sfx));
    for (k, a) in i.operands().iter().enumerate() {
        out.push_str(if k == 0 { " " } else { ", " });
        write_arg(out, obj, a);
    }
    out.push('\n');
}

fn write_arg(out: &mut String, obj: Obj, a: &Arg) {
    match *a {
        Arg::None => {}
        Arg::Reg(r, size) => out.push_str(gpr_name(r, size)),
        Arg::Xmm(x) => out.push_str(XMM_NAMES[x as usize & 15]),
        Arg::Imm(v) => {
            out.push('$');
            push_i64(out, v);
        }
        Arg::ImmHex(v) => {
            out.push('$');
            if v < 16 {
                out.push_str("0x0");
                out.push_str(&"0123456789abcdef"[v as usize..v as usize + 1]);
            } else {
                push_hex(out, v);
            }
        }
        Arg::ImmDiff(plus, minus, off) => {
            out.push('$');
            write_disp(out, obj, &Disp::Diff(plus, minus, off), false);
        }
        Arg::Mem(ref m) => write_mem(out, obj, m),
        Arg::Target(s) => obj.write_branch_target(out, s),
        Arg::IndReg(r) => {
            out.push('*');
            out.push_str(gpr_name(r, super::regs::Size::Q));
        }
        Arg::IndMem(ref m) => {
            out.push('*');
            write_mem(out, obj, m);
        }
    }
}

/// The displacement; a number only when non-zero or `alone`.
fn write_disp(out: &mut String, obj: Obj, d: &Disp, alone: bool) {
    match *d {
        Disp::Num(n) => {
            if n != 0 || alone {
                push_i64(out, n);
            }
        }
        Disp::Always(n) => push_i64(out, n),
        Disp::Sym(s, off) => {
            obj.write_sym(out, s);
            push_offset(out, off);
        }
        Disp::Diff(plus, minus, off) => {
            out.push('(');
            obj.write_sym(out, plus);
            out.push_str(" - ");
            obj.write_sym(out, minus);
            out.push(')');
            push_offset(out, off);
        }
        Disp::Got(s) => obj.write_reloc(out, Reloc::GotPcRel, s, 0),
    }
}

fn write_mem(out: &mut String, obj: Obj, m: &Mem) {
    if m.gs {
        out.push_str("%gs:");
    }
    let alone = m.base == Base::None && m.index.is_none();
    write_disp(out, obj, &m.disp, alone);
    if alone {
        return;
    }
    out.push('(');
    match m.base {
        Base::Reg(r) => out.push_str(gpr_name(r, super::regs::Size::Q)),
        Base::Rip => out.push_str("%rip"),
        Base::None => {}
    }
    if let Some((i, scale)) = m.index {
        out.push_str(", ");
        out.push_str(gpr_name(i, super::regs::Size::Q));
        if scale != 0 {
            out.push_str(", ");
            push_u64(out, scale as u64);
        }
    }
    out.push(')');
}
