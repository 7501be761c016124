//! Settings resolution (phase 3, LANGUAGE.md §5): every `if` is replaced by
//! the statements of its selected branch, everywhere in the tree, before any
//! macro is expanded.

use std::collections::HashMap;
use std::rc::Rc;

use super::groups::groups_of;
use crate::diag::{Diagnostic, Diagnostics};
use crate::front::ast::{Arg, GroupMask, MacroDef, Pred, PredKind, Stmt, Variants};
use crate::source::Span;
use crate::target::Target;

/// A `-D` spec: `NAME` (true), `NAME=1|true`, `NAME=0|false`.
pub fn parse_define(spec: &str) -> Result<(&str, bool), String> {
    match spec.split_once('=') {
        None => Ok((spec, true)),
        Some((n, "1" | "true")) => Ok((n, true)),
        Some((n, "0" | "false")) => Ok((n, false)),
        Some((n, v)) => Err(format!("-D {n}={v}: a setting is 0, 1, true or false")),
    }
}

/// The boolean settings of one compilation: target-derived plus `-D`.
#[derive(Clone)]
pub struct Settings {
    target: Target,
    user: HashMap<String, bool>,
    pub undefined_false: bool,
}

impl Settings {
    pub fn new(target: Target) -> Settings {
        Settings { target, user: HashMap::new(), undefined_false: false }
    }

    /// `-D NAME`, `-D NAME=1|true|0|false`. Errors are user-facing messages.
    /// A target-derived setting is accepted when it agrees with the target
    /// (and changes nothing) and is `setting-is-derived` when it contradicts it.
    pub fn define(&mut self, spec: &str) -> Result<(), String> {
        let (name, value) = parse_define(spec)?;
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !valid {
            return Err(format!("-D {name}: not a valid setting name"));
        }
        // A target-derived setting may be restated (`-D JSVALUE64` on a 64-bit
        // target, `-D X86_64=0` on ARM64: build systems pass such lists for
        // every target); only a value that contradicts the target is an error.
        if let Some(fixed) = self.target.derived_setting(name) {
            if fixed == value {
                return Ok(());
            }
            return Err(format!(
                "[setting-is-derived] -D {spec}: `{name}` is fixed by the target `{}` to {} ({}); \
                 a target-derived setting can only be given the target's value (choose the target with --target instead)",
                self.target.triple,
                u8::from(fixed),
                fixed,
            ));
        }
        if crate::front::lexer::is_reserved(name) {
            return Err(format!("-D {name}: `{name}` is a reserved word"));
        }
        self.user.insert(name.to_string(), value);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<bool> {
        self.target.derived_setting(name).or_else(|| self.user.get(name).copied())
    }
}

pub fn resolve(stmts: Vec<Stmt>, settings: &Settings, diags: &mut Diagnostics) -> Vec<Stmt> {
    let (tree, mut per_group) = resolve_groups(stmts, std::slice::from_ref(settings));
    diags.list.append(&mut per_group[0]);
    tree
}

/// Resolves the tree for several groups of settings at once (group `g` is
/// bit `g` of a [`GroupMask`]): an `if` on which the groups agree is
/// replaced by its branch, one on which they differ by a
/// [`Stmt::Variants`] holding each branch taken. Returns the tree and each
/// group's diagnostics (unknown settings it reached).
pub fn resolve_groups(stmts: Vec<Stmt>, settings: &[Settings]) -> (Vec<Stmt>, Vec<Vec<Diagnostic>>) {
    assert!((1..=64).contains(&settings.len()), "1 to 64 groups");
    let all = GroupMask::MAX >> (64 - settings.len());
    let mut r = Resolver { settings, mask: all, unknown: vec![Vec::new(); settings.len()] };
    let out = r.list(stmts);
    let diags = settings.iter().zip(r.unknown).map(|(s, unknown)| unknown.into_iter().map(|(name, span)| unknown_setting(s, &name, span)).collect()).collect();
    (out, diags)
}

fn unknown_setting(settings: &Settings, name: &str, span: Span) -> Diagnostic {
    if settings.undefined_false {
        Diagnostic::warning("unknown-setting", span, format!("unknown setting `{name}` treated as false"))
            .with_label("neither target-derived nor given with -D")
    } else {
        Diagnostic::error("unknown-setting", span, format!("unknown setting `{name}`"))
            .with_label("neither target-derived nor given with -D")
            .with_note(format!("set it with `-D {name}` or `-D {name}=0`, or pass --undefined-settings-false"))
    }
}

/// Which branch every `if` takes, in resolution order, and the unknown
/// settings met on the way. Two targets with equal choices resolve a tree to
/// the same statements with the same diagnostics, so they can share its
/// expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choices {
    arms: Vec<u32>,
    unknown: Vec<(Rc<str>, Span)>,
}

/// The choices [`resolve`] would make, without building the resolved tree.
pub fn choices(stmts: &[Stmt], settings: &Settings) -> Choices {
    let mut r = Resolver { settings: std::slice::from_ref(settings), mask: 1, unknown: vec![Vec::new()] };
    let mut arms = Vec::new();
    r.walk(stmts, &mut arms);
    Choices { arms, unknown: r.unknown.pop().unwrap_or_default() }
}

struct Resolver<'a> {
    /// One per group.
    settings: &'a [Settings],
    /// The groups the statements being resolved are for.
    mask: GroupMask,
    /// Per group: unknown settings with their first use, in order of first use.
    unknown: Vec<Vec<(Rc<str>, Span)>>,
}

impl Resolver<'_> {
    fn list(&mut self, stmts: Vec<Stmt>) -> Vec<Stmt> {
        if !stmts.iter().any(has_if) {
            return stmts;
        }
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            self.stmt(s, &mut out);
        }
        out
    }

    fn stmt(&mut self, s: Stmt, out: &mut Vec<Stmt>) {
        match s {
            Stmt::If(i) => {
                // The branch of each group (`arms.len()`: the else branch).
                let mut taken: Vec<(usize, GroupMask)> = Vec::new();
                for g in groups_of(self.mask) {
                    let k = i.arms.iter().position(|(pred, _)| self.eval(pred, g)).unwrap_or(i.arms.len());
                    match taken.iter_mut().find(|(b, _)| *b == k) {
                        Some((_, m)) => *m |= 1 << g,
                        None => taken.push((k, 1 << g)),
                    }
                }
                let mut branches: Vec<Option<Vec<Stmt>>> = i.arms.into_iter().map(|(_, b)| Some(b)).collect();
                branches.push(i.else_body);
                if let [(k, _)] = taken[..] {
                    for s in branches[k].take().unwrap_or_default() {
                        self.stmt(s, out);
                    }
                    return;
                }
                let outer = self.mask;
                let mut arms = Vec::new();
                for (k, m) in taken {
                    self.mask = m;
                    let mut body = Vec::new();
                    for s in branches[k].take().unwrap_or_default() {
                        self.stmt(s, &mut body);
                    }
                    if !body.is_empty() {
                        arms.push((m, body));
                    }
                }
                self.mask = outer;
                if !arms.is_empty() {
                    out.push(Stmt::Variants(Rc::new(Variants { arms })));
                }
            }
            Stmt::Macro(def) => out.push(Stmt::Macro(self.macro_def(def))),
            Stmt::Call(mut c) => {
                for a in &mut c.args {
                    if let Arg::Macro(m) = a {
                        *m = self.macro_def(m.clone());
                    }
                }
                out.push(Stmt::Call(c));
            }
            other => out.push(other),
        }
    }

    /// Visits the statements in the order of `list`/`stmt`, recording the
    /// arm each `if` takes (`u32::MAX`: none, or `else`). One group only.
    fn walk(&mut self, stmts: &[Stmt], arms: &mut Vec<u32>) {
        for s in stmts {
            match s {
                Stmt::If(i) => {
                    let chosen = i.arms.iter().position(|(pred, _)| self.eval(pred, 0));
                    arms.push(chosen.map_or(u32::MAX, |k| k as u32));
                    match chosen {
                        Some(k) => self.walk(&i.arms[k].1, arms),
                        None => {
                            if let Some(b) = &i.else_body {
                                self.walk(b, arms);
                            }
                        }
                    }
                }
                Stmt::Macro(def) => self.walk(&def.body, arms),
                Stmt::Call(c) => {
                    for a in &c.args {
                        if let Arg::Macro(m) = a {
                            self.walk(&m.body, arms);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn macro_def(&mut self, def: Rc<MacroDef>) -> Rc<MacroDef> {
        let mut def = Rc::try_unwrap(def).unwrap_or_else(|rc| (*rc).clone());
        def.body = self.list(std::mem::take(&mut def.body));
        Rc::new(def)
    }

    /// Short-circuit evaluation for group `g` (§5.4): an unknown name is only reported if reached.
    fn eval(&mut self, p: &Pred, g: usize) -> bool {
        match &p.kind {
            PredKind::Const(b) => *b,
            PredKind::Not(p) => !self.eval(p, g),
            PredKind::And(a, b) => self.eval(a, g) && self.eval(b, g),
            PredKind::Or(a, b) => self.eval(a, g) || self.eval(b, g),
            PredKind::Setting(id) => match self.settings[g].get(&id.name) {
                Some(v) => v,
                None => {
                    let unknown = &mut self.unknown[g];
                    if !unknown.iter().any(|(n, _)| *n == id.name) {
                        unknown.push((id.name.clone(), id.span));
                    }
                    false
                }
            },
        }
    }
}

/// Does the statement contain an `if` (at any depth)?
fn has_if(s: &Stmt) -> bool {
    match s {
        Stmt::If(_) => true,
        Stmt::Macro(m) => m.body.iter().any(has_if),
        Stmt::Call(c) => c.args.iter().any(|a| matches!(a, Arg::Macro(m) if m.body.iter().any(has_if))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::DERIVED_SETTINGS;

    /// Every derived setting on every target: the target's own value is
    /// accepted in every spelling, the other value is `setting-is-derived`.
    #[test]
    fn derived_settings_agree_or_are_rejected() {
        for t in Target::supported() {
            let target = Target::from_triple(t.triple).unwrap();
            for &name in DERIVED_SETTINGS {
                let fixed = target.derived_setting(name).unwrap();
                let (agree, contradict): (&[&str], &[&str]) =
                    if fixed { (&["", "=1", "=true"], &["=0", "=false"]) } else { (&["=0", "=false"], &["", "=1", "=true"]) };
                let mut s = Settings::new(target.clone());
                for suffix in agree {
                    assert_eq!(s.define(&format!("{name}{suffix}")), Ok(()), "-D {name}{suffix} on {}", t.triple);
                }
                assert_eq!(s.get(name), Some(fixed));
                assert!(s.user.is_empty(), "an agreeing derived setting is not recorded as a user setting");
                for suffix in contradict {
                    let e = s.define(&format!("{name}{suffix}")).unwrap_err();
                    assert!(e.starts_with(&format!("[setting-is-derived] -D {name}{suffix}: ")), "{e}");
                    let want = format!("`{name}` is fixed by the target `{}` to {} ({fixed})", target.triple, u8::from(fixed));
                    assert!(e.contains(&want), "{e}");
                }
                assert_eq!(s.get(name), Some(fixed));
            }
        }
    }
}
