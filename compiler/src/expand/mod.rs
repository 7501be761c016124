//! Expansion (phase 4, LANGUAGE.md §9): macro calls are replaced by their
//! bodies, parameters and constants substituted, local labels renamed per
//! expansion, `%name%` concatenations performed and `global`s collected. The
//! result is a flat list of labels and instructions, each with its origin.

pub mod env;
pub mod settings;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::rc::Rc;

use crate::diag::{Diagnostic, Diagnostics, Frame};
use crate::front::ast::*;
use crate::source::Span;
use crate::target::regs::reg_by_name;
use env::{file_label, Binding, BodyInfo, Env, Found, MacroValue, Node};

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
    Instr { mnemonic: Mnemonic, operands: Vec<Operand> },
}

pub fn expand(file: &[Stmt], max_depth: usize, diags: &mut Diagnostics) -> Expanded {
    let mut x = Expander {
        diags,
        max_depth,
        counter: 0,
        aborted: false,
        infos: HashMap::default(),
        file_consts: HashMap::default(),
        file_labels: HashSet::default(),
        out: Expanded::default(),
        quiet: false,
        chain: None,
        reported: HashSet::default(),
    };
    let mut scope = Scope { macros: HashMap::default(), parent: None };
    x.collect_macros(file, &Env::default(), &mut scope, true);
    let mut first: HashMap<Name, Span> = HashMap::default();
    for s in file {
        if let Stmt::Label(l) = s {
            if !l.local {
                continue;
            }
            x.file_labels.insert(l.name.clone());
            if let Some(f) = first.insert(l.name.clone(), l.span) {
                x.diags.push(
                    Diagnostic::error("duplicate-label", l.span, format!("local label `{}` is defined twice at file level", l.name))
                        .with_secondary(f, "first definition"),
                );
            }
        }
    }
    x.list(file, Env::default(), &scope, &None, 0, true);
    x.out
}

/// The dynamic macro environment (§9.4): one scope per expansion in progress.
struct Scope<'p> {
    /// Inserted in order, so the last definition in one list wins (§9.4).
    macros: HashMap<Name, Rc<MacroValue>>,
    parent: Option<&'p Scope<'p>>,
}

impl Scope<'_> {
    fn lookup(&self, name: &str) -> Option<Rc<MacroValue>> {
        let mut s = Some(self);
        while let Some(sc) = s {
            if let Some(m) = sc.macros.get(name) {
                return Some(m.clone());
            }
            s = sc.parent;
        }
        None
    }
}

struct Expander<'d> {
    diags: &'d mut Diagnostics,
    max_depth: usize,
    counter: u32,
    aborted: bool,
    infos: HashMap<*const MacroDef, Rc<BodyInfo>>,
    /// File-level constants as of the statement being expanded (§8 rule 2).
    file_consts: HashMap<Name, Operand>,
    file_labels: HashSet<Name>,
    out: Expanded,
    /// Suppresses diagnostics (used when pre-computing closure environments).
    quiet: bool,
    /// The expansion chain of the statement being expanded.
    chain: Option<Rc<Frame>>,
    /// Definition-level warnings already given (a body is expanded many times).
    reported: HashSet<(&'static str, Span)>,
}

impl Expander<'_> {
    fn error(&mut self, mut d: Diagnostic) {
        if self.quiet {
            return;
        }
        if d.chain.is_none() {
            d.chain = self.chain.clone();
        }
        self.diags.push(d);
    }

    /// A diagnostic about a definition: reported once, not once per expansion.
    fn once(&mut self, d: Diagnostic) {
        if self.reported.insert((d.code, d.span)) {
            self.error(d.with_chain(None));
        }
    }

    fn info(&mut self, def: &Rc<MacroDef>) -> Rc<BodyInfo> {
        if let Some(i) = self.infos.get(&Rc::as_ptr(def)) {
            return i.clone();
        }
        let mut labels: HashMap<Name, Span> = HashMap::default();
        let mut macros = Vec::new();
        for s in &def.body {
            match s {
                Stmt::Label(l) if l.local && labels.contains_key(&l.name) => {
                    let first = labels[&l.name];
                    self.once(
                        Diagnostic::error(
                            "duplicate-label",
                            l.span,
                            format!("local label `{}` is defined twice in the body of `{}`", l.name, def.display_name()),
                        )
                        .with_secondary(first, "first definition"),
                    );
                }
                Stmt::Label(l) if l.local => {
                    labels.insert(l.name.clone(), l.span);
                }
                Stmt::Macro(m) => macros.push(m.clone()),
                _ => {}
            }
        }
        let mut seen: HashMap<&str, Span> = HashMap::default();
        for p in &def.params {
            // Only a use makes the duplicate ambiguous: `macro (unused, unused, x)`
            // is a common way of ignoring arguments and gets no warning.
            let Some(first) = seen.insert(&p.name, p.span) else { continue };
            if let Some(used) = body_use(&def.body, &p.name) {
                self.once(
                    Diagnostic::warning("duplicate-parameter", p.span, format!("parameter `{}` is declared twice", p.name))
                        .with_secondary(first, "first declared here")
                        .with_secondary(used, "used here")
                        .with_note("uses in the body refer to the last one"),
                );
            }
        }
        let info = Rc::new(BodyInfo { labels: labels.into_keys().collect(), macros });
        self.infos.insert(Rc::as_ptr(def), info.clone());
        info
    }

    /// Registers the named macros defined directly in `list`, each closing
    /// over the lexical environment at its position.
    fn collect_macros(&mut self, list: &[Stmt], env: &Env, scope: &mut Scope, file_level: bool) {
        let mut env = env.clone();
        let mut seen: HashMap<Name, Span> = HashMap::default();
        let was_quiet = self.quiet;
        for s in list {
            match s {
                Stmt::Macro(def) => {
                    let name = def.name.as_ref().map(|n| n.name.clone()).unwrap_or_else(|| "anon".into());
                    let span = def.name.as_ref().map(|n| n.span).unwrap_or(def.header);
                    if let Some(first) = seen.insert(name.clone(), span) {
                        self.once(
                            Diagnostic::warning("duplicate-macro", span, format!("macro `{name}` is defined twice in the same scope"))
                                .with_secondary(first, "first definition")
                                .with_note("the last definition is used for every call in this scope"),
                        );
                    }
                    let info = self.info(def);
                    scope.macros.insert(name, Rc::new(MacroValue { def: def.clone(), env: env.clone(), info }));
                }
                // Body constants before a nested definition are visible in it (§8 rule 1).
                Stmt::Const(c) if !file_level => {
                    let (name, value) = (&c.name, &c.value);
                    self.quiet = true;
                    let v = self.subst_operand(value, &env);
                    self.quiet = was_quiet;
                    env = env.push(Node::Const { name: name.name.clone(), value: v });
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
        for s in list {
            if self.aborted {
                if !file_level {
                    return;
                }
                // A runaway expansion stops its own top-level statement only.
                self.aborted = false;
            }
            match s {
                Stmt::Const(c) => {
                    let (name, value) = (&c.name, &c.value);
                    let v = self.subst_operand(value, env);
                    if file_level {
                        let v = self.resolve_file_consts(v);
                        self.file_consts.insert(name.name.clone(), v);
                    } else {
                        *env = env.push(Node::Const { name: name.name.clone(), value: v });
                    }
                }
                Stmt::Macro(_) | Stmt::Include { .. } | Stmt::If(_) => {}
                Stmt::Call(c) => {
                    if self.out.items.len() > MAX_EXPANDED_ITEMS {
                        self.error(
                            Diagnostic::error("expansion-depth", c.span, format!("expansion produced more than {MAX_EXPANDED_ITEMS} statements"))
                                .with_note("macros that call several others at every level grow exponentially")
                                .with_chain(chain.clone()),
                        );
                        self.aborted = true;
                        self.out.items.clear();
                        return;
                    }
                    self.call(c, env, scope, chain, depth)
                }
                Stmt::Global { label, span } => {
                    let name = self.concat(&label.name, label.span, env);
                    if self.check_concat_done(&name, label.span, chain) && !self.out.globals.iter().any(|(g, _)| *g == name) {
                        self.out.globals.push((name, *span));
                    }
                }
                Stmt::Label(l) => {
                    let name: Name = if l.local {
                        if file_level { file_label(&l.name) } else { env.own_label(&l.name).unwrap_or_else(|| file_label(&l.name)) }.into()
                    } else {
                        let n = self.concat(&l.name, l.span, env);
                        if !self.check_concat_done(&n, l.span, chain) {
                            continue;
                        }
                        n
                    };
                    self.out.items.push(Item { kind: ItemKind::Label { name, local: l.local }, span: l.span, chain: chain.clone() });
                }
                Stmt::Error(span) => {
                    self.error(
                        Diagnostic::error("error-reached", *span, "`error` statement reached")
                            .with_label("this branch was selected for the target and settings")
                            .with_chain(chain.clone()),
                    );
                }
                Stmt::Instr(i) => {
                    let operands: Vec<Operand> = i
                        .operands
                        .iter()
                        .map(|o| {
                            let o = self.subst_instr_operand(o, env, chain);
                            self.resolve_file_consts(o)
                        })
                        .collect();
                    self.out.items.push(Item {
                        kind: ItemKind::Instr { mnemonic: i.mnemonic, operands },
                        span: i.span,
                        chain: chain.clone(),
                    });
                }
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
            None => match scope.lookup(&c.callee.name) {
                Some(m) => m,
                None => {
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
                .with_secondary(def_span, if def.name.is_some() { format!("`{}` defined here", def.display_name()) } else { "anonymous macro written here".to_string() })
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
            self.aborted = true;
            return;
        }
        let bindings: Vec<Binding> = c.args.iter().map(|a| self.bind_arg(a, env, scope, chain)).collect();
        self.counter += 1;
        let n = self.counter;
        let name = def.display_name();
        let frame = Some(Rc::new(Frame { name: name.clone(), call: c.span, parent: chain.clone() }));
        let mut body_env = callee.env.push(Node::Labels { expansion: n, macro_name: name.clone(), info: callee.info.clone() });
        // Parameters are lexical only (§9.4): macro-valued ones are reached
        // through `body_env` (`lookup_param`) by the body's own text, never
        // through the dynamic scope, where they would capture same-named
        // calls in closures expanded inside this body.
        for (p, b) in def.params.iter().zip(bindings) {
            body_env = body_env.push(Node::Param { name: p.name.clone(), binding: b, macro_name: name.clone() });
        }
        let mut body_scope = Scope { macros: HashMap::default(), parent: Some(scope) };
        if !callee.info.macros.is_empty() {
            self.collect_macros(&def.body, &body_env, &mut body_scope, false);
        }
        // An expansion that adds no macro names reuses the caller's scope, so
        // lookups walk only the scopes that define something (not the whole
        // recursion, which can be thousands deep).
        let scope = if body_scope.macros.is_empty() { scope } else { &body_scope };
        // Deep (but legal) nesting must not overflow the thread's stack.
        stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || self.list(&def.body, body_env, scope, &frame, depth + 1, false));
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
                            None => {
                                if let Some(m) = scope.lookup(name) {
                                    return Binding::Macro(m);
                                }
                            }
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
                    self.aborted = true;
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
                                let via = Rc::new(Via::Param { param: name.clone(), macro_name: macro_name.clone(), use_span: e.span });
                                return with_via(v.clone(), via);
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
            return stacker::maybe_grow(256 * 1024, 2 * 1024 * 1024, || self.subst_expr_node(e, env, depth + 1));
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
                    let via = Rc::new(Via::Param { param: name.clone(), macro_name: macro_name.clone(), use_span: e.span });
                    return operand_as_expr(v, Some(via));
                }
                Some(Found::Const(v)) => return operand_as_expr(v, None),
                // A macro-valued name inside an expression stays symbolic; validation reports it.
                _ => return e.clone(),
            },
            ExprKind::Path(p) if p.contains('%') => ExprKind::Path(self.concat(p, e.span, env)),
            ExprKind::Sizeof(p) if p.contains('%') => ExprKind::Sizeof(self.concat(p, e.span, env)),
            ExprKind::Constexpr(p) if p.contains('%') => ExprKind::Constexpr(self.concat(p, e.span, env)),
            ExprKind::GlobalLabel(p) if p.contains('%') => reclassify(self.concat(p, e.span, env)),
            ExprKind::LocalLabel(l) => match env.local_label(l) {
                Some(n) => ExprKind::ResolvedLocal(n.into()),
                None if self.file_labels.contains(l) => ExprKind::ResolvedLocal(file_label(l).into()),
                None => {
                    self.error(
                        Diagnostic::error("undefined-local-label", e.span, format!("local label `{l}` is not defined"))
                            .with_label("no enclosing macro body and no file-level statement defines it"),
                    );
                    return e.clone();
                }
            },
            ExprKind::Neg(a) => ExprKind::Neg(Rc::new(self.subst_expr_at(a, env, depth))),
            ExprKind::Not(a) => ExprKind::Not(Rc::new(self.subst_expr_at(a, env, depth))),
            ExprKind::Bin(op, a, b) => {
                ExprKind::Bin(*op, Rc::new(self.subst_expr_at(a, env, depth)), Rc::new(self.subst_expr_at(b, env, depth)))
            }
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
        if out.len() > MAX_NAME_LEN && !self.aborted {
            self.error(Diagnostic::error("expression-size", span, format!("a concatenated name grew beyond {MAX_NAME_LEN} characters")));
            self.aborted = true;
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
            None => match self.file_consts.get(name) {
                Some(v) => (v.clone(), None),
                None => return Ok(format!("%{name}%")),
            },
        };
        match value.spelling.clone().map(|s| s.to_string()).or_else(|| spelling(&value)) {
            Some(s) => Ok(s),
            None if what.is_some() => {
                let d = Diagnostic::error(
                    "bad-concatenation",
                    value.span,
                    format!("`%{name}%` needs an identifier, register or global label, not this argument"),
                )
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
                Diagnostic::error("unresolved-concatenation", span, format!("`%{frag}%` in `{name}` names no parameter or constant"))
                    .with_chain(chain.clone()),
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
            OperandKind::Expr(Expr { kind: ExprKind::Var(ref name), ref via, span }) if self.file_consts.contains_key(name) => {
                let mut v = self.file_consts[name].clone();
                if let OperandKind::Expr(ve) = &mut v.kind {
                    ve.via = via.clone().or_else(|| Some(Rc::new(Via::Const { name: name.clone(), use_span: span })));
                }
                v
            }
            OperandKind::Expr(ref e) => Operand { kind: OperandKind::Expr(self.resolve_expr(e)), span: o.span, spelling: None },
            OperandKind::Addr(ref a) => {
                let f = |e: &Option<Expr>| e.as_ref().map(|e| self.resolve_expr(e));
                let addr = Addr { offset: f(&a.offset), base: f(&a.base), index: f(&a.index), scale: f(&a.scale) };
                Operand { kind: OperandKind::Addr(Rc::new(addr)), span: o.span, spelling: None }
            }
        }
    }

    fn resolve_expr(&self, e: &Expr) -> Expr {
        self.resolve_expr_at(e, 0)
    }

    fn resolve_expr_at(&self, e: &Expr, depth: u32) -> Expr {
        if !expr_has_var(e) {
            return e.clone();
        }
        if depth % STACK_CHECK_STRIDE == STACK_CHECK_STRIDE - 1 {
            return stacker::maybe_grow(256 * 1024, 2 * 1024 * 1024, || self.resolve_expr_node(e, depth + 1));
        }
        self.resolve_expr_node(e, depth + 1)
    }

    fn resolve_expr_node(&self, e: &Expr, depth: u32) -> Expr {
        let kind = match &e.kind {
            ExprKind::Var(name) => match self.file_consts.get(name) {
                Some(v) => {
                    let via = e.via.clone().or_else(|| Some(Rc::new(Via::Const { name: name.clone(), use_span: e.span })));
                    let mut x = operand_as_expr(v, None);
                    x.via = via;
                    return x;
                }
                None => return e.clone(),
            },
            ExprKind::Neg(a) => ExprKind::Neg(Rc::new(self.resolve_expr_at(a, depth))),
            ExprKind::Not(a) => ExprKind::Not(Rc::new(self.resolve_expr_at(a, depth))),
            ExprKind::Bin(op, a, b) => ExprKind::Bin(*op, Rc::new(self.resolve_expr_at(a, depth)), Rc::new(self.resolve_expr_at(b, depth))),
            _ => return e.clone(),
        };
        Expr { kind, span: e.span, via: e.via.clone() }
    }
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
        ExprKind::Path(n) | ExprKind::Sizeof(n) | ExprKind::Constexpr(n) | ExprKind::GlobalLabel(n) => {
            has_fragment(n, name).then_some(e.span)
        }
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
        let Some(len) = after.find('%') else { return false };
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

fn with_via(mut o: Operand, via: Rc<Via>) -> Operand {
    if let OperandKind::Expr(e) = &mut o.kind {
        e.via.get_or_insert(via);
    }
    o
}

/// A bound operand used inside an expression or address part. An address
/// cannot be part of an expression: it is kept as a `Var` carrying the
/// parameter name, and validation reports the misuse.
fn operand_as_expr(v: &Operand, via: Option<Rc<Via>>) -> Expr {
    match &v.kind {
        OperandKind::Expr(e) => {
            let mut e = e.clone();
            if e.via.is_none() {
                e.via = via;
            }
            e
        }
        OperandKind::Addr(_) => Expr { kind: ExprKind::Var(ADDRESS_IN_EXPR.into()), span: v.span, via },
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

