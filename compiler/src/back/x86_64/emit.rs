//! AT&T text of x86-64 machine instructions: one line per instruction,
//! appended to the output with names from static tables and numbers from
//! `code::push_*` (no allocation). Symbols are spelled by `obj.rs`.

use crate::back::code::{Text, Tok};
use crate::tok;
use crate::back::obj::{Obj, Reloc};

use super::inst::{Arg, Base, Disp, Inst, Mem, Opc, Sfx};
use super::regs::{gpr_tok, XMM_TOKS};

/// `\t` and the mnemonic's stem.
fn stem(op: Opc) -> &'static Tok {
    match op {
        Opc::Mov => tok!("\tmov"),
        Opc::Movabs => tok!("\tmovabs"),
        Opc::Movzb => tok!("\tmovzb"),
        Opc::Movzw => tok!("\tmovzw"),
        Opc::Movsb => tok!("\tmovsb"),
        Opc::Movsw => tok!("\tmovsw"),
        Opc::Movsl => tok!("\tmovsl"),
        Opc::Lea => tok!("\tlea"),
        Opc::Push => tok!("\tpush"),
        Opc::Pop => tok!("\tpop"),
        Opc::Add => tok!("\tadd"),
        Opc::Sub => tok!("\tsub"),
        Opc::Imul => tok!("\timul"),
        Opc::And => tok!("\tand"),
        Opc::Or => tok!("\tor"),
        Opc::Xor => tok!("\txor"),
        Opc::Neg => tok!("\tneg"),
        Opc::Not => tok!("\tnot"),
        Opc::Inc => tok!("\tinc"),
        Opc::Shl => tok!("\tshl"),
        Opc::Sar => tok!("\tsar"),
        Opc::Shr => tok!("\tshr"),
        Opc::Rol => tok!("\trol"),
        Opc::Ror => tok!("\tror"),
        Opc::Test => tok!("\ttest"),
        Opc::Cmp => tok!("\tcmp"),
        Opc::Bts => tok!("\tbts"),
        Opc::Bsr => tok!("\tbsr"),
        Opc::Bsf => tok!("\tbsf"),
        Opc::Cltd => tok!("\tcltd"),
        Opc::Cqto => tok!("\tcqto"),
        Opc::Idiv => tok!("\tidiv"),
        Opc::Div => tok!("\tdiv"),
        Opc::Set(_) | Opc::J(_) => unreachable!("written from SET_TOKS, J_TOKS"),
        Opc::Jmp => tok!("\tjmp"),
        Opc::Call => tok!("\tcall"),
        Opc::Ret => tok!("\tret"),
        Opc::Int3 => tok!("\tint3"),
        Opc::Nop => tok!("\tnop"),
        Opc::Endbr64 => tok!("\tendbr64"),
        Opc::Mfence => tok!("\tmfence"),
        Opc::LockCmpxchg => tok!("\tlock cmpxchg"),
        Opc::LockXadd => tok!("\tlock xadd"),
        Opc::Xchg => tok!("\txchg"),
        Opc::Sqrts => tok!("\tsqrts"),
        Opc::Rounds => tok!("\trounds"),
        Opc::Adds => tok!("\tadds"),
        Opc::Subs => tok!("\tsubs"),
        Opc::Muls => tok!("\tmuls"),
        Opc::Divs => tok!("\tdivs"),
        Opc::Ucomis => tok!("\tucomis"),
        Opc::Cmpeqs => tok!("\tcmpeqs"),
        Opc::Cmpneqs => tok!("\tcmpneqs"),
        Opc::Movmskp => tok!("\tmovmskp"),
        Opc::Cvtsd2ss => tok!("\tcvtsd2ss"),
        Opc::Cvtss2sd => tok!("\tcvtss2sd"),
        Opc::Cvtsi2ss => tok!("\tcvtsi2ss"),
        Opc::Cvtsi2sd => tok!("\tcvtsi2sd"),
        Opc::Cvttss2si => tok!("\tcvttss2si"),
        Opc::Cvttsd2si => tok!("\tcvttsd2si"),
        Opc::Movss => tok!("\tmovss"),
        Opc::Movsd => tok!("\tmovsd"),
        Opc::Movups => tok!("\tmovups"),
        Opc::Movaps => tok!("\tmovaps"),
        Opc::Movd => tok!("\tmovd"),
        Opc::Movq => tok!("\tmovq"),
        Opc::Xorps => tok!("\txorps"),
        Opc::Xorpd => tok!("\txorpd"),
        Opc::Andps => tok!("\tandps"),
        Opc::Andpd => tok!("\tandpd"),
        Opc::Orps => tok!("\torps"),
        Opc::Orpd => tok!("\torpd"),
        Opc::Insertps => tok!("\tinsertps"),
        Opc::Pinsrd => tok!("\tpinsrd"),
        Opc::Pextrd => tok!("\tpextrd"),
        Opc::Pcmpeqq => tok!("\tpcmpeqq"),
        Opc::Psll => tok!("\tpsll"),
        Opc::Psrl => tok!("\tpsrl"),
    }
}

/// `\tset<cc>` and `\tj<cc>`, in the order of [`Cc`].
static SET_TOKS: [Tok; 17] = Tok::table([
    "\tsete", "\tsetne", "\tseta", "\tsetae", "\tsetb", "\tsetbe", "\tsetg", "\tsetge", "\tsetl", "\tsetle", "\tsets", "\tsetns", "\tseto",
    "\tsetp", "\tsetnp", "\tsetnc", "\tsetnz",
]);
static J_TOKS: [Tok; 17] = Tok::table([
    "\tje", "\tjne", "\tja", "\tjae", "\tjb", "\tjbe", "\tjg", "\tjge", "\tjl", "\tjle", "\tjs", "\tjns", "\tjo", "\tjp", "\tjnp", "\tjnc",
    "\tjnz",
]);

fn sfx(s: Sfx) -> u8 {
    match s {
        Sfx::None => 0,
        Sfx::B => b'b',
        Sfx::W => b'w',
        Sfx::L => b'l',
        Sfx::Q => b'q',
        Sfx::S => b's',
        Sfx::D => b'd',
    }
}

/// Appends `\t<mnemonic> <operands>\n`.
pub fn write_inst(out: &mut Text, obj: Obj, i: &Inst) {
    match i.op {
        Opc::Set(c) => out.tok(&SET_TOKS[c as usize]),
        Opc::J(c) => out.tok(&J_TOKS[c as usize]),
        op => out.tok(stem(op)),
    }
    match i.sfx {
        Sfx::None => {}
        s => out.byte(sfx(s)),
    }
    for (k, a) in i.operands().iter().enumerate() {
        if k == 0 {
            out.byte(b' ');
        } else {
            out.tok(tok!(", "));
        }
        write_arg(out, obj, a);
    }
    out.byte(b'\n');
}

fn write_arg(out: &mut Text, obj: Obj, a: &Arg) {
    match *a {
        Arg::None => {}
        Arg::Reg(r, size) => out.tok(gpr_tok(r, size)),
        Arg::Xmm(x) => out.tok(&XMM_TOKS[x as usize & 15]),
        Arg::Imm(v) => {
            out.byte(b'$');
            out.i64(v);
        }
        Arg::ImmHex(v) => {
            out.byte(b'$');
            out.hex(v, 2);
        }
        Arg::ImmDiff(plus, minus, off) => {
            out.byte(b'$');
            write_disp(out, obj, &Disp::Diff(plus, minus, off), false);
        }
        Arg::Mem(ref m) => write_mem(out, obj, m),
        Arg::Target(s) => obj.write_branch_target(out, s),
        Arg::IndReg(r) => {
            out.byte(b'*');
            out.tok(gpr_tok(r, super::regs::Size::Q));
        }
        Arg::IndMem(ref m) => {
            out.byte(b'*');
            write_mem(out, obj, m);
        }
    }
}

/// The displacement; a number only when non-zero or `alone`.
fn write_disp(out: &mut Text, obj: Obj, d: &Disp, alone: bool) {
    match *d {
        Disp::Num(n) => {
            if n != 0 || alone {
                out.i64(n);
            }
        }
        Disp::Always(n) => out.i64(n),
        Disp::Sym(s, off) => {
            obj.write_sym(out, s);
            out.offset(off);
        }
        Disp::Diff(plus, minus, off) => {
            out.byte(b'(');
            obj.write_sym(out, plus);
            out.str(" - ");
            obj.write_sym(out, minus);
            out.byte(b')');
            out.offset(off);
        }
        Disp::Got(s) => obj.write_reloc(out, Reloc::GotPcRel, s, 0),
    }
}

fn write_mem(out: &mut Text, obj: Obj, m: &Mem) {
    if m.gs {
        out.str("%gs:");
    }
    let alone = m.base == Base::None && m.index.is_none();
    write_disp(out, obj, &m.disp, alone);
    if alone {
        return;
    }
    out.byte(b'(');
    match m.base {
        Base::Reg(r) => out.tok(gpr_tok(r, super::regs::Size::Q)),
        Base::Rip => out.str("%rip"),
        Base::None => {}
    }
    if let Some((i, scale)) = m.index {
        out.str(", ");
        out.tok(gpr_tok(i, super::regs::Size::Q));
        if scale != 0 {
            out.str(", ");
            out.u64(scale as u64);
        }
    }
    out.byte(b')');
}
