//! What one instruction does to the abstract state, read from the
//! instruction table (operand access, implicit effects, the semantic `Op`
//! for stack-pointer arithmetic and stack slots), and the findings it
//! produces on the way.

use crate::isa::{Effects, Op, Width};
use crate::target::regs::{Reg, RegClass};

use super::effect::{InstrEffect, Mem, Operand, Slot as OperandSlot};
use super::facts::{Facts, Phys};
use super::Analysis;
use super::state::{Content, Def, DefKind, DefSet, MaybeReg, RegState, Site, Slot, State, NO_SITE};

/// Windows x64: the callee owns this many bytes above `sp` at a call.
pub const SHADOW_SPACE: i64 = 32;

/// A problem found at one instruction on this target.
#[derive(Clone, Debug)]
pub enum Finding {
    /// `reg` is read at `read` but the reaching write `def` went through
    /// another name that is the same register here only.
    AliasClobber { read: Site, reg: Reg, def: Def, how: ReadKind },
    /// `reg` is read at `read` after the call `def.site` destroyed it.
    CallClobber { read: Site, reg: Reg, def: Def },
    MisalignedCall { call: Site, align: u8, delta: Option<i64>, entry: Site },
    /// ARM64: `sp` is used as a base address (a load, store, push or pop)
    /// while it is not 16-byte aligned; the hardware faults.
    MisalignedStack { at: Site, align: u8, delta: Option<i64>, entry: Site },
    /// Live data in `slot` lies inside the callee's shadow space.
    MissingShadowSpace { call: Site, slot: Slot, sp_delta: i64 },
    /// At a return (or a tail jump, `into`), `phys` does not hold its
    /// entry value; `writer` is the last write of the register, when known.
    CalleeSavedClobbered { at: Site, phys: Phys, content: Content, writer: Option<Def>, entry: Site, into: Option<Site> },
    UnbalancedStack { at: Site, delta: i64, entry: Site, into: Option<Site> },
}

/// How a register is read.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReadKind {
    Operand,
    /// An implicit read of the instruction (`r0`/`r1` of x86 division).
    Implicit,
    /// The argument register `aN`, set up earlier, passed to a call.
    CallArgument,
}

pub struct Machine<'a> {
    pub an: &'a Analysis<'a>,
    /// Where findings go (`None`: not collected, as for callee summaries).
    pub findings: Option<Vec<Finding>>,
    /// The join of the states at the `ret`s run so far (for summaries).
    pub at_return: Option<State>,
    /// Scratch: the registers before an internal call.
    pub saved_regs: Vec<RegState>,
}

fn reg(v: &OperandSlot) -> Option<Reg> {
    match v.value {
        Operand::Reg(r) => Some(r),
        _ => None,
    }
}

fn imm(v: &OperandSlot) -> Option<i64> {
    match v.value {
        Operand::Imm { value, fits: true } => Some(value),
        _ => None,
    }
}

impl Machine<'_> {
    fn facts(&self) -> &Facts {
        self.an.facts
    }

    fn report(&mut self, f: Finding) {
        if let Some(list) = &mut self.findings {
            list.push(f);
        }
    }

    fn read(&mut self, st: &State, r: Reg, site: Site) {
        self.read_as(st, r, site, ReadKind::Operand)
    }

    fn read_as(&mut self, st: &State, r: Reg, site: Site, how: ReadKind) {
        let Some(p) = self.facts().phys(r) else { return };
        for d in st.regs[p as usize].defs.iter() {
            match d.kind {
                DefKind::Named | DefKind::Implicit | DefKind::CallResult if d.also.get() != Some(r) && self.facts().hazard(r, d.name) => {
                    self.report(Finding::AliasClobber { read: site, reg: r, def: *d, how });
                }
                DefKind::CallClobber if d.victim_name.get().is_some() => {
                    self.report(Finding::CallClobber { read: site, reg: r, def: *d });
                }
                _ => {}
            }
        }
    }

    fn content(&self, st: &State, v: &OperandSlot, site: Site) -> Content {
        match v.value {
            Operand::Reg(r) => self.facts().phys(r).map_or(Content::Unknown, |p| st.regs[p as usize].content),
            _ => Content::Other(site),
        }
    }

    /// The entry-relative address of a stack operand `m` (plus `extra`
    /// bytes), if known.
    fn stack_addr_at(&self, st: &State, m: &Mem, extra: i64) -> Option<i64> {
        if !m.plain {
            return None;
        }
        let p = self.facts().phys(m.base?)?;
        st.regs[p as usize].content.stack_delta()?.checked_add(m.offset)?.checked_add(extra)
    }

    fn stack_addr(&self, st: &State, m: &Mem) -> Option<i64> {
        self.stack_addr_at(st, m, 0)
    }

    fn write(&mut self, st: &mut State, r: Reg, kind: DefKind, site: Site, content: Content) {
        let Some(p) = self.facts().phys(r) else { return };
        let old = &st.regs[p as usize].defs;
        let mut d = Def::new(kind, r, site);
        if let Some(v) = old.victim() {
            d.victim = v.site;
            d.victim_name = MaybeReg::some(if v.kind == DefKind::Entry { r } else { v.name });
            // Writing the value the register already holds destroys nothing:
            // it stays readable through the name it was written through.
            if content.is_known() && content == st.regs[p as usize].content && matches!(v.kind, DefKind::Named | DefKind::Implicit) {
                d.also = MaybeReg::some(v.name);
            }
        }
        st.regs[p as usize].defs = DefSet::one(d);
        st.regs[p as usize].content = content;
        if let Some(n) = Facts::arg_index(r) {
            st.args_set |= 1 << n;
        }
        if p == self.facts().sp {
            if let Some(delta) = content.stack_delta() {
                st.drop_slots_below(delta);
            }
        }
    }

    fn set_sp(&mut self, st: &mut State, c: Content) {
        let sp = self.facts().sp;
        st.regs[sp as usize].content = c;
        if let Some(d) = c.stack_delta() {
            st.drop_slots_below(d);
        }
    }

    /// The new content of a register written by `i` (before the write).
    fn result(&self, st: &State, i: &InstrEffect, ops: &[OperandSlot], dest: usize, site: Site) -> Content {
        let q = i.width.normalize() == Width::Q;
        let other = Content::Other(site);
        match (i.op, ops.len()) {
            (Op::Move, 2) if dest == 1 => match ops[0].value {
                Operand::Reg(_) => self.content(st, &ops[0], site),
                Operand::Imm { value, fits: true } => Content::Imm(value),
                Operand::Imm { .. } => other,
                Operand::Mem(m) => self.load_slot(st, &m, 64, site),
                _ => other,
            },
            (Op::Load { .. }, 2) => match ops[0].value {
                Operand::Mem(m) => self.load_slot(st, &m, i.width.bits().unwrap_or(0), site),
                _ => other,
            },
            (Op::Peek, 2) => {
                let at = imm(&ops[0]).and_then(|n| st.sp_content(self.facts().sp).stack_delta()?.checked_add(n.checked_mul(8)?));
                at.and_then(|a| st.slot(a)).map_or(Content::Unknown, |s| s.content)
            }
            (Op::Add | Op::Sub, 2) if q => {
                let sign = if i.op == Op::Sub { -1 } else { 1 };
                imm(&ops[0]).and_then(|k| self.content(st, &ops[1], site).offset(k.checked_mul(sign)?)).unwrap_or(other)
            }
            (Op::Add, 3) if q => match (imm(&ops[0]), imm(&ops[1])) {
                (Some(k), None) => self.content(st, &ops[1], site).offset(k).unwrap_or(other),
                (None, Some(k)) => self.content(st, &ops[0], site).offset(k).unwrap_or(other),
                _ => other,
            },
            (Op::Sub, 3) if q => match imm(&ops[1]) {
                Some(k) => k.checked_neg().and_then(|k| self.content(st, &ops[0], site).offset(k)).unwrap_or(other),
                None => other,
            },
            (Op::And, 2) if q => match (imm(&ops[0]), self.content(st, &ops[1], site)) {
                // Rounding a stack pointer down to a multiple of 16 or more.
                (Some(m), Content::Stack { .. }) if m < 0 && (m as u64).trailing_zeros() >= 4 && (-m as u64).is_power_of_two() => {
                    Content::Stack { delta: None, align: Some(0) }
                }
                _ => other,
            },
            (Op::Lea | Op::PcRelAddr | Op::GlobalAddr, 2) if matches!(ops[0].value, Operand::Label { offset_zero: true, .. }) => match ops[0].value {
                Operand::Label { item: Some(k), .. } => Content::Code(k as Site),
                _ => other,
            },
            (Op::Lea, 2) if q => match ops[0].value {
                Operand::Mem(m) if m.plain => m
                    .base
                    .and_then(|b| self.facts().phys(b))
                    .and_then(|p| st.regs[p as usize].content.offset(m.offset))
                    .unwrap_or(other),
                _ => other,
            },
            _ => other,
        }
    }

    fn load_slot(&self, st: &State, m: &Mem, bits: u32, site: Site) -> Content {
        self.load_slot_at(st, m, 0, bits, site)
    }

    fn load_slot_at(&self, st: &State, m: &Mem, extra: i64, bits: u32, site: Site) -> Content {
        match self.stack_addr_at(st, m, extra) {
            Some(a) if bits == 64 => st.slot(a).map_or(Content::Other(site), |s| s.content),
            _ => Content::Other(site),
        }
    }

    fn store_slot(&self, st: &mut State, m: &Mem, content: Content, bits: u32, site: Site) {
        self.store_slot_at(st, m, 0, content, bits, site)
    }

    fn store_slot_at(&self, st: &mut State, m: &Mem, extra: i64, content: Content, bits: u32, site: Site) {
        if let Some(a) = self.stack_addr_at(st, m, extra) {
            st.set_slot(a, if bits == 64 { content } else { Content::Other(site) }, site);
        }
    }

    /// The label item a `call` goes to, when it is known.
    fn call_target(&self, st: &State, ops: &[OperandSlot]) -> Option<usize> {
        let first = ops.first()?;
        match first.value {
            Operand::Label { item, .. } => item.map(|k| k as usize),
            Operand::Reg(_) => match self.content(st, first, 0) {
                Content::Code(k) => Some(k as usize),
                _ => None,
            },
            Operand::Mem(m) => match self.stack_addr(st, &m).and_then(|a| st.slot(a)) {
                Some(Slot { content: Content::Code(k), .. }) => Some(*k as usize),
                _ => None,
            },
            _ => None,
        }
    }

    /// A call of code in this file: what the callee does (its summary)
    /// instead of the C convention.
    fn call_known(&mut self, st: &mut State, ret: &State, site: Site) {
        let f = self.an.facts;
        // The caller's registers, kept in a buffer reused across calls.
        let mut before = std::mem::take(&mut self.saved_regs);
        before.clone_from(&st.regs);
        let caller_sp = before[f.sp as usize].content;
        // The callee's stack offsets are relative to its entry sp, which is
        // the caller's sp minus the return address on x86-64.
        let callee_base = if f.x86 { caller_sp.offset(-8) } else { Some(caller_sp) };
        let map_content = |c: Content| match c {
            Content::Entry(q) => before[q as usize].content,
            Content::Stack { delta: Some(d), .. } => callee_base.and_then(|b| b.offset(d)).unwrap_or(Content::Unknown),
            Content::Stack { .. } => Content::Unknown,
            c => c,
        };
        for (p, saved) in before.iter().enumerate() {
            let r = &ret.regs[p];
            if r.content == Content::Entry(p as Phys) || p == f.sp as usize {
                continue;
            }
            let mut defs = DefSet::default();
            for d in r.defs.iter() {
                if d.kind == DefKind::Entry {
                    defs.join(&saved.defs);
                } else if d.kind == DefKind::CallClobber && d.victim == NO_SITE && d.victim_name.get().is_some() {
                    // It destroyed the value the register had when called: the caller's.
                    let mut d = *d;
                    match saved.defs.victim() {
                        Some(v) if v.kind != DefKind::Entry => {
                            d.victim = v.site;
                            d.victim_name = MaybeReg::some(v.name);
                        }
                        Some(_) => {}
                        None => d.victim_name = MaybeReg::NONE,
                    }
                    defs.join(&DefSet::one(d));
                } else {
                    defs.join(&DefSet::one(*d));
                }
            }
            st.regs[p].defs = defs;
            st.regs[p].content = map_content(r.content);
        }
        // After `ret`, sp is back where the callee's return left it.
        let sp = match ret.sp_content(f.sp) {
            Content::Stack { delta: Some(d), .. } => caller_sp.offset(d).unwrap_or(Content::Unknown),
            _ => Content::Unknown,
        };
        self.set_sp(st, sp);
        if let Some(lr) = f.lr {
            let mut d = Def::new(DefKind::CallClobber, Reg::LR, site);
            if let Some(v) = before[lr as usize].defs.victim() {
                d.victim = v.site;
                d.victim_name = MaybeReg::some(if v.kind == DefKind::Entry { Reg::LR } else { v.name });
            }
            st.regs[lr as usize].defs = DefSet::one(d);
            st.regs[lr as usize].content = Content::Other(site);
        }
        self.saved_regs = before;
    }

    /// Checks at a `call`, then the call's effects.
    fn call(&mut self, st: &mut State, ops: &[OperandSlot], site: Site) {
        if let Some(k) = self.call_target(st, ops) {
            if let Some(ret) = self.an.summary(k) {
                self.call_known(st, &ret, site);
                return;
            }
        }
        let f = self.an.facts;
        for n in 0..8 {
            if st.args_set & (1 << n) == 0 {
                continue;
            }
            let Some(&a) = f.args.get(n) else { continue };
            let Some(p) = f.phys(a) else { continue };
            for d in st.regs[p as usize].defs.iter() {
                if matches!(d.kind, DefKind::Named | DefKind::Implicit | DefKind::CallResult) && d.also.get() != Some(a) && f.hazard(a, d.name) {
                    self.report(Finding::AliasClobber { read: site, reg: a, def: *d, how: ReadKind::CallArgument });
                }
            }
        }
        let sp = st.sp_content(f.sp);
        if let Content::Stack { align: Some(a), delta } = sp {
            if a != 0 {
                self.report(Finding::MisalignedCall { call: site, align: a, delta, entry: st.entry });
            }
        }
        if f.map == crate::target::RegMap::Win64 {
            if let Some(d) = sp.stack_delta() {
                let live: Vec<Slot> = st.slots.iter().filter(|s| s.delta >= d && s.delta < d + SHADOW_SPACE).copied().collect();
                if let Some(s) = live.first() {
                    self.report(Finding::MissingShadowSpace { call: site, slot: *s, sp_delta: d });
                }
                // The callee may have overwritten them.
                st.slots.retain(|s| s.delta < d || s.delta >= d + SHADOW_SPACE);
            }
        }
        for &p in &f.caller_saved {
            let r = &mut st.regs[p as usize];
            let d = match f.result_in[p as usize] {
                Some(name) => Def::new(DefKind::CallResult, name, site),
                None => {
                    let mut d = Def::new(DefKind::CallClobber, Reg(0), site);
                    if let Some(v) = r.defs.victim() {
                        d.victim = v.site;
                        d.victim_name = MaybeReg::some(if v.kind == DefKind::Entry { f.first_name[p as usize] } else { v.name });
                    } else if let Some(c) = r.defs.iter().find(|c| c.kind == DefKind::CallClobber && c.victim_name.get().is_some()) {
                        // Destroyed by an earlier call already: the value is still the one lost.
                        d.victim = c.victim;
                        d.victim_name = c.victim_name;
                    }
                    d
                }
            };
            r.defs = DefSet::one(d);
            r.content = Content::Other(site);
        }
        st.args_set = 0;
    }

    /// ARM64 faults when a misaligned `sp` is the base of a memory access.
    fn check_sp_base(&mut self, st: &State, i: &InstrEffect, ops: &[OperandSlot], site: Site) {
        let f = self.an.facts;
        let fx = i.fx;
        let uses_sp = fx.contains(Effects::PUSHES)
            || fx.contains(Effects::POPS)
            || fx.contains(Effects::READS_SP)
            || ops.iter().any(|v| matches!(v.value, Operand::Mem(m) if m.base.and_then(|b| f.phys(b)) == Some(f.sp)));
        if let (true, Content::Stack { align: Some(a), delta }) = (uses_sp, st.sp_content(f.sp)) {
            if a != 0 {
                self.report(Finding::MisalignedStack { at: site, align: a, delta, entry: st.entry });
            }
        }
    }

    /// A return from, or a jump out of, a C-ABI function; `into` names the
    /// jump's target: the label item of a C-ABI entry jumped to, or the jump
    /// itself when it goes to an external symbol (the report reads the name).
    pub fn leave(&mut self, st: &State, site: Site, into: Option<Site>) {
        if st.entry == NO_SITE {
            return;
        }
        let f = self.an.facts;
        if let Some(d) = st.sp_content(f.sp).stack_delta() {
            if d != 0 {
                self.report(Finding::UnbalancedStack { at: site, delta: d, entry: st.entry, into });
            }
        }
        let lr = if into.is_none() { f.lr } else { None };
        for &p in f.callee_saved.iter().chain(lr.iter()) {
            if p == f.sp {
                continue;
            }
            let c = st.regs[p as usize].content;
            if c != Content::Entry(p) && c != Content::Unknown {
                let writer = st.regs[p as usize].defs.iter().find(|d| matches!(d.kind, DefKind::Named | DefKind::Implicit)).copied();
                self.report(Finding::CalleeSavedClobbered { at: site, phys: p, content: c, writer, entry: st.entry, into });
            }
        }
    }

    /// Applies instruction `i` to `st`.
    pub fn step(&mut self, st: &mut State, i: &InstrEffect) {
        let code = self.an.code;
        let ops = code.operands(i);
        let site = i.site;
        let fx = i.fx;
        // Reads happen before writes.
        for &r in code.reads(i) {
            self.read(st, r, site);
        }
        if !self.facts().x86 {
            self.check_sp_base(st, i, ops, site);
        }
        if fx.contains(Effects::READS_R0) {
            self.read_as(st, Reg::R0, site, ReadKind::Implicit);
        }
        if fx.contains(Effects::READS_R1) {
            self.read_as(st, Reg::R1, site, ReadKind::Implicit);
        }
        if fx.contains(Effects::OPAQUE) {
            let entry = st.entry;
            *st = State::unknown(self.facts().num_phys);
            st.entry = entry;
            return;
        }
        if fx.contains(Effects::CALL) {
            self.call(st, ops, site);
            return;
        }
        if fx.contains(Effects::RETURN) {
            self.leave(st, site, None);
            match &mut self.at_return {
                Some(r) => {
                    r.join(st);
                }
                None => self.at_return = Some(st.clone()),
            }
            return;
        }
        if fx.contains(Effects::TERMINATOR) && fx.contains(Effects::BRANCH) {
            // A jump to an external symbol leaves the function: a tail call.
            if let Some(Operand::Label { item: None, local: false, .. }) = ops.first().map(|v| v.value) {
                self.leave(st, site, Some(site));
            }
        }
        if fx.contains(Effects::PUSHES) {
            self.push(st, ops, site);
            return;
        }
        if fx.contains(Effects::POPS) {
            self.pop(st, ops, site);
            return;
        }
        if fx.contains(Effects::WRITES_ARGS) {
            let contents: Vec<Content> = ops.iter().map(|v| self.content(st, v, site)).collect();
            for (n, c) in contents.into_iter().enumerate() {
                if let Some(&a) = self.facts().args.get(n) {
                    self.write(st, a, DefKind::Implicit, site, c);
                }
            }
        }
        // Memory written at a known stack address.
        match i.op {
            Op::Store | Op::StorePair => {
                let bits = i.width.bits().unwrap_or(0);
                let (srcs, m) = ops.split_at(ops.len() - 1);
                if let Operand::Mem(m) = m[0].value {
                    for (k, s) in srcs.iter().enumerate() {
                        let c = self.content(st, s, site);
                        self.store_slot_at(st, &m, k as i64 * (bits as i64 / 8), c, bits, site);
                    }
                }
            }
            Op::Poke => {
                let at = match (imm(&ops[1]), st.sp_content(self.facts().sp).stack_delta()) {
                    (Some(n), Some(d)) => n.checked_mul(8).and_then(|n| d.checked_add(n)),
                    _ => None,
                };
                if let Some(a) = at {
                    let c = self.content(st, &ops[0], site);
                    st.set_slot(a, c, site);
                }
            }
            _ if i.writes_mem => {
                for v in ops {
                    if let (Operand::Mem(m), Some(access)) = (v.value, v.access) {
                        if access.writes() {
                            self.store_slot(st, &m, Content::Other(site), 0, site);
                        }
                    }
                }
            }
            _ => {}
        }
        // Registers written: contents first (they may read each other).
        // At most three registers are written by one instruction.
        let mut writes = [(Reg(0), Content::Unknown); 4];
        let mut nw = 0;
        for (k, v) in ops.iter().enumerate().filter(|_| i.writes_reg) {
            let (Some(r), Some(access)) = (reg(v), v.access) else { continue };
            if access.writes() {
                // A copy between two names of one register (`move t0, a0` on
                // ARM64) leaves the value readable through both names.
                if let (Op::Move, Some(Operand::Reg(src))) = (i.op, ops.first().map(|v| v.value)) {
                    if k == 1 && self.facts().phys(src).is_some() && self.facts().phys(src) == self.facts().phys(r) {
                        let c = self.content(st, &ops[0], site);
                        self.write(st, r, DefKind::Named, site, c);
                        if let Some(p) = self.facts().phys(r) {
                            let mut d = *st.regs[p as usize].defs.iter().next().expect("just written");
                            d.also = MaybeReg::some(src);
                            st.regs[p as usize].defs = DefSet::one(d);
                        }
                        continue;
                    }
                }
                let c = if i.op == Op::LoadPair {
                    match ops[0].value {
                        Operand::Mem(m) => {
                            let bits = i.width.bits().unwrap_or(0);
                            self.load_slot_at(st, &m, (k as i64 - 1) * (bits as i64 / 8), if r.class() == RegClass::Gpr { bits } else { 0 }, site)
                        }
                        _ => Content::Other(site),
                    }
                } else {
                    self.result(st, i, ops, k, site)
                };
                if nw < writes.len() {
                    writes[nw] = (r, c);
                    nw += 1;
                }
            }
        }
        // `Other(site)` names the one value an instruction computes; one that
        // writes several registers computes several values.
        let implicit = usize::from(fx.contains(Effects::WRITES_R0)) + usize::from(fx.contains(Effects::WRITES_R1));
        let several = |c: Content| if nw + implicit > 1 && c == Content::Other(site) { Content::Other(NO_SITE) } else { c };
        for &(r, c) in &writes[..nw] {
            self.write(st, r, DefKind::Named, site, several(c));
        }
        if fx.contains(Effects::WRITES_R0) {
            self.write(st, Reg::R0, DefKind::Implicit, site, several(Content::Other(site)));
        }
        if fx.contains(Effects::WRITES_R1) {
            self.write(st, Reg::R1, DefKind::Implicit, site, several(Content::Other(site)));
        }
    }

    /// `push`: x86-64 pushes one register at a time; ARM64 stores pairs with
    /// the first register at the lower address (INSTRUCTIONS.md §2.1).
    fn push(&mut self, st: &mut State, ops: &[OperandSlot], site: Site) {
        let values: Vec<Content> = ops.iter().map(|v| self.content(st, v, site)).collect();
        let mut sp = st.sp_content(self.facts().sp);
        let put = |st: &mut State, sp: Content, off: i64, c: Content| {
            if let Some(d) = sp.stack_delta() {
                st.set_slot(d + off, c, site);
            }
        };
        if self.facts().x86 {
            for c in values {
                sp = sp.offset(-8).unwrap_or(Content::Unknown);
                put(st, sp, 0, c);
            }
        } else {
            for pair in values.chunks(2) {
                sp = sp.offset(-16).unwrap_or(Content::Unknown);
                put(st, sp, 0, pair[0]);
                if let Some(&b) = pair.get(1) {
                    put(st, sp, 8, b);
                }
            }
        }
        self.set_sp(st, sp);
    }

    /// `pop`: the mirror image of [`Machine::push`].
    fn pop(&mut self, st: &mut State, ops: &[OperandSlot], site: Site) {
        let regs: Vec<Reg> = ops.iter().filter_map(reg).collect();
        let mut sp = st.sp_content(self.facts().sp);
        let get = |st: &State, sp: Content, off: i64| sp.stack_delta().and_then(|d| st.slot(d + off)).map_or(Content::Unknown, |s| s.content);
        let mut writes = Vec::new();
        if self.facts().x86 {
            for &r in &regs {
                writes.push((r, get(st, sp, 0)));
                sp = sp.offset(8).unwrap_or(Content::Unknown);
            }
        } else {
            for pair in regs.chunks(2) {
                if let [a, b] = pair {
                    writes.push((*b, get(st, sp, 0)));
                    writes.push((*a, get(st, sp, 8)));
                }
                sp = sp.offset(16).unwrap_or(Content::Unknown);
            }
        }
        for (r, c) in writes {
            self.write(st, r, DefKind::Named, site, c);
        }
        self.set_sp(st, sp);
    }
}
