//! The control-flow graph of a validated program: basic blocks, edges
//! (fall-through, branches and jumps to labels defined in the output) and
//! the roots the analysis starts from. What an instruction does to control
//! flow comes from the instruction table's effects (BRANCH, TERMINATOR, CALL).

use rustc_hash::FxHashMap as HashMap;

use crate::front::ast::Name;
use crate::isa::{Effects, Kinds};
use crate::valid::{Instr, Item, Program, Value};

use super::directive::Directive;
use super::state::Site;

pub struct Block {
    /// Item range `[start, end)`.
    pub start: usize,
    pub end: usize,
    pub succs: Vec<usize>,
    /// The successors reached by a branch or jump (not by falling through).
    pub jumps: Vec<usize>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Root {
    /// An exported label: a C-ABI function starts here (the label's item).
    CAbi(Site),
    /// Reached in ways the checker cannot follow (address taken, called,
    /// no known predecessor): nothing is known at its start.
    Unknown,
}

pub struct Cfg<'p> {
    pub blocks: Vec<Block>,
    /// Per block: how the analysis starts there, if it is a root.
    pub roots: Vec<Option<Root>>,
    /// Label name → its item.
    pub label_at: HashMap<&'p str, usize>,
    /// Item → its block.
    pub block_of: Vec<usize>,
}

/// The label operand of a control transfer, if it is one defined here.
fn label_target(i: &Instr) -> impl Iterator<Item = &Name> {
    let form = &i.def().forms[i.form];
    i.operands.iter().enumerate().filter_map(move |(k, v)| match v {
        Value::Label { name, .. } if form.operand(k).is_some_and(|s| s.kinds.contains(Kinds::LABEL)) => Some(name),
        _ => None,
    })
}

/// Labels whose address escapes (`leap`, label loads, `emit`, label
/// differences): code may be entered there by an indirect jump.
fn address_taken(i: &Instr, out: &mut Vec<Name>) {
    let fx = i.def().effects;
    let transfers = fx.contains(Effects::BRANCH) || fx.contains(Effects::CALL);
    for v in &i.operands {
        match v {
            Value::Label { name, .. } if !transfers => out.push(name.clone()),
            Value::LabelDiff { plus, minus, .. } => out.extend([plus.clone(), minus.clone()]),
            Value::Addr(m) => {
                if let Some((a, b)) = &m.diff {
                    out.extend([a.clone(), b.clone()]);
                }
            }
            _ => {}
        }
    }
}

pub fn build<'p>(prog: &'p Program, directives: &HashMap<usize, Directive>) -> Cfg<'p> {
    let items = &prog.items;
    let mut label_at: HashMap<&'p str, usize> = HashMap::default();
    for (k, it) in items.iter().enumerate() {
        if let Item::Label { name, .. } = it {
            label_at.entry(name).or_insert(k);
        }
    }
    // Leaders: the first item, every label, the item after a branch or terminator.
    let mut leader = vec![false; items.len() + 1];
    leader[0] = true;
    for (k, it) in items.iter().enumerate() {
        match it {
            Item::Label { .. } => leader[k] = true,
            Item::Instr(i) => {
                let fx = i.def().effects;
                if fx.contains(Effects::BRANCH) || fx.contains(Effects::TERMINATOR) || fx.contains(Effects::RETURN) {
                    leader[k + 1] = true;
                }
            }
        }
    }
    let mut block_of = vec![usize::MAX; items.len() + 1];
    let mut blocks: Vec<Block> = Vec::new();
    for k in 0..items.len() {
        if leader[k] {
            blocks.push(Block { start: k, end: k, succs: Vec::new(), jumps: Vec::new() });
        }
        if let Some(b) = blocks.last_mut() {
            b.end = k + 1;
            block_of[k] = blocks.len() - 1;
        }
    }
    let mut has_pred = vec![false; blocks.len()];
    let mut roots: Vec<Option<Root>> = vec![None; blocks.len()];
    let mut unknown_labels: Vec<Name> = Vec::new();
    for block in blocks.iter_mut() {
        let (start, end) = (block.start, block.end);
        let mut succs = Vec::new();
        let mut falls = true;
        for it in &items[start..end] {
            if let Item::Instr(i) = it {
                let fx = i.def().effects;
                address_taken(i, &mut unknown_labels);
                if fx.contains(Effects::BRANCH) {
                    for name in label_target(i) {
                        if let Some(&k) = label_at.get(&**name) {
                            succs.push(block_of[k]);
                        }
                    }
                }
                if fx.contains(Effects::CALL) {
                    // The callee's own conventions are unknown: start it from nothing.
                    unknown_labels.extend(label_target(i).cloned());
                }
                falls = !fx.contains(Effects::TERMINATOR);
            }
        }
        let mut jumps = succs.clone();
        jumps.sort_unstable();
        jumps.dedup();
        if falls && end < items.len() {
            succs.push(block_of[end]);
        }
        succs.sort_unstable();
        succs.dedup();
        block.jumps = jumps;
        for &s in &succs {
            has_pred[s] = true;
        }
        block.succs = succs;
    }
    for name in &unknown_labels {
        if let Some(&k) = label_at.get(&**name) {
            roots[block_of[k]] = Some(Root::Unknown);
        }
    }
    for (b, has) in has_pred.iter().enumerate() {
        if !has {
            roots[b] = Some(Root::Unknown);
        }
    }
    // An exported label starts a C-ABI function when its own code reaches a
    // `ret` or a tail jump and no indirect jump, and no code outside C-ABI
    // functions jumps to it: an offlineasm program also exports its
    // interpreter's handlers (which dispatch by indirect jumps) and shared
    // exits (entered by jumps from handlers). A directive overrides the
    // guess either way (docs/checks.md).
    // Per block: it returns (1), tail-jumps out of the function (2), or
    // jumps indirectly (4).
    let mut ends = vec![0u8; blocks.len()];
    let mut exported = vec![false; blocks.len()];
    for name in &prog.exports {
        if let Some(&k) = label_at.get(&**name) {
            exported[block_of[k]] = true;
        }
    }
    for (b, block) in blocks.iter().enumerate() {
        for it in &items[block.start..block.end] {
            if let Item::Instr(i) = it {
                let fx = i.def().effects;
                if fx.contains(Effects::RETURN) {
                    ends[b] |= 1;
                }
                // `jmp`: to an external symbol it is a tail call out of the
                // file; through a register or memory, an indirect jump.
                if fx.contains(Effects::TERMINATOR) && fx.contains(Effects::BRANCH) {
                    match i.operands.first() {
                        Some(Value::Label { name, .. }) if !label_at.contains_key(&**name) => ends[b] |= 2,
                        Some(Value::Label { .. }) => {}
                        _ => ends[b] |= 4,
                    }
                }
            }
        }
        if block.jumps.iter().any(|&s| exported[s]) {
            ends[b] |= 2;
        }
    }
    let mut candidate = vec![false; blocks.len()];
    let mut budget = 8 * blocks.len() + 10_000;
    for b in 0..blocks.len() {
        if exported[b] {
            let e = function_ends(&blocks, &exported, &ends, b, &mut budget);
            candidate[b] = e & 3 != 0 && e & 4 == 0;
        }
    }
    // Code reached from a non-function root; a jump from there into a
    // candidate makes it (and what it reaches) interpreter code too.
    let mut in_vm_code = vec![false; blocks.len()];
    let mut stack: Vec<usize> = (0..blocks.len()).filter(|&b| roots[b] == Some(Root::Unknown) && !candidate[b]).collect();
    for &b in &stack {
        in_vm_code[b] = true;
    }
    while let Some(b) = stack.pop() {
        for &s in &blocks[b].succs {
            if in_vm_code[s] || (candidate[s] && !blocks[b].jumps.contains(&s)) {
                continue;
            }
            in_vm_code[s] = true;
            candidate[s] = false;
            stack.push(s);
        }
    }
    for (b, &c) in candidate.iter().enumerate() {
        if c {
            roots[b] = Some(Root::CAbi(blocks[b].start as Site));
        }
    }
    for (&k, d) in directives {
        roots[block_of[k]] = Some(match d {
            Directive::CFunction => Root::CAbi(k as Site),
            Directive::NotCFunction => Root::Unknown,
        });
    }
    Cfg { blocks, roots, label_at, block_of }
}

/// What the code of the function at block `from` does at its ends (the
/// union of [`build`]'s `ends` bits over the blocks reachable without
/// entering another exported label). `budget` bounds the work over all
/// calls; when it runs out the answer is "jumps indirectly".
fn function_ends(blocks: &[Block], exported: &[bool], ends: &[u8], from: usize, budget: &mut usize) -> u8 {
    let mut seen = rustc_hash::FxHashSet::default();
    let mut stack = vec![from];
    seen.insert(from);
    let mut all = 0;
    while let Some(b) = stack.pop() {
        if *budget == 0 {
            return 4;
        }
        *budget -= 1;
        all |= ends[b];
        if all & 4 != 0 {
            return all;
        }
        for &s in &blocks[b].succs {
            if !exported[s] && seen.insert(s) {
                stack.push(s);
            }
        }
    }
    all
}
