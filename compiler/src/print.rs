//! Prints the expanded program in the dialect's own syntax, one statement per
//! line (`offasm expand`). Integer subexpressions are folded; layout keys and
//! names without a value are printed as written.

use std::fmt::Write;

use crate::expand::{Expanded, ItemKind};
use crate::front::ast::{Addr, BinOp, Expr, ExprKind, Operand, OperandKind};

pub fn expanded(x: &Expanded) -> String {
    let mut s = String::new();
    for (name, _) in &x.globals {
        let _ = writeln!(s, "global {name}");
    }
    for item in &x.items {
        match &item.kind {
            ItemKind::Label { name, local: true } => {
                let _ = writeln!(s, ".{}:", local_name(name));
            }
            ItemKind::Label { name, local: false } => {
                let _ = writeln!(s, "{name}:");
            }
            ItemKind::Instr { mnemonic, operands } => {
                s.push_str("    ");
                s.push_str(mnemonic.name());
                for (i, o) in operands.iter().enumerate() {
                    s.push_str(if i == 0 { " " } else { ", " });
                    operand(&mut s, o);
                }
                s.push('\n');
            }
        }
    }
    s
}

pub fn operand(s: &mut String, o: &Operand) {
    match &o.kind {
        OperandKind::Expr(e) => expr(s, e, 0),
        OperandKind::Addr(a) => addr(s, a),
    }
}

fn addr(s: &mut String, a: &Addr) {
    match &a.offset {
        Some(e) => expr(s, e, 0),
        None => s.push('0'),
    }
    s.push('[');
    if let Some(b) = &a.base {
        expr(s, b, 0);
        if let Some(i) = &a.index {
            s.push_str(", ");
            expr(s, i, 0);
            s.push_str(", ");
            match &a.scale {
                Some(sc) => expr(s, sc, 0),
                None => s.push('1'),
            }
        }
    }
    s.push(']');
}

/// File-level local labels print under their own names (`oa0_x` → `x`),
/// so that printing the expansion of printed output gives the same text.
fn local_name(n: &str) -> &str {
    n.strip_prefix("oa0_").unwrap_or(n)
}

/// Folds an expression whose leaves are all integer literals.
pub fn fold_int(e: &Expr) -> Option<i128> {
    Some(match &e.kind {
        ExprKind::Int(v) => *v as i128,
        ExprKind::Neg(a) => fold_int(a)?.checked_neg()?,
        ExprKind::Not(a) => !fold_int(a)?,
        ExprKind::Bin(op, a, b) => {
            let (x, y) = (fold_int(a)?, fold_int(b)?);
            match op {
                BinOp::Add => x.checked_add(y)?,
                BinOp::Sub => x.checked_sub(y)?,
                BinOp::Mul => x.checked_mul(y)?,
                BinOp::And => x & y,
                BinOp::Or => x | y,
                BinOp::Xor => x ^ y,
            }
        }
        _ => return None,
    })
}

fn prec(op: BinOp) -> u8 {
    match op {
        BinOp::Or | BinOp::Xor => 1,
        BinOp::And => 2,
        BinOp::Add | BinOp::Sub => 3,
        BinOp::Mul => 4,
    }
}

/// `min` is the lowest precedence printable without parentheses here.
fn expr(s: &mut String, e: &Expr, min: u8) {
    crate::stack::maybe_grow(64 * 1024, 1024 * 1024, || expr_node(s, e, min))
}

fn expr_node(s: &mut String, e: &Expr, min: u8) {
    if let Some(v) = fold_int(e) {
        if v < 0 && min > 0 {
            let _ = write!(s, "({v})");
        } else {
            let _ = write!(s, "{v}");
        }
        return;
    }
    match &e.kind {
        ExprKind::Int(v) => {
            let _ = write!(s, "{v}");
        }
        ExprKind::Str(t) => {
            let _ = write!(s, "\"{t}\"");
        }
        ExprKind::Reg(r) => s.push_str(r.name()),
        ExprKind::Var(n) | ExprKind::Path(n) | ExprKind::GlobalLabel(n) | ExprKind::LocalLabel(n) => s.push_str(n),
        ExprKind::ResolvedLocal(n) => {
            s.push('.');
            s.push_str(local_name(n));
        }
        ExprKind::Sizeof(n) => {
            let _ = write!(s, "sizeof {n}");
        }
        ExprKind::Constexpr(n) => {
            if n.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '.' || c == '%')) {
                let _ = write!(s, "constexpr ({n})");
            } else {
                let _ = write!(s, "constexpr {n}");
            }
        }
        ExprKind::Neg(a) => {
            s.push('-');
            expr(s, a, 5);
        }
        ExprKind::Not(a) => {
            s.push('~');
            expr(s, a, 5);
        }
        ExprKind::Bin(op, a, b) => {
            let p = prec(*op);
            let paren = p < min;
            if paren {
                s.push('(');
            }
            expr(s, a, p);
            let _ = write!(s, " {} ", op.symbol());
            expr(s, b, p + 1);
            if paren {
                s.push(')');
            }
        }
    }
}
