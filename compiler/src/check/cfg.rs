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
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Root {
    /// An exported label: a C-ABI function starts here (the label's item).
    CAbi(Site),
    /// Reached in ways the checker cannot follow (address taken, called,
    /// no known predecessor): nothing is known at its start.
    Unknown,
}

pub struct Cfg {
    pub blocks: Vec<Block>,
    /// Per block: how the analysis starts there, if it is a root.
    pub roots: Vec<Option<Root>>,
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

pub fn build(prog: &Program, directives: &HashMap<usize, Directive>) -> Cfg {
    let items = &prog.items;
    let mut label_at: HashMap<&str, usize> = HashMap::default();
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
            blocks.push(Block { start: k, end: k, succs: Vec::new() });
        }
        if let Some(b) = blocks.last_mut() {
            b.end = k + 1;
            block_of[k] = blocks.len() - 1;
        }
    }
    let mut has_pred = vec![false; blocks.len()];
    let mut roots: Vec<Option<Root>> = vec![None; blocks.len()];
    let mut unknown_labels: Vec<Name> = Vec::new();
    for b in 0..blocks.len() {
        let (start, end) = (blocks[b].start, blocks[b].end);
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
        if falls && end < items.len() {
            succs.push(block_of[end]);
        }
        succs.sort_unstable();
        succs.dedup();
        for &s in &succs {
            has_pred[s] = true;
        }
        blocks[b].succs = succs;
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
    // An exported label starts a C-ABI function when the file itself never
    // enters it (no jump or fall-through to it) and a `ret` is reachable
    // from it in its own code: an offlineasm program also exports its
    // interpreter's handlers, which are entered by indirect jumps and end
    // in one. A directive overrides the guess either way.
    let returns: Vec<bool> = blocks
        .iter()
        .map(|b| items[b.start..b.end].iter().any(|it| matches!(it, Item::Instr(i) if i.def().effects.contains(Effects::RETURN))))
        .collect();
    let mut budget = 8 * blocks.len() + 10_000;
    for name in &prog.exports {
        if let Some(&k) = label_at.get(&**name) {
            let b = block_of[k];
            if !has_pred[b] && roots[b] != Some(Root::Unknown) || directives.contains_key(&k) {
                if reaches_return(&blocks, &roots, &returns, b, &mut budget) {
                    roots[b] = Some(Root::CAbi(k as Site));
                }
            }
        }
    }
    for (&k, d) in directives {
        roots[block_of[k]] = Some(match d {
            Directive::CFunction => Root::CAbi(k as Site),
            Directive::NotCFunction => Root::Unknown,
        });
    }
    Cfg { blocks, roots }
}

/// Whether a `ret` is reachable from block `from` without entering another
/// root (another function, code reached indirectly). `budget` bounds the
/// work over all calls; when it runs out the answer is no.
fn reaches_return(blocks: &[Block], roots: &[Option<Root>], returns: &[bool], from: usize, budget: &mut usize) -> bool {
    let mut seen = rustc_hash::FxHashSet::default();
    let mut stack = vec![from];
    seen.insert(from);
    while let Some(b) = stack.pop() {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        if returns[b] {
            return true;
        }
        for &s in &blocks[b].succs {
            if roots[s].is_none() && seen.insert(s) {
                stack.push(s);
            }
        }
    }
    false
}
