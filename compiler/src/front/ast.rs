//! Syntax tree (LANGUAGE.md §3). Every node keeps its byte span. The same
//! expression and operand types are reused after expansion, where a few extra
//! variants appear (resolved local labels, the record of a parameter binding).

use std::rc::Rc;

use crate::source::Span;
use crate::target::regs::Reg;

pub use super::lexer::Name;

#[derive(Clone, Debug)]
pub struct Ident {
    pub name: Name,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Const(Box<ConstDecl>),
    Macro(Rc<MacroDef>),
    Call(Call),
    If(IfStmt),
    Include { name: Ident, optional: bool, span: Span },
    Global { label: Ident, span: Span },
    Label(LabelDef),
    Error(Span),
    Instr(Instr),
    /// Only in a tree resolved for several groups of targets at once
    /// ([`crate::expand::settings::resolve_groups`]): an `if` whose groups
    /// chose different branches, one arm per branch taken.
    Variants(Rc<Variants>),
}

/// Bit `g` stands for group `g` of a several-target expansion (at most 64).
pub type GroupMask = u64;

/// The branches an `if` took in different groups: each arm holds the
/// resolved statements of one branch and the groups that chose it (the
/// masks are disjoint; a group that took an empty branch has no arm).
#[derive(Clone, Debug)]
pub struct Variants {
    pub arms: Vec<(GroupMask, Vec<Stmt>)>,
}

/// `const NAME = operand` (boxed: it is the largest statement).
#[derive(Clone, Debug)]
pub struct ConstDecl {
    pub name: Ident,
    pub value: Operand,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct MacroDef {
    /// `None` for an anonymous macro.
    pub name: Option<Ident>,
    pub params: Vec<Ident>,
    pub body: Vec<Stmt>,
    /// From `macro` to the closing `)` of the parameter list.
    pub header: Span,
}

impl MacroDef {
    pub fn display_name(&self) -> Name {
        match &self.name {
            Some(n) => n.name.clone(),
            None => "anon".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Call {
    pub callee: Ident,
    pub args: Vec<Arg>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Arg {
    Macro(Rc<MacroDef>),
    Operand(Operand),
}

#[derive(Clone, Debug)]
pub struct IfStmt {
    pub arms: Vec<(Pred, Vec<Stmt>)>,
    pub else_body: Option<Vec<Stmt>>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Pred {
    pub kind: PredKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum PredKind {
    Const(bool),
    Setting(Ident),
    Not(Box<Pred>),
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
}

#[derive(Clone, Debug)]
pub struct LabelDef {
    pub local: bool,
    /// Spelling including the leading `_` or `.`.
    pub name: Name,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Instr {
    pub mnemonic: Mnemonic,
    pub operands: Vec<Operand>,
    pub span: Span,
}

/// An instruction mnemonic: its entry in the instruction table.
#[derive(Copy, Clone)]
pub struct Mnemonic {
    pub id: crate::isa::InstrId,
    pub span: Span,
}

impl Mnemonic {
    pub fn name(&self) -> &'static str {
        &crate::isa::isa().get(self.id).name
    }
}

impl std::fmt::Debug for Mnemonic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mnemonic").field("name", &self.name()).field("span", &self.span).finish()
    }
}

#[derive(Clone, Debug)]
pub struct Operand {
    pub kind: OperandKind,
    pub span: Span,
    /// For an argument that was a body constant's name: that name, which
    /// `%param%` spells instead of the value (LANGUAGE.md §9.6).
    pub spelling: Option<Name>,
}

#[derive(Clone, Debug)]
pub enum OperandKind {
    Expr(Expr),
    Addr(Rc<Addr>),
}

/// `offset[base, index, scale]`; every part optional (`[]`, `off[]`, `[b]`).
#[derive(Clone, Debug)]
pub struct Addr {
    pub offset: Option<Expr>,
    pub base: Option<Expr>,
    pub index: Option<Expr>,
    pub scale: Option<Expr>,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// Set when this expression was substituted for a macro parameter.
    pub via: Option<Rc<Via>>,
}

/// Where a substituted expression came from, for diagnostics.
#[derive(Debug)]
pub enum Via {
    /// "bound to parameter `param` of `macro_name`", used at `use_span` in the body.
    Param { param: Name, macro_name: Name, use_span: Span },
    /// The value of file-level constant `name`, used at `use_span`.
    Const { name: Name, use_span: Span },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    And,
    Or,
    Xor,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::And => "&",
            BinOp::Or => "|",
            BinOp::Xor => "^",
        }
    }
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(u64),
    Str(Name),
    Reg(Reg),
    /// A one-part path: macro parameter, constant, or symbolic name.
    Var(Name),
    /// `A::B::f` — a struct-field offset (layout key).
    Path(Name),
    /// `sizeof A::B` — layout key `A::B`.
    Sizeof(Name),
    /// `constexpr A::c` or `constexpr ( … )` — canonical text.
    Constexpr(Name),
    GlobalLabel(Name),
    /// A local label as written (before expansion resolves it).
    LocalLabel(Name),
    /// A local label after expansion: its unique output name.
    ResolvedLocal(Name),
    Neg(Rc<Expr>),
    Not(Rc<Expr>),
    Bin(BinOp, Rc<Expr>, Rc<Expr>),
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span, via: None }
    }
}

/// Builds a binary expression node (used by the grammar).
pub fn bin(file: crate::source::FileId, l: u32, r: u32, op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr::new(ExprKind::Bin(op, Rc::new(a), Rc::new(b)), sp(file, l, r))
}

/// Builds an instruction node (used by the grammar). The mnemonic's span is
/// its spelling, which is the instruction's name.
pub(crate) fn instr(file: crate::source::FileId, l: u32, id: crate::isa::InstrId, operands: Vec<Operand>) -> Instr {
    let mnemonic = Mnemonic { id, span: sp(file, l, l + crate::isa::isa().get(id).name.len() as u32) };
    let end = operands.last().map_or(mnemonic.span.end, |o| o.span.end);
    Instr { mnemonic, operands, span: sp(file, l, end) }
}

/// The span `l..r` of `file` (used by the grammar).
#[inline]
pub(crate) fn sp(file: crate::source::FileId, l: u32, r: u32) -> Span {
    Span { file, start: l, end: r }
}

/// A list of one element, with room for a few more (used by the grammar).
pub(crate) fn first<T>(t: T) -> Vec<T> {
    let mut v = Vec::with_capacity(4);
    v.push(t);
    v
}
