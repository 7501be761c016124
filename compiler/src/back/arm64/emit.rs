//! A64 text of ARM64 machine instructions: one line per instruction,
//! appended to the output with names from static tables and numbers from
//! `code::push_*` (no allocation). Symbols and relocation operators are
//! spelled by `obj.rs`.

use crate::back::code::{push_hex, push_i64, push_u64};
use crate::back::obj::Obj;

use super::inst::{Arg, Cond, Ext, FView, Gp, Inst, Mem, Opc, Sfx, ZR};

fn stem(op: Opc) -> &'static str {
    match op {
        Opc::Mov => "mov",
        Opc::Movz => "movz",
        Opc::Movn => "movn",
        Opc::Movk => "movk",
        Opc::Orr => "orr",
        Opc::Add => "add",
        Opc::Adds => "adds",
        Opc::Sub => "sub",
        Opc::Subs => "subs",
        Opc::Mul => "mul",
        Opc::And => "and",
        Opc::Ands => "ands",
        Opc::Eor => "eor",
        Opc::Neg => "neg",
        Opc::Mvn => "mvn",
        Opc::Lsl => "lsl",
        Opc::Lsr => "lsr",
        Opc::Asr => "asr",
        Opc::Ror => "ror",
        Opc::Clz => "clz",
        Opc::Rbit => "rbit",
        Opc::Bfi => "bfi",
        Opc::Ubfx => "ubfx",
        Opc::Sdiv => "sdiv",
        Opc::Udiv => "udiv",
        Opc::Smull => "smull",
        Opc::Umull => "umull",
        Opc::Sxtb => "sxtb",
        Opc::Sxth => "sxth",
        Opc::Sxtw => "sxtw",
        Opc::Uxtb => "uxtb",
        Opc::Cmp => "cmp",
        Opc::Cmn => "cmn",
        Opc::Tst => "tst",
        Opc::Cset => "cset",
        Opc::Csinc => "csinc",
        Opc::Ldr => "ldr",
        Opc::Ldrs => "ldrs",
        Opc::Ldur => "ldur",
        Opc::Ldurs => "ldurs",
        Opc::Str => "str",
        Opc::Stur => "stur",
        Opc::Ldp => "ldp",
        Opc::Stp => "stp",
        Opc::Adr => "adr",
        Opc::Adrp => "adrp",
        Opc::Fmov => "fmov",
        Opc::Fneg => "fneg",
        Opc::Fabs => "fabs",
        Opc::Fsqrt => "fsqrt",
        Opc::Frintm => "frintm",
        Opc::Frintp => "frintp",
        Opc::Frintn => "frintn",
        Opc::Frintz => "frintz",
        Opc::Scvtf => "scvtf",
        Opc::Ucvtf => "ucvtf",
        Opc::Fcvtzs => "fcvtzs",
        Opc::Fcvtzu => "fcvtzu",
        Opc::Fcvt => "fcvt",
        Opc::Fadd => "fadd",
        Opc::Fsub => "fsub",
        Opc::Fmul => "fmul",
        Opc::Fdiv => "fdiv",
        Opc::Fcmp => "fcmp",
        Opc::Fccmp => "fccmp",
        Opc::Cmeq => "cmeq",
        Opc::B => "b",
        Opc::BCond(_) => "b.",
        Opc::Bl => "bl",
        Opc::Br => "br",
        Opc::Blr => "blr",
        Opc::Cbz => "cbz",
        Opc::Cbnz => "cbnz",
        Opc::Tbz => "tbz",
        Opc::Tbnz => "tbnz",
        Opc::Ret => "ret",
        Opc::Brk => "brk",
        Opc::Nop => "nop",
        Opc::DmbSy => "dmb sy",
        Opc::DmbIsh => "dmb ish",
        Opc::Casal => "casal",
        Opc::Ldaddal => "ldaddal",
        Opc::Ldclral => "ldclral",
        Opc::Ldsetal => "ldsetal",
        Opc::Ldeoral => "ldeoral",
        Opc::Swpal => "swpal",
        Opc::Ldar => "ldar",
        Opc::Ldaxr => "ldaxr",
        Opc::Stlxr => "stlxr",
        Opc::Mrs => "mrs",
    }
}

pub fn cond_name(c: Cond) -> &'static str {
    match c {
        Cond::Eq => "eq",
        Cond::Ne => "ne",
        Cond::Hi => "hi",
        Cond::Ls => "ls",
        Cond::Hs => "hs",
        Cond::Lo => "lo",
        Cond::Gt => "gt",
        Cond::Le => "le",
        Cond::Ge => "ge",
        Cond::Lt => "lt",
        Cond::Mi => "mi",
        Cond::Pl => "pl",
        Cond::Vs => "vs",
        Cond::Vc => "vc",
    }
}

const X_NAMES: [&str; 33] = [
    "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20",
    "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp", "xzr",
];
const W_NAMES: [&str; 33] = [
    "w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9", "w10", "w11", "w12", "w13", "w14", "w15", "w16", "w17", "w18", "w19", "w20",
    "w21", "w22", "w23", "w24", "w25", "w26", "w27", "w28", "w29", "w30", "wsp", "wzr",
];
/// Register numbers 0–31 as text, for the FP/SIMD views.
const NUMBERS: [&str; 32] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23",
    "24", "25", "26", "27", "28", "29", "30", "31",
];

pub fn gp_name(g: Gp) -> &'static str {
    let n = (g.n as usize).min(ZR as usize);
    if g.wide {
        X_NAMES[n]
    } else {
        W_NAMES[n]
    }
}

fn x_name(n: u8) -> &'static str {
    X_NAMES[(n as usize).min(ZR as usize)]
}

/// Appends `\t<mnemonic> <operands>\n`.
pub fn write_inst(out: &mut String, obj: Obj, i: &Inst) {
    out.push('\t');
    out.push_str(stem(i.op));
    if let Opc::BCond(c) = i.op {
        out.push_str(cond_name(c));
    }
    out.push_str(match i.sfx {
        Sfx::None => "",
        Sfx::B => "b",
        Sfx::H => "h",
        Sfx::W => "w",
    });
    for (k, a) in i.operands().iter().enumerate() {
        out.push_str(if k == 0 { " " } else { ", " });
        write_arg(out, obj, a);
    }
    out.push('\n');
}

fn write_arg(out: &mut String, obj: Obj, a: &Arg) {
    match *a {
        Arg::None => {}
        Arg::R(g) => out.push_str(gp_name(g)),
        Arg::F(v, n) => {
            out.push(match v {
                FView::S => 's',
                FView::D => 'd',
                FView::Q => 'q',
            });
            out.push_str(NUMBERS[n as usize & 31]);
        }
        Arg::V8b(n) => {
            out.push('v');
            out.push_str(NUMBERS[n as usize & 31]);
            out.push_str(".8b");
        }
        Arg::LaneS(n, lane) => {
            out.push('v');
            out.push_str(NUMBERS[n as usize & 31]);
            out.push_str(".s[");
            push_u64(out, lane as u64);
            out.push(']');
        }
        Arg::Imm(v) => {
            out.push('#');
            push_i64(out, v);
        }
        Arg::Hex(v) => {
            out.push('#');
            push_hex(out, v);
        }
        Arg::Lsl(n) => {
            out.push_str("lsl #");
            push_u64(out, n as u64);
        }
        Arg::Ext(e) => out.push_str(match e {
            Ext::Sxtw => "sxtw",
            Ext::Sxtb => "sxtb",
            Ext::Uxtb => "uxtb",
        }),
        Arg::Cond(c) => out.push_str(cond_name(c)),
        Arg::Mem(ref m) => write_mem(out, obj, m),
        Arg::Label(s) => obj.write_sym(out, s),
        Arg::Reloc(r, s, off) => obj.write_reloc(out, r, s, off),
        Arg::Tpidrro => out.push_str("TPIDRRO_EL0"),
    }
}

fn write_mem(out: &mut String, obj: Obj, m: &Mem) {
    out.push('[');
    match *m {
        Mem::Base(b) => {
            out.push_str(x_name(b));
            out.push(']');
        }
        Mem::Off(b, off) | Mem::Pre(b, off) => {
            out.push_str(x_name(b));
            out.push_str(", #");
            push_i64(out, off);
            out.push(']');
            if let Mem::Pre(..) = m {
                out.push('!');
            }
        }
        Mem::Idx(b, i, sh) => {
            out.push_str(x_name(b));
            out.push_str(", ");
            out.push_str(x_name(i));
            if sh != 0 {
                out.push_str(", lsl #");
                push_u64(out, sh as u64);
            }
            out.push(']');
        }
        Mem::Post(b, off) => {
            out.push_str(x_name(b));
            out.push_str("], #");
            push_i64(out, off);
        }
        Mem::Lo12(b, r, s, off) => {
            out.push_str(x_name(b));
            out.push_str(", ");
            obj.write_reloc(out, r, s, off);
            out.push(']');
        }
    }
}
