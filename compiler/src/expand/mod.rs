//! Expansion (phase 4, LANGUAGE.md §9): macro calls are replaced by their
//! bodies, parameters and constants substituted, local labels renamed per
//! expansion, `%name%` concatenations performed and `global`s collected. The
//! result is a flat list of labels and instructions, each with its origin.

pub mod env;
pub mod groups;
pub mod settings;

use rustc_hash::FxHashMap as HashMap;
use std::cell::Cell;
use std::rc::Rc;

use crate::diag::{Diagnostic, Diagnostics, Frame};
use crate::front::ast::*;
use crate::source::Span;
use crate::target::regs::reg_by_name;
use env::{file_label, Binding, BodyInfo, Env, Found, MacroValue, Node};
use groups::{groups_of, ByGroup, GroupedExpansion};

pub const DEFAULT_MAX_DEPTH: usize = 512;
/// Statements one compilation may expand to (the reference interpreter needs ~50,000).
pub const MAX_EXPANDED_ITEMS: usize = 1_000_000;
/// Nodes of one macro argument. Arguments can only grow through recursion
/// (`r(x + x)`); real ones have a handful of nodes.
pub const MAX_ARGUMENT_NODES: usize = 4096;
/// Recursive expression walks check the stack every this many levels.
pub const STACK_CHECK_STRIDE: u32 = 64;
/// Length of a name built by `%name%` concatenation.
pub const MAX_NAME_LEN: usize = 1024;

/// The expanded program: statements in output order.
#[derive(Debug, Default)]
pub struct Expanded {
    pub items: Vec<Item>,
    /// `global _x` declarations that took effect (after concatenation).
    pub globals: Vec<(Name, Span)>,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub kind: ItemKind,
    /// The statement in its source (inside the macro body for expanded code).
    pub span: Span,
    /// The macro calls that produced it, innermost first.
    pub chain: Option<Rc<Frame>>,
}

#[derive(Debug, Clone)]
pub enum ItemKind {
    /// `local`: the unique output name of a local label (`oa<n>_…`, no prefix);
    /// otherwise the global label as spelled (`_name`).
    Label { name: Name, local: bool },
    /// Operands are shared: a several-group expansion hands each group its items.
    Instr { mnemonic: Mnemonic, operands: Rc<[Operand]> },
}

pub fn expand(file: &[Stmt], max_depth: usize, diags: &mut Diagnostics) -> Expanded {
    let (x, found) = expand_groups(file, 1, max_depth).into_single();
    diags.list.extend(found);
    x
}

/// Expands a tree resolved for several groups of targets
/// ([`settings::resolve_groups`]) once for the groups of `groups` (bit `g`:
/// group `g`).
pub fn expand_groups(file: &[Stmt], groups: GroupMask, max_depth: usize) -> GroupedExpansion {
    let mut x = Expander {
        max_depth,
        counter: 0,
        aborted: 0,
        infos: HashMap::default(),
        infos_log: Vec::new(),
        file_consts: HashMap::default(),
        file_labels: HashMap::default(),
        out: GroupedExpansion::default(),
        quiet: false,
        chain: None,
        reported: HashMap::default(),
        reported_log: Vec::new(),
        mask: groups,
        split: Cell::new(0),
        overflowed: false,
        several: groups.count_ones() > 1,
        split_hints: HashMap::default(),
    };
    let mut scope = Scope { macros: HashMap::default(), parent: None };
    x.collect_macros(file, &Env::default(), &mut scope, true);
    x.file_local_labels(file, &mut HashMap::default());
    x.list(file, Env::default(), &scope, &None, 0, true);
    debug_assert_eq!(x.split.get(), 0, "every split is caught by its statement");
    x.out
}

/// The dynamic macro environment (§9.4): one scope per expansion in progress.
struct Scope<'p> {
    /// Inserted in order, so the last definition in one list wins (§9.4).
    /// Only the file level has definitions for some groups only.
    macros: HashMap<Name, ByGroup<Rc<MacroValue>>>,
    parent: Option<&'p Scope<'p>>,
}

impl Scope<'_> {
    /// The macro `name` for the groups of `groups` (`Err(part)`: it differs among them).
    fn lookup(&self, name: &str, groups: GroupMask) -> Result<Option<Rc<MacroValue>>, GroupMask> {
        let mut s = Some(self);
        while let Some(sc) = s {
            if let Some(m) = sc.macros.get(name) {
                return m.pick(groups).map(|m| m.cloned());
            }
            s = sc.parent;
        }
        Ok(None)
    }
}

/// A body's facts, with the groups whose warnings about it were given.
type KnownBody = (Rc<BodyInfo>, GroupMask);

/// The definitions of names seen so far in one scope, in order, each with
/// the groups it is for.
type Definitions = HashMap<Name, Vec<(Span, GroupMask)>>;

/// Records a definition of `name` at `span` for `groups`; returns, for the
/// groups that had one already, where their first one is.
fn define_again(seen: &mut Definitions, name: &Name, span: Span, groups: GroupMask) -> Vec<(Span, GroupMask)> {
    let defs = seen.entry(name.clone()).or_default();
    let mut earlier = Vec::new();
    let mut covered = 0;
    for &(first, m) in defs.iter() {
        let twice = m & groups & !covered;
        if twice != 0 {
            earlier.push((first, twice));
            covered |= twice;
        }
    }
    defs.push((span, groups));
    earlier
}

/// Where the expander is in its output, to undo a statement that must be
/// expanded again for parts of its groups.
struct Checkpoint {
    items: usize,
    globals: usize,
    diags: usize,
    reported: usize,
    infos: usize,
    aborted: GroupMask,
}

struct Expander {
    max_depth: usize,
    counter: u32,
    /// Groups whose top-level statement stopped (a runaway expansion).
    aborted: GroupMask,
    /// Body facts per definition, with the groups whose warnings were given.
    infos: HashMap<*const MacroDef, KnownBody>,
    infos_log: Vec<(*const MacroDef, Option<KnownBody>)>,
    /// File-level constants as of the statement being expanded (§8 rule 2).
    file_consts: HashMap<Name, ByGroup<Operand>>,
    /// File-level local labels and the groups that define them.
    file_labels: HashMap<Name, GroupMask>,
    out: GroupedExpansion,
    /// Suppresses diagnostics (used when pre-computing closure environments).
    quiet: bool,
    /// The expansion chain of the statement being expanded.
    chain: Option<Rc<Frame>>,
    /// Definition-level warnings already given (a body is expanded many
    /// times), with the groups they were given for; the log undoes them.
    reported: HashMap<(&'static str, Span), GroupMask>,
    reported_log: Vec<((&'static str, Span), GroupMask)>,
    /// The groups the statement being expanded is for.
    mask: GroupMask,
    /// Set by a lookup that found different definitions for the groups of
    /// `mask`: a part of them that sees one definition. The statement is
    /// then expanded again, for that part and for the rest.
    split: Cell<GroupMask>,
    /// The expansion produced too many statements: nothing more is expanded.
    overflowed: bool,
    /// More than one group: statements may split.
    several: bool,
    /// Statements that split, with the part they split off.
    split_hints: HashMap<*const Stmt, GroupMask>,
}

impl Expander {
    fn error(&mut self, mut d: Diagnostic) {
        if self.quiet {
            return;
        }
        if d.chain.is_none() {
            d.chain = self.chain.clone();
        }
        self.out.diags.push((d, self.mask));
    }

    /// A diagnostic about a definition: reported once per group, not once per expansion.
    fn once(&mut self, d: Diagnostic) {
        if self.quiet {
            return;
        }
        let key = (d.code, d.span);
        let before = self.reported.get(&key).copied().unwrap_or(0);
        let new = self.mask & !before;
        if new != 0 {
            self.reported.insert(key, before | new);
            self.reported_log.push((key, before));
            self.out.diags.push((d.with_chain(None), new));
        }
    }

    /// Records a lookup's split (see `split`).
    fn diverged(&self, part: GroupMask) {
        if self.split.get() == 0 {
            self.split.set(part);
        }
    }

    fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            items: self.out.items.len(),
            globals: self.out.globals.len(),
            diags: self.out.diags.len(),
            reported: self.reported_log.len(),
            infos: self.infos_log.len(),
            aborted: self.aborted,
        }
    }

    fn rollback(&mut self, cp: &Checkpoint) {
        self.out.items.truncate(cp.items);
        self.out.masks.truncate(cp.items);
        self.out.globals.truncate(cp.globals);
        self.out.diags.truncate(cp.diags);
        for (key, before) in self.reported_log.drain(cp.reported..).rev() {
            if before == 0 {
                self.reported.remove(&key);
            } else {
                self.reported.insert(key, before);
            }
        }
        for (key, before) in self.infos_log.drain(cp.infos..).rev() {
            match before {
                Some(b) => self.infos.insert(key, b),
                None => self.infos.remove(&key),
            };
        }
        self.aborted = cp.aborted;
    }

    fn push_item(&mut self, item: Item) {
        self.out.items.push(item);
        self.out.masks.push(self.mask);
    }

    /// The facts of a definition's body, computed once; its warnings are
    /// given for every group that expands it (an undone statement undoes them).
    fn info(&mut self, def: &Rc<MacroDef>) -> Rc<BodyInfo> {
        let key = Rc::as_ptr(def);
        let known = self.infos.get(&key).cloned();
        if let Some((info, groups)) = &known {
            if self.mask & !groups == 0 {
                return info.clone();
            }
        }
        let info = Rc::new(self.body_info(def, &def.body));
        let groups = known.as_ref().map_or(0, |k| k.1) | self.mask;
        self.infos_log.push((key, known));
        self.infos.insert(key, (info.clone(), groups));
        info
    }

    /// The facts of `body` (the body of `def`, or its statements for some groups).
    fn body_info(&mut self, def: &MacroDef, body: &[Stmt]) -> BodyInfo {
        let mut labels = Definitions::default();
        let mut macros = Vec::new();
        let mut variant_defs = false;
        self.body_labels(def, body, GroupMask::MAX, &mut labels, &mut macros, &mut variant_defs, true);
        let mut seen: HashMap<&str, Span> = HashMap::default();
        for p in &def.params {
            // Only a use makes the duplicate ambiguous: `macro (unused, unused, x)`
            // is a common way of ignoring arguments and gets no warning.
            let Some(first) = seen.insert(&p.name, p.span) else {
                continue;
            };
            if let Some(used) = body_use(body, &p.name) {
                self.once(
                    Diagnostic::warning("duplicate-parameter", p.span, format!("parameter `{}` is declared twice", p.name))
                        .with_secondary(first, "first declared here")
                        .with_secondary(used, "used here")
                        .with_note("uses in the body refer to the last one"),
                );
            }
        }
        let labels = labels.into_iter().map(|(name, defs)| (name, defs.iter().fold(0, |m, d| m | d.1))).collect();
        BodyInfo { labels, macros, variant_defs }
    }

    /// Local labels and named macros of a body, also inside the arms of
    /// its `Variants` (whose definitions make `variant_defs` true).
    #[allow(clippy::too_many_arguments)]
    fn body_labels(
        &mut self,
        def: &MacroDef,
        body: &[Stmt],
        groups: GroupMask,
        labels: &mut Definitions,
        macros: &mut Vec<Rc<MacroDef>>,
        variant_defs: &mut bool,
        direct: bool,
    ) {
        for s in body {
            match s {
                Stmt::Label(l) if l.local => {
                    for (first, twice) in define_again(labels, &l.name, l.span, groups) {
                        // Reported for the groups being expanded (a later
                        // expansion for other groups computes the facts again).
                        if twice & self.mask == 0 {
                            continue;
                        }
                        let reported = twice & self.mask;
                        let outer = std::mem::replace(&mut self.mask, reported);
                        self.once(
                            Diagnostic::error(
                                "duplicate-label",
                                l.span,
                                format!("local label `{}` is defined twice in the body of `{}`", l.name, def.display_name()),
                            )
                            .with_secondary(first, "first definition"),
                        );
                        self.mask = outer;
                    }
                }
                Stmt::Macro(m) if direct => macros.push(m.clone()),
                Stmt::Macro(_) | Stmt::Const(_) if !direct => *variant_defs = true,
                Stmt::Variants(v) => {
                    for (m, arm) in &v.arms {
                        self.body_labels(def, arm, groups & m, labels, macros, variant_defs, false);
                    }
                }
                _ => {}
            }
        }
    }

    /// The file-level local labels (also those of `Variants` arms), each
    /// with the groups that define it; a label defined twice for a group is
    /// an error.
    fn file_local_labels(&mut self, list: &[Stmt], seen: &mut Definitions) {
        for s in list {
            match s {
                Stmt::Label(l) if l.local => {
                    *self.file_labels.entry(l.name.clone()).or_insert(0) |= self.mask;
                    for (first, twice) in define_again(seen, &l.name, l.span, self.mask) {
                        let outer = std::mem::replace(&mut self.mask, twice);
                        self.error(
                            Diagnostic::error("duplicate-label", l.span, format!("local label `{}` is defined twice at file level", l.name))
                                .with_secondary(first, "first definition"),
                        );
                        self.mask = outer;
                    }
                }
                Stmt::Variants(v) => {
                    let outer = self.mask;
                    for (m, arm) in &v.arms {
                        self.mask = outer & m;
                        self.file_local_labels(arm, seen);
                    }
                    self.mask = outer;
                }
                _ => {}
            }
        }
    }

    /// Registers the named macros defined directly in `list`, each closing
    /// over the lexical environment at its position.
    fn collect_macros(&mut self, list: &[Stmt], env: &Env, scope: &mut Scope, file_level: bool) {
        self.collect_macros_in(list, env, scope, file_level, &mut HashMap::default());
    }

    /// `seen`: the names defined so far in this scope, with the groups
    /// that define them (a name defined in two arms of an `if` is not a duplicate).
    fn collect_macros_in(&mut self, list: &[Stmt], env: &Env, scope: &mut Scope, file_level: bool, seen: &mut Definitions) {
        let mut env = env.clone();
        let was_quiet = self.quiet;
        for s in list {
            match s {
                Stmt::Macro(def) => {
                    let name = def.name.as_ref().map(|n| n.name.clone()).unwrap_or_else(|| "anon".into());
                    let span = def.name.as_ref().map(|n| n.span).unwrap_or(def.header);
                    for (first, twice) in define_again(seen, &name, span, self.mask) {
                        let outer = std::mem::replace(&mut self.mask, twice);
                        self.once(
                            Diagnostic::warning("duplicate-macro", span, format!("macro `{name}` is defined twice in the same scope"))
                                .with_secondary(first, "first definition")
                                .with_note("the last definition is used for every call in this scope"),
                        );
                        self.mask = outer;
                    }
                    let info = self.info(def);
                    // Only file-level lists have `Variants` with definitions
                    // (a body with such is expanded per group, flattened).
                    let groups = if file_level { self.mask } else { GroupMask::MAX };
                    scope.macros.entry(name).or_default().define(groups, Rc::new(MacroValue { def: def.clone(), env: env.clone(), info }));
                }
                // Body constants before a nested definition are visible in it (§8 rule 1).
                Stmt::Const(c) if !file_level => {
                    let (name, value) = (&c.name, &c.value);
                    self.quiet = true;
                    let v = self.subst_operand(value, &env);
                    self.quiet = was_quiet;
                    env = env.push(Node::Const { name: name.name.clone(), value: v });
                }
                Stmt::Variants(v) if file_level => {
                    let outer = self.mask;
                    for (m, arm) in &v.arms {
                        self.mask = outer & m;
                        self.collect_macros_in(arm, &env, scope, file_level, seen);
                    }
                    self.mask = outer;
                }
                _ => {}
            }
        }
    }

    fn list(&mut self, list: &[Stmt], mut env: Env, scope: &Scope, chain: &Option<Rc<Frame>>, depth: usize, file_level: bool) {
        let outer_chain = std::mem::replace(&mut self.chain, chain.clone());
        self.list_items(list, &mut env, scope, chain, depth, file_level);
        self.chain = outer_chain;
    }

    fn list_items(&mut self, list: &[Stmt], env: &mut Env, scope: &Scope, chain: &Option<Rc<Frame>>, depth: usize, file_level: bool) {
        let entry_mask = self.mask;
        self.list_items_for_live_groups(list, env, scope, chain, depth, file_level);
        self.mask = entry_mask;
    }

    fn list_items_for_live_groups(&mut self, list: &[Stmt], env: &mut Env, scope: &Scope, chain: &Option<Rc<Frame>>, depth: usize, file_level: bool) {
        for (k, s) in list.iter().enumerate() {
            if self.overflowed {
                return;
            }
            if self.aborted & self.mask != 0 {
                if file_level {
                    // A runaway expansion stops its own top-level statement only.
                    self.aborted = 0;
                } else {
                    // The other groups go on.
                    self.mask &= !self.aborted;
                    if self.mask == 0 {
                        return;
                    }
                }
            }
            // A body constant changes what the rest of the body sees: when
            // it is expanded per part, so is the rest.
            let rest = if matches!(s, Stmt::Const(_)) && !file_level { &list[k..] } else { std::slice::from_ref(s) };
            let whole = self.mask;
            // A statement that split before most likely splits again: it is
            // expanded per part at once (if the parts turn out to agree,
            // the output is the same statements twice, for disjoint groups).
            let hint = if self.several { self.split_hints.get(&(s as *const Stmt)).map_or(0, |p| p & whole) } else { 0 };
            let part = if hint != 0 && hint != whole {
                hint
            } else {
                let cp = self.checkpoint();
                self.stmt(s, env, scope, chain, depth, file_level);
                let part = self.split.replace(0);
                if part == 0 {
                    continue;
                }
                // Its groups see different definitions: undone, and expanded
                // again for each part (a part may split again).
                self.rollback(&cp);
                self.split_hints.insert(s as *const Stmt, part);
                part
            };
            for groups in [part, whole & !part] {
                self.mask = groups;
                let mut env = env.clone();
                self.list_items(rest, &mut env, scope, chain, depth, file_level);
            }
            self.mask = whole;
            if rest.len() > 1 {
                return;
            }
        }
    }

    fn stmt(&mut self, s: &Stmt, env: &mut Env, scope: &Scope, chain: &Option<Rc<Frame>>, depth: usize, file_level: bool) {
        match s {
            Stmt::Const(c) => {
                let (name, value) = (&c.name, &c.value);
                let v = self.subst_operand(value, env);
                if file_level {
                    let v = self.resolve_file_consts(v);
                    if self.split.get() == 0 {
                        self.file_consts.entry(name.name.clone()).or_default().define(self.mask, v);
                    }
                } else {
                    *env = env.push(Node::Const { name: name.name.clone(), value: v });
                }
            }
            Stmt::Macro(_) | Stmt::Include { .. } | Stmt::If(_) => {}
            Stmt::Variants(v) => {
                let whole = self.mask;
                for (m, arm) in &v.arms {
                    if m & whole != 0 {
                        self.mask = m & whole;
                        self.list_items(arm, env, scope, chain, depth, file_level);
                    }
                }
                self.mask = whole;
            }
            Stmt::Call(c) => {
                if self.out.items.len() > MAX_EXPANDED_ITEMS {
                    self.error(
                        Diagnostic::error("expansion-depth", c.span, format!("expansion produced more than {MAX_EXPANDED_ITEMS} statements"))
                            .with_note("macros that call several others at every level grow exponentially")
                            .with_chain(chain.clone()),
                    );
                    self.overflowed = true;
                    self.out.items.clear();
                    self.out.masks.clear();
                    return;
                }
                self.call(c, env, scope, chain, depth)
            }
            Stmt::Global { label, span } => {
                let name = self.concat(&label.name, label.span, env);
                if self.check_concat_done(&name, label.span, chain) {
                    self.out.globals.push((name, *span, self.mask));
                }
            }
            Stmt::Label(l) => {
                let name: Name = if l.local {
                    if file_level { file_label(&l.name) } else { env.own_label(&l.name).unwrap_or_else(|| file_label(&l.name)) }
                } else {
                    let n = self.concat(&l.name, l.span, env);
                    if !self.check_concat_done(&n, l.span, chain) {
                        return;
                    }
                    n
                };
                self.push_item(Item { kind: ItemKind::Label { name, local: l.local }, span: l.span, chain: chain.clone() });
            }
            Stmt::Error(span) => {
                self.error(
                    Diagnostic::error("error-reached", *span, "`error` statement reached")
                        .with_label("this branch was selected for the target and settings")
                        .with_chain(chain.clone()),
                );
            }
            Stmt::Instr(i) => {
                let operands: Rc<[Operand]> = i
                    .operands
                    .iter()
                    .map(|o| {
                        let o = self.subst_instr_operand(o, env, chain);
                        self.resolve_file_consts(o)
                    })
                    .collect();
                self.push_item(Item { kind: ItemKind::Instr { mnemonic: i.mnemonic, operands }, span: i.span, chain: chain.clone() });
            }
        }
    }

    fn call(&mut self, c: &Call, env: &Env, scope: &Scope, chain: &Option<Rc<Frame>>, depth: usize) {
        let callee = match env.lookup_param(&c.callee.name) {
            Some(Binding::Macro(m)) => m.clone(),
            Some(Binding::Operand(o)) => {
                let d = Diagnostic::error("not-a-macro", c.callee.span, format!("`{}` is bound to an operand, not a macro", c.callee.name))
                    .with_label("called here")
                    .with_secondary(o.span, format!("`{}` was bound to this argument, which names no macro", c.callee.name))
                    .with_chain(chain.clone());
                self.error(d);
                return;
            }
            None => match scope.lookup(&c.callee.name, self.mask) {
                Ok(Some(m)) => m,
                Err(part) => {
                    self.diverged(part);
                    return;
                }
                Ok(None) => {
                    self.error(
                        Diagnostic::error("undefined-macro", c.callee.span, format!("no macro `{}` is visible here", c.callee.name))
                            .with_label("called here")
                            .with_chain(chain.clone()),
                    );
                    return;
                }
            },
        };
        let def = callee.def.clone();
        if def.params.len() != c.args.len() {
            let def_span = def.name.as_ref().map(|n| n.span).unwrap_or(def.header);
            self.error(
                Diagnostic::error(
                    "macro-arity",
                    c.span,
                    format!(
                        "{} expects {} argument{}, got {}",
                        match &def.name {
                            Some(n) => format!("`{}`", n.name),
                            None => "this anonymous macro".to_string(),
                        },
                        def.params.len(),
                        if def.params.len() == 1 { "" } else { "s" },
                        c.args.len()
                    ),
                )
                .with_label("wrong number of arguments")
                .with_secondary(
                    def_span,
                    if def.name.is_some() { format!("`{}` defined here", def.display_name()) } else { "anonymous macro written here".to_string() },
                )
                .with_chain(chain.clone()),
            );
            return;
        }
        if depth + 1 > self.max_depth {
            self.error(
                Diagnostic::error("expansion-depth", c.span, format!("expansion nested deeper than {}", self.max_depth))
                    .with_label(format!("call of `{}`", def.display_name()))
                    .with_note("a macro that calls itself (directly or through others) never stops expanding; raise the limit with --max-expansion-depth")
                    .with_chain(chain.clone()),
            );
            self.aborted |= self.mask;
            return;
        }
        let bindings: Vec<Binding> = c.args.iter().map(|a| self.bind_arg(a, env, scope, chain)).collect();
        if self.split.get() != 0 {
            return;
        }
        if !callee.info.variant_defs {
            self.expand_body(&callee, &callee.def.body, callee.info.clone(), bindings, c.span, chain, scope, depth);
            return;
        }
        // Macros or constants defined inside an `if` whose branch differs
        // among the groups: the body is expanded for each set of groups
        // that sees the same statements.
        let whole = self.mask;
        for (groups, body) in flatten_for_groups(&def.body, whole) {
            self.mask = groups;
            let info = Rc::new(self.body_info(&def, &body));
            self.expand_body(&callee, &body, info, bindings.clone(), c.span, chain, scope, depth);
            if self.split.get() != 0 {
                break;
            }
        }
        self.mask = whole;
    }

    /// One expansion of a macro body (`body`: the definition's, or its
    /// statements for the groups being expanded).
    #[allow(clippy::too_many_arguments)]
    fn expand_body(
        &mut self,
        callee: &MacroValue,
        body: &[Stmt],
        info: Rc<BodyInfo>,
        bindings: Vec<Binding>,
        call: Span,
        chain: &Option<Rc<Frame>>,
        scope: &Scope,
        depth: usize,
    ) {
        let def = &callee.def;
        self.counter += 1;
        let n = self.counter;
        let name = def.display_name();
        let frame = Some(Rc::new(Frame { name: name.clone(), call, parent: chain.clone() }));
        let mut body_env = callee.env.push(Node::Labels { expansion: n, macro_name: name.clone(), info: info.clone() });
        // Parameters are lexical only (§9.4): macro-valued ones are reached
        // through `body_env` (`lookup_param`) by the body's own text, never
        // through the dynamic scope, where they would capture same-named
        // calls in closures expanded inside this body.
        for (p, b) in def.params.iter().zip(bindings) {
            body_env = body_env.push(Node::Param { name: p.name.clone(), binding: b, macro_name: name.clone() });
        }
        let mut body_scope = Scope { macros: HashMap::default(), parent: Some(scope) };
        if !info.macros.is_empty() {
            self.collect_macros(body, &body_env, &mut body_scope, false);
            if self.split.get() != 0 {
                return;
            }
        }
        // An expansion that adds no macro names reuses the caller's scope, so
        // lookups walk only the scopes that define something (not the whole
        // recursion, which can be thousands deep).
        let scope = if body_scope.macros.is_empty() { scope } else { &body_scope };
        // Deep (but legal) nesting must not overflow the thread's stack.
        crate::stack::maybe_grow(256 * 1024, 4 * 1024 * 1024, || self.list(body, body_env, scope, &frame, depth + 1, false));
    }

    fn bind_arg(&mut self, a: &Arg, env: &Env, scope: &Scope, chain: &Option<Rc<Frame>>) -> Binding {
        match a {
            Arg::Macro(def) => {
                let info = self.info(def);
                Binding::Macro(Rc::new(MacroValue { def: def.clone(), env: env.clone(), info }))
            }
            Arg::Operand(op) => {
                if let OperandKind::Expr(Expr { kind: ExprKind::Var(name), .. }) = &op.kind {
                    if !name.contains('%') {
                        match env.lookup(name) {
                            Some(Found::Param { binding, .. }) => return binding.clone(),
                            // The value, but `%p%` still spells the name that was written (§9.6).
                            Some(Found::Const(v)) => return Binding::Operand(Operand { spelling: Some(name.clone()), ..v.clone() }),
                            None => match scope.lookup(name, self.mask) {
                                Ok(Some(m)) => return Binding::Macro(m),
                                Ok(None) => {}
                                Err(part) => {
                                    self.diverged(part);
                                    return Binding::Operand(poisoned(op.span));
                                }
                            },
                        }
                    }
                }
                let o = self.subst_operand(op, env);
                if exceeds_nodes(&o, MAX_ARGUMENT_NODES) {
                    self.error(
                        Diagnostic::error("expression-size", op.span, format!("argument grew beyond {MAX_ARGUMENT_NODES} expression nodes"))
                            .with_label("this argument")
                            .with_note("a recursive macro that passes a growing expression never stops expanding")
                            .with_chain(chain.clone()),
                    );
                    self.aborted |= self.mask;
                    return Binding::Operand(poisoned(op.span));
                }
                Binding::Operand(o)
            }
        }
    }

    /// Substitutes an instruction operand; a macro-valued parameter there is an error.
    fn subst_instr_operand(&mut self, o: &Operand, env: &Env, chain: &Option<Rc<Frame>>) -> Operand {
        if let OperandKind::Expr(Expr { kind: ExprKind::Var(name), span, .. }) = &o.kind {
            if let Some(Found::Param { binding: Binding::Macro(_), macro_name }) = env.lookup(name) {
                let d = Diagnostic::error("macro-as-operand", *span, format!("`{name}` is bound to a macro and cannot be an operand"))
                    .with_label("used as an operand here")
                    .with_note(format!("`{name}` is a parameter of `{macro_name}`"))
                    .with_chain(chain.clone());
                self.error(d);
                return poisoned(o.span);
            }
        }
        self.subst_operand(o, env)
    }

    /// Replaces parameters, body constants, local labels and `%name%`
    /// fragments in an operand (one lexical level, §9.2).
    fn subst_operand(&mut self, o: &Operand, env: &Env) -> Operand {
        match &o.kind {
            OperandKind::Expr(e) => {
                // A bare name may stand for a whole operand, address included.
                if let ExprKind::Var(name) = &e.kind {
                    if !name.contains('%') {
                        match env.lookup(name) {
                            Some(Found::Param { binding: Binding::Operand(v), macro_name }) => {
                                return with_via(v.clone(), || Via::Param { param: name.clone(), macro_name: macro_name.clone(), use_span: e.span });
                            }
                            Some(Found::Const(v)) => return v.clone(),
                            _ => {}
                        }
                    }
                }
                Operand { kind: OperandKind::Expr(self.subst_expr(e, env)), span: o.span, spelling: None }
            }
            OperandKind::Addr(a) if ![&a.offset, &a.base, &a.index, &a.scale].into_iter().flatten().any(needs_subst) => {
                Operand { kind: OperandKind::Addr(a.clone()), span: o.span, spelling: None }
            }
            OperandKind::Addr(a) => {
                let f = |x: &mut Self, e: &Option<Expr>| e.as_ref().map(|e| x.subst_expr(e, env));
                let addr = Addr { offset: f(self, &a.offset), base: f(self, &a.base), index: f(self, &a.index), scale: f(self, &a.scale) };
                Operand { kind: OperandKind::Addr(Rc::new(addr)), span: o.span, spelling: None }
            }
        }
    }

    fn subst_expr(&mut self, e: &Expr, env: &Env) -> Expr {
        self.subst_expr_at(e, env, 0)
    }

    fn subst_expr_at(&mut self, e: &Expr, env: &Env, depth: u32) -> Expr {
        if !needs_subst(e) {
            // Subtrees are shared: this copies one node.
            return e.clone();
        }
        // Arguments may legally be a few thousand nodes deep: make sure of
        // the stack now and then (not at every node: it is a hot path).
        if depth % STACK_CHECK_STRIDE == STACK_CHECK_STRIDE - 1 {
            return crate::stack::maybe_grow(256 * 1024, 2 * 1024 * 1024, || self.subst_expr_node(e, env, depth + 1));
        }
        self.subst_expr_node(e, env, depth + 1)
    }

    fn subst_expr_node(&mut self, e: &Expr, env: &Env, depth: u32) -> Expr {
        let kind = match &e.kind {
            ExprKind::Var(name) if name.contains('%') => {
                let n = self.concat(name, e.span, env);
                reclassify(n)
            }
            ExprKind::Var(name) => match env.lookup(name) {
                Some(Found::Param { binding: Binding::Operand(v), macro_name }) => {
                    return operand_as_expr(v, || Some(Via::Param { param: name.clone(), macro_name: macro_name.clone(), use_span: e.span }));
                }
                Some(Found::Const(v)) => return operand_as_expr(v, || None),
                // A macro-valued name inside an expression stays symbolic; validation reports it.
                _ => return e.clone(),
            },
            ExprKind::Path(p) if p.contains('%') => ExprKind::Path(self.concat(p, e.span, env)),
            ExprKind::Sizeof(p) if p.contains('%') => ExprKind::Sizeof(self.concat(p, e.span, env)),
            ExprKind::Constexpr(p) if p.contains('%') => ExprKind::Constexpr(self.concat(p, e.span, env)),
            ExprKind::GlobalLabel(p) if p.contains('%') => reclassify(self.concat(p, e.span, env)),
            ExprKind::LocalLabel(l) => match env.local_label(l, self.mask) {
                Ok(Some(n)) => ExprKind::ResolvedLocal(n),
                Err(part) => {
                    self.diverged(part);
                    return e.clone();
                }
                Ok(None) if self.file_labels.get(l).is_some_and(|m| m & self.mask != 0) => {
                    let defined = self.file_labels[l] & self.mask;
                    if defined != self.mask {
                        self.diverged(defined);
                    }
                    ExprKind::ResolvedLocal(file_label(l))
                }
                Ok(None) => {
                    self.error(
                        Diagnostic::error("undefined-local-label", e.span, format!("local label `{l}` is not defined"))
                            .with_label("no enclosing macro body and no file-level statement defines it"),
                    );
                    return e.clone();
                }
            },
            ExprKind::Neg(a) => ExprKind::Neg(Rc::new(self.subst_expr_at(a, env, depth))),
            ExprKind::Not(a) => ExprKind::Not(Rc::new(self.subst_expr_at(a, env, depth))),
            ExprKind::Bin(op, a, b) => ExprKind::Bin(*op, Rc::new(self.subst_expr_at(a, env, depth)), Rc::new(self.subst_expr_at(b, env, depth))),
            _ => return e.clone(),
        };
        Expr { kind, span: e.span, via: e.via.clone() }
    }

    /// `%name%` concatenation (§9.6). Unresolvable fragments stay in place.
    fn concat(&mut self, s: &str, span: Span, env: &Env) -> Name {
        let mut out = String::with_capacity(s.len() + 8);
        let mut rest = s;
        while let Some(start) = rest.find('%') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let Some(len) = after.find('%') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..len];
            let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            let spelled = if valid { self.spelling_of(name, span, env) } else { Err(()) };
            match spelled {
                Ok(text) => out.push_str(&text),
                // Already reported: keep later passes quiet about this name.
                Err(()) if valid => out.push_str(POISON),
                Err(()) => {
                    out.push('%');
                    out.push_str(name);
                    out.push('%');
                }
            }
            rest = &after[len + 1..];
        }
        out.push_str(rest);
        if out.len() > MAX_NAME_LEN && self.aborted & self.mask == 0 {
            self.error(Diagnostic::error("expression-size", span, format!("a concatenated name grew beyond {MAX_NAME_LEN} characters")));
            self.aborted |= self.mask;
            return POISON.into();
        }
        out.into()
    }

    /// `Ok(text)`; `Err(())` after reporting `bad-concatenation`; the
    /// fragment is left in place (`Ok` of itself) when nothing binds it.
    fn spelling_of(&mut self, name: &str, span: Span, env: &Env) -> Result<String, ()> {
        let (value, what) = match env.lookup(name) {
            Some(Found::Param { binding: Binding::Macro(_), macro_name }) => {
                let d = Diagnostic::error("bad-concatenation", span, format!("`%{name}%` is bound to a macro, which has no spelling"))
                    .with_note(format!("`{name}` is a parameter of `{macro_name}`"));
                self.error(d);
                return Err(());
            }
            Some(Found::Param { binding: Binding::Operand(v), macro_name }) => (v.clone(), Some(macro_name.clone())),
            Some(Found::Const(v)) => (v.clone(), None),
            None => match self.file_const(name) {
                Some(v) => (v.clone(), None),
                None => return Ok(format!("%{name}%")),
            },
        };
        match value.spelling.clone().map(|s| s.to_string()).or_else(|| spelling(&value)) {
            Some(s) => Ok(s),
            None if what.is_some() => {
                let d =
                    Diagnostic::error("bad-concatenation", value.span, format!("`%{name}%` needs an identifier, register or global label, not this argument"))
                        .with_label("bound here")
                        .with_secondary(span, "concatenated here");
                self.error(d);
                Err(())
            }
            // A constant that is not a bare name cannot be spelled: left for `unresolved-concatenation`.
            None => Ok(format!("%{name}%")),
        }
    }

    fn check_concat_done(&mut self, name: &str, span: Span, chain: &Option<Rc<Frame>>) -> bool {
        if name.contains(POISON) {
            return false;
        }
        if let Some(frag) = unresolved_fragment(name) {
            self.error(
                Diagnostic::error("unresolved-concatenation", span, format!("`%{frag}%` in `{name}` names no parameter or constant")).with_chain(chain.clone()),
            );
            return false;
        }
        true
    }

    /// Replaces free names by file-level constants (§8 rule 2). Substituted
    /// values are not searched again: a constant keeps the meaning it had
    /// when it was declared.
    fn resolve_file_consts(&self, o: Operand) -> Operand {
        if self.file_consts.is_empty() || !has_var(&o) {
            return o;
        }
        match o.kind {
            OperandKind::Expr(Expr { kind: ExprKind::Var(ref name), ref via, span }) if self.file_const(name).is_some() => {
                let mut v = self.file_const(name).cloned().unwrap_or_else(|| poisoned(span));
                if let OperandKind::Expr(ve) = &mut v.kind {
                    ve.via = via.clone().or_else(|| Some(Rc::new(Via::Const { name: name.clone(), use_span: span })));
                }
                v
            }
            // Most names left are labels, not constants: the operand is
            // rebuilt only where a constant was replaced.
            OperandKind::Expr(ref e) => match self.resolve_expr(e) {
                Some(e) => Operand { kind: OperandKind::Expr(e), span: o.span, spelling: None },
                None => o,
            },
            OperandKind::Addr(ref a) => {
                let parts = [&a.offset, &a.base, &a.index, &a.scale].map(|e| e.as_ref().and_then(|e| self.resolve_expr(e)));
                if parts.iter().all(Option::is_none) {
                    return o;
                }
                let [offset, base, index, scale] = parts;
                let pick = |new: Option<Expr>, old: &Option<Expr>| new.or_else(|| old.clone());
                let addr = Addr { offset: pick(offset, &a.offset), base: pick(base, &a.base), index: pick(index, &a.index), scale: pick(scale, &a.scale) };
                Operand { kind: OperandKind::Addr(Rc::new(addr)), span: o.span, spelling: None }
            }
        }
    }

    /// The file-level constant `name` for the groups being expanded (`None`
    /// also when it differs among them: the statement is then expanded again).
    fn file_const(&self, name: &str) -> Option<&Operand> {
        match self.file_consts.get(name)?.pick(self.mask) {
            Ok(v) => v,
            Err(part) => {
                self.diverged(part);
                None
            }
        }
    }

    /// `e` with file-level constants replaced; `None`: it has none.
    fn resolve_expr(&self, e: &Expr) -> Option<Expr> {
        self.resolve_expr_at(e, 0)
    }

    fn resolve_expr_at(&self, e: &Expr, depth: u32) -> Option<Expr> {
        if !expr_has_var(e) {
            return None;
        }
        if depth % STACK_CHECK_STRIDE == STACK_CHECK_STRIDE - 1 {
            return crate::stack::maybe_grow(256 * 1024, 2 * 1024 * 1024, || self.resolve_expr_node(e, depth + 1));
        }
        self.resolve_expr_node(e, depth + 1)
    }

    fn resolve_expr_node(&self, e: &Expr, depth: u32) -> Option<Expr> {
        let kind = match &e.kind {
            ExprKind::Var(name) => {
                let v = self.file_const(name)?;
                let via = e.via.clone().or_else(|| Some(Rc::new(Via::Const { name: name.clone(), use_span: e.span })));
                let mut x = operand_as_expr(v, || None);
                x.via = via;
                return Some(x);
            }
            ExprKind::Neg(a) => ExprKind::Neg(Rc::new(self.resolve_expr_at(a, depth)?)),
            ExprKind::Not(a) => ExprKind::Not(Rc::new(self.resolve_expr_at(a, depth)?)),
            ExprKind::Bin(op, a, b) => {
                let (na, nb) = (self.resolve_expr_at(a, depth), self.resolve_expr_at(b, depth));
                if na.is_none() && nb.is_none() {
                    return None;
                }
                let na = na.map_or_else(|| a.clone(), Rc::new);
                let nb = nb.map_or_else(|| b.clone(), Rc::new);
                ExprKind::Bin(*op, na, nb)
            }
            _ => return None,
        };
        Some(Expr { kind, span: e.span, via: e.via.clone() })
    }
}

/// The statements of `body` for each set of groups of `groups` that sees
/// the same ones: the arms of its `Variants` those groups take, spliced in.
fn flatten_for_groups(body: &[Stmt], groups: GroupMask) -> Vec<(GroupMask, Vec<Stmt>)> {
    fn choices(body: &[Stmt], g: GroupMask, out: &mut Vec<usize>) {
        for s in body {
            if let Stmt::Variants(v) = s {
                let arm = v.arms.iter().position(|(m, _)| m & g != 0);
                out.push(arm.unwrap_or(usize::MAX));
                if let Some(k) = arm {
                    choices(&v.arms[k].1, g, out);
                }
            }
        }
    }
    fn flatten(body: &[Stmt], g: GroupMask, out: &mut Vec<Stmt>) {
        for s in body {
            match s {
                Stmt::Variants(v) => {
                    if let Some((_, arm)) = v.arms.iter().find(|(m, _)| m & g != 0) {
                        flatten(arm, g, out);
                    }
                }
                other => out.push(other.clone()),
            }
        }
    }
    let mut classes: Vec<(Vec<usize>, GroupMask)> = Vec::new();
    for g in groups_of(groups) {
        let mut key = Vec::new();
        choices(body, 1 << g, &mut key);
        match classes.iter_mut().find(|(k, _)| *k == key) {
            Some((_, m)) => *m |= 1 << g,
            None => classes.push((key, 1 << g)),
        }
    }
    classes
        .into_iter()
        .map(|(_, m)| {
            let mut out = Vec::new();
            flatten(body, m & m.wrapping_neg(), &mut out);
            (m, out)
        })
        .collect()
}

/// The first place where the text of `body` refers to the parameter `name`
/// (§9.2): as an operand or part of one (address parts, expressions, constant
/// values), as a callee, or in a `%name%` fragment (identifiers, labels,
/// `global`, layout keys), also inside nested named and anonymous macros,
/// except those that declare a parameter `name` of their own (which shadows it).
fn body_use(body: &[Stmt], name: &str) -> Option<Span> {
    fn in_macro(m: &MacroDef, name: &str) -> Option<Span> {
        if m.params.iter().any(|p| &*p.name == name) {
            return None;
        }
        body_use(&m.body, name)
    }
    body.iter().find_map(|s| match s {
        Stmt::Const(c) => operand_use(&c.value, name),
        Stmt::Macro(m) => in_macro(m, name),
        Stmt::Call(c) if &*c.callee.name == name => Some(c.callee.span),
        Stmt::Call(c) => c.args.iter().find_map(|a| match a {
            Arg::Macro(m) => in_macro(m, name),
            Arg::Operand(o) => operand_use(o, name),
        }),
        // Settings are resolved before expansion; kept for completeness.
        Stmt::If(i) => i.arms.iter().map(|(_, b)| b).chain(&i.else_body).find_map(|b| body_use(b, name)),
        Stmt::Variants(v) => v.arms.iter().find_map(|(_, b)| body_use(b, name)),
        Stmt::Global { label, .. } => has_fragment(&label.name, name).then_some(label.span),
        Stmt::Label(l) => has_fragment(&l.name, name).then_some(l.span),
        Stmt::Instr(i) => i.operands.iter().find_map(|o| operand_use(o, name)),
        Stmt::Include { .. } | Stmt::Error(_) => None,
    })
}

fn operand_use(o: &Operand, name: &str) -> Option<Span> {
    match &o.kind {
        OperandKind::Expr(e) => expr_use(e, name),
        OperandKind::Addr(a) => [&a.offset, &a.base, &a.index, &a.scale].into_iter().flatten().find_map(|e| expr_use(e, name)),
    }
}

fn expr_use(e: &Expr, name: &str) -> Option<Span> {
    match &e.kind {
        ExprKind::Var(v) => (&**v == name || has_fragment(v, name)).then_some(e.span),
        ExprKind::Path(n) | ExprKind::Sizeof(n) | ExprKind::Constexpr(n) | ExprKind::GlobalLabel(n) => has_fragment(n, name).then_some(e.span),
        ExprKind::Neg(a) | ExprKind::Not(a) => expr_use(a, name),
        ExprKind::Bin(_, a, b) => expr_use(a, name).or_else(|| expr_use(b, name)),
        _ => None,
    }
}

/// Does `s` contain the concatenation fragment `%name%` (paired as `concat` pairs them)?
fn has_fragment(s: &str, name: &str) -> bool {
    let mut rest = s;
    while let Some(start) = rest.find('%') {
        let after = &rest[start + 1..];
        let Some(len) = after.find('%') else {
            return false;
        };
        if &after[..len] == name {
            return true;
        }
        rest = &after[len + 1..];
    }
    false
}

/// Does substitution have anything to do in this expression?
fn needs_subst(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Var(_) | ExprKind::LocalLabel(_) => true,
        ExprKind::Path(n) | ExprKind::Sizeof(n) | ExprKind::Constexpr(n) | ExprKind::GlobalLabel(n) => n.contains('%'),
        ExprKind::Neg(a) | ExprKind::Not(a) => needs_subst(a),
        ExprKind::Bin(_, a, b) => needs_subst(a) || needs_subst(b),
        _ => false,
    }
}

/// Has the operand more than `limit` expression nodes? (Stops counting at
/// the limit, so the recursion is at most `limit` deep.)
fn exceeds_nodes(o: &Operand, limit: usize) -> bool {
    fn over(e: &Expr, budget: &mut usize) -> bool {
        if *budget == 0 {
            return true;
        }
        *budget -= 1;
        match &e.kind {
            ExprKind::Neg(a) | ExprKind::Not(a) => over(a, budget),
            ExprKind::Bin(_, a, b) => over(a, budget) || over(b, budget),
            _ => false,
        }
    }
    let mut budget = limit;
    match &o.kind {
        OperandKind::Expr(e) => over(e, &mut budget),
        OperandKind::Addr(a) => [&a.offset, &a.base, &a.index, &a.scale].into_iter().flatten().any(|e| over(e, &mut budget)),
    }
}

fn expr_has_var(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Var(_) => true,
        ExprKind::Neg(a) | ExprKind::Not(a) => expr_has_var(a),
        ExprKind::Bin(_, a, b) => expr_has_var(a) || expr_has_var(b),
        _ => false,
    }
}

/// Does the operand still contain a free name? (Most do not: registers, integers.)
fn has_var(o: &Operand) -> bool {
    match &o.kind {
        OperandKind::Expr(e) => expr_has_var(e),
        OperandKind::Addr(a) => [&a.offset, &a.base, &a.index, &a.scale].into_iter().flatten().any(expr_has_var),
    }
}

/// `o` marked as coming through `via`, unless an outer substitution already
/// marked it (the outermost origin is the one reported; `via` is only built
/// when used: most arguments pass through several macros).
fn with_via(mut o: Operand, via: impl FnOnce() -> Via) -> Operand {
    if let OperandKind::Expr(e) = &mut o.kind {
        e.via.get_or_insert_with(|| Rc::new(via()));
    }
    o
}

/// A bound operand used inside an expression or address part. An address
/// cannot be part of an expression: it is kept as a `Var` carrying the
/// parameter name, and validation reports the misuse.
fn operand_as_expr(v: &Operand, via: impl FnOnce() -> Option<Via>) -> Expr {
    match &v.kind {
        OperandKind::Expr(e) => {
            let mut e = e.clone();
            if e.via.is_none() {
                e.via = via().map(Rc::new);
            }
            e
        }
        OperandKind::Addr(_) => Expr { kind: ExprKind::Var(ADDRESS_IN_EXPR.into()), span: v.span, via: via().map(Rc::new) },
    }
}

/// Marker name for "an address was substituted inside an expression".
pub const ADDRESS_IN_EXPR: &str = "%address%";

/// Marker left where an error was already reported, so later passes stay quiet.
pub const POISON: &str = "%poisoned%";

fn poisoned(span: Span) -> Operand {
    Operand { kind: OperandKind::Expr(Expr::new(ExprKind::Var(POISON.into()), span)), span, spelling: None }
}

/// The spelling of an operand for `%name%` (§9.6): identifiers, registers and global labels.
fn spelling(o: &Operand) -> Option<String> {
    match &o.kind {
        OperandKind::Expr(e) => match &e.kind {
            ExprKind::Var(n) | ExprKind::GlobalLabel(n) => Some(n.to_string()),
            ExprKind::Reg(r) => Some(r.name().to_string()),
            _ => None,
        },
        OperandKind::Addr(_) => None,
    }
}

/// After concatenation a word is classified again (§9.6).
fn reclassify(n: Name) -> ExprKind {
    if n.starts_with('_') {
        ExprKind::GlobalLabel(n)
    } else if let Some(r) = reg_by_name(&n) {
        ExprKind::Reg(r)
    } else {
        ExprKind::Var(n)
    }
}

/// The first `%name%` fragment left in a name, if any.
pub fn unresolved_fragment(s: &str) -> Option<&str> {
    let start = s.find('%')?;
    let rest = &s[start + 1..];
    Some(match rest.find('%') {
        Some(end) => &rest[..end],
        None => rest,
    })
}
