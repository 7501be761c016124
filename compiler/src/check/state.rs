//! The abstract machine state of the checks at one program point, and its
//! join (the lattice the data-flow analysis runs on).
//!
//! Per physical register it keeps *who* may have written it last (a small
//! set of [`Def`]s: which logical name, where) and *what* it holds
//! ([`Content`]: the entry value of some register, a pointer into the stack
//! frame, or something else). Stack slots written at known offsets keep
//! their content too, which is how a `pop` is seen to restore a `push`.

use crate::target::regs::Reg;

use super::facts::Phys;

/// An instruction: its index in the program's items.
pub type Site = u32;
/// No site (a value from the function's entry, or unknown).
pub const NO_SITE: Site = u32::MAX;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum DefKind {
    /// Written through the logical name `name` (an operand).
    Named,
    /// Written as an implicit effect named `name` (`r0`/`r1` of the x86
    /// division group, `aN` of `moveargs`).
    Implicit,
    /// A result register (`name` = `r0`, `r1`, `fr`) after the call at `site`.
    CallResult,
    /// Destroyed by the call at `site`; `victim` is where the value it held
    /// was written (`NO_SITE` with `victim_name` = the register itself: its
    /// value at the function's entry; no victim at all: nothing known).
    CallClobber,
    /// The value the register had at a C-ABI function's entry.
    Entry,
    /// Nothing is known (code entered by an indirect jump, after `emit`).
    Unknown,
}

/// A register name or none, in one byte (an `Option<Reg>` takes two, and
/// defs are compared at every register of every join).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MaybeReg(u8);

impl MaybeReg {
    pub const NONE: MaybeReg = MaybeReg(u8::MAX);
    pub fn some(r: Reg) -> MaybeReg {
        MaybeReg(r.0)
    }
    pub fn get(self) -> Option<Reg> {
        (self != MaybeReg::NONE).then_some(Reg(self.0))
    }
}

// `MaybeReg::NONE` is no register's number.
const _: () = assert!(crate::target::regs::REGISTER_NAMES.len() < u8::MAX as usize);

/// One way a register may have been written last (12 bytes, all integers:
/// compared at every join).
#[derive(Copy, Clone, Debug, Eq)]
#[repr(C)]
pub struct Def {
    pub site: Site,
    /// The write this one replaced (for messages: "the value was written here").
    pub victim: Site,
    pub kind: DefKind,
    pub name: Reg,
    pub victim_name: MaybeReg,
    /// A second name the value was copied to (a copy between two names of
    /// one register): reads through it are right too.
    pub also: MaybeReg,
}

/// Field by field, as two words (the fields are laid out in this order).
impl PartialEq for Def {
    fn eq(&self, o: &Def) -> bool {
        self.words() == o.words()
    }
}

impl Def {
    fn words(&self) -> (u64, u32) {
        let sites = self.site as u64 | (self.victim as u64) << 32;
        let names = u32::from_le_bytes([self.kind as u8, self.name.0, self.victim_name.0, self.also.0]);
        (sites, names)
    }
    pub fn new(kind: DefKind, name: Reg, site: Site) -> Def {
        Def { kind, name, site, victim: NO_SITE, victim_name: MaybeReg::NONE, also: MaybeReg::NONE }
    }
    fn same_class(&self, o: &Def) -> bool {
        self.kind == o.kind && (self.name == o.name || matches!(self.kind, DefKind::CallClobber | DefKind::Entry | DefKind::Unknown))
    }
    /// Defs written by the program (with a site) rank above entry/unknown
    /// ones when a set is full: they are the ones findings are about.
    fn rank(&self) -> u8 {
        match self.kind {
            DefKind::Entry | DefKind::Unknown => 0,
            DefKind::CallClobber if self.victim_name.get().is_none() => 0,
            _ => 1,
        }
    }
}

/// At most this many reaching defs are kept per register (a bounded
/// lattice keeps the analysis linear; findings need one example each).
const MAX_DEFS: usize = 2;

/// A small inline set (no allocation: states are copied at every block).
#[derive(Copy, Clone, Debug, Eq)]
pub struct DefSet {
    defs: [Def; MAX_DEFS],
    len: u8,
}

/// Compared at every register of every join: element by element, inline
/// (the places past `len` always hold the default def).
impl PartialEq for DefSet {
    fn eq(&self, o: &DefSet) -> bool {
        self.len == o.len && self.defs[0] == o.defs[0] && self.defs[1] == o.defs[1]
    }
}

impl Default for DefSet {
    fn default() -> DefSet {
        DefSet { defs: [Def::new(DefKind::Unknown, Reg(0), NO_SITE); MAX_DEFS], len: 0 }
    }
}

impl DefSet {
    pub fn one(d: Def) -> DefSet {
        let mut s = DefSet::default();
        s.defs[0] = d;
        s.len = 1;
        s
    }
    pub fn iter(&self) -> impl Iterator<Item = &Def> {
        self.defs[..self.len as usize].iter()
    }
    /// Adds `d` unless an equivalent def is there; true if the set changed.
    fn add(&mut self, d: Def) -> bool {
        let n = self.len as usize;
        if let Some(i) = self.defs[..n].iter().position(|o| o.same_class(&d)) {
            // A clobber that destroyed a known value is more informative.
            if d.kind == DefKind::CallClobber && self.defs[i].victim_name.get().is_none() && d.victim_name.get().is_some() {
                self.defs[i] = d;
                return true;
            }
            return false;
        }
        if n < MAX_DEFS {
            self.defs[n] = d;
            self.len += 1;
            return true;
        }
        if let Some(i) = self.defs[..n].iter().position(|o| o.rank() < d.rank()) {
            self.defs[i] = d;
            return true;
        }
        false
    }
    pub fn join(&mut self, o: &DefSet) -> bool {
        if self == o {
            return false;
        }
        let mut changed = false;
        for d in o.iter() {
            changed |= self.add(*d);
        }
        changed
    }
    /// The def a new write replaces, for messages: a program write first.
    pub fn victim(&self) -> Option<&Def> {
        self.iter().find(|d| d.rank() == 1 && d.kind != DefKind::CallClobber).or_else(|| self.iter().find(|d| d.kind == DefKind::Entry))
    }
}

/// What a register or stack slot holds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// Nothing known.
    Unknown,
    /// The value physical register `p` had at the C-ABI function's entry.
    Entry(Phys),
    /// A pointer into the stack: `delta` bytes from `sp` at the function's
    /// entry, and its value modulo 16 (when known).
    Stack { delta: Option<i64>, align: Option<u8> },
    /// Some other value, written at `site`.
    Other(Site),
    /// The address of the code label at item `site` (`leap`, `pcrtoaddr`):
    /// a `call` through it is a call of known code.
    Code(Site),
    /// A constant (`move 5, t0`).
    Imm(i64),
}

impl Content {
    fn join(self, o: Content) -> Content {
        use Content::*;
        match (self, o) {
            (a, b) if a == b => a,
            (Unknown, _) | (_, Unknown) => Unknown,
            (Stack { delta: d1, align: a1 }, Stack { delta: d2, align: a2 }) => Stack {
                delta: if d1 == d2 { d1 } else { None },
                align: if a1 == a2 { a1 } else { None },
            },
            // Different values on the two paths: some value, but not one of
            // them (two registers holding it need not be equal).
            _ => Other(NO_SITE),
        }
    }
    /// `self + k` for a stack pointer.
    pub fn offset(self, k: i64) -> Option<Content> {
        match self {
            Content::Stack { delta, align } => Some(Content::Stack {
                delta: delta.and_then(|d| d.checked_add(k)),
                align: align.map(|a| (a as i64).wrapping_add(k).rem_euclid(16) as u8),
            }),
            _ => None,
        }
    }
    /// Whether two registers holding `self` hold the same value.
    pub fn is_known(self) -> bool {
        !matches!(self, Content::Unknown | Content::Other(NO_SITE) | Content::Stack { delta: None, .. })
    }
    pub fn stack_delta(self) -> Option<i64> {
        match self {
            Content::Stack { delta, .. } => delta,
            _ => None,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RegState {
    pub defs: DefSet,
    pub content: Content,
}

/// A stack slot (8 bytes at `delta` from the entry `sp`) holding live data.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub delta: i64,
    pub content: Content,
    /// Where it was written (`NO_SITE`: the return address, at entry).
    pub site: Site,
}

#[derive(Debug, PartialEq, Eq)]
pub struct State {
    pub regs: Vec<RegState>,
    /// Live slots, sorted by `delta` (a may-set: present on some path).
    pub slots: Vec<Slot>,
    /// Bit N: `aN` was set up since the last call (on some path).
    pub args_set: u8,
    /// The exported label whose C-ABI entry state this derives from.
    pub entry: Site,
}

impl Clone for State {
    fn clone(&self) -> State {
        State { regs: self.regs.clone(), slots: self.slots.clone(), args_set: self.args_set, entry: self.entry }
    }
    /// Reuses `self`'s buffers (the analysis refills one state per visit).
    fn clone_from(&mut self, o: &State) {
        self.regs.clone_from(&o.regs);
        self.slots.clone_from(&o.slots);
        self.args_set = o.args_set;
        self.entry = o.entry;
    }
}

impl State {
    /// Nothing known: code reached by an indirect jump.
    pub fn unknown(num_phys: usize) -> State {
        let r = RegState { defs: DefSet::one(Def::new(DefKind::Unknown, Reg(0), NO_SITE)), content: Content::Unknown };
        State { regs: vec![r; num_phys], slots: Vec::new(), args_set: 0, entry: NO_SITE }
    }

    /// At the entry of a C-ABI function (label at `site`): every register
    /// holds its entry value; `sp` is `entry_align` modulo 16; on x86-64 the
    /// return address is the slot at `sp`.
    pub fn c_entry(num_phys: usize, site: Site, sp: Phys, entry_align: u8, x86: bool) -> State {
        let mut s = State::callee(num_phys, sp);
        s.regs[sp as usize].content = Content::Stack { delta: Some(0), align: Some(entry_align) };
        if x86 {
            s.slots.push(Slot { delta: 0, content: Content::Other(NO_SITE), site: NO_SITE });
        }
        s.entry = site;
        s
    }

    /// At the entry of code called from this file: every register holds
    /// its value from the caller; `sp` is the reference for stack offsets.
    pub fn callee(num_phys: usize, sp: Phys) -> State {
        let mut s = State::unknown(num_phys);
        for (p, r) in s.regs.iter_mut().enumerate() {
            r.defs = DefSet::one(Def::new(DefKind::Entry, Reg(0), NO_SITE));
            r.content = Content::Entry(p as Phys);
        }
        s.regs[sp as usize].content = Content::Stack { delta: Some(0), align: None };
        s
    }

    /// Least upper bound into `self`; true if `self` changed.
    pub fn join(&mut self, o: &State) -> bool {
        let mut changed = false;
        for (a, b) in self.regs.iter_mut().zip(&o.regs) {
            if a == b {
                continue;
            }
            changed |= a.defs.join(&b.defs);
            let c = a.content.join(b.content);
            if c != a.content {
                a.content = c;
                changed = true;
            }
        }
        for s in &o.slots {
            match self.slots.binary_search_by_key(&s.delta, |x| x.delta) {
                Ok(i) => {
                    let c = self.slots[i].content.join(s.content);
                    if c != self.slots[i].content {
                        self.slots[i].content = c;
                        changed = true;
                    }
                }
                Err(i) => {
                    self.slots.insert(i, Slot { content: Content::Unknown, ..*s });
                    changed = true;
                }
            }
        }
        // Slots only in `self` hold nothing known on the other path.
        for s in self.slots.iter_mut() {
            if o.slots.binary_search_by_key(&s.delta, |x| x.delta).is_err() && s.content != Content::Unknown {
                s.content = Content::Unknown;
                changed = true;
            }
        }
        if self.args_set | o.args_set != self.args_set {
            self.args_set |= o.args_set;
            changed = true;
        }
        if self.entry != o.entry && self.entry != NO_SITE {
            self.entry = NO_SITE;
            changed = true;
        }
        changed
    }

    pub fn slot(&self, delta: i64) -> Option<&Slot> {
        self.slots.binary_search_by_key(&delta, |x| x.delta).ok().map(|i| &self.slots[i])
    }

    pub fn set_slot(&mut self, delta: i64, content: Content, site: Site) {
        let s = Slot { delta, content, site };
        match self.slots.binary_search_by_key(&delta, |x| x.delta) {
            Ok(i) => self.slots[i] = s,
            Err(i) => self.slots.insert(i, s),
        }
    }

    /// Data below `sp` is dead (no target's red zone is used).
    pub fn drop_slots_below(&mut self, delta: i64) {
        self.slots.retain(|s| s.delta >= delta);
    }

    pub fn sp_content(&self, sp: Phys) -> Content {
        self.regs[sp as usize].content
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_is_bounded_and_monotone() {
        let mut a = State::unknown(20);
        let b = State::c_entry(20, 0, 4, 8, true);
        assert!(a.join(&b));
        assert!(!a.join(&b), "joining twice changes nothing");
        assert_eq!(a.regs[3].content, Content::Unknown);
        let mut d = DefSet::default();
        for n in 0..10 {
            d.add(Def::new(DefKind::Named, Reg(n), n as Site));
        }
        assert_eq!(d.iter().count(), MAX_DEFS);
        assert_eq!(Content::Stack { delta: Some(0), align: Some(8) }.offset(-8), Some(Content::Stack { delta: Some(-8), align: Some(0) }));
        assert_eq!(Content::Entry(3).join(Content::Other(7)), Content::Other(NO_SITE));
        assert!(!Content::Other(5).join(Content::Other(7)).is_known(), "a join of two values is neither");
        assert_eq!(Content::Entry(3).join(Content::Unknown), Content::Unknown);
    }
}
