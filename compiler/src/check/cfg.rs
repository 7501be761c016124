//! The control-flow graph of a validated program: basic blocks, edges
//! (fall-through, branches and jumps to labels defined in the output) and
//! the roots the analysis starts from. What an instruction does to control
//! flow comes from the instruction table's effects (BRANCH, TERMINATOR, CALL).

use rustc_hash::FxHashMap as HashMap;

use crate::isa::Effects;
use crate::valid::Program;

use super::directive::Directive;
use super::effect::{LabelItems, Operand, ProgramEffects};
use super::state::Site;

/// The item range `[start, end)` of a basic block.
#[derive(Copy, Clone, Debug)]
pub struct Block {
    pub start: u32,
    pub end: u32,
}

/// An edge to block `to`; `jump`: reached by a branch or jump (not only by
/// falling through).
#[derive(Copy, Clone, Debug)]
pub struct Edge {
    pub to: u32,
    pub jump: bool,
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
    /// The edges of block `b`: `edges[edge_start[b]..edge_start[b + 1]]`,
    /// sorted by target (flat, one allocation for the whole graph).
    edge_start: Vec<u32>,
    edges: Vec<Edge>,
    /// Per block: how the analysis starts there, if it is a root.
    pub roots: Vec<Option<Root>>,
    /// Item → its block.
    pub block_of: Vec<u32>,
}

impl Cfg {
    pub fn edges(&self, b: usize) -> &[Edge] {
        &self.edges[self.edge_start[b] as usize..self.edge_start[b + 1] as usize]
    }
    pub fn num_blocks(&self) -> usize {
        self.blocks.len()
    }
}

pub fn build(prog: &Program, code: &ProgramEffects, labels: &LabelItems, directives: &HashMap<usize, Directive>) -> Cfg {
    let n_items = prog.items.len();
    // Leaders: the first item, every label (items that are no
    // instruction), the item after a branch or terminator.
    let mut leader = vec![true; n_items + 1];
    let mut after_transfer = 0;
    for i in &code.instrs {
        let k = i.site as usize;
        leader[k] = k == after_transfer;
        let fx = i.fx;
        if fx.contains(Effects::BRANCH) || fx.contains(Effects::TERMINATOR) || fx.contains(Effects::RETURN) {
            after_transfer = k + 1;
        }
    }
    let mut block_of = vec![u32::MAX; n_items + 1];
    let mut blocks: Vec<Block> = Vec::new();
    for k in 0..n_items {
        if leader[k] {
            blocks.push(Block { start: k as u32, end: k as u32 });
        }
        if let Some(b) = blocks.last_mut() {
            b.end = k as u32 + 1;
            block_of[k] = blocks.len() as u32 - 1;
        }
    }
    let nb = blocks.len();
    let mut has_pred = vec![false; nb];
    let mut edge_start = Vec::with_capacity(nb + 1);
    let mut edges: Vec<Edge> = Vec::with_capacity(2 * nb);
    for block in &blocks {
        let (start, end) = (block.start as usize, block.end as usize);
        let first = edges.len();
        edge_start.push(first as u32);
        let mut falls = true;
        for i in code.instrs_in(start, end) {
            if i.fx.contains(Effects::BRANCH) {
                for s in code.operands(i) {
                    if let (Operand::Label { item: Some(k), .. }, true) = (s.value, s.code_label) {
                        edges.push(Edge { to: block_of[k as usize], jump: true });
                    }
                }
            }
            falls = !i.fx.contains(Effects::TERMINATOR);
        }
        if falls && end < n_items {
            edges.push(Edge { to: block_of[end], jump: false });
        }
        // Sorted by target, one edge per target (a jump if any is).
        let list = &mut edges[first..];
        if list.len() > 1 {
            list.sort_unstable_by_key(|e| (e.to, !e.jump));
        }
        let mut kept = first;
        for j in first..edges.len() {
            if kept == first || edges[kept - 1].to != edges[j].to {
                edges[kept] = edges[j];
                kept += 1;
            }
        }
        edges.truncate(kept);
        for e in &edges[first..] {
            has_pred[e.to as usize] = true;
        }
    }
    edge_start.push(edges.len() as u32);
    let mut graph = Cfg { blocks, edge_start, edges, roots: vec![None; nb], block_of };
    for &k in &code.entered_unseen {
        graph.roots[graph.block_of[k] as usize] = Some(Root::Unknown);
    }
    for (b, has) in has_pred.iter().enumerate() {
        if !has {
            graph.roots[b] = Some(Root::Unknown);
        }
    }
    find_c_functions(prog, code, labels, &mut graph);
    for (&k, d) in directives {
        graph.roots[graph.block_of[k] as usize] = Some(match d {
            Directive::CFunction => Root::CAbi(k as Site),
            Directive::NotCFunction => Root::Unknown,
        });
    }
    graph
}

/// An exported label starts a C-ABI function when its own code reaches a
/// `ret` or a tail jump and no indirect jump, and no code outside C-ABI
/// functions jumps to it: an offlineasm program also exports its
/// interpreter's handlers (which dispatch by indirect jumps) and shared
/// exits (entered by jumps from handlers). A directive overrides the
/// guess either way (docs/checks.md).
fn find_c_functions(prog: &Program, code: &ProgramEffects, labels: &LabelItems, graph: &mut Cfg) {
    let nb = graph.num_blocks();
    // Per block: it returns (1), tail-jumps out of the function (2), or
    // jumps indirectly (4).
    let mut ends = vec![0u8; nb];
    let mut exported = vec![false; nb];
    for name in &prog.exports {
        if let Some(&k) = labels.get(&**name) {
            exported[graph.block_of[k] as usize] = true;
        }
    }
    for (b, block) in graph.blocks.iter().enumerate() {
        for i in code.instrs_in(block.start as usize, block.end as usize) {
            let fx = i.fx;
            if fx.contains(Effects::RETURN) {
                ends[b] |= 1;
            }
            // `jmp`: to an external symbol it is a tail call out of the
            // file; through a register or memory, an indirect jump.
            if fx.contains(Effects::TERMINATOR) && fx.contains(Effects::BRANCH) {
                match code.operands(i).first().map(|s| s.value) {
                    Some(Operand::Label { item: None, .. }) => ends[b] |= 2,
                    Some(Operand::Label { .. }) => {}
                    _ => ends[b] |= 4,
                }
            }
        }
        if graph.edges(b).iter().any(|e| e.jump && exported[e.to as usize]) {
            ends[b] |= 2;
        }
    }
    let mut candidate = vec![false; nb];
    let mut walk = Walk { seen_by: vec![u32::MAX; nb], stack: Vec::new(), budget: 8 * nb + 10_000 };
    for b in 0..nb {
        if exported[b] {
            let e = walk.function_ends(graph, &exported, &ends, b);
            candidate[b] = e & 3 != 0 && e & 4 == 0;
        }
    }
    // Code reached from a non-function root; a jump from there into a
    // candidate makes it (and what it reaches) interpreter code too.
    let mut in_vm_code = vec![false; nb];
    let mut stack: Vec<usize> = (0..nb).filter(|&b| graph.roots[b] == Some(Root::Unknown) && !candidate[b]).collect();
    for &b in &stack {
        in_vm_code[b] = true;
    }
    while let Some(b) = stack.pop() {
        for e in graph.edges(b) {
            let s = e.to as usize;
            if in_vm_code[s] || (candidate[s] && !e.jump) {
                continue;
            }
            in_vm_code[s] = true;
            candidate[s] = false;
            stack.push(s);
        }
    }
    for (b, &c) in candidate.iter().enumerate() {
        if c {
            graph.roots[b] = Some(Root::CAbi(graph.blocks[b].start as Site));
        }
    }
}

/// The walks of [`find_c_functions`], sharing their buffers and one budget.
struct Walk {
    /// Block → the walk that saw it last (its start block).
    seen_by: Vec<u32>,
    stack: Vec<usize>,
    /// Bounds the work over all walks; when it runs out the answer is
    /// "jumps indirectly".
    budget: usize,
}

impl Walk {
    /// What the code of the function at block `from` does at its ends (the
    /// union of the `ends` bits over the blocks reachable without entering
    /// another exported label).
    fn function_ends(&mut self, graph: &Cfg, exported: &[bool], ends: &[u8], from: usize) -> u8 {
        let mark = from as u32;
        self.stack.clear();
        self.stack.push(from);
        self.seen_by[from] = mark;
        let mut all = 0;
        while let Some(b) = self.stack.pop() {
            if self.budget == 0 {
                return 4;
            }
            self.budget -= 1;
            all |= ends[b];
            if all & 4 != 0 {
                return all;
            }
            for e in graph.edges(b) {
                let s = e.to as usize;
                if !exported[s] && self.seen_by[s] != mark {
                    self.seen_by[s] = mark;
                    self.stack.push(s);
                }
            }
        }
        all
    }
}
