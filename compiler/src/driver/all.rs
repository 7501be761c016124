//! One program checked for several targets in one run (`offasm check
//! --all-targets`, the build API).
//!
//! The work is shared as far as the targets allow:
//! - the sources (and layout tables) are read and parsed once per thread;
//! - targets whose settings choose the same branches of every `if`
//!   ([`crate::expand::settings::choices`]) form a group; one expansion
//!   serves several groups ([`expand::expand_groups`]): what their programs
//!   share is expanded once;
//! - within a group, a target that answers every question validation
//!   asked about the first one the same way ([`valid::Asked`]) and uses the
//!   same layout tables shares its validation, and one with the same register
//!   map its cross-target checks;
//! - parts of the run (the groups of one architecture) run on
//!   worker threads (long-lived pool threads) when there are several cores.
//!   The syntax tree is not `Send` (`Rc`), so every worker reads and parses
//!   the sources itself, at the same time as the main thread; its
//!   diagnostics come back as [`PortableDiagnostic`]s and are used only if it
//!   read the same text.
//!
//! Every target gets its full list of diagnostics; [`MultiOutcome::render`]
//! prints a diagnostic reported identically on several targets once, under a
//! header naming those targets.

use std::collections::HashMap;
use std::hash::Hasher;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};

use rustc_hash::FxHasher;

use super::{contradicts, settings_for, Input, Options};
use crate::check::transfer::Finding;
use crate::diag::{Diagnostic, Diagnostics, PortableDiagnostic, Severity};
use crate::expand::groups::GroupedExpansion;
use crate::expand::settings::{choices, resolve_groups, Settings};
use crate::expand::{self, Expanded};
use crate::front::ast::GroupMask;
use crate::front::ast::Stmt;
use crate::front::Loader;
use crate::layout::{declared_target, Layout};
use crate::source::{FileId, SourceMap, Span};
use crate::target::Target;
use crate::valid::{self, Asked, Program};

/// One target's result.
pub struct TargetOutcome {
    pub target: Target,
    /// All of this target's diagnostics (those of reading and parsing too), levels applied.
    pub diags: Diagnostics,
}

impl TargetOutcome {
    pub fn ok(&self) -> bool {
        !self.diags.has_errors()
    }
}

/// What [`check_targets`] produced.
#[derive(Default)]
pub struct MultiOutcome {
    /// The sources and layout tables (shared by every target's diagnostics).
    pub map: SourceMap,
    pub files_read: Vec<PathBuf>,
    /// One per target, in the order given.
    pub targets: Vec<TargetOutcome>,
    /// With `compile_first`: the first target's expansion, validated program
    /// and (when it had no error) assembly.
    pub expanded: Option<Expanded>,
    pub program: Option<Program>,
    pub asm: Option<String>,
    /// The other expansions and programs: freed with the outcome, like a
    /// single-target [`super::Outcome`]'s, not while checking.
    retained: Vec<Box<dyn std::any::Any>>,
    /// The run's tasks on pool threads: whether each has started, and its
    /// end (awaited on drop, so that no work of the run outlives the outcome).
    workers: Vec<(Arc<AtomicBool>, mpsc::Receiver<()>)>,
    /// Set when the run needs no more work from the pool.
    finished: Arc<AtomicBool>,
}

impl Drop for MultiOutcome {
    fn drop(&mut self) {
        self.finished.store(true, Ordering::SeqCst);
        for (started, done) in self.workers.drain(..) {
            // A task that has not started will see `finished` and do nothing.
            if started.load(Ordering::SeqCst) {
                let _ = done.recv();
            }
        }
    }
}

/// Checks the program for every target of `targets` (`opts.target` is not
/// used). With `compile_first`, the first target is also compiled as
/// [`super::compile`] would, and its layout tables must name it (or no
/// target); for the other targets a table that names another target is used
/// when no table names theirs (the tables of the first target named stand in).
/// `Err` is a command-line problem (a bad `-D`), as for [`super::check`].
pub fn check_targets(input: Input, opts: &Options, targets: &[Target], compile_first: bool) -> Result<MultiOutcome, String> {
    if targets.len() > 64 {
        return Err("at most 64 targets can be checked in one run".into());
    }
    // The `-D` list is written for the compiled target (or, for
    // `--all-targets`, for any of them): restated target-derived settings
    // apply to the targets they agree with.
    let settings = targets.iter().enumerate().map(|(i, t)| settings_for(opts, t, !(compile_first && i == 0))).collect::<Result<Vec<_>, _>>()?;
    // A target-derived setting that no target of the run has is a mistake.
    for d in &opts.defines {
        if !targets.is_empty() && targets.iter().all(|t| contradicts(d, t)) {
            return Err(format!(
                "[setting-is-derived] -D {d}: every target of the run fixes this setting to the other value; a target-derived setting can only restate a target's value"
            ));
        }
    }
    let src = match input {
        Input::File(p) => Source::File(p.to_path_buf()),
        Input::Text { path, text } => Source::Text { path: path.to_path_buf(), text },
    };
    let cores = match opts.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let executors = cores.min(targets.len()).max(1);
    // Workers (tasks on long-lived pool threads, whose memory stays warm
    // from one run to the next) start at once: they parse while the main
    // thread does. Groups are claimed in order, the first one by the main
    // thread: whoever is free takes the next, so a worker that gets no core
    // (or a pool thread busy with another run) does not hold the main thread
    // up. A worker sends its results as soon as it has them and frees its
    // trees after that.
    let (tx, rx) = mpsc::channel::<WorkerResult>();
    let claims = Arc::new(AtomicUsize::new(1));
    let board = Arc::new(Board::default());
    let finished = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    if executors > 1 {
        let shared = Arc::new((src.clone(), opts.clone(), targets.to_vec(), settings.clone()));
        for _ in 1..executors {
            let (shared, tx, claims, finished, board) = (Arc::clone(&shared), tx.clone(), Arc::clone(&claims), Arc::clone(&finished), Arc::clone(&board));
            let started = Arc::new(AtomicBool::new(false));
            let (done_tx, done_rx) = mpsc::channel::<()>();
            let task_started = Arc::clone(&started);
            let task: Task = Box::new(move || {
                task_started.store(true, Ordering::SeqCst);
                let mut trees = None;
                if !finished.load(Ordering::SeqCst) {
                    let (src, opts, targets, settings): &(Source, Options, Vec<Target>, Vec<Settings>) = &shared;
                    let job = Job { opts, threads: executors, targets, settings, compile_first, board: Some(&board) };
                    trees = Some(worker(src, &job, &claims, &tx));
                }
                // Analyses the main thread offers after this worker's parts
                // are done (before freeing the worker's trees: the run waits
                // for those analyses, not for the freeing).
                board.help_until_closed();
                drop((trees, shared, tx));
                let _ = done_tx.send(());
            });
            // Without a pool thread, the main thread claims every group.
            if pool_run(task, executors - 1) {
                workers.push((started, done_rx));
            }
        }
    }
    drop(tx);
    // Closed however this function ends, so that helping workers stop.
    let _close = CloseOnDrop(&board);
    let job = Job { opts, threads: executors, targets, settings: &settings, compile_first, board: (executors > 1).then_some(&*board) };
    let front = front(&src, opts);
    let mut out = MultiOutcome::default();
    out.files_read = front.files_read.clone();
    out.workers = workers;
    out.finished = Arc::clone(&finished);
    let mut per_target: Vec<Option<Diagnostics>> = (0..targets.len()).map(|_| None).collect();
    let plan = match &front.tree {
        Some(tree) => Plan::new(tree, &settings, targets, executors),
        None => {
            // Nothing to expand: the diagnostics of reading and parsing, for every target.
            for d in per_target.iter_mut() {
                let mut list = Diagnostics { list: front.diags.list.clone() };
                opts.levels.apply(&mut list);
                *d = Some(list);
            }
            Plan::default()
        }
    };
    if !plan.parts.is_empty() {
        run_part(&job, &front, &plan, 0, compile_first, &mut per_target, &mut out);
    }
    while claims.load(Ordering::Relaxed) < plan.parts.len() {
        let p = claims.fetch_add(1, Ordering::Relaxed);
        if p < plan.parts.len() {
            run_part(&job, &front, &plan, p, false, &mut per_target, &mut out);
        }
    }
    if per_target.iter().any(Option::is_none) {
        let fingerprint = fingerprint(&front.map);
        // Until the workers' units are in (an error: every worker has gone).
        while per_target.iter().any(Option::is_none) {
            let Ok(w) = rx.recv() else { break };
            if w.fingerprint != fingerprint {
                // It read different text (a file changed meanwhile): its units are redone here.
                continue;
            }
            for (t, list) in w.results {
                per_target[t].get_or_insert_with(|| Diagnostics { list: list.into_iter().map(PortableDiagnostic::into_diagnostic).collect() });
            }
        }
        for p in 0..plan.parts.len() {
            if plan.parts[p].units.iter().flat_map(|&u| &plan.units[u]).any(|&t| per_target[t].is_none()) {
                run_part(&job, &front, &plan, p, false, &mut per_target, &mut out);
            }
        }
    }
    // Tasks that have not started yet need not.
    finished.store(true, Ordering::SeqCst);
    out.targets = targets.iter().zip(per_target).map(|(t, d)| TargetOutcome { target: t.clone(), diags: d.unwrap_or_default() }).collect();
    if compile_first && out.targets.first().is_some_and(TargetOutcome::ok) {
        if let Some(p) = &out.program {
            let eo = crate::back::EmitOptions { debug_info: opts.debug_info, unwind: opts.unwind, landing_pads: opts.cf_protection, visibility: opts.visibility, label_align: opts.label_align };
            let (asm, found) = crate::back::emit_reporting(p, &targets[0], &front.map, &eo, None);
            let mut found = Diagnostics { list: found };
            opts.levels.apply(&mut found);
            let denied = found.has_errors();
            out.targets[0].diags.extend(found.list);
            out.asm = (!denied).then_some(asm);
        }
    }
    out.map = front.map;
    out.retained.push(Box::new(front.tree));
    Ok(out)
}

type Task = Box<dyn FnOnce() + Send>;

/// Long-lived worker threads shared by every run of the process: their
/// memory (allocator arenas) stays warm from one run to the next, where a
/// new thread per run would fault in every page again.
struct Pool {
    tasks: mpsc::Sender<Task>,
    queue: Arc<Mutex<mpsc::Receiver<Task>>>,
    threads: usize,
}

static POOL: Mutex<Option<Pool>> = Mutex::new(None);

/// Queues `task` for the pool, grown to `threads` threads if need be.
/// `false`: no thread could be started.
fn pool_run(task: Task, threads: usize) -> bool {
    let Ok(mut guard) = POOL.lock() else {
        return false;
    };
    let pool = guard.get_or_insert_with(|| {
        let (tasks, queue) = mpsc::channel::<Task>();
        Pool { tasks, queue: Arc::new(Mutex::new(queue)), threads: 0 }
    });
    while pool.threads < threads {
        let queue = Arc::clone(&pool.queue);
        let spawned = std::thread::Builder::new().name(format!("offasm-check-{}", pool.threads + 1)).spawn(move || loop {
            let task = match queue.lock() {
                Ok(q) => q.recv(),
                Err(_) => return,
            };
            match task {
                // A panic ends the task, not the thread (the task's channels
                // close, which its run notices).
                Ok(t) => drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(t))),
                Err(_) => return,
            }
        });
        if spawned.is_err() {
            break;
        }
        pool.threads += 1;
    }
    pool.threads > 0 && pool.tasks.send(task).is_ok()
}

/// The root source, owned so that workers can read it too.
#[derive(Clone)]
enum Source {
    File(PathBuf),
    Text { path: PathBuf, text: String },
}

struct Job<'a> {
    opts: &'a Options,
    /// The threads of the run (the main one included).
    threads: usize,
    targets: &'a [Target],
    settings: &'a [Settings],
    compile_first: bool,
    /// Where check analyses are offered to other threads (several threads only).
    board: Option<&'a Board>,
}

/// The sources, parsed once for every target.
struct Front {
    map: SourceMap,
    diags: Diagnostics,
    files_read: Vec<PathBuf>,
    /// `None`: nothing to expand (unreadable root, or errors while reading and parsing).
    tree: Option<Vec<Stmt>>,
    layouts: Vec<LayoutFile>,
}

struct LayoutFile {
    path: PathBuf,
    file: FileId,
    /// Why it cannot be read.
    unreadable: Option<String>,
    /// The target it names, if any.
    declared: Option<Target>,
}

fn front(src: &Source, opts: &Options) -> Front {
    let mut map = SourceMap::new();
    let mut diags = Diagnostics::default();
    let mut loader = Loader::new(&mut map, &opts.include_dirs, &mut diags);
    let tree = match src {
        Source::File(p) => loader.load_root(p),
        Source::Text { path, text } => Some(loader.load_text(path, &path.display().to_string(), text.clone())),
    };
    let mut files_read = std::mem::take(&mut loader.files_read);
    // A file that does not parse is not expanded: its tree is incomplete.
    let tree = tree.filter(|_| !diags.has_errors());
    // Layout tables are read once and registered in the source map, so that
    // their diagnostics point at one file whatever the target.
    let mut layouts = Vec::new();
    for path in &opts.layouts {
        let (text, unreadable) = match std::fs::read_to_string(path) {
            Ok(t) => (t, None),
            Err(e) => (String::new(), Some(format!("cannot read layout `{}`: {e}", path.display()))),
        };
        let declared = declared_target(&text).and_then(|t| Target::from_triple(&t).ok());
        let file = map.add(path, path.display().to_string(), text);
        layouts.push(LayoutFile { path: path.clone(), file, unreadable, declared });
        files_read.push(path.clone());
    }
    Front { map, diags, files_read, tree, layouts }
}

/// How the targets of a run share work:
/// - groups: targets whose settings choose the same branches of every `if`;
/// - units: the targets of a group with the same architecture (they often
///   share their validation, and their checks when the register maps agree);
/// - parts, claimed by the threads: units whose groups one thread expands
///   together (a several-group expansion costs little more than one when the
///   groups' programs mostly agree, as they do for one architecture).
#[derive(Default)]
struct Plan {
    /// Per target: its group.
    group_of: Vec<usize>,
    /// Per group: its first target (whose settings resolve the tree).
    first_of_group: Vec<usize>,
    /// The first holds the first target.
    units: Vec<Vec<usize>>,
    /// The first holds the first unit.
    parts: Vec<Part>,
}

struct Part {
    units: Vec<usize>,
    groups: GroupMask,
}

impl Plan {
    fn new(tree: &[Stmt], settings: &[Settings], targets: &[Target], threads: usize) -> Plan {
        let mut keys: Vec<crate::expand::settings::Choices> = Vec::new();
        let mut plan = Plan::default();
        for (i, s) in settings.iter().enumerate() {
            let c = choices(tree, s);
            let g = keys.iter().position(|k| *k == c).unwrap_or_else(|| {
                keys.push(c);
                plan.first_of_group.push(i);
                keys.len() - 1
            });
            plan.group_of.push(g);
        }
        let mut unit_keys: Vec<(usize, crate::target::Arch)> = Vec::new();
        for (i, t) in targets.iter().enumerate() {
            let key = (plan.group_of[i], t.arch);
            match unit_keys.iter().position(|k| *k == key) {
                Some(u) => plan.units[u].push(i),
                None => {
                    unit_keys.push(key);
                    plan.units.push(vec![i]);
                }
            }
        }
        // One part per unit when every unit gets a thread; otherwise one per
        // architecture (or a single part for a single thread).
        let mut parts: Vec<(Option<crate::target::Arch>, Vec<usize>)> = Vec::new();
        for (u, &(_, arch)) in unit_keys.iter().enumerate() {
            let key = match threads {
                1 => None,
                n if n >= unit_keys.len() => {
                    parts.push((Some(arch), vec![u]));
                    continue;
                }
                _ => Some(arch),
            };
            match parts.iter_mut().find(|(k, _)| *k == key) {
                Some((_, units)) => units.push(u),
                None => parts.push((key, vec![u])),
            }
        }
        plan.parts = parts
            .into_iter()
            .map(|(_, units)| {
                let groups = units.iter().fold(0, |m, &u| m | 1 << unit_keys[u].0);
                Part { units, groups }
            })
            .collect();
        plan
    }
}

/// One thread's expansion of every group (each thread has its own: the
/// syntax trees are not `Send`), and the per-group programs it took from it.
struct Expansion {
    /// Per group: the diagnostics of resolving its settings.
    resolved: Vec<Vec<Diagnostic>>,
    /// `None`: no group gets to expansion.
    grouped: Option<GroupedExpansion>,
    /// Per group, once a unit needed it: its expansion and diagnostics.
    per_group: HashMap<usize, (Rc<Expanded>, Vec<Diagnostic>)>,
}

impl Expansion {
    /// Expands the groups of `groups`.
    fn new(job: &Job, front: &Front, plan: &Plan, groups: GroupMask) -> Expansion {
        let Some(tree) = &front.tree else {
            return Expansion { resolved: Vec::new(), grouped: None, per_group: HashMap::new() };
        };
        let firsts: Vec<Settings> = plan.first_of_group.iter().map(|&t| job.settings[t].clone()).collect();
        let (resolved_tree, resolved) = resolve_groups(tree.clone(), &firsts);
        // A group whose settings are in error is not expanded (as in a single-target run).
        let ok: GroupMask = resolved
            .iter()
            .enumerate()
            .filter(|(g, d)| groups & 1 << g != 0 && !d.iter().any(|d| d.severity == Severity::Error))
            .fold(0, |m, (g, _)| m | 1 << g);
        let grouped = (ok != 0).then(|| expand::expand_groups(&resolved_tree, ok, job.opts.max_depth));
        Expansion { resolved, grouped, per_group: HashMap::new() }
    }

    /// Group `g`'s diagnostics so far (reading, settings, expansion) and its
    /// expansion, if it got that far.
    fn group(&mut self, front: &Front, g: usize) -> (Diagnostics, Option<Rc<Expanded>>) {
        let mut diags = Diagnostics { list: front.diags.list.clone() };
        diags.list.extend(self.resolved.get(g).into_iter().flatten().cloned());
        if diags.has_errors() {
            return (diags, None);
        }
        let Some(grouped) = &self.grouped else {
            return (diags, None);
        };
        let (x, found) = self.per_group.entry(g).or_insert_with(|| {
            let (x, found) = grouped.for_group(g);
            (Rc::new(x), found)
        });
        diags.list.extend(found.iter().cloned());
        (diags, Some(x.clone()))
    }
}

/// The layout tables a target uses, each with the triple its `target` field
/// is checked against (`None`: the table names no target).
fn layout_selection(front: &Front, target: &Target, strict: bool) -> Vec<(usize, Option<String>)> {
    if strict {
        return (0..front.layouts.len()).map(|i| (i, Some(target.triple.clone()))).collect();
    }
    let named_here = front.layouts.iter().any(|l| l.declared.as_ref().is_some_and(|d| d.same_as(target)));
    let stand_in = if named_here { None } else { front.layouts.iter().find_map(|l| l.declared.clone()) };
    let mut sel = Vec::new();
    for (i, l) in front.layouts.iter().enumerate() {
        match &l.declared {
            None => sel.push((i, None)),
            Some(d) if d.same_as(target) || stand_in.as_ref().is_some_and(|s| s.same_as(d)) => sel.push((i, Some(d.triple.clone()))),
            Some(_) => {}
        }
    }
    sel
}

fn load_layout(front: &Front, target: &Target, sel: &[(usize, Option<String>)], diags: &mut Diagnostics) -> Layout {
    let mut layout = Layout::default();
    for (i, triple) in sel {
        let l = &front.layouts[*i];
        let result = match &l.unreadable {
            Some(msg) => Err(("io", msg.clone())),
            None => {
                let triple = triple.as_deref().unwrap_or(&target.triple);
                layout.load_str(&front.map.file(l.file).text, &l.path.display().to_string(), triple)
            }
        };
        if let Err((code, msg)) = result {
            diags.push(Diagnostic::error(code, Span::new(l.file, 0, 0), msg).with_label("in this layout table"));
        }
    }
    layout
}

/// A validation that later targets of the group may share.
struct Validated {
    target: usize,
    layouts: Vec<(usize, Option<String>)>,
    program: Program,
    asked: Asked,
    diags: Diagnostics,
    /// The cross-target checks of this program, per register map.
    checked: Vec<Checked>,
}

/// Replaces `from` by `to` in every text of `d` (message, labels, notes).
fn replace_in_texts(d: &mut crate::diag::Diagnostic, from: &str, to: &str) {
    let fix = |t: &mut String| {
        if t.contains(from) {
            *t = t.replace(from, to);
        }
    };
    fix(&mut d.message);
    if let Some(l) = &mut d.label {
        fix(l);
    }
    for (_, t) in &mut d.secondary {
        fix(t);
    }
    for n in &mut d.notes {
        fix(n);
    }
}

/// Expansion, layout, validation and the cross-target checks for the
/// targets of part `p`; fills `per_target` (levels applied).
fn run_part(job: &Job, front: &Front, plan: &Plan, p: usize, keep_first: bool, per_target: &mut [Option<Diagnostics>], out: &mut MultiOutcome) {
    let part = &plan.parts[p];
    let mut exp = Expansion::new(job, front, plan, part.groups);
    let mut units = Vec::new();
    for &u in &part.units {
        units.push(run_unit(job, front, plan, &mut exp, &plan.units[u], per_target));
    }
    // The analyses offered meanwhile: those no thread took are run here
    // first, then the findings of the others are awaited.
    for unit in &mut units {
        for v in &mut unit.validated {
            for c in &mut v.checked {
                c.run_if_untaken(job, &v.program, &front.map);
            }
        }
    }
    for unit in &mut units {
        for w in std::mem::take(&mut unit.waiting) {
            let v = &mut unit.validated[w.validated];
            let found = v.checked[w.check].found(job, &v.program, &front.map);
            let Waiting { target: ti, mut diags, from, .. } = w;
            let t = &job.targets[ti];
            add_findings(job, &mut diags, found, from, t);
            finish_target(job, t, ti, diags, per_target);
        }
    }
    if keep_first {
        if let Some(v) = units.first_mut().and_then(|u| u.validated.iter().position(|v| v.target == 0).map(|i| u.validated.swap_remove(i))) {
            out.program = Some(v.program);
        }
        // Only this thread's table holds it now.
        out.expanded = exp.per_group.remove(&plan.group_of[0]).and_then(|(x, _)| Rc::try_unwrap(x).ok());
    }
    out.retained.push(Box::new(units));
    out.retained.push(Box::new(exp));
}

/// Appends checks' diagnostics to target `t`'s list; `from`: the target they
/// ran for, when another one, whose triple they name instead of `t`'s.
fn add_findings(job: &Job, diags: &mut Diagnostics, found: &[Diagnostic], from: Option<usize>, t: &Target) {
    match from {
        Some(first) => {
            let (from, to) = (&job.targets[first].triple, &t.triple);
            diags.extend(found.iter().map(|d| {
                let mut d = d.clone();
                replace_in_texts(&mut d, from, to);
                d
            }));
        }
        None => diags.extend(found.iter().cloned()),
    }
}

/// Levels applied, target-neutral messages: a target's final list.
fn finish_target(job: &Job, t: &Target, ti: usize, mut diags: Diagnostics, per_target: &mut [Option<Diagnostics>]) {
    job.opts.levels.apply(&mut diags);
    if job.targets.len() > 1 {
        neutral_messages(&mut diags, t);
    }
    per_target[ti] = Some(diags);
}

/// What a unit left: its validations, and its targets whose checks are
/// still running.
struct Unit {
    validated: Vec<Validated>,
    waiting: Vec<Waiting>,
}

/// A target whose diagnostics lack the findings of check `check` of
/// validation `validated` (`from`: the target the checks ran for, when it
/// is another one, whose name the findings give).
struct Waiting {
    target: usize,
    diags: Diagnostics,
    validated: usize,
    check: usize,
    from: Option<usize>,
}

/// Layout, validation and the cross-target checks for the targets of one
/// unit. A target whose checks ran here gets its final diagnostics in
/// `per_target` at once (levels applied); with several threads, the
/// analyses are offered to any free thread and the targets wait.
fn run_unit(job: &Job, front: &Front, plan: &Plan, exp: &mut Expansion, unit: &[usize], per_target: &mut [Option<Diagnostics>]) -> Unit {
    let opts = job.opts;
    let mut validated: Vec<Validated> = Vec::new();
    let mut waiting = Vec::new();
    for &ti in unit {
        let t = &job.targets[ti];
        let (mut diags, x) = exp.group(front, plan.group_of[ti]);
        if let Some(x) = &x {
            let sel = layout_selection(front, t, ti == 0 && job.compile_first);
            let errors_before = diags.error_count();
            let layout = load_layout(front, t, &sel, &mut diags);
            // With a broken table every key would be reported missing: stop there.
            if diags.error_count() == errors_before {
                let reuse = validated.iter().position(|v| v.layouts == sel && v.asked.same_on(&job.targets[v.target], t));
                let vi = match reuse {
                    Some(i) => i,
                    None => {
                        let mut vd = Diagnostics::default();
                        let (program, asked) = valid::validate_recording(x, t, &layout, &mut vd);
                        validated.push(Validated { target: ti, layouts: sel, program, asked, diags: vd, checked: Vec::new() });
                        validated.len() - 1
                    }
                };
                let v = &mut validated[vi];
                diags.extend(v.diags.list.iter().cloned());
                // The checks depend on the program and the register map only:
                // a target sharing both (Linux and macOS) gets the same
                // findings, which name it instead.
                let map = t.regmap();
                let runs = opts.hazard_checks && !diags.has_errors() && !opts.levels.allows_all(crate::check::HAZARD_CODES);
                if runs {
                    let (ci, from) = match v.checked.iter().position(|c| c.map == map) {
                        Some(ci) => (ci, Some(v.checked[ci].target)),
                        None => {
                            v.checked.push(Checked::start(job, &v.program, ti, map, front));
                            (v.checked.len() - 1, None)
                        }
                    };
                    if v.checked[ci].is_done() {
                        let found = v.checked[ci].found(job, &v.program, &front.map);
                        add_findings(job, &mut diags, found, from, t);
                    } else {
                        waiting.push(Waiting { target: ti, diags, validated: vi, check: ci, from });
                        continue;
                    }
                }
            }
        }
        finish_target(job, t, ti, diags, per_target);
    }
    Unit { validated, waiting }
}

/// The cross-target checks of one validated program for one register map.
struct Checked {
    map: crate::target::RegMap,
    /// The target they run for (whose triple the findings give).
    target: usize,
    /// The diagnostics of preparing (label directives), then, once known,
    /// those of the findings.
    found: Vec<Diagnostic>,
    /// The analysis offered on the board, until its findings are in.
    offered: Option<u64>,
}

impl Checked {
    /// Prepares the analysis; runs it here with one thread, offers it otherwise.
    fn start(job: &Job, program: &Program, ti: usize, map: crate::target::RegMap, front: &Front) -> Checked {
        let t = &job.targets[ti];
        let mut diags = Diagnostics::default();
        let prepared = crate::check::prepare(program, t, &front.map, &mut diags);
        let offered = match job.board {
            Some(board) => Some(board.offer(prepared)),
            None => {
                let (findings, _) = prepared.analyse();
                crate::check::report(program, t, &front.map, &findings, &mut diags);
                None
            }
        };
        Checked { map, target: ti, found: diags.list, offered }
    }

    fn is_done(&self) -> bool {
        self.offered.is_none()
    }

    /// Runs the analysis here if it is still on the board.
    fn run_if_untaken(&mut self, job: &Job, program: &Program, map: &SourceMap) {
        if let (Some(id), Some(board)) = (self.offered, job.board) {
            if let Some(p) = board.take(id) {
                self.offered = None;
                let (findings, _) = p.analyse();
                let mut diags = Diagnostics { list: std::mem::take(&mut self.found) };
                crate::check::report(program, &job.targets[self.target], map, &findings, &mut diags);
                self.found = diags.list;
            }
        }
    }

    /// The diagnostics, waiting for the analysis if it was offered.
    fn found(&mut self, job: &Job, program: &Program, map: &SourceMap) -> &[Diagnostic] {
        if let (Some(id), Some(board)) = (self.offered.take(), job.board) {
            let t = &job.targets[self.target];
            let mut diags = Diagnostics { list: std::mem::take(&mut self.found) };
            match board.findings(id) {
                Some(findings) => crate::check::report(program, t, map, &findings, &mut diags),
                // The thread that took it failed: run it here.
                None => {
                    let mut again = Diagnostics::default();
                    let (findings, _) = crate::check::prepare(program, t, map, &mut again).analyse();
                    crate::check::report(program, t, map, &findings, &mut diags);
                }
            }
            self.found = diags.list;
        }
        &self.found
    }
}

/// Check analyses offered by the threads of one run to whichever thread
/// is free: a thread whose own work is done takes the others' (the
/// analysis owns its data, [`crate::check::Prepared`]); a thread that
/// needs findings it offered takes its analysis back if no one has.
#[derive(Default)]
struct Board {
    state: Mutex<BoardState>,
    changed: Condvar,
}

#[derive(Default)]
struct BoardState {
    next_id: u64,
    offered: Vec<(u64, crate::check::Prepared)>,
    /// Findings of analyses run by another thread than the one that offered
    /// them (`None`: the thread running it failed).
    done: HashMap<u64, Option<Vec<Finding>>>,
    /// Taken by a thread and not done yet.
    running: usize,
    /// No more offers will come (the run is over).
    closed: bool,
}

impl Board {
    fn offer(&self, p: crate::check::Prepared) -> u64 {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let id = st.next_id;
        st.next_id += 1;
        st.offered.push((id, p));
        self.changed.notify_all();
        id
    }

    /// Analysis `id`, if no thread has taken it.
    fn take(&self, id: u64) -> Option<crate::check::Prepared> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let at = st.offered.iter().position(|(i, _)| *i == id)?;
        Some(st.offered.remove(at).1)
    }

    /// The findings of analysis `id`: run here if still on the board, or
    /// awaited. `None`: the thread that
    /// took it failed.
    fn findings(&self, id: u64) -> Option<Vec<Finding>> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(at) = st.offered.iter().position(|(i, _)| *i == id) {
                let (_, p) = st.offered.remove(at);
                drop(st);
                return Some(p.analyse().0);
            }
            if let Some(f) = st.done.remove(&id) {
                return f;
            }
            st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Runs offered analyses until the run is over.
    fn help_until_closed(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some((id, p)) = st.offered.pop() {
                st.running += 1;
                drop(st);
                // Recorded as failed if the analysis panics.
                let mut result = FailedUnlessSet { board: self, id, findings: None };
                result.findings = Some(p.analyse().0);
                drop(result);
                st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                continue;
            }
            if st.closed {
                return;
            }
            st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Posts an analysis's findings (or its failure) when dropped.
struct FailedUnlessSet<'a> {
    board: &'a Board,
    id: u64,
    findings: Option<Vec<Finding>>,
}

impl Drop for FailedUnlessSet<'_> {
    fn drop(&mut self) {
        let mut st = self.board.state.lock().unwrap_or_else(|e| e.into_inner());
        st.running -= 1;
        st.done.insert(self.id, self.findings.take());
        self.board.changed.notify_all();
    }
}

/// Closes the board when the run ends, however it ends.
struct CloseOnDrop<'a>(&'a Board);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        let mut st = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        st.closed = true;
        self.0.changed.notify_all();
    }
}

/// Messages that name the target (`… is not available on x86_64-…`) say
/// "this target" instead: the header above them names the targets, and the
/// same problem on several targets is then printed once.
fn neutral_messages(diags: &mut Diagnostics, target: &Target) {
    let named = format!("on {}", target.triple);
    for d in &mut diags.list {
        replace_in_texts(d, &named, "on this target");
    }
}

/// What a worker thread sends back.
struct WorkerResult {
    fingerprint: u64,
    results: Vec<(usize, Vec<PortableDiagnostic>)>,
}

/// A worker: parses the sources itself, runs the groups it claims and sends
/// their diagnostics; returns what it built, to be freed once the run no
/// longer needs the thread.
fn worker(src: &Source, job: &Job, claims: &AtomicUsize, tx: &mpsc::Sender<WorkerResult>) -> (Front, MultiOutcome) {
    let front = front(src, job.opts);
    let mut result = WorkerResult { fingerprint: fingerprint(&front.map), results: Vec::new() };
    let Some(tree) = &front.tree else {
        let _ = tx.send(result);
        return (front, MultiOutcome::default());
    };
    let plan = Plan::new(tree, job.settings, job.targets, job.threads);
    let mut per_target: Vec<Option<Diagnostics>> = (0..job.targets.len()).map(|_| None).collect();
    // Freed after the analyses the run waits for.
    let mut unused = MultiOutcome::default();
    while claims.load(Ordering::Relaxed) < plan.parts.len() {
        let p = claims.fetch_add(1, Ordering::Relaxed);
        if p < plan.parts.len() {
            run_part(job, &front, &plan, p, false, &mut per_target, &mut unused);
        }
    }
    for (t, d) in per_target.into_iter().enumerate() {
        if let Some(d) = d {
            result.results.push((t, d.list.iter().map(Diagnostic::to_portable).collect()));
        }
    }
    let _ = tx.send(result);
    (front, unused)
}

/// Identifies the text a run read (names and contents of every file).
fn fingerprint(map: &SourceMap) -> u64 {
    let mut h = FxHasher::default();
    for (_, f) in map.files() {
        h.write(f.name.as_bytes());
        h.write_u8(0);
        h.write(f.text.as_bytes());
        h.write_usize(f.text.len());
    }
    h.finish()
}

// ---------------------------------------------------------------------------
// Reporting

#[derive(PartialEq, Eq, Hash)]
struct DedupKey<'a> {
    severity: Severity,
    code: &'a str,
    span: Span,
    message: &'a str,
    label: Option<&'a str>,
    secondary: &'a [(Span, String)],
    notes: &'a [String],
    chain: Vec<(&'a str, Span)>,
}

impl<'a> DedupKey<'a> {
    fn of(d: &'a Diagnostic) -> DedupKey<'a> {
        let mut chain = Vec::new();
        let mut f = d.chain.as_deref();
        while let Some(fr) = f {
            chain.push((&*fr.name, fr.call));
            f = fr.parent.as_deref();
        }
        DedupKey {
            severity: d.severity,
            code: d.code,
            span: d.span,
            message: &d.message,
            label: d.label.as_deref(),
            secondary: &d.secondary,
            notes: &d.notes,
            chain,
        }
    }
}

/// How [`MultiOutcome::render`] prints diagnostics.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Style {
    /// Source excerpts (ariadne); `true`: with color.
    Human(bool),
    /// One `file:line:col: error[code]: message` line per diagnostic, notes indented.
    Short,
}

impl MultiOutcome {
    /// No target has an error.
    pub fn ok(&self) -> bool {
        self.targets.iter().all(TargetOutcome::ok)
    }

    /// Every distinct diagnostic with the set of targets that reported it
    /// (bit `i`: `targets[i]`), in the order first seen. Two diagnostics are
    /// the same when everything printed about them is: severity, code, span,
    /// message, labels, notes and expansion chain.
    pub fn distinct(&self) -> Vec<(&Diagnostic, u64)> {
        let mut index: HashMap<DedupKey, usize> = HashMap::new();
        let mut out: Vec<(&Diagnostic, u64)> = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            for d in &t.diags.list {
                match index.entry(DedupKey::of(d)) {
                    std::collections::hash_map::Entry::Occupied(e) => out[*e.get()].1 |= 1 << i,
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(out.len());
                        out.push((d, 1 << i));
                    }
                }
            }
        }
        out
    }

    /// The distinct diagnostics grouped by the targets that reported them:
    /// those of every target first, then by first target (larger sets first).
    pub fn grouped(&self) -> Vec<(u64, Vec<&Diagnostic>)> {
        let mut groups: Vec<(u64, Vec<&Diagnostic>)> = Vec::new();
        for (d, mask) in self.distinct() {
            match groups.iter_mut().find(|(m, _)| *m == mask) {
                Some((_, list)) => list.push(d),
                None => groups.push((mask, vec![d])),
            }
        }
        let all = self.all_mask();
        groups.sort_by_key(|(m, _)| (*m != all, m.trailing_zeros(), std::cmp::Reverse(m.count_ones()), *m));
        groups
    }

    /// The set of every target of the run.
    pub fn all_mask(&self) -> u64 {
        if self.targets.len() >= 64 {
            u64::MAX
        } else {
            (1u64 << self.targets.len()) - 1
        }
    }

    /// The targets of a set, as a list of triples.
    pub fn target_names(&self, mask: u64) -> Vec<&str> {
        self.targets.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, t)| t.target.triple.as_str()).collect()
    }

    /// The header line of a group of diagnostics: `=== all 5 targets ===`,
    /// `=== x86_64-pc-windows-msvc (x86-64 Windows x64, COFF) ===` or
    /// `=== x86_64-unknown-linux-gnu, x86_64-apple-darwin ===`.
    pub fn header(&self, mask: u64) -> String {
        if mask == self.all_mask() {
            return format!("=== all {} targets ===", self.targets.len());
        }
        let names = self.target_names(mask);
        if let [one] = names[..] {
            let i = mask.trailing_zeros() as usize;
            if let Some(desc) = self.targets[i].target.description() {
                return format!("=== {one} ({desc}) ===");
            }
        }
        format!("=== {} ===", names.join(", "))
    }

    /// Distinct errors over all targets.
    pub fn error_count(&self) -> usize {
        self.distinct().iter().filter(|(d, _)| d.is_error()).count()
    }

    /// The set of targets with an error.
    pub fn failing(&self) -> u64 {
        self.targets.iter().enumerate().filter(|(_, t)| !t.ok()).fold(0, |m, (i, _)| m | 1 << i)
    }

    /// All diagnostics, grouped under target headers (no headers for a
    /// single target); at most `limit` (0: all) diagnostics, then a note
    /// with the number left out.
    pub fn render(&self, style: Style, limit: usize) -> String {
        let groups = self.grouped();
        let total: usize = groups.iter().map(|(_, l)| l.len()).sum();
        let mut left = if limit == 0 { total } else { limit.min(total) };
        let mut s = String::new();
        for (mask, list) in &groups {
            if left == 0 {
                break;
            }
            let shown: Vec<Diagnostic> = list.iter().take(left).map(|d| (*d).clone()).collect();
            left -= shown.len();
            if self.targets.len() > 1 {
                s.push_str(&self.header(*mask));
                s.push('\n');
            }
            match style {
                Style::Human(color) => s.push_str(&crate::diag::render_all(&shown, &self.map, color)),
                Style::Short => s.extend(shown.iter().map(|d| d.render_short(&self.map))),
            }
        }
        let shown = if limit == 0 { total } else { limit.min(total) };
        if shown < total {
            s.push_str(&format!("note: {} more diagnostics not shown (--error-limit 0 shows all)\n", total - shown));
        }
        s
    }

    /// `error: N errors found on …`, or `None` without errors.
    pub fn error_summary(&self) -> Option<String> {
        let n = self.error_count();
        if n == 0 {
            return None;
        }
        let failing = self.failing();
        let on = if self.targets.len() == 1 {
            String::new()
        } else if failing == self.all_mask() {
            format!(" (on all {} targets)", self.targets.len())
        } else {
            format!(" (on {})", self.target_names(failing).join(", "))
        };
        Some(format!("error: {n} error{} found{on}", if n == 1 { "" } else { "s" }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A Windows-only alias clobber: `t5` is `a0`'s register there.
    const CLOBBER: &str = "global _f\n_f:\n    move 1, t5\n    move 2, a0\n    addp t5, a0\n    ret\n";

    fn prepared(text: &str, triple: &str) -> (Program, Target, SourceMap, crate::check::Prepared) {
        let target: Target = triple.parse().unwrap();
        let mut opts = Options::new(target.clone());
        opts.hazard_checks = false;
        let out = super::super::check(Input::Text { path: Path::new("t.asm"), text: text.into() }, &opts).unwrap();
        let program = out.program.unwrap();
        let prepared = crate::check::prepare(&program, &target, &out.map, &mut Diagnostics::default());
        (program, target, out.map, prepared)
    }

    #[test]
    fn an_analysis_taken_by_another_thread_gives_the_findings_it_gives_here() {
        let (_, _, _, here) = prepared(CLOBBER, "x86_64-pc-windows-msvc");
        let want = format!("{:?}", here.analyse().0);
        assert!(want.contains("AliasClobber"), "{want}");
        let (_, _, _, offered) = prepared(CLOBBER, "x86_64-pc-windows-msvc");
        let board = Arc::new(Board::default());
        let id = board.offer(offered);
        let helper = {
            let board = Arc::clone(&board);
            std::thread::spawn(move || board.help_until_closed())
        };
        // Until the helper has taken it (or the board is otherwise empty).
        while board.state.lock().unwrap().offered.iter().any(|(i, _)| *i == id) {
            std::thread::yield_now();
        }
        let got = board.findings(id).expect("the helper ran it");
        drop(CloseOnDrop(&board));
        helper.join().unwrap();
        assert_eq!(format!("{got:?}"), want);
    }

    #[test]
    fn an_analysis_no_thread_took_is_run_by_the_thread_that_needs_it() {
        let (_, _, _, offered) = prepared(CLOBBER, "x86_64-pc-windows-msvc");
        let board = Board::default();
        let id = board.offer(offered);
        let got = board.findings(id).unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
    }

    #[test]
    fn a_failed_helper_is_reported_as_failed_not_awaited_forever() {
        let board = Board::default();
        {
            let mut st = board.state.lock().unwrap();
            st.running += 1;
        }
        // What the guard of a panicking analysis posts.
        drop(FailedUnlessSet { board: &board, id: 7, findings: None });
        assert!(board.findings(7).is_none());
    }
}
