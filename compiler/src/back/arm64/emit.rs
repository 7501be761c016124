//! A64 text of ARM64 machine instructions: one line per instruction,
//! appended to the output with names from static tables and numbers from
//! `code::push_*` (no allocation). Symbols and relocation operators are
//! spelled by `obj.rs`.

use crate::back::code::{Text, Tok};
use crate::tok;
use crate::back::obj::Obj;

use super::inst::{Arg, Ext, FView, Gp, Inst, Mem, Opc, Sfx, ZR};

/// `\t` and the mnemonic's stem.
fn stem(op: Opc) -> &'static Tok {
    match op {
        Opc::Mov => tok!("\tmov"),
        Opc::Movz => tok!("\tmovz"),
        Opc::Movn => tok!("\tmovn"),
        Opc::Movk => tok!("\tmovk"),
        Opc::Orr => tok!("\torr"),
        Opc::Add => tok!("\tadd"),
        Opc::Adds => tok!("\tadds"),
        Opc::Sub => tok!("\tsub"),
        Opc::Subs => tok!("\tsubs"),
        Opc::Mul => tok!("\tmul"),
        Opc::And => tok!("\tand"),
        Opc::Ands => tok!("\tands"),
        Opc::Eor => tok!("\teor"),
        Opc::Neg => tok!("\tneg"),
        Opc::Mvn => tok!("\tmvn"),
        Opc::Lsl => tok!("\tlsl"),
        Opc::Lsr => tok!("\tlsr"),
        Opc::Asr => tok!("\tasr"),
        Opc::Ror => tok!("\tror"),
        Opc::Clz => tok!("\tclz"),
        Opc::Rbit => tok!("\trbit"),
        Opc::Bfi => tok!("\tbfi"),
        Opc::Ubfx => tok!("\tubfx"),
        Opc::Sdiv => tok!("\tsdiv"),
        Opc::Udiv => tok!("\tudiv"),
        Opc::Smull => tok!("\tsmull"),
        Opc::Umull => tok!("\tumull"),
        Opc::Sxtb => tok!("\tsxtb"),
        Opc::Sxth => tok!("\tsxth"),
        Opc::Sxtw => tok!("\tsxtw"),
        Opc::Uxtb => tok!("\tuxtb"),
        Opc::Cmp => tok!("\tcmp"),
        Opc::Cmn => tok!("\tcmn"),
        Opc::Tst => tok!("\ttst"),
        Opc::Cset => tok!("\tcset"),
        Opc::Csinc => tok!("\tcsinc"),
        Opc::Ldr => tok!("\tldr"),
        Opc::Ldrs => tok!("\tldrs"),
        Opc::Ldur => tok!("\tldur"),
        Opc::Ldurs => tok!("\tldurs"),
        Opc::Str => tok!("\tstr"),
        Opc::Stur => tok!("\tstur"),
        Opc::Ldp => tok!("\tldp"),
        Opc::Stp => tok!("\tstp"),
        Opc::Adr => tok!("\tadr"),
        Opc::Adrp => tok!("\tadrp"),
        Opc::Fmov => tok!("\tfmov"),
        Opc::Fneg => tok!("\tfneg"),
        Opc::Fabs => tok!("\tfabs"),
        Opc::Fsqrt => tok!("\tfsqrt"),
        Opc::Frintm => tok!("\tfrintm"),
        Opc::Frintp => tok!("\tfrintp"),
        Opc::Frintn => tok!("\tfrintn"),
        Opc::Frintz => tok!("\tfrintz"),
        Opc::Scvtf => tok!("\tscvtf"),
        Opc::Ucvtf => tok!("\tucvtf"),
        Opc::Fcvtzs => tok!("\tfcvtzs"),
        Opc::Fcvtzu => tok!("\tfcvtzu"),
        Opc::Fcvt => tok!("\tfcvt"),
        Opc::Fadd => tok!("\tfadd"),
        Opc::Fsub => tok!("\tfsub"),
        Opc::Fmul => tok!("\tfmul"),
        Opc::Fdiv => tok!("\tfdiv"),
        Opc::Fcmp => tok!("\tfcmp"),
        Opc::Fccmp => tok!("\tfccmp"),
        Opc::Cmeq => tok!("\tcmeq"),
        Opc::B => tok!("\tb"),
        Opc::BCond(_) => unreachable!("written from BCOND_TOKS"),
        Opc::Bl => tok!("\tbl"),
        Opc::Br => tok!("\tbr"),
        Opc::Blr => tok!("\tblr"),
        Opc::Cbz => tok!("\tcbz"),
        Opc::Cbnz => tok!("\tcbnz"),
        Opc::Tbz => tok!("\ttbz"),
        Opc::Tbnz => tok!("\ttbnz"),
        Opc::Ret => tok!("\tret"),
        Opc::Brk => tok!("\tbrk"),
        Opc::Nop => tok!("\tnop"),
        Opc::BtiC => tok!("\tbti c"),
        Opc::BtiJ => tok!("\tbti j"),
        Opc::BtiJc => tok!("\tbti jc"),
        Opc::DmbSy => tok!("\tdmb sy"),
        Opc::DmbIsh => tok!("\tdmb ish"),
        Opc::Casal => tok!("\tcasal"),
        Opc::Ldaddal => tok!("\tldaddal"),
        Opc::Ldclral => tok!("\tldclral"),
        Opc::Ldsetal => tok!("\tldsetal"),
        Opc::Ldeoral => tok!("\tldeoral"),
        Opc::Swpal => tok!("\tswpal"),
        Opc::Ldar => tok!("\tldar"),
        Opc::Ldaxr => tok!("\tldaxr"),
        Opc::Stlxr => tok!("\tstlxr"),
        Opc::Mrs => tok!("\tmrs"),
    }
}

/// `\tb.<cond>`, in the order of [`Cond`].
static BCOND_TOKS: [Tok; 14] = Tok::table([
    "\tb.eq", "\tb.ne", "\tb.hi", "\tb.ls", "\tb.hs", "\tb.lo", "\tb.gt", "\tb.le", "\tb.ge", "\tb.lt", "\tb.mi", "\tb.pl", "\tb.vs", "\tb.vc",
]);

static COND_TOKS: [Tok; 14] = Tok::table(["eq", "ne", "hi", "ls", "hs", "lo", "gt", "le", "ge", "lt", "mi", "pl", "vs", "vc"]);

static X_TOKS: [Tok; 33] = Tok::table([
    "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20",
    "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp", "xzr",
]);
static W_TOKS: [Tok; 33] = Tok::table([
    "w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9", "w10", "w11", "w12", "w13", "w14", "w15", "w16", "w17", "w18", "w19", "w20",
    "w21", "w22", "w23", "w24", "w25", "w26", "w27", "w28", "w29", "w30", "wsp", "wzr",
]);
/// Register numbers 0–31 as text, for the FP/SIMD views.
static NUMBERS: [Tok; 32] = Tok::table([
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23",
    "24", "25", "26", "27", "28", "29", "30", "31",
]);

fn gp(g: Gp) -> &'static Tok {
    let n = (g.n as usize).min(ZR as usize);
    if g.wide {
        &X_TOKS[n]
    } else {
        &W_TOKS[n]
    }
}

fn x(n: u8) -> &'static Tok {
    &X_TOKS[(n as usize).min(ZR as usize)]
}

/// Appends `\t<mnemonic> <operands>\n`.
pub fn write_inst(out: &mut Text, obj: Obj, i: &Inst) {
    match i.op {
        Opc::BCond(c) => out.tok(&BCOND_TOKS[c as usize]),
        op => out.tok(stem(op)),
    }
    match i.sfx {
        Sfx::None => {}
        Sfx::B => out.byte(b'b'),
        Sfx::H => out.byte(b'h'),
        Sfx::W => out.byte(b'w'),
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
        Arg::R(g) => out.tok(gp(g)),
        Arg::F(v, n) => {
            out.byte(match v {
                FView::S => b's',
                FView::D => b'd',
                FView::Q => b'q',
            });
            out.tok(&NUMBERS[n as usize & 31]);
        }
        Arg::V8b(n) => {
            out.byte(b'v');
            out.tok(&NUMBERS[n as usize & 31]);
            out.str(".8b");
        }
        Arg::LaneS(n, lane) => {
            out.byte(b'v');
            out.tok(&NUMBERS[n as usize & 31]);
            out.str(".s[");
            out.u64(lane as u64);
            out.byte(b']');
        }
        Arg::Imm(v) => {
            out.byte(b'#');
            out.i64(v);
        }
        Arg::Hex(v) => {
            out.byte(b'#');
            out.hex(v, 0);
        }
        Arg::Lsl(n) => {
            out.str("lsl #");
            out.u64(n as u64);
        }
        Arg::Ext(e) => out.str(match e {
            Ext::Sxtw => "sxtw",
            Ext::Sxtb => "sxtb",
            Ext::Uxtb => "uxtb",
        }),
        Arg::Cond(c) => out.tok(&COND_TOKS[c as usize]),
        Arg::Mem(ref m) => write_mem(out, obj, m),
        Arg::Label(s) => obj.write_sym(out, s),
        Arg::Reloc(r, s, off) => obj.write_reloc(out, r, s, off),
        Arg::Tpidrro => out.str("TPIDRRO_EL0"),
    }
}

fn write_mem(out: &mut Text, obj: Obj, m: &Mem) {
    out.byte(b'[');
    match *m {
        Mem::Base(b) => {
            out.tok(x(b));
            out.byte(b']');
        }
        Mem::Off(b, off) | Mem::Pre(b, off) => {
            out.tok(x(b));
            out.str(", #");
            out.i64(off);
            out.byte(b']');
            if let Mem::Pre(..) = m {
                out.byte(b'!');
            }
        }
        Mem::Idx(b, i, sh) => {
            out.tok(x(b));
            out.str(", ");
            out.tok(x(i));
            if sh != 0 {
                out.str(", lsl #");
                out.u64(sh as u64);
            }
            out.byte(b']');
        }
        Mem::Post(b, off) => {
            out.tok(x(b));
            out.str("], #");
            out.i64(off);
        }
        Mem::Lo12(b, r, s, off) => {
            out.tok(x(b));
            out.str(", ");
            obj.write_reloc(out, r, s, off);
            out.byte(b']');
        }
    }
}
