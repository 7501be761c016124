//! Layout resolution and constant folding (phases 5–6, LANGUAGE.md §10):
//! an expression becomes an integer, a register, a label reference (with
//! offset), a label difference or a string.

use crate::diag::Diagnostic;
use crate::expand::ADDRESS_IN_EXPR;
use std::rc::Rc;

use crate::expand::POISON;
use crate::front::ast::{BinOp, Expr, ExprKind, Name, Via};
use crate::layout::{KeyKind, Layout};
use crate::target::regs::Reg;

#[derive(Clone, Debug, PartialEq)]
pub enum Folded {
    Int(i128),
    Reg(Reg),
    /// A label reference plus a byte offset. `local`: an expansion-unique local label.
    Label { name: Name, local: bool, offset: i128 },
    /// `_a - _b + offset` (x86-64 only, §10.4).
    Diff { plus: Name, minus: Name, offset: i128 },
    Str(Name),
}

/// `None` in the error position means "already reported".
pub type FoldResult = Result<Folded, Option<Box<Diagnostic>>>;

fn fail(d: Diagnostic) -> FoldResult {
    Err(Some(Box::new(d)))
}

pub fn fold(e: &Expr, layout: &Layout) -> FoldResult {
    fold_at(e, layout, 0)
}

/// Nesting beyond which [`int_value`] leaves a tree to the general fold
/// (which looks after the stack).
const INT_FAST_DEPTH: u32 = 32;

/// The value of an expression that folds to an integer without a
/// diagnostic, computed without building [`Folded`] values; `None` for
/// anything else (labels, registers, errors, deep trees), which [`fold`]
/// then handles and reports. Most operands and address offsets are
/// numbers, constants and layout keys.
#[inline]
pub fn int_value(e: &Expr, layout: &Layout) -> Option<i128> {
    match e.kind {
        ExprKind::Int(v) => Some(v as i128),
        _ => int_value_at(e, layout, 0),
    }
}

fn int_value_at(e: &Expr, layout: &Layout, depth: u32) -> Option<i128> {
    if depth > INT_FAST_DEPTH {
        return None;
    }
    let sub = |a: &Expr| match a.kind {
        ExprKind::Int(v) => Some(v as i128),
        _ => int_value_at(a, layout, depth + 1),
    };
    match &e.kind {
        ExprKind::Int(v) => Some(*v as i128),
        ExprKind::Path(k) => layout_int(layout, KeyKind::Offset, k),
        ExprKind::Sizeof(k) => layout_int(layout, KeyKind::Size, k),
        ExprKind::Constexpr(k) => layout_int(layout, KeyKind::Constexpr, k),
        ExprKind::Neg(a) => sub(a)?.checked_neg(),
        ExprKind::Not(a) => Some(!sub(a)?),
        ExprKind::Bin(op, a, b) => {
            let (x, y) = (sub(a)?, sub(b)?);
            match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                BinOp::And => Some(x & y),
                BinOp::Or => Some(x | y),
                BinOp::Xor => Some(x ^ y),
            }
        }
        _ => None,
    }
}

/// A layout key's value, if the key is complete and in the table (a key
/// with a `%` fragment or poison is left to [`layout_value`]).
fn layout_int(layout: &Layout, kind: KeyKind, key: &str) -> Option<i128> {
    if key.contains('%') {
        return None;
    }
    layout.get(kind, key)
}

fn fold_at(e: &Expr, layout: &Layout, depth: u32) -> FoldResult {
    use crate::expand::STACK_CHECK_STRIDE as S;
    if depth % S == S - 1 {
        return crate::stack::maybe_grow(256 * 1024, 2 * 1024 * 1024, || fold_node(e, layout, depth + 1));
    }
    fold_node(e, layout, depth + 1)
}

fn fold_node(e: &Expr, layout: &Layout, depth: u32) -> FoldResult {
    let err = |code: &'static str, msg: String| fail(with_via(Diagnostic::error(code, e.span, msg), e));
    match &e.kind {
        // Already reported where the poison was left.
        ExprKind::Var(n) | ExprKind::GlobalLabel(n) | ExprKind::Path(n) | ExprKind::Sizeof(n) | ExprKind::Constexpr(n)
            if n.contains(POISON) =>
        {
            Err(None)
        }
        ExprKind::Int(v) => Ok(Folded::Int(*v as i128)),
        ExprKind::Str(s) => Ok(Folded::Str(s.clone())),
        ExprKind::Reg(r) => Ok(Folded::Reg(*r)),
        ExprKind::Var(n) if &**n == ADDRESS_IN_EXPR => {
            err("operand-kind", "an address cannot be used inside an expression or as an address part".into())
        }
        ExprKind::Var(n) => match crate::expand::unresolved_fragment(n) {
            Some(frag) => err("unresolved-concatenation", format!("`%{frag}%` in `{n}` names no parameter or constant")),
            None => fail(
                with_via(Diagnostic::error("unresolved-name", e.span, format!("`{n}` has no value")), e)
                    .with_label("not a parameter, constant or register"),
            ),
        },
        ExprKind::Path(k) => layout_value(e, layout, KeyKind::Offset, k),
        ExprKind::Sizeof(k) => layout_value(e, layout, KeyKind::Size, k),
        ExprKind::Constexpr(k) => layout_value(e, layout, KeyKind::Constexpr, k),
        ExprKind::GlobalLabel(n) => match crate::expand::unresolved_fragment(n) {
            Some(frag) => err("unresolved-concatenation", format!("`%{frag}%` in `{n}` names no parameter or constant")),
            None => Ok(Folded::Label { name: n.clone(), local: false, offset: 0 }),
        },
        ExprKind::ResolvedLocal(n) => Ok(Folded::Label { name: n.clone(), local: true, offset: 0 }),
        // Already reported as undefined-local-label during expansion.
        ExprKind::LocalLabel(_) => Err(None),
        ExprKind::Neg(a) => match fold_at(a, layout, depth)? {
            Folded::Int(v) => Ok(Folded::Int(-v)),
            other => arith_error(e, &other),
        },
        ExprKind::Not(a) => match fold_at(a, layout, depth)? {
            Folded::Int(v) => Ok(Folded::Int(!v)),
            other => arith_error(e, &other),
        },
        ExprKind::Bin(op, a, b) => {
            let (x, y) = (fold_at(a, layout, depth)?, fold_at(b, layout, depth)?);
            binary(e, *op, x, y)
        }
    }
}

fn with_via(d: Diagnostic, e: &Expr) -> Diagnostic {
    annotate(d, &e.via)
}

/// Says where a substituted value came from: a macro parameter or a constant.
pub fn annotate(d: Diagnostic, via: &Option<Rc<Via>>) -> Diagnostic {
    match via.as_deref() {
        Some(Via::Param { param, macro_name, .. }) => d.with_note(format!("bound to parameter `{param}` of `{macro_name}`")),
        Some(Via::Const { name, use_span }) => {
            d.with_secondary(*use_span, format!("the value of constant `{name}`, used here"))
        }
        None => d,
    }
}

fn layout_value(e: &Expr, layout: &Layout, kind: KeyKind, key: &str) -> FoldResult {
    if let Some(frag) = crate::expand::unresolved_fragment(key) {
        return fail(Diagnostic::error(
            "unresolved-concatenation",
            e.span,
            format!("`%{frag}%` in `{key}` names no parameter or constant"),
        ));
    }
    match layout.get(kind, key) {
        Some(v) => Ok(Folded::Int(v)),
        None => fail(with_via(
            Diagnostic::error("missing-layout-key", e.span, format!("layout key `{key}` is not in the layout table"))
                .with_label(format!("needs `{}`.`{key}`", kind.section()))
                .with_note("pass a layout table with --layout FILE; --print-layout-keys prints every key the program needs"),
            e,
        )),
    }
}

fn arith_error(e: &Expr, v: &Folded) -> FoldResult {
    let (code, msg) = match v {
        Folded::Reg(r) => ("register-in-expression", format!("register `{}` cannot take part in arithmetic", r.name())),
        Folded::Str(_) => ("string-operand", "a string cannot take part in arithmetic".to_string()),
        Folded::Label { local: true, .. } => ("label-arith", "a local label cannot take part in arithmetic".to_string()),
        _ => ("label-arith", "this arithmetic on labels is not allowed (only `_sym ± k` and `_a - _b`)".to_string()),
    };
    fail(with_via(Diagnostic::error(code, e.span, msg), e))
}

fn binary(e: &Expr, op: BinOp, x: Folded, y: Folded) -> FoldResult {
    use Folded::*;
    let overflow = || fail(Diagnostic::error("int-overflow", e.span, "integer expression overflows 128 bits"));
    let label_offset = |off: i128, k: i128, sub: bool| if sub { off.checked_sub(k) } else { off.checked_add(k) };
    match (op, x, y) {
        (_, Int(a), Int(b)) => {
            let r = match op {
                BinOp::Add => a.checked_add(b),
                BinOp::Sub => a.checked_sub(b),
                BinOp::Mul => a.checked_mul(b),
                BinOp::And => Some(a & b),
                BinOp::Or => Some(a | b),
                BinOp::Xor => Some(a ^ b),
            };
            r.map(Int).map_or_else(overflow, Ok)
        }
        (BinOp::Add | BinOp::Sub, Label { name, local: false, offset }, Int(k)) => match label_offset(offset, k, op == BinOp::Sub) {
            Some(offset) => Ok(Label { name, local: false, offset }),
            None => overflow(),
        },
        (BinOp::Add, Int(k), Label { name, local: false, offset }) => match offset.checked_add(k) {
            Some(offset) => Ok(Label { name, local: false, offset }),
            None => overflow(),
        },
        (BinOp::Sub, Label { name: a, local: false, offset: oa }, Label { name: b, local: false, offset: ob }) => {
            match oa.checked_sub(ob) {
                Some(offset) => Ok(Diff { plus: a, minus: b, offset }),
                None => overflow(),
            }
        }
        (BinOp::Add | BinOp::Sub, Diff { plus, minus, offset }, Int(k)) => match label_offset(offset, k, op == BinOp::Sub) {
            Some(offset) => Ok(Diff { plus, minus, offset }),
            None => overflow(),
        },
        (BinOp::Add, Int(k), Diff { plus, minus, offset }) => match offset.checked_add(k) {
            Some(offset) => Ok(Diff { plus, minus, offset }),
            None => overflow(),
        },
        (_, x, y) => {
            let culprit = if matches!(x, Int(_)) { y } else { x };
            arith_error(e, &culprit)
        }
    }
}
