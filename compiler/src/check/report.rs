//! Findings rendered as diagnostics: each names the target, the logical
//! registers and the physical register, and points at the read, the write
//! that destroyed the value and the write that produced it.

use crate::diag::Diagnostic;
use crate::front::ast::Name;
use crate::source::{SourceMap, Span};
use crate::target::regs::Reg;
use crate::target::{RegMap, Target};
use crate::valid::{Item, Program};

use super::facts::{map_name, relation_on, Facts};
use super::state::{Content, Def, DefKind, Site, NO_SITE};
use super::transfer::{Finding, ReadKind, SHADOW_SPACE};

pub struct Reporter<'a> {
    pub prog: &'a Program,
    pub facts: &'a Facts,
    pub target: &'a Target,
    pub map: &'a SourceMap,
}

impl Reporter<'_> {
    fn span(&self, site: Site) -> Span {
        match &self.prog.items[site as usize] {
            Item::Instr(i) => i.span,
            Item::Label { span, .. } => *span,
        }
    }
    fn chain(&self, site: Site) -> Option<std::rc::Rc<crate::diag::Frame>> {
        match &self.prog.items[site as usize] {
            Item::Instr(i) => i.chain.clone(),
            Item::Label { .. } => None,
        }
    }
    /// "in expansion of `m` called at file:line:col" for a secondary site
    /// (secondary labels cannot carry their own expansion chain).
    fn origin(&self, site: Site) -> Option<String> {
        let chain = self.chain(site)?;
        Some(format!("in expansion of `{}` called at {}", chain.name, self.map.location(chain.call)))
    }
    /// The mnemonic of an instruction, the name of a label.
    fn item_name(&self, site: Site) -> String {
        match &self.prog.items[site as usize] {
            Item::Instr(i) => i.def().name.clone(),
            Item::Label { name, .. } => name.to_string(),
        }
    }
    /// The target of a jump out of a function ([`Finding`]'s `into`): a
    /// label item, or a jump naming an external symbol.
    fn exit_name(&self, site: Site) -> Name {
        match &self.prog.items[site as usize] {
            Item::Label { name, .. } => name.clone(),
            Item::Instr(i) => match i.operands.first() {
                Some(crate::valid::Value::Label { name, .. }) => name.clone(),
                _ => "?".into(),
            },
        }
    }
    /// Where `sp` is, for labels: "`sp` is the entry value − 8, which is 8 modulo 16".
    fn sp_position(delta: Option<i64>, align: u8) -> String {
        match delta {
            Some(0) => format!("`sp` is its entry value, which is {align} modulo 16"),
            Some(d) if d < 0 => format!("`sp` is the entry value − {}, which is {align} modulo 16", -d),
            Some(d) => format!("`sp` is the entry value + {d}, which is {align} modulo 16"),
            None => format!("`sp` is {align} modulo 16 here"),
        }
    }
    /// `x86_64-pc-windows-msvc (Windows x64)`.
    fn on(&self) -> String {
        format!("{} ({})", self.target.triple, map_name(self.facts.map))
    }
    fn phys_of(&self, r: Reg) -> &'static str {
        self.facts.phys(r).map_or("?", |p| self.facts.phys_name[p as usize])
    }
    /// Where `x` and `y` are different registers, for the "right there" note.
    fn elsewhere(&self, x: Reg, y: Reg) -> Option<String> {
        let parts: Vec<String> = RegMap::ALL
            .into_iter()
            .filter(|&m| m != self.facts.map)
            .filter_map(|m| Some((m, relation_on(m, x, y)?)))
            .filter(|(m, _)| m.phys(x) != m.phys(y))
            .map(|(m, rel)| format!("on {}, {rel}", map_name(m)))
            .collect();
        (!parts.is_empty()).then(|| format!("{}: different registers, so this code is only wrong on {}", parts.join("; "), self.target.triple))
    }
    fn write_what(&self, d: &Def) -> String {
        match d.kind {
            DefKind::Implicit => format!("`{}` writes `{}` implicitly", self.item_name(d.site), d.name.name()),
            DefKind::CallResult => format!("this call returns its result in `{}`", d.name.name()),
            _ => format!("`{}` written here", d.name.name()),
        }
    }
    fn hint(&self, reg: Reg, d: &Def) -> String {
        let arg = |r: Reg| Facts::arg_index(r).is_some();
        let r1 = |r: Reg| r == Reg::R1;
        if d.kind == DefKind::Implicit && (r1(d.name) || r1(reg)) {
            "`r1` is `t2` on System V but `t1` on Windows x64 and ARM64: keep no other value in `t1` or `t2` across x86 division or `cdqi`/`cqoq`, and read the remainder as `r1`".into()
        } else if d.kind == DefKind::Implicit && d.name == Reg::R0 {
            format!("`{}` writes the quotient to `r0` implicitly; read it as `r0` (or `t0`), since `{}` is another register on some targets", self.item_name(d.site), reg.name())
        } else if d.kind == DefKind::CallResult {
            format!("read the call's result as `{}`, and keep values that must survive the call in callee-saved registers (csrN)", d.name.name())
        } else if arg(d.name) && d.kind == DefKind::Implicit {
            format!("`{}` sets up the argument registers all at once: a value still needed after it (such as the function to call) must not be in a register that is an argument register on some target; keep it in a callee-saved register (csrN)", self.item_name(d.site))
        } else if arg(d.name) {
            "set up C arguments with one `moveargs` (a parallel move that cannot destroy its own sources), or keep the value in a callee-saved register (csrN) while arguments are set up".into()
        } else if arg(reg) {
            format!("use `{}` only after the last read of `{}` (or copy the argument to another register first): on some targets they are one register", d.name.name(), reg.name())
        } else {
            format!("use one name for the value from its write to its read: `{}` and `{}` are one register here but two elsewhere", reg.name(), d.name.name())
        }
    }
    pub fn diagnostic(&self, f: &Finding) -> Diagnostic {
        match f {
            Finding::AliasClobber { read, reg, def, how } => self.alias(*read, *reg, def, *how),
            Finding::CallClobber { read, reg, def } => self.call_clobber(*read, *reg, def),
            Finding::MisalignedCall { call, align, delta, entry } => {
                let at = Self::sp_position(*delta, *align);
                let mut d = Diagnostic::error(
                    "misaligned-call",
                    self.span(*call),
                    format!("`sp` is not 16-byte aligned at this call on {}", self.on()),
                )
                .with_label(format!("{at}; the C ABI requires 0 at a call"));
                if *entry != NO_SITE {
                    let at_entry = if self.facts.x86 { "8 modulo 16 (the caller's `call` pushed the return address)" } else { "16-byte aligned" };
                    d = d.with_secondary(self.span(*entry), format!("`{}` is entered with `sp` {at_entry}", self.item_name(*entry)));
                }
                let how = if self.facts.x86 {
                    "on x86-64 `sp` is 8 modulo 16 at a function's entry, so it needs an odd number of 8-byte pushes (or `subp 8`, `subp 24`, …) before a call"
                } else {
                    "on ARM64 `sp` must stay a multiple of 16: move it only in steps of 16"
                };
                d.with_note(format!("count the bytes pushed or subtracted from `sp` since the function's entry; {how}"))
                    .with_chain(self.chain(*call))
            }
            Finding::MisalignedStack { at, align, delta, entry } => {
                let at_sp = Self::sp_position(*delta, *align);
                let mut d = Diagnostic::error(
                    "misaligned-stack",
                    self.span(*at),
                    format!("`sp` is not 16-byte aligned where `{}` uses it as a base address on {}: the processor faults", self.item_name(*at), self.on()),
                )
                .with_label(at_sp);
                if *entry != NO_SITE {
                    d = d.with_secondary(self.span(*entry), format!("`{}` is entered with `sp` 16-byte aligned", self.item_name(*entry)));
                }
                d.with_note("ARM64 requires `sp` to be a multiple of 16 whenever it is used to address memory; x86-64 does not, so this code runs there: move `sp` only in steps of 16")
                    .with_chain(self.chain(*at))
            }
            Finding::MissingShadowSpace { call, slot, sp_delta } => {
                let off = slot.delta - sp_delta;
                let what = if slot.site == NO_SITE { "the return address".to_string() } else { "data".to_string() };
                let mut d = Diagnostic::error(
                    "missing-shadow-space",
                    self.span(*call),
                    format!("this call on {} may overwrite {what} at `{off}[sp]`: the callee owns the {SHADOW_SPACE} bytes above `sp`", self.on()),
                )
                .with_label("called without reserving the shadow space");
                if slot.site != NO_SITE {
                    d = d.with_secondary(self.span(slot.site), format!("`{}` stores it here; at the call it is at `{off}[sp]`, inside the shadow space", self.item_name(slot.site)));
                    if let Some(o) = self.origin(slot.site) {
                        d = d.with_note(format!("the `{}` is {o}", self.item_name(slot.site)));
                    }
                }
                d.with_note("a Windows x64 callee may write its four register arguments into [sp, sp + 32) (the shadow space); reserve it with `subp 32, sp` before the call and `addp 32, sp` after, or use the prelude's cCall2/cCall4")
                    .with_chain(self.chain(*call))
            }
            Finding::CalleeSavedClobbered { at, phys, content, writer, entry, into } => {
                self.callee_saved(*at, *phys, *content, writer.as_ref(), *entry, into.map(|s| self.exit_name(s)).as_ref())
            }
            Finding::UnbalancedStack { at, delta, entry, into } => {
                let (n, dir) = if *delta < 0 { (-delta, "below") } else { (*delta, "above") };
                let what = match into {
                    None => "at this `ret`".to_string(),
                    Some(s) => format!("at this tail jump to `{}`", self.exit_name(*s)),
                };
                Diagnostic::error("unbalanced-stack", self.span(*at), format!("`sp` is {n} bytes {dir} its value at the function's entry {what} on {}", self.on()))
                    .with_label(format!("`sp` is the entry value {}{}", if *delta < 0 { "− " } else { "+ " }, n))
                    .with_secondary(self.span(*entry), format!("`{}` starts here", self.item_name(*entry)))
                    .with_note("every `push` needs its `pop` and every `subp …, sp` its `addp …, sp` before the function returns or tail-jumps to another function")
                    .with_chain(self.chain(*at))
            }
        }
    }

    fn alias(&self, read: Site, reg: Reg, def: &Def, how: ReadKind) -> Diagnostic {
        let phys = self.phys_of(reg);
        let (message, label) = match how {
            ReadKind::CallArgument => (
                format!("argument `{}` is destroyed before this call on {}: `{}` is written after it, and both are `{phys}` there", reg.name(), self.on(), def.name.name()),
                format!("`{}` is passed here", reg.name()),
            ),
            ReadKind::Implicit => (
                format!("`{}` reads `{}` implicitly here, but on {} it holds the value written to `{}` (both are `{phys}` there)", self.item_name(read), reg.name(), self.on(), def.name.name()),
                format!("`{}` reads `{}` here", self.item_name(read), reg.name()),
            ),
            ReadKind::Operand => (
                format!("`{}` is read here, but on {} it holds the value written to `{}` (both are `{phys}` there)", reg.name(), self.on(), def.name.name()),
                format!("`{}` read here", reg.name()),
            ),
        };
        let mut d = Diagnostic::error("alias-clobber", self.span(read), message)
            .with_label(label)
            .with_secondary(self.span(def.site), format!("{}: this destroys `{}` on {}", self.write_what(def), reg.name(), self.target.triple));
        if let Some(o) = self.origin(def.site).filter(|_| self.chain(def.site).map(|c| c.call) != self.chain(read).map(|c| c.call)) {
            d = d.with_note(format!("the write to `{}` is {o}", def.name.name()));
        }
        if def.victim != NO_SITE && def.victim_name.get() == Some(reg) && def.victim != read {
            d = d.with_secondary(self.span(def.victim), format!("`{}` written here", reg.name()));
        }
        if let Some(n) = self.elsewhere(reg, def.name) {
            d = d.with_note(n);
        }
        d.with_note(format!("help: {}", self.hint(reg, def))).with_chain(self.chain(read))
    }

    fn call_clobber(&self, read: Site, reg: Reg, def: &Def) -> Diagnostic {
        let phys = self.phys_of(reg);
        let mut d = Diagnostic::error(
            "call-clobber",
            self.span(read),
            format!("`{}` is read after a call that may change it on {}: `{phys}` is caller-saved there", reg.name(), self.on()),
        )
        .with_label(format!("`{}` read here", reg.name()))
        .with_secondary(self.span(def.site), format!("this call may change `{phys}`"));
        if def.victim != NO_SITE && def.victim != read {
            d = d.with_secondary(self.span(def.victim), format!("`{}` written here, before the call", def.victim_name.get().unwrap_or(reg).name()));
        } else if def.victim == NO_SITE && reg != Reg::R1 {
            d = d.with_note(format!("`{}` held its value from the function's entry", reg.name()));
        }
        if let Some(o) = self.origin(def.site).filter(|_| self.chain(def.site).map(|c| c.call) != self.chain(read).map(|c| c.call)) {
            d = d.with_note(format!("the call is {o}"));
        }
        let saved_elsewhere: Vec<&str> = RegMap::ALL
            .into_iter()
            .filter(|&m| m != self.facts.map && m.phys(reg).is_some() && m.is_callee_saved(reg))
            .map(map_name)
            .collect();
        if !saved_elsewhere.is_empty() {
            d = d.with_note(format!("on {} `{}` is preserved by calls, so this code is only wrong on {}", saved_elsewhere.join(" and "), reg.name(), self.target.triple));
        }
        if reg == Reg::R1 && self.facts.map == RegMap::Win64 {
            d = d.with_note("on x86-64 System V and ARM64 `r1` holds a C function's second result word, but Windows x64 returns one register (`r0`): wider results come back through memory, so this code is only wrong on Windows x64");
        }
        d.with_note("help: keep values that must survive a call in callee-saved registers (csrN) or on the stack; only `r0`, `fr` (and `r1` outside Windows x64) hold a call's result")
            .with_chain(self.chain(read))
    }

    fn callee_saved(&self, at: Site, phys: u8, content: Content, writer: Option<&Def>, entry: Site, into: Option<&Name>) -> Diagnostic {
        let names: Vec<String> = self.facts.names_of(phys).iter().map(|r| format!("`{}`", r.name())).collect();
        let pname = self.facts.phys_name[phys as usize];
        let is_lr = Some(phys) == self.facts.lr;
        let is_cfr = self.facts.phys(Reg::CFR) == Some(phys);
        let fpr = self.facts.names_of(phys).first().is_some_and(|r| r.class() == crate::target::RegClass::Fpr);
        let what = match into {
            None => "this `ret`".to_string(),
            Some(l) => format!("this tail jump to `{l}`"),
        };
        let message = if is_lr {
            format!("the return address in `lr` (`{pname}`) was overwritten before {what} on {}", self.on())
        } else {
            format!("{} (`{pname}`) does not hold its entry value at {what} on {}", names.join("/"), self.on())
        };
        let mut d = Diagnostic::error("callee-saved-clobbered", self.span(at), message).with_label(if into.is_some() { "jumps here" } else { "returns here" });
        match (writer, content) {
            (Some(w), _) if w.site != NO_SITE => {
                let why = if is_lr { format!("`{}` writes `lr`", self.item_name(w.site)) } else { format!("`{}` written here by `{}`", w.name.name(), self.item_name(w.site)) };
                d = d.with_secondary(self.span(w.site), why);
                if let Some(o) = self.origin(w.site) {
                    d = d.with_note(format!("the write is {o}"));
                }
            }
            (_, Content::Other(s)) if s != NO_SITE => {
                d = d.with_secondary(self.span(s), format!("written here by `{}`", self.item_name(s)));
            }
            _ => {}
        }
        if let Content::Entry(q) = content {
            let qn: Vec<String> = self.facts.names_of(q).iter().map(|r| format!("`{}`", r.name())).collect();
            let pops = self.facts.callee_saved.contains(&q) && matches!(writer, Some(w) if w.site != NO_SITE && self.item_name(w.site) == "pop");
            let mut n = format!("it holds the value {} (`{}`) had at the function's entry instead", qn.join("/"), self.facts.phys_name[q as usize]);
            if pops {
                n.push_str(": are the pops in the reverse order of the pushes?");
            }
            d = d.with_note(n);
        }
        d = d.with_secondary(self.span(entry), format!("`{}` starts here", self.item_name(entry)));
        let note = if is_lr {
            "a `call` writes `lr` on ARM64: save it first (`push cfr, lr`, the prelude's functionPrologue) and restore it before returning".to_string()
        } else if is_cfr {
            format!("restore `cfr` before leaving (`pop cfr` on x86-64, `pop lr, cfr` on ARM64: the prelude's functionEpilogue); the C ABI of {} requires `{pname}` to be preserved", self.target.triple)
        } else {
            let how = if fpr {
                "save it on the stack before changing it (e.g. `subp 16, sp` + `stored`, then `loadd` + `addp 16, sp`)"
            } else {
                "save it before changing it (push/pop, or the prelude's pushCalleeSaves/popCalleeSaves for csr0–csr3)"
            };
            let temps: Vec<String> = RegMap::ALL
                .into_iter()
                .filter(|&m| m != self.facts.map)
                .filter_map(|m| {
                    let others: Vec<&str> = self.facts.names_of(phys).iter().filter(|&&r| m.phys(r).is_some() && !m.is_callee_saved(r)).map(|r| r.name()).collect();
                    (!others.is_empty()).then(|| format!("{} on {}", others.join("/"), map_name(m)))
                })
                .collect();
            let mut n = format!("the C ABI of {} requires `{pname}` to be preserved: {how}", self.target.triple);
            if !temps.is_empty() {
                n.push_str(&format!("; it is a caller-saved temporary elsewhere ({})", temps.join(", ")));
            }
            n
        };
        d.with_note(note).with_chain(self.chain(at))
    }
}
