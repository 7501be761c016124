//! The blocks' entry states during one data-flow run, the work list, and
//! when an entry state can be let go: a block whose predecessors can no
//! longer change it, and which is not waiting to be visited, needs its state
//! no more. Letting states go as soon as that holds keeps the memory of a
//! run to the blocks in flight (and reuses it), not one state per block.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::cfg::Cfg;
use super::state::State;

/// The state at each block's entry.
pub enum BlockMap {
    Dense(Vec<Option<State>>),
    Sparse(HashMap<usize, Option<State>>),
}

impl BlockMap {
    pub fn entry(&mut self, b: usize) -> &mut Option<State> {
        match self {
            BlockMap::Dense(v) => &mut v[b],
            BlockMap::Sparse(m) => m.entry(b).or_default(),
        }
    }
}

/// The blocks waiting in the work list.
pub enum BlockSet {
    Dense(Vec<bool>),
    Sparse(HashSet<usize>),
}

impl BlockSet {
    /// True if `b` was not in the set.
    pub fn insert(&mut self, b: usize) -> bool {
        match self {
            BlockSet::Dense(v) => !std::mem::replace(&mut v[b], true),
            BlockSet::Sparse(s) => s.insert(b),
        }
    }
    pub fn remove(&mut self, b: usize) {
        match self {
            BlockSet::Dense(v) => v[b] = false,
            BlockSet::Sparse(s) => {
                s.remove(&b);
            }
        }
    }
    fn contains(&self, b: usize) -> bool {
        match self {
            BlockSet::Dense(v) => v[b],
            BlockSet::Sparse(s) => s.contains(&b),
        }
    }
}

/// States let go, to be refilled rather than allocated.
#[derive(Default)]
pub struct StatePool(Vec<State>);

impl StatePool {
    /// Some state (its contents are to be overwritten).
    pub fn take(&mut self, num_phys: usize) -> State {
        self.0.pop().unwrap_or_else(|| State::unknown(num_phys))
    }
    pub fn copy_of(&mut self, st: &State) -> State {
        match self.0.pop() {
            Some(mut s) => {
                s.clone_from(st);
                s
            }
            None => st.clone(),
        }
    }
}

/// Which blocks can still be changed. A block is *retired* once it has been
/// visited, is not in the work list, and all its predecessors are retired:
/// nothing joins into it any more, so it is never visited again. Blocks on
/// a cycle never retire (they are their own predecessors' predecessors).
pub struct Retirement {
    /// Per block: predecessors not retired yet.
    waiting: Vec<u32>,
    visited: Vec<bool>,
    cascade: Vec<usize>,
}

impl Retirement {
    pub fn new(graph: &Cfg) -> Retirement {
        let mut waiting = vec![0u32; graph.num_blocks()];
        for b in 0..graph.num_blocks() {
            for e in graph.edges(b) {
                waiting[e.to as usize] += 1;
            }
        }
        Retirement { waiting, visited: vec![false; graph.num_blocks()], cascade: Vec::new() }
    }

    /// Whether the visit of `b` about to be made is its last: its
    /// predecessors are retired (after it, nothing joins into it).
    pub fn is_last_visit(&self, b: usize) -> bool {
        self.waiting[b] == 0
    }

    /// Block `b` has just been visited (and its successors updated).
    pub fn visited(&mut self, b: usize, graph: &Cfg, queued: &BlockSet, states: &mut BlockMap, pool: &mut StatePool) {
        self.visited[b] = true;
        if self.waiting[b] != 0 || queued.contains(b) {
            return;
        }
        self.cascade.push(b);
        while let Some(x) = self.cascade.pop() {
            if let Some(s) = states.entry(x).take() {
                pool.0.push(s);
            }
            for e in graph.edges(x) {
                let t = e.to as usize;
                self.waiting[t] -= 1;
                if self.waiting[t] == 0 && self.visited[t] && !queued.contains(t) {
                    self.cascade.push(t);
                }
            }
        }
    }
}
