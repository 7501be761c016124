//! Validation (phase 7): every expanded instruction is checked against the
//! one instruction table (`crate::isa`) for the target: availability,
//! operand count and kinds, registers, ranges and form rules. The result is
//! the validated program the back ends consume.

pub mod fold;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::rc::Rc;

use crate::diag::{Diagnostic, Diagnostics, Frame};
use crate::expand::{Expanded, ItemKind};
use crate::front::ast::{Expr, ExprKind, Mnemonic, Name, Operand, OperandKind};
use crate::isa::{self, Effects, Form, InstrDef, InstrId, Kinds, Rule, Width};
use crate::layout::Layout;
use crate::source::Span;
use crate::target::regs::{describe_available, Reg, RegClass};
use crate::target::{Arch, Target};
use fold::{fold, Folded};

/// A validated operand.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Reg(Reg),
    /// The value as written (already range-checked for the operand width).
    Imm(i128),
    Addr(MemAddr),
    /// A label reference; `offset` is 0 for code labels.
    Label { name: Name, local: bool, offset: i64 },
    /// `_a - _b + offset` (x86-64 `move` source only).
    LabelDiff { plus: Name, minus: Name, offset: i64 },
    Str(Name),
}

#[derive(Clone, Debug, PartialEq)]
pub struct MemAddr {
    pub base: Option<Reg>,
    pub index: Option<Reg>,
    pub scale: u8,
    pub offset: i64,
    /// x86-64 only: a label difference added to the offset.
    pub diff: Option<(Name, Name)>,
}

#[derive(Clone, Debug)]
pub struct Instr {
    pub id: InstrId,
    /// Index of the matched form in the table entry.
    pub form: usize,
    pub operands: Vec<Value>,
    pub span: Span,
    pub chain: Option<Rc<Frame>>,
}

impl Instr {
    pub fn def(&self) -> &'static InstrDef {
        isa::isa().get(self.id)
    }
}

#[derive(Clone, Debug)]
pub enum Item {
    Label { name: Name, local: bool, span: Span },
    Instr(Instr),
}

#[derive(Debug, Default)]
pub struct Program {
    pub items: Vec<Item>,
    /// Global labels (spelled `_x`) that are exported.
    pub exports: HashSet<Name>,
    /// Global labels defined in this output.
    pub defined: HashSet<Name>,
}

pub fn validate(x: &Expanded, target: &Target, layout: &Layout, diags: &mut Diagnostics) -> Program {
    validate_recording(x, target, layout, diags).0
}

/// What a validation asked about its target. Validation depends on the
/// target only through these questions (and the layout table), so another
/// target that answers every one of them the same way gets the same program
/// and the same diagnostics ([`Asked::same_on`]).
#[derive(Clone, Debug, Default)]
pub struct Asked {
    /// Availability classes of the instructions met (bit per `isa::Avail`).
    avail: u8,
    /// Registers whose availability was checked.
    regs: u128,
    /// Registers compared with `rax`.
    rax: u128,
    /// Pairs of registers compared for being the same physical register.
    pairs: HashSet<(Reg, Reg)>,
    /// A diagnostic names the target or lists its registers.
    target_text: bool,
    /// The number of integer argument registers (`moveargs`).
    arg_count: bool,
}

// Register sets are bit masks.
const _: () = assert!(crate::target::REGISTER_NAMES.len() <= 128);

const AVAILS: [isa::Avail; 5] = [isa::Avail::All, isa::Avail::X86, isa::Avail::Arm64, isa::Avail::Apple, isa::Avail::Reserved];

impl Asked {
    /// Whether validating for `b` gives what validating for `a` gave.
    pub fn same_on(&self, a: &Target, b: &Target) -> bool {
        if a.arch != b.arch || self.target_text {
            return false;
        }
        let (ma, mb) = (a.regmap(), b.regmap());
        let phys = |m: crate::target::RegMap, r: Reg| m.phys(r).map(|p| p.name);
        let regs = |bits: u128| Reg::all().filter(move |r| bits & (1u128 << r.0) != 0);
        AVAILS.iter().enumerate().all(|(i, av)| self.avail & (1 << i) == 0 || av.on(a.arch, a.is_apple()) == av.on(b.arch, b.is_apple()))
            && regs(self.regs).all(|r| phys(ma, r).is_some() == phys(mb, r).is_some())
            && regs(self.rax).all(|r| (phys(ma, r) == Some("rax")) == (phys(mb, r) == Some("rax")))
            && self.pairs.iter().all(|&(p, q)| (phys(ma, p) == phys(ma, q)) == (phys(mb, p) == phys(mb, q)))
            && (!self.arg_count || ma.int_arg_count() == mb.int_arg_count())
    }
}

/// [`validate`], also returning what it asked about the target.
pub fn validate_recording(x: &Expanded, target: &Target, layout: &Layout, diags: &mut Diagnostics) -> (Program, Asked) {
    let mut v = Validator {
        target,
        available: available_regs(target),
        layout,
        diags,
        prev_sets_flags: false,
        ops: &[],
        asked: Asked::default(),
    };
    let mut prog = Program { items: Vec::with_capacity(x.items.len()), ..Program::default() };
    let mut first_def: HashMap<Name, Span> = HashMap::default();
    for item in &x.items {
        match &item.kind {
            ItemKind::Label { name, local } => {
                v.prev_sets_flags = false;
                if !local {
                    if let Some(first) = first_def.insert(name.clone(), item.span) {
                        v.diags.push(
                            Diagnostic::error("duplicate-label", item.span, format!("label `{name}` is defined twice"))
                                .with_secondary(first, "first definition")
                                .with_chain(item.chain.clone()),
                        );
                    }
                    prog.defined.insert(name.clone());
                }
                prog.items.push(Item::Label { name: name.clone(), local: *local, span: item.span });
            }
            ItemKind::Instr { mnemonic, operands } => {
                if let Some(i) = v.instr(*mnemonic, operands, item.span, &item.chain) {
                    prog.items.push(Item::Instr(i));
                }
            }
        }
    }
    for (name, span) in &x.globals {
        if !prog.defined.contains(name) {
            v.diags.push(
                Diagnostic::warning("global-undefined", *span, format!("`{name}` is exported but never defined"))
                    .with_label("`global` has no effect"),
            );
        }
        prog.exports.insert(name.clone());
    }
    // Rules that need the whole program.
    for item in &prog.items {
        if let Item::Instr(i) = item {
            let form = &i.def().forms[i.form];
            for r in &form.rules {
                if let Rule::LabelDefinedInOutput(k) = r {
                    if let Some(Value::Label { name, local: false, .. }) = i.operands.get(*k) {
                        if !prog.defined.contains(name) {
                            v.diags.push(
                                Diagnostic::error("operand-kind", i.span, format!("`{}` needs a label defined in this file; `{name}` is external", i.def().name))
                                    .with_chain(i.chain.clone()),
                            );
                        }
                    }
                }
            }
        }
    }
    (prog, v.asked)
}

struct Validator<'a> {
    target: &'a Target,
    /// The registers the target has (bit per `Reg`): asked once, not per operand.
    available: u128,
    layout: &'a Layout,
    diags: &'a mut Diagnostics,
    /// The previous item was `addis`/`addps`/`subis`/`oris` (§9.3).
    prev_sets_flags: bool,
    /// The operands of the instruction being matched: their spans and where
    /// their values came from, for diagnostics.
    ops: &'a [Operand],
    asked: Asked,
}

fn available_regs(target: &Target) -> u128 {
    let map = target.regmap();
    Reg::all().filter(|&r| map.phys(r).is_some()).fold(0, |bits, r| bits | 1u128 << r.0)
}

fn kind_name(k: Kinds) -> String {
    let mut parts = Vec::new();
    for (bit, name) in [
        (Kinds::GPR, "register"),
        (Kinds::FPR, "floating-point register"),
        (Kinds::IMM, "immediate"),
        (Kinds::ADDR, "address"),
        (Kinds::LABEL, "label"),
        (Kinds::STR, "string"),
    ] {
        if k.intersects(bit) {
            parts.push(name);
        }
    }
    if k.intersects(Kinds::DATA_LABEL) && !k.intersects(Kinds::LABEL) {
        parts.push("label");
    }
    match parts.len() {
        0 => "nothing".into(),
        1 => parts[0].into(),
        _ => format!("{} or {}", parts[..parts.len() - 1].join(", "), parts[parts.len() - 1]),
    }
}

fn value_kind(v: &Value) -> Kinds {
    match v {
        Value::Reg(r) => match r.class() {
            RegClass::Gpr => Kinds::GPR,
            RegClass::Fpr => Kinds::FPR,
        },
        Value::Imm(_) => Kinds::IMM,
        Value::Addr(_) => Kinds::ADDR,
        Value::Label { offset: 0, .. } => Kinds::LABEL | Kinds::DATA_LABEL,
        Value::Label { local: false, .. } => Kinds::DATA_LABEL,
        Value::Label { .. } => Kinds::NONE,
        Value::LabelDiff { .. } => Kinds::IMM,
        Value::Str(_) => Kinds::STR,
    }
}

fn describe_value(v: &Value) -> &'static str {
    match v {
        Value::Reg(r) if r.class() == RegClass::Fpr => "a floating-point register",
        Value::Reg(_) => "a register",
        Value::Imm(_) => "an immediate",
        Value::Addr(_) => "an address",
        Value::Label { offset: 0, .. } => "a label",
        Value::Label { .. } => "a label with an offset",
        Value::LabelDiff { .. } => "a label difference",
        Value::Str(_) => "a string",
    }
}

fn width_range(w: Width) -> Option<(i128, i128)> {
    let bits = w.normalize().bits()? as i128;
    if bits > 64 {
        return None;
    }
    Some((-(1i128 << (bits - 1)), (1i128 << bits) - 1))
}

impl<'a> Validator<'a> {
    fn err(&mut self, d: Diagnostic, chain: &Option<Rc<Frame>>) {
        self.diags.push(d.with_chain(chain.clone()));
    }

    /// An error about operand `i`, with where its value came from.
    fn operand_err(&mut self, i: usize, d: Diagnostic, chain: &Option<Rc<Frame>>) {
        let d = match self.ops.get(i).map(|o| &o.kind) {
            Some(OperandKind::Expr(e)) => fold::annotate(d, &e.via),
            _ => d,
        };
        self.err(d, chain);
    }

    fn instr(&mut self, m: Mnemonic, ops: &'a [Operand], span: Span, chain: &Option<Rc<Frame>>) -> Option<Instr> {
        let (id, mspan) = (m.id, m.span);
        let def = isa::isa().get(id);
        let mnemonic: &str = &def.name;
        let sets_flags = std::mem::replace(&mut self.prev_sets_flags, def.effects.contains(Effects::SETS_FLAGS));
        self.asked.avail |= 1 << AVAILS.iter().position(|a| *a == def.avail).unwrap_or(0);
        if !def.avail.on(self.target.arch, self.target.is_apple()) {
            self.asked.target_text = true;
            let where_ = match def.avail {
                isa::Avail::X86 => "it exists only on x86-64 targets",
                isa::Avail::Arm64 => "it exists only on ARM64 targets",
                isa::Avail::Apple => "it exists only on Apple (Mach-O) targets",
                _ => "it is reserved for back ends that offasm does not support (INSTRUCTIONS.md §19)",
            };
            self.err(
                Diagnostic::error("instruction-unavailable", mspan, format!("`{mnemonic}` is not available on {}", self.target.triple))
                    .with_label(where_)
                    .with_note(match alternative(mnemonic) {
                        Some(alt) => format!("use {alt} instead; guard target-specific code with `if X86_64`, `if ARM64`, …"),
                        None => "guard target-specific code with `if X86_64`, `if ARM64`, …".to_string(),
                    }),
                chain,
            );
            return None;
        }
        // Operands to values; every operand is checked even after a failure.
        let mut values = Vec::with_capacity(ops.len());
        let mut all_ok = true;
        for o in ops {
            match self.operand(o, chain) {
                Some(v) => values.push(v),
                None => all_ok = false,
            }
        }
        if !all_ok {
            return None;
        }
        self.ops = ops;
        self.match_form(id, def, mnemonic, mspan, values, span, sets_flags, chain)
    }

    /// Chooses the form the operands match and checks its rules.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn match_form(
        &mut self,
        id: InstrId,
        def: &'static InstrDef,
        mnemonic: &str,
        mspan: Span,
        values: Vec<Value>,
        span: Span,
        sets_flags: bool,
        chain: &Option<Rc<Frame>>,
    ) -> Option<Instr> {
        // The first form whose operand count and kinds all match.
        let n = values.len();
        let chosen = def.forms.iter().position(|f| f.accepts_count(n) && values.iter().enumerate().all(|(i, v)| self.kind_ok(f, i, v)));
        let Some(fi) = chosen else {
            self.no_form(def, mnemonic, &values, span, chain);
            return None;
        };
        let form = &def.forms[fi];
        let ops = self.ops;
        let mut ok = true;
        for (i, v) in values.iter().enumerate() {
            let spec = form.operand(i)?;
            ok &= self.ranges(mnemonic, i, v, spec.width, ops[i].span, chain);
        }
        for r in &form.rules {
            ok &= self.rule(r, mnemonic, &values, span, sets_flags, chain);
        }
        if def.effects.contains(Effects::WARN_MOVE_FROM_MEMORY) && matches!(values.first(), Some(Value::Addr(_))) {
            self.diags.push(
                Diagnostic::warning("move-from-memory", ops[0].span, "`move` from memory is a 64-bit load")
                    .with_note("write `loadq` (or `loadp`) to say so")
                    .with_chain(chain.clone()),
            );
        }
        if def.effects.contains(Effects::OPAQUE) {
            self.diags.push(
                Diagnostic::warning("emit-opaque", mspan, "`emit` text is not checked by offasm")
                    .with_note("the checkers assume it clobbers every register")
                    .with_chain(chain.clone()),
            );
        }
        ok.then(|| Instr { id, form: fi, operands: values, span, chain: chain.clone() })
    }

    /// Reports why no form matches: the operand count, or the first
    /// mismatching operand of the form that matched the longest prefix.
    #[cold]
    fn no_form(&mut self, def: &'static InstrDef, mnemonic: &str, values: &[Value], span: Span, chain: &Option<Rc<Frame>>) {
        let candidates = || def.forms.iter().filter(|f| f.accepts_count(values.len()));
        if candidates().next().is_none() {
            let mut counts: Vec<String> = def
                .forms
                .iter()
                .map(|f| if f.variadic { format!("{} or more", f.operands.len()) } else { f.operands.len().to_string() })
                .collect();
            counts.dedup();
            self.err(
                Diagnostic::error(
                    "operand-count",
                    span,
                    format!("`{mnemonic}` takes {} operand{}, got {}", counts.join(" or "), if counts == ["1"] { "" } else { "s" }, values.len()),
                )
                .with_label("wrong number of operands"),
                chain,
            );
            return;
        }
        // The earliest form with the longest matching prefix.
        let mut best: Option<(usize, &Form)> = None;
        for f in candidates() {
            let k = values.iter().enumerate().position(|(i, v)| !self.kind_ok(f, i, v)).unwrap_or(values.len());
            if best.is_none_or(|(bk, _)| k > bk) {
                best = Some((k, f));
            }
        }
        let Some((k, f)) = best else { return };
        let Some(spec) = f.operand(k) else { return };
        let ops = self.ops;
        if let Value::Str(_) = values[k] {
            let d = Diagnostic::error("string-operand", ops[k].span, format!("a string can only be an operand of `emit`, not of `{mnemonic}`"));
            self.operand_err(k, d, chain);
            return;
        }
        if let Value::LabelDiff { .. } = values[k] {
            let d = Diagnostic::error("label-arith", ops[k].span, "a label difference is only allowed on x86-64, as a `move` source or an address offset")
                .with_note("use `leap` or `pcrtoaddr` to get a label's address");
            self.operand_err(k, d, chain);
            return;
        }
        self.operand_err(
            k,
            Diagnostic::error(
                "operand-kind",
                ops[k].span,
                format!("operand {} of `{mnemonic}` must be {}, found {}", k + 1, article(&kind_name(spec.kinds)), describe_value(&values[k])),
            )
            .with_label(format!("expected {}", kind_name(spec.kinds)))
            .with_note(format!("forms of `{mnemonic}`: {}", forms_summary(mnemonic, def))),
            chain,
        );
    }

    fn kind_ok(&self, f: &Form, i: usize, v: &Value) -> bool {
        let Some(spec) = f.operand(i) else { return false };
        if let Value::LabelDiff { .. } = v {
            return self.target.arch == Arch::X86_64 && f.rules.contains(&Rule::AllowsLabelDifference(i));
        }
        spec.kinds.intersects(value_kind(v))
    }

    /// Immediate ranges at the operand's width (§10.1).
    #[inline]
    fn ranges(&mut self, m: &str, i: usize, v: &Value, w: Width, span: Span, chain: &Option<Rc<Frame>>) -> bool {
        let Value::Imm(n) = *v else { return true };
        match width_range(w) {
            Some((lo, hi)) if n < lo || n > hi => {
                self.imm_range_err(m, i, n, (lo, hi), span, chain);
                false
            }
            _ => true,
        }
    }

    #[cold]
    fn imm_range_err(&mut self, m: &str, i: usize, n: i128, (lo, hi): (i128, i128), span: Span, chain: &Option<Rc<Frame>>) {
        self.operand_err(
            i,
            Diagnostic::error("imm-range", span, format!("immediate {n} does not fit operand {} of `{m}`", i + 1))
                .with_label(format!("must lie in [{lo}, {hi}]")),
            chain,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn rule(&mut self, r: &Rule, m: &str, vals: &[Value], span: Span, flags: bool, chain: &Option<Rc<Frame>>) -> bool {
        let ops = self.ops;
        let at_op = |i: usize| ops[i].span;
        let reg = |i: usize| match vals.get(i) {
            Some(Value::Reg(r)) => Some(*r),
            _ => None,
        };
        let map = self.target.regmap();
        let (code, at, msg): (&'static str, Span, String) = match r {
            Rule::AtMostOneAddr => {
                let mut addrs = (0..vals.len()).filter(|&i| matches!(vals[i], Value::Addr(_)));
                let (Some(_), Some(second)) = (addrs.next(), addrs.next()) else { return true };
                ("operand-kind", at_op(second), format!("`{m}` takes at most one memory operand"))
            }
            Rule::NotBothImm(a, b) => {
                if !(matches!(vals.get(*a), Some(Value::Imm(_))) && matches!(vals.get(*b), Some(Value::Imm(_)))) {
                    return true;
                }
                ("operand-kind", span, format!("operands {} and {} of `{m}` cannot both be immediates", a + 1, b + 1))
            }
            Rule::Distinct(a, b) => {
                let (Some(x), Some(y)) = (vals.get(*a), vals.get(*b)) else { return true };
                let pairs = &mut self.asked.pairs;
                let mut same_phys = |p: Reg, q: Reg| {
                    pairs.insert((p, q));
                    map.phys(p).map(|x| x.name) == map.phys(q).map(|x| x.name)
                };
                let clash = match (x, y) {
                    (Value::Reg(p), Value::Reg(q)) => same_phys(*p, *q),
                    (Value::Reg(p), Value::Addr(ad)) | (Value::Addr(ad), Value::Reg(p)) => {
                        ad.base.is_some_and(|b| same_phys(*p, b)) || ad.index.is_some_and(|b| same_phys(*p, b))
                    }
                    _ => false,
                };
                if !clash {
                    return true;
                }
                ("operand-kind", at_op(*b), format!("operands {} and {} of `{m}` must be different registers on this target", a + 1, b + 1))
            }
            Rule::NotR0R1(i) => {
                let Some(p) = reg(*i) else { return true };
                self.asked.pairs.insert((p, Reg::R0));
                self.asked.pairs.insert((p, Reg::R1));
                let ph = map.phys(p).map(|x| x.name);
                if ph != map.phys(Reg::R0).map(|x| x.name) && ph != map.phys(Reg::R1).map(|x| x.name) {
                    return true;
                }
                ("operand-kind", at_op(*i), format!("the divisor of `{m}` cannot be `r0` or `r1` (here `{}` is one of them)", p.name()))
            }
            Rule::RaxOnX86(i) => {
                if self.target.arch != Arch::X86_64 {
                    return true;
                }
                let Some(p) = reg(*i) else { return true };
                self.asked.rax |= 1u128 << p.0;
                if map.phys(p).map(|x| x.name) == Some("rax") {
                    return true;
                }
                ("operand-kind", at_op(*i), format!("on x86-64 operand {} of `{m}` must be `t0` (it lives in rax)", i + 1))
            }
            Rule::ImmRange(i, lo, hi) => {
                let Some(Value::Imm(n)) = vals.get(*i) else { return true };
                if (*lo..=*hi).contains(n) {
                    return true;
                }
                ("imm-range", at_op(*i), format!("operand {} of `{m}` must lie in [{lo}, {hi}], got {n}", i + 1))
            }
            Rule::ZeroOffset(i) => {
                let Some(Value::Addr(a)) = vals.get(*i) else { return true };
                if a.offset == 0 && a.diff.is_none() {
                    return true;
                }
                ("operand-kind", at_op(*i), format!("the address of `{m}` must have offset 0"))
            }
            Rule::EvenCountOnArm64 => {
                if self.target.arch != Arch::Arm64 || vals.len().is_multiple_of(2) {
                    return true;
                }
                ("operand-count", span, format!("`{m}` needs an even number of registers on ARM64 (sp stays 16-byte aligned), got {}", vals.len()))
            }
            Rule::NoSp => {
                let Some(i) = (0..vals.len()).find(|&i| reg(i) == Some(Reg::SP)) else { return true };
                (
                    "operand-kind",
                    at_op(i),
                    format!("`{m}` cannot write `sp`: it moves `sp` itself (load the value into another register, then `move` it into `sp`)"),
                )
            }
            Rule::MaxArgRegs => {
                self.asked.arg_count = true;
                let max = map.int_arg_count();
                if vals.len() <= max {
                    return true;
                }
                // The message names the target.
                self.asked.target_text = true;
                (
                    "operand-count",
                    span,
                    format!(
                        "`{m}` takes at most {max} operands on {}, one per integer argument register (a0..a{}), got {}",
                        self.target.triple,
                        max - 1,
                        vals.len()
                    ),
                )
            }
            Rule::BfiWidth => {
                let (Some(Value::Imm(lsb)), Some(Value::Imm(w))) = (vals.get(1), vals.get(2)) else { return true };
                if *w >= 1 && *w <= 64 - *lsb {
                    return true;
                }
                ("imm-range", at_op(2), format!("`{m}` width must lie in [1, {}] for lsb {lsb}, got {w}", 64 - lsb))
            }
            Rule::FollowsFlagSetter => {
                if flags {
                    return true;
                }
                ("flags-not-set", span, format!("`{m}` must directly follow `addis`, `addps`, `subis` or `oris`"))
            }
            Rule::GlobalLabelOnly(i) => {
                let Some(Value::Label { local: true, .. }) = vals.get(*i) else { return true };
                ("operand-kind", at_op(*i), format!("operand {} of `{m}` must be a global label", i + 1))
            }
            Rule::LocalLabelOnly(i) => {
                let Some(Value::Label { local: false, .. }) = vals.get(*i) else { return true };
                ("operand-kind", at_op(*i), format!("operand {} of `{m}` must be a local label", i + 1))
            }
            Rule::LabelDefinedInOutput(_) | Rule::AllowsLabelDifference(_) => return true,
        };
        let mut d = Diagnostic::error(code, at, msg);
        if code == "flags-not-set" {
            d = d.with_note("flags are only defined right after a flag-setting instruction (INSTRUCTIONS.md §9.3)");
        }
        if *r == Rule::MaxArgRegs {
            let max = map.int_arg_count();
            d = d.with_label(format!("operand {} would go to a{max}, which this target does not have", max + 1)).with_note("integer argument registers: a0..a5 on x86-64 System V, a0..a3 on Windows x64, a0..a7 on ARM64");
        }
        match ops.iter().position(|o| o.span == at) {
            Some(i) => self.operand_err(i, d, chain),
            None => self.err(d, chain),
        }
        false
    }

    fn operand(&mut self, o: &Operand, chain: &Option<Rc<Frame>>) -> Option<Value> {
        match &o.kind {
            OperandKind::Expr(e) => {
                // Registers and numbers, most operands, need no general fold.
                if let ExprKind::Reg(r) = e.kind {
                    return self.check_reg(r, e, chain).then_some(Value::Reg(r));
                }
                if let Some(v) = fold::int_value(e, self.layout) {
                    return Some(Value::Imm(v));
                }
                let f = self.fold(e, chain)?;
                match f {
                    Folded::Int(v) => Some(Value::Imm(v)),
                    Folded::Reg(r) => self.check_reg(r, e, chain).then_some(Value::Reg(r)),
                    Folded::Label { name, local, offset } => {
                        let offset = self.offset(offset, e, chain)?;
                        Some(Value::Label { name, local, offset })
                    }
                    Folded::Diff { plus, minus, offset } => {
                        let offset = self.offset(offset, e, chain)?;
                        Some(Value::LabelDiff { plus, minus, offset })
                    }
                    Folded::Str(s) => Some(Value::Str(s)),
                }
            }
            OperandKind::Addr(a) => {
                let mut ok = true;
                let base = match &a.base {
                    Some(e) => self.addr_reg(e, "base", chain),
                    None => Some(None),
                };
                let index = match &a.index {
                    Some(e) => self.addr_reg(e, "index", chain),
                    None => Some(None),
                };
                if let Some(Some(r)) = index {
                    if r == Reg::SP {
                        self.err(Diagnostic::error("operand-kind", a.index.as_ref()?.span, "`sp` cannot be an index register"), chain);
                        ok = false;
                    }
                }
                let scale = match &a.scale {
                    None => Some(1u8),
                    Some(e) => match fold::int_value(e, self.layout).map(Folded::Int).or_else(|| self.fold(e, chain))? {
                        Folded::Int(s @ (1 | 2 | 4 | 8)) => Some(s as u8),
                        Folded::Int(s) => {
                            let d = Diagnostic::error("bad-scale", e.span, format!("scale must be 1, 2, 4 or 8, got {s}"));
                            self.err(fold::annotate(d, &e.via), chain);
                            None
                        }
                        _ => {
                            self.err(Diagnostic::error("bad-scale", e.span, "scale must be the integer 1, 2, 4 or 8"), chain);
                            None
                        }
                    },
                };
                let (offset, diff) = match &a.offset {
                    None => (0, None),
                    Some(e) => match fold::int_value(e, self.layout).map(Folded::Int).or_else(|| self.fold(e, chain))? {
                        Folded::Int(v) => (self.offset(v, e, chain)?, None),
                        Folded::Diff { plus, minus, offset } if self.target.arch == Arch::X86_64 => {
                            (self.offset(offset, e, chain)?, Some((plus, minus)))
                        }
                        Folded::Diff { .. } => {
                            self.err(
                                Diagnostic::error("label-arith", e.span, "a label difference is only allowed on x86-64 targets")
                                    .with_note("use `leap` or `pcrtoaddr` to get a label's address"),
                                chain,
                            );
                            return None;
                        }
                        other => {
                            let what = match other {
                                Folded::Reg(_) => "a register",
                                Folded::Str(_) => "a string",
                                _ => "a label",
                            };
                            self.err(
                                Diagnostic::error("operand-kind", e.span, format!("an address offset must be an integer, found {what}")),
                                chain,
                            );
                            return None;
                        }
                    },
                };
                let (base, index, scale) = (base?, index?, scale?);
                ok.then_some(Value::Addr(MemAddr { base, index, scale, offset, diff }))
            }
        }
    }

    #[inline]
    fn fold(&mut self, e: &Expr, chain: &Option<Rc<Frame>>) -> Option<Folded> {
        match fold(e, self.layout) {
            Ok(v) => Some(v),
            Err(Some(d)) => {
                self.err(*d, chain);
                None
            }
            Err(None) => None,
        }
    }

    fn offset(&mut self, v: i128, e: &Expr, chain: &Option<Rc<Frame>>) -> Option<i64> {
        if (-(1i128 << 31)..(1i128 << 31)).contains(&v) {
            return Some(v as i64);
        }
        self.err(
            Diagnostic::error("offset-range", e.span, format!("offset {v} is outside [-2^31, 2^31 - 1]")),
            chain,
        );
        None
    }

    fn addr_reg(&mut self, e: &Expr, what: &str, chain: &Option<Rc<Frame>>) -> Option<Option<Reg>> {
        let folded = match e.kind {
            ExprKind::Reg(r) => Folded::Reg(r),
            _ => self.fold(e, chain)?,
        };
        match folded {
            Folded::Reg(r) if r.class() == RegClass::Gpr => self.check_reg(r, e, chain).then_some(Some(r)),
            _ => {
                self.err(Diagnostic::error("operand-kind", e.span, format!("the {what} of an address must be a general-purpose register")), chain);
                None
            }
        }
    }

    #[inline]
    fn check_reg(&mut self, r: Reg, e: &Expr, chain: &Option<Rc<Frame>>) -> bool {
        self.asked.regs |= 1u128 << r.0;
        self.available & (1u128 << r.0) != 0 || self.unavailable_reg(r, e, chain)
    }

    #[cold]
    fn unavailable_reg(&mut self, r: Reg, e: &Expr, chain: &Option<Rc<Frame>>) -> bool {
        let map = self.target.regmap();
        self.asked.target_text = true;
        let class = r.class();
        let mut d = Diagnostic::error("register-unavailable", e.span, format!("register `{}` is not available on {}", r.name(), self.target.triple))
            .with_label("no physical register on this target")
            .with_note(format!(
                "available {} here: {}",
                if class == RegClass::Gpr { "general-purpose registers" } else { "floating-point registers" },
                describe_available(map, class)
            ));
        d = fold::annotate(d, &e.via);
        self.err(d, chain);
        false
    }
}

fn article(s: &str) -> String {
    let vowel = s.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {s}", if vowel { "an" } else { "a" })
}

fn forms_summary(m: &str, def: &InstrDef) -> String {
    def.forms
        .iter()
        .map(|f| {
            let ops: Vec<String> = f.operands.iter().map(|o| kind_name(o.kinds).replace(" or ", "|").replace(", ", "|")).collect();
            format!("`{m} {}{}`", ops.join(", "), if f.variadic { ", …" } else { "" })
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a target offers instead of an unavailable instruction.
fn alternative(m: &str) -> Option<&'static str> {
    Some(match m {
        "divi" | "divis" | "divq" | "divqs" => "`cdqi`/`cqoq` with `idivi`, `udivi`, `idivq`, `udivq` (dividend in r1:r0)",
        "cdqi" | "cqoq" | "idivi" | "udivi" | "idivq" | "udivq" => "`divi`, `divis`, `divq`, `divqs` (divisor first)",
        "loadpairq" | "loadpaird" => "two `loadq`/`loadd`",
        "storepairq" | "storepaird" => "two `storeq`/`stored`",
        "pcrtoaddr" | "globaladdr" => "`leap`",
        "smulli" => "`sxi2q` on both operands then `mulq`",
        "bfiq" => "`andq`/`lshiftq`/`orq`",
        "loadlinkacqb" | "loadlinkacqh" | "loadlinkacqi" | "loadlinkacqq" | "storecondrelb" | "storecondrelh" | "storecondreli"
        | "storecondrelq" => "the `atomic…` instructions",
        "remi" | "remis" | "remq" | "remqs" => "a division followed by `mul` and `sub`",
        _ => return None,
    })
}
