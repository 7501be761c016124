//! What each instruction of the program does, read from the instruction
//! table once per check: a compact record per instruction (its implicit
//! effects, semantic `Op`, width and operands with their access), so the
//! data-flow step never goes back to the table or to the validated
//! program's heap-allocated operands.

use rustc_hash::FxHashMap as HashMap;

use crate::isa::{Access, Effects, Kinds, Op, Width};
use crate::target::regs::Reg;
use crate::valid::{Item, Program, Value};

use super::state::Site;

/// A memory operand `offset[base, index]`.
#[derive(Copy, Clone, Debug)]
pub struct Mem {
    pub base: Option<Reg>,
    pub index: Option<Reg>,
    pub offset: i64,
    /// No index register and no label difference: `offset[base]`, the only
    /// form whose stack address is followed.
    pub plain: bool,
}

/// An operand's value, as far as the checks look at it.
#[derive(Copy, Clone, Debug)]
pub enum Operand {
    Reg(Reg),
    /// An immediate (`fits`: it fits in 64 bits; an `Option` would double
    /// the size of every operand).
    Imm { value: i64, fits: bool },
    Mem(Mem),
    /// A label: its item when defined in this program; `offset_zero`: the
    /// label itself (not label ± k); `local`: a local label.
    Label { item: Option<u32>, offset_zero: bool, local: bool },
    /// Anything else (strings, label differences).
    Other,
}

/// One operand position of an instruction.
#[derive(Copy, Clone, Debug)]
pub struct Slot {
    pub value: Operand,
    /// The access of the form's operand spec (`None`: no spec here).
    pub access: Option<Access>,
    /// The spec takes a code label: a branch, jump or call target.
    pub code_label: bool,
}

/// One instruction.
#[derive(Copy, Clone, Debug)]
pub struct InstrEffect {
    /// Its item in the program.
    pub site: Site,
    pub fx: Effects,
    pub op: Op,
    pub width: Width,
    /// Some operand writes a register / memory (most instructions do
    /// neither or one: the step skips what cannot apply).
    pub writes_reg: bool,
    pub writes_mem: bool,
    /// Its operands: `ProgramEffects::slots[first..first + count]`.
    first: u32,
    count: u32,
    /// The registers its operands read, in operand order (an address's base
    /// before its index): `ProgramEffects::reads[reads_first..][..reads_count]`.
    reads_first: u32,
    reads_count: u32,
}

/// The records of a whole program. Owned and `Send`: the analysis may run
/// on another thread than the one holding the program.
pub struct ProgramEffects {
    pub instrs: Vec<InstrEffect>,
    slots: Vec<Slot>,
    reads: Vec<Reg>,
    /// Item → number of instructions before it (one more entry for the end).
    instrs_before: Vec<u32>,
    /// Labels whose address escapes or that are called: code may be entered
    /// there in ways the analysis does not follow (their items).
    pub entered_unseen: Vec<usize>,
}

/// Label name → its item (the first definition).
pub type LabelItems<'p> = HashMap<&'p str, usize>;

impl ProgramEffects {
    /// The records, and where each label is.
    pub fn new(prog: &Program) -> (ProgramEffects, LabelItems<'_>) {
        let items = &prog.items;
        let mut label_at: LabelItems = HashMap::with_capacity_and_hasher(items.len() / 4, Default::default());
        // Labels are resolved after the pass (a label may be used before it
        // is defined): label operands (their slot, name, whether the label
        // escapes) and other escaping names.
        let mut label_uses: Vec<(usize, &str, bool)> = Vec::new();
        let mut escaping: Vec<&str> = Vec::new();
        let mut instrs = Vec::with_capacity(items.len());
        let mut slots = Vec::with_capacity(2 * items.len());
        let mut reads = Vec::with_capacity(items.len());
        let mut instrs_before = Vec::with_capacity(items.len() + 1);
        let mut entered_unseen = Vec::new();
        for (k, it) in items.iter().enumerate() {
            instrs_before.push(instrs.len() as u32);
            let i = match it {
                Item::Instr(i) => i,
                Item::Label { name, .. } => {
                    label_at.entry(name).or_insert(k);
                    continue;
                }
            };
            let def = i.def();
            let form = &def.forms[i.form];
            let calls = def.effects.contains(Effects::CALL);
            let transfers = calls || def.effects.contains(Effects::BRANCH);
            let first = slots.len() as u32;
            let reads_first = reads.len() as u32;
            let (mut writes_reg, mut writes_mem) = (false, false);
            for (n, v) in i.operands.iter().enumerate() {
                let spec = form.operand(n);
                let access = spec.map(|s| s.access);
                let writes = access.is_some_and(Access::writes);
                let mut code_label = false;
                let value = match v {
                    Value::Reg(r) => {
                        if access.is_some_and(Access::reads) {
                            reads.push(*r);
                        }
                        writes_reg |= writes;
                        Operand::Reg(*r)
                    }
                    Value::Imm(x) => match i64::try_from(*x) {
                        Ok(value) => Operand::Imm { value, fits: true },
                        Err(_) => Operand::Imm { value: 0, fits: false },
                    },
                    Value::Addr(m) => {
                        if let Some((a, b)) = &m.diff {
                            escaping.extend([&**a, &**b]);
                        }
                        if access.is_some() {
                            reads.extend(m.base);
                            reads.extend(m.index);
                        }
                        writes_mem |= writes;
                        Operand::Mem(Mem { base: m.base, index: m.index, offset: m.offset, plain: m.index.is_none() && m.diff.is_none() })
                    }
                    Value::Label { name, local, offset } => {
                        code_label = spec.is_some_and(|s| s.kinds.contains(Kinds::LABEL));
                        // An address taken (`leap`, label loads), or a callee
                        // whose own conventions are unknown.
                        label_uses.push((slots.len(), &**name, !transfers || (calls && code_label)));
                        Operand::Label { item: None, offset_zero: *offset == 0, local: *local }
                    }
                    Value::LabelDiff { plus, minus, .. } => {
                        escaping.extend([&**plus, &**minus]);
                        Operand::Other
                    }
                    Value::Str(_) => Operand::Other,
                };
                slots.push(Slot { value, access, code_label });
            }
            instrs.push(InstrEffect {
                site: k as Site,
                fx: def.effects,
                op: def.op,
                width: def.width,
                writes_reg,
                writes_mem,
                first,
                count: slots.len() as u32 - first,
                reads_first,
                reads_count: reads.len() as u32 - reads_first,
            });
        }
        instrs_before.push(instrs.len() as u32);
        for (at, name, escapes) in label_uses {
            let item = label_at.get(name).copied();
            if let Operand::Label { item: slot_item, .. } = &mut slots[at].value {
                *slot_item = item.map(|k| k as u32);
            }
            if escapes {
                entered_unseen.extend(item);
            }
        }
        entered_unseen.extend(escaping.iter().filter_map(|name| label_at.get(name).copied()));
        (ProgramEffects { instrs, slots, reads, instrs_before, entered_unseen }, label_at)
    }

    pub fn operands(&self, i: &InstrEffect) -> &[Slot] {
        &self.slots[i.first as usize..(i.first + i.count) as usize]
    }

    pub fn reads(&self, i: &InstrEffect) -> &[Reg] {
        &self.reads[i.reads_first as usize..(i.reads_first + i.reads_count) as usize]
    }

    /// The instructions among items `start..end`.
    pub fn instrs_in(&self, start: usize, end: usize) -> &[InstrEffect] {
        &self.instrs[self.instrs_before[start] as usize..self.instrs_before[end] as usize]
    }
}
