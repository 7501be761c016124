//! Cross-target checks: the pass between validation and lowering that
//! refuses code which is right on one target and wrong on another
//! (docs/checks.md). It runs a forward data-flow analysis over the control
//! flow graph of the validated program of one target ([`cfg`]), on an
//! abstract state of physical registers and stack slots ([`state`]), with
//! each instruction's effect read from the instruction table
//! ([`transfer`]) and the register facts from the target's map ([`facts`]).
//! Findings become diagnostics in [`report`].

pub mod cfg;
pub mod directive;
pub mod effect;
pub mod facts;
pub mod report;
pub mod state;
pub mod transfer;
mod worklist;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::diag::Diagnostics;
use crate::source::SourceMap;
use crate::target::Target;
use crate::valid::{Item, Program};

use cfg::Root;
use state::{Site, State};
use transfer::{Finding, Machine};
use worklist::{BlockMap, BlockSet, Retirement, StatePool};

/// The diagnostic codes of this pass (the group `hazards`). All are errors by
/// default and can be re-levelled with `--warn`/`--allow`/`--deny`.
pub const HAZARD_CODES: &[&str] = &[
    "alias-clobber",
    "call-clobber",
    "misaligned-call",
    "misaligned-stack",
    "missing-shadow-space",
    "callee-saved-clobbered",
    "unbalanced-stack",
];

/// Checks the validated program of `target` and pushes one diagnostic per
/// finding (`map`: the sources, for label directives).
/// The labels (program items) where C-ABI functions start.
pub type FunctionStarts = HashSet<usize>;

/// Returns the labels where a C-ABI function starts ([`function_starts`]).
pub fn check(program: &Program, target: &Target, map: &SourceMap, diags: &mut Diagnostics) -> HashSet<usize> {
    let prepared = prepare(program, target, map, diags);
    let (findings, _) = prepared.analyse();
    report(program, target, map, &findings, diags);
    prepared.function_starts()
}

/// What the analysis of one target needs, read from its program: owned and
/// `Send`, so that the analysis can run on another thread than the one
/// holding the program (`--all-targets` shares the work this way).
pub struct Prepared {
    facts: facts::Facts,
    code: effect::ProgramEffects,
    graph: cfg::Cfg,
}

/// Reads the program's effects, control flow graph and label directives
/// (a malformed directive is reported here).
pub fn prepare(program: &Program, target: &Target, map: &SourceMap, diags: &mut Diagnostics) -> Prepared {
    let facts = facts::Facts::new(target);
    let directives = label_directives(program, map, diags);
    prepare_with(program, facts, &directives)
}

/// The labels (program items) where the checks see a C-ABI function start
/// (what unwind information treats as entered by a call).
pub fn function_starts(program: &Program, map: &SourceMap) -> HashSet<usize> {
    let directives = label_directives(program, map, &mut Diagnostics::default());
    let (code, labels) = effect::ProgramEffects::new(program);
    starts_of(&cfg::build(program, &code, &labels, &directives))
}

fn starts_of(graph: &cfg::Cfg) -> HashSet<usize> {
    graph
        .roots
        .iter()
        .filter_map(|r| match r {
            Some(cfg::Root::CAbi(site)) => Some(*site as usize),
            _ => None,
        })
        .collect()
}

/// The `# offasm:` directives of the program's labels.
fn label_directives(program: &Program, map: &SourceMap, diags: &mut Diagnostics) -> HashMap<usize, directive::Directive> {
    let mut directives = HashMap::default();
    // A label in a macro has one span for all its expansions: read its
    // source line once.
    let mut of_span = HashMap::default();
    for (k, it) in program.items.iter().enumerate() {
        if let Item::Label { span, .. } = it {
            let found = match of_span.get(span) {
                Some(&d) => Ok(d),
                None => directive::of_label(map, *span).inspect(|&d| {
                    of_span.insert(*span, d);
                }),
            };
            match found {
                Ok(Some(d)) => {
                    directives.insert(k, d);
                }
                Ok(None) => {}
                Err(d) => diags.push(*d),
            }
        }
    }
    directives
}

fn prepare_with(program: &Program, facts: facts::Facts, directives: &HashMap<usize, directive::Directive>) -> Prepared {
    let (code, labels) = effect::ProgramEffects::new(program);
    let graph = cfg::build(program, &code, &labels, directives);
    Prepared { facts, code, graph }
}

/// One diagnostic per finding, each source-level problem once (a finding
/// inside a macro is found once per expansion).
pub fn report(program: &Program, target: &Target, map: &SourceMap, findings: &[Finding], diags: &mut Diagnostics) {
    let facts = facts::Facts::new(target);
    let reporter = report::Reporter { prog: program, facts: &facts, target, map };
    let mut seen = HashSet::default();
    for f in findings {
        let d = reporter.diagnostic(f);
        let key = (d.code, d.span, d.message.clone());
        if seen.insert(key) {
            diags.push(d);
        }
    }
}

/// The work an analysis did: blocks of the program and block visits of
/// the main run (findings are those of each block's last visit). Tests use it to
/// show the analysis is linear without timing it.
#[derive(Copy, Clone, Debug, Default)]
pub struct Stats {
    pub blocks: usize,
    pub visits: usize,
}

impl Prepared {
    /// The findings, in program order, and the work it took.
    /// The labels where the analysis starts a C-ABI function.
    pub fn function_starts(&self) -> HashSet<usize> {
        starts_of(&self.graph)
    }

    pub fn analyse(&self) -> (Vec<Finding>, Stats) {
        let (facts, graph) = (&self.facts, &self.graph);
        let an = Analysis::new(facts, &self.code, graph);
        let entry_align = if facts.x86 { 8 } else { 0 };
        let roots: Vec<(usize, State)> = graph
            .roots
            .iter()
            .enumerate()
            .filter_map(|(b, root)| {
                Some((
                    b,
                    match (*root)? {
                        Root::CAbi(site) => State::c_entry(facts.num_phys, site, facts.sp, entry_align, facts.x86),
                        Root::Unknown => State::unknown(facts.num_phys),
                    },
                ))
            })
            .collect();
        let r = an.run(roots, true);
        (r.findings, Stats { blocks: graph.num_blocks(), visits: r.visits })
    }
}

/// The analysis of a program alone (no label directives): the work it takes.
pub fn stats(program: &Program, target: &Target) -> Stats {
    prepare_with(program, facts::Facts::new(target), &HashMap::default()).analyse().1
}

/// The program-wide facts one analysis run needs, and the summaries of
/// called code (computed on demand, shared by every run).
pub struct Analysis<'a> {
    pub facts: &'a facts::Facts,
    pub code: &'a effect::ProgramEffects,
    pub cfg: &'a cfg::Cfg,
    /// Callee label item → the joined state at its returns (None: not
    /// summarisable — recursion, no return, over budget).
    summaries: RefCell<HashMap<usize, Option<Rc<State>>>>,
    /// Block visits left for summaries (keeps the whole check linear-ish).
    budget: Cell<usize>,
}

pub struct RunResult {
    pub findings: Vec<Finding>,
    pub visits: usize,
    /// The join of the states at every `ret` reached.
    pub at_return: Option<State>,
}

impl<'a> Analysis<'a> {
    fn new(facts: &'a facts::Facts, code: &'a effect::ProgramEffects, graph: &'a cfg::Cfg) -> Analysis<'a> {
        Analysis {
            facts,
            code,
            cfg: graph,
            summaries: RefCell::new(HashMap::default()),
            budget: Cell::new(4 * graph.num_blocks() + 100_000),
        }
    }

    /// What calling the code at label item `k` does: the state at its
    /// returns, relative to its entry.
    pub fn summary(&self, k: usize) -> Option<Rc<State>> {
        if let Some(s) = self.summaries.borrow().get(&k) {
            return s.clone();
        }
        // Recursion: while it is being computed, the callee is unknown.
        self.summaries.borrow_mut().insert(k, None);
        let root = (self.cfg.block_of[k] as usize, State::callee(self.facts.num_phys, self.facts.sp));
        let r = self.run(vec![root], false).at_return.map(Rc::new);
        self.summaries.borrow_mut().insert(k, r.clone());
        r
    }

    /// The data-flow analysis from `roots` to its fixed point; `main`: the
    /// whole program (report findings, C-ABI entries keep their own state)
    /// rather than one callee's summary.
    fn run(&self, roots: Vec<(usize, State)>, main: bool) -> RunResult {
        let graph = self.cfg;
        let n = graph.num_blocks();
        // Dense for the whole program, sparse for one callee's code.
        let mut states = if main { BlockMap::Dense(vec![None; n]) } else { BlockMap::Sparse(HashMap::default()) };
        let mut queued = if main { BlockSet::Dense(vec![false; n]) } else { BlockSet::Sparse(HashSet::default()) };
        // The whole program's entry states are let go once no block can
        // change them any more (a callee's few are kept).
        let mut retirement = main.then(|| Retirement::new(graph));
        let mut pool = StatePool::default();
        let mut work = VecDeque::new();
        for (b, st) in roots {
            *states.entry(b) = Some(st);
            queued.insert(b);
            work.push_back(b);
        }
        let mut m = Machine { an: self, findings: None, at_return: None, saved_regs: Vec::new() };
        // One working state, refilled at every visit (no allocation).
        let mut st = State::unknown(self.facts.num_phys);
        // The findings of each block's latest visit: the last visit of a
        // block is made with its final entry state (any change re-queues
        // it), so no extra pass is needed to report.
        let mut per_block: Vec<Vec<Finding>> = if main { vec![Vec::new(); n] } else { Vec::new() };
        let mut visits = 0usize;
        while let Some(b) = work.pop_front() {
            visits += 1;
            queued.remove(b);
            if !main {
                let left = self.budget.get();
                if left == 0 {
                    return RunResult { findings: Vec::new(), visits, at_return: None };
                }
                self.budget.set(left - 1);
            }
            let Some(entry) = states.entry(b) else { continue };
            // The last visit of a block nothing can change any more takes
            // its entry state instead of copying it.
            if retirement.as_ref().is_some_and(|r| r.is_last_visit(b)) {
                std::mem::swap(entry, &mut st);
            } else {
                st.clone_from(entry);
            }
            if main {
                m.findings = Some(Vec::new());
            }
            let block = graph.blocks[b];
            for i in self.code.instrs_in(block.start as usize, block.end as usize) {
                m.step(&mut st, i);
            }
            let edges = graph.edges(b);
            for (n, e) in edges.iter().enumerate() {
                let s = e.to as usize;
                // A C-ABI entry starts from its own state, whoever jumps
                // there; the jump leaves this function (a tail call).
                if main {
                    if let Some(Root::CAbi(label)) = graph.roots[s] {
                        m.leave(&st, (block.end - 1) as Site, Some(label));
                        continue;
                    }
                }
                let changed = match states.entry(s) {
                    Some(old) => old.join(&st),
                    // The last successor may take the working state: the
                    // next visit refills it.
                    slot @ None if n + 1 == edges.len() => {
                        *slot = Some(std::mem::replace(&mut st, pool.take(self.facts.num_phys)));
                        true
                    }
                    slot @ None => {
                        *slot = Some(pool.copy_of(&st));
                        true
                    }
                };
                if changed && queued.insert(s) {
                    work.push_back(s);
                }
            }
            if let Some(r) = &mut retirement {
                r.visited(b, graph, &queued, &mut states, &mut pool);
            }
            if main {
                per_block[b] = m.findings.take().unwrap_or_default();
            }
        }
        if !main {
            return RunResult { findings: Vec::new(), visits, at_return: m.at_return };
        }
        RunResult { findings: per_block.into_iter().flatten().collect(), visits, at_return: None }
    }
}
