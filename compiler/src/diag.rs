//! Diagnostics: one struct for every error and warning of LANGUAGE.md §11.3,
//! rendered with ariadne (or in a one-line-per-diagnostic short form).

use std::rc::Rc;

use ariadne::{Config, IndexType, Label, Report, ReportKind};

use crate::source::{SourceMap, Span};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// One active macro expansion: the chain of these is what produced a statement.
#[derive(Debug)]
pub struct Frame {
    /// Macro name (`anon` for an anonymous macro).
    pub name: Rc<str>,
    /// The call statement that started this expansion.
    pub call: Span,
    pub parent: Option<Rc<Frame>>,
}

/// Chains can be as long as the expansion depth limit: unlink them
/// iteratively instead of recursing once per frame.
impl Drop for Frame {
    fn drop(&mut self) {
        let mut next = self.parent.take();
        while let Some(rc) = next {
            match Rc::try_unwrap(rc) {
                Ok(mut f) => next = f.parent.take(),
                Err(_) => break,
            }
        }
    }
}

impl Frame {
    pub fn depth(this: &Option<Rc<Frame>>) -> usize {
        let mut n = 0;
        let mut f = this.as_deref();
        while let Some(fr) = f {
            n += 1;
            f = fr.parent.as_deref();
        }
        n
    }
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code from the catalogue, e.g. `macro-arity`.
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    /// Text under the primary span.
    pub label: Option<String>,
    /// Secondary spans with their text.
    pub secondary: Vec<(Span, String)>,
    pub notes: Vec<String>,
    /// The macro expansions in progress where the problem was found (innermost first).
    pub chain: Option<Rc<Frame>>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            chain: None,
        }
    }
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, span, message) }
    }
    pub fn with_label(mut self, text: impl Into<String>) -> Self {
        self.label = Some(text.into());
        self
    }
    pub fn with_secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.secondary.push((span, text.into()));
        self
    }
    pub fn with_note(mut self, text: impl Into<String>) -> Self {
        self.notes.push(text.into());
        self
    }
    pub fn with_chain(mut self, chain: Option<Rc<Frame>>) -> Self {
        self.chain = chain;
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// "in expansion of ..." notes, innermost first, with runs of the same
    /// frame (recursion) collapsed into one line.
    fn chain_notes(&self, map: &SourceMap) -> Vec<String> {
        let mut lines = Vec::new();
        let mut f = self.chain.as_deref();
        while let Some(fr) = f {
            lines.push(format!("in expansion of `{}` called at {}", fr.name, map.location(fr.call)));
            f = fr.parent.as_deref();
        }
        collapse_cycles(&lines)
    }

    /// Renders with ariadne; `color` only for terminals.
    pub fn render(&self, map: &SourceMap, color: bool) -> String {
        render_all(std::slice::from_ref(self), map, color)
    }

    /// Renders with a source cache shared by many diagnostics (building
    /// the line index of a file once, not once per diagnostic).
    fn render_cached<C: ariadne::Cache<String>>(&self, map: &SourceMap, color: bool, cache: &mut C) -> String {
        let file = |s: Span| map.file(s.file).name.clone();
        let kind = match self.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let config = Config::default().with_color(color).with_index_type(IndexType::Byte);
        let mut report = Report::build(kind, (file(self.span), self.span.range()))
            .with_config(config)
            .with_code(self.code)
            .with_message(printable(&self.message))
            .with_label(
                Label::new((file(self.span), self.span.range()))
                    .with_message(printable(self.label.as_deref().unwrap_or("here"))),
            );
        for (s, t) in &self.secondary {
            report = report.with_label(Label::new((file(*s), s.range())).with_message(printable(t)));
        }
        for n in self.notes.iter().cloned().chain(self.chain_notes(map)) {
            report = report.with_note(printable(&n));
        }
        let mut buf = Vec::new();
        // Writing into a Vec cannot fail; a span outside its file is clamped by ariadne.
        let _ = report.finish().write(cache, &mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }

    /// `file:line:col: error[code]: message` followed by indented notes (LANGUAGE.md §11.1).
    pub fn render_short(&self, map: &SourceMap) -> String {
        let mut s = format!("{}\n", self.headline(map));
        for n in self.all_notes(map) {
            s.push_str(&format!("    note: {}\n", printable(&n)));
        }
        s
    }

    /// The short form on one line, notes in parentheses after the message
    /// (for `cargo:warning=`, which shows one line per warning).
    pub fn render_line(&self, map: &SourceMap) -> String {
        let notes = self.all_notes(map);
        if notes.is_empty() {
            self.headline(map)
        } else {
            format!("{} ({})", self.headline(map), printable(&notes.join("; ")))
        }
    }

    fn headline(&self, map: &SourceMap) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        format!("{}: {}[{}]: {}", map.location(self.span), sev, self.code, printable(&self.message))
    }

    /// Secondary spans (`file:line:col: text`), notes and the expansion chain.
    fn all_notes(&self, map: &SourceMap) -> Vec<String> {
        let mut notes: Vec<String> = self.secondary.iter().map(|(sp, t)| format!("{}: {}", map.location(*sp), t)).collect();
        notes.extend(self.notes.iter().cloned());
        notes.extend(self.chain_notes(map));
        notes
    }
}

/// A [`Diagnostic`] that can be sent to another thread: its expansion chain
/// as a list of (macro name, call span), innermost first.
#[derive(Debug, Clone)]
pub struct PortableDiagnostic {
    severity: Severity,
    code: &'static str,
    message: String,
    span: Span,
    label: Option<String>,
    secondary: Vec<(Span, String)>,
    notes: Vec<String>,
    chain: Vec<(Box<str>, Span)>,
}

impl Diagnostic {
    pub fn to_portable(&self) -> PortableDiagnostic {
        let mut chain = Vec::new();
        let mut f = self.chain.as_deref();
        while let Some(fr) = f {
            chain.push((Box::from(&*fr.name), fr.call));
            f = fr.parent.as_deref();
        }
        PortableDiagnostic {
            severity: self.severity,
            code: self.code,
            message: self.message.clone(),
            span: self.span,
            label: self.label.clone(),
            secondary: self.secondary.clone(),
            notes: self.notes.clone(),
            chain,
        }
    }
}

impl PortableDiagnostic {
    pub fn into_diagnostic(self) -> Diagnostic {
        let mut chain = None;
        for (name, call) in self.chain.into_iter().rev() {
            chain = Some(Rc::new(Frame { name: Rc::from(name), call, parent: chain }));
        }
        Diagnostic {
            severity: self.severity,
            code: self.code,
            message: self.message,
            span: self.span,
            label: self.label,
            secondary: self.secondary,
            notes: self.notes,
            chain,
        }
    }
}

/// Renders diagnostics in order with ariadne.
pub fn render_all(list: &[Diagnostic], map: &SourceMap, color: bool) -> String {
    // Only the files the excerpts show get a line index (building one for
    // every file read cost 3% of a clean check, which renders nothing).
    let mut shown = std::collections::HashSet::new();
    for d in list {
        shown.insert(d.span.file);
        shown.extend(d.secondary.iter().map(|(s, _)| s.file));
    }
    let mut cache = ariadne::sources(map.files().filter(|(id, _)| shown.contains(id)).map(|(_, f)| (f.name.clone(), printable(&f.text))));
    list.iter().map(|d| d.render_cached(map, color, &mut cache)).collect()
}

/// The text shown in excerpts: control characters other than tab and
/// newline (escape sequences, bells, C1 controls) are shown as `?` so that a
/// source never writes raw control bytes to the terminal. One `?` per byte:
/// the byte offsets of spans are kept.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| c.is_control() && c != '\t' && c != '\n';
    if !text.contains(bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if bad(c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Collects diagnostics of one compilation.
#[derive(Default, Debug)]
pub struct Diagnostics {
    pub list: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.list.push(d);
    }
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(Diagnostic::is_error)
    }
    pub fn error_count(&self) -> usize {
        self.list.iter().filter(|d| d.is_error()).count()
    }
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.list.extend(ds);
    }
}

/// The codes that are warnings by default (LANGUAGE.md §11.3). Only the
/// warning form of `unknown-setting` (under `--undefined-settings-false`) is
/// one; without that option it is an error and stays one.
pub const WARNING_CODES: &[&str] = &[
    "duplicate-parameter",
    "duplicate-macro",
    "leading-zero-decimal",
    "global-undefined",
    "emit-opaque",
    "move-from-memory",
    "unknown-setting",
    "unwind-undescribed",
];

/// Codes that are always errors: they mean the program cannot be compiled,
/// so no level switch applies to them (listed to give a precise message).
pub const ERROR_CODES: &[&str] = &[
    "unexpected-char", "int-literal-range", "unterminated-string", "parse", "io",
    "include-not-found", "include-cycle", "unknown-setting", "setting-is-derived",
    "undefined-macro", "macro-arity", "not-a-macro", "macro-as-operand", "expansion-depth",
    "expression-size", "bad-concatenation", "unresolved-concatenation", "unresolved-name",
    "register-in-expression", "string-operand", "label-arith", "undefined-local-label",
    "duplicate-label", "error-reached", "layout", "missing-layout-key", "layout-conflict",
    "layout-target-mismatch", "int-overflow", "imm-range", "offset-range", "bad-scale",
    "operand-count", "operand-kind", "flags-not-set", "register-unavailable",
    "instruction-unavailable", "sim-undefined", "sim-unspecified-value", "sim-memory",
    "sim-abi", "sim-unsupported", "sim-limit", "sim-entry",
];

/// Names of groups of codes for the level switches: `hazards` (the
/// cross-target checks, errors by default) and `warnings` (every code that
/// is a warning by default).
pub fn groups() -> [(&'static str, &'static [&'static str]); 2] {
    [("hazards", crate::check::HAZARD_CODES), ("warnings", WARNING_CODES)]
}

/// A level given with `--allow`, `--warn` or `--deny`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// The diagnostic is dropped.
    Allow,
    /// The diagnostic is a warning: shown, but the compilation succeeds.
    Warn,
    /// The diagnostic is an error.
    Deny,
}

impl Level {
    /// The command-line switch that sets this level.
    pub fn switch(self) -> &'static str {
        match self {
            Level::Allow => "--allow",
            Level::Warn => "--warn",
            Level::Deny => "--deny",
        }
    }
}

/// The levels chosen for re-levellable diagnostic codes: the hazard codes
/// and the codes that are warnings by default, by name or by group
/// (`hazards`, `warnings`).
///
/// Precedence: a level given for a code itself beats a level given for its
/// group, whatever their order; among levels for the same name the last one
/// given wins. Levels are applied once, when a compilation's diagnostics are
/// final ([`Levels::apply`]), so that every front end (command line, build
/// API, tests) behaves the same.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Levels {
    /// Levels by code, in the order given (the last one for a code wins).
    codes: Vec<(&'static str, Level)>,
    /// Levels by group, in the order given.
    groups: Vec<(&'static str, Level)>,
}

impl Levels {
    pub fn new() -> Levels {
        Levels::default()
    }

    /// Sets the level of a code or a group. An unknown name, or a code that
    /// is always an error, is refused with a message listing the names that
    /// can be re-levelled.
    pub fn set(&mut self, name: &str, level: Level) -> Result<(), String> {
        if let Some((g, _)) = groups().into_iter().find(|(g, _)| *g == name) {
            self.groups.push((g, level));
            return Ok(());
        }
        if let Some(c) = relevellable_codes().find(|c| *c == name) {
            self.codes.push((c, level));
            return Ok(());
        }
        let why = if ERROR_CODES.contains(&name) {
            format!("`{name}` is always an error and cannot be re-levelled")
        } else {
            format!("unknown diagnostic code `{name}`")
        };
        Err(format!("{} {name}: {why}\n{}", level.switch(), relevellable_help()))
    }

    /// The level chosen for `code`, if any.
    pub fn get(&self, code: &str) -> Option<Level> {
        if let Some((_, l)) = self.codes.iter().rev().find(|(c, _)| *c == code) {
            return Some(*l);
        }
        let groups = groups();
        self.groups.iter().rev().find(|(g, _)| groups.iter().any(|(n, codes)| n == g && codes.contains(&code))).map(|(_, l)| *l)
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty() && self.groups.is_empty()
    }

    /// Whether every one of `codes` is allowed (a pass that only produces
    /// such codes need not run).
    pub fn allows_all(&self, codes: &[&str]) -> bool {
        codes.iter().all(|c| self.get(c) == Some(Level::Allow))
    }

    /// Applies the levels: allowed diagnostics are removed, the others get
    /// the severity of their level. Diagnostics that are always errors (and
    /// `unknown-setting` as an error) are left alone.
    pub fn apply(&self, diags: &mut Diagnostics) {
        if self.is_empty() {
            return;
        }
        diags.list.retain_mut(|d| {
            let relevellable = crate::check::HAZARD_CODES.contains(&d.code)
                || (d.severity == Severity::Warning && WARNING_CODES.contains(&d.code));
            if !relevellable {
                return true;
            }
            match self.get(d.code) {
                None => true,
                Some(Level::Allow) => false,
                Some(Level::Warn) => {
                    d.severity = Severity::Warning;
                    true
                }
                Some(Level::Deny) => {
                    d.severity = Severity::Error;
                    true
                }
            }
        });
    }
}

/// Every code a level can be given for, hazards first.
pub fn relevellable_codes() -> impl Iterator<Item = &'static str> {
    crate::check::HAZARD_CODES.iter().chain(WARNING_CODES).copied()
}

/// The names `--allow`, `--warn` and `--deny` accept, for error messages.
pub fn relevellable_help() -> String {
    let mut s = String::from("codes that --allow, --warn and --deny accept (each alone, or a whole group by its name):");
    for (g, codes) in groups() {
        s.push_str(&format!("\n  {g}: {}", codes.join(", ")));
    }
    s
}

/// Collapses runs of a repeated group of up to 8 lines (direct or mutual
/// recursion) into one copy of the group plus a count.
fn collapse_cycles(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        // The period that removes the most lines at position i.
        let mut best = (1, 0);
        for p in 1..=8.min(lines.len() - i) {
            let mut reps = 0;
            while i + (reps + 2) * p <= lines.len() && lines[i + (reps + 1) * p..i + (reps + 2) * p] == lines[i..i + p] {
                reps += 1;
            }
            if reps * p > best.0 * best.1 {
                best = (p, reps);
            }
        }
        let (p, reps) = best;
        if reps == 0 {
            out.push(lines[i].clone());
            i += 1;
            continue;
        }
        if p == 1 {
            out.push(format!("{} (×{reps} more)", lines[i]));
        } else {
            out.extend(lines[i..i + p].iter().cloned());
            out.push(format!("(the {p} expansions above repeat ×{reps} more)"));
        }
        i += (reps + 1) * p;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn diag(code: &'static str, severity: Severity) -> Diagnostic {
        Diagnostic { severity, ..Diagnostic::error(code, Span::new(FileId(0), 0, 0), "m") }
    }

    fn applied(levels: &Levels, list: Vec<Diagnostic>) -> Vec<(&'static str, Severity)> {
        let mut d = Diagnostics { list };
        levels.apply(&mut d);
        d.list.iter().map(|d| (d.code, d.severity)).collect()
    }

    fn levels(given: &[(&str, Level)]) -> Levels {
        let mut l = Levels::new();
        for (n, lv) in given {
            l.set(n, *lv).unwrap();
        }
        l
    }

    #[test]
    fn hazard_codes_are_relevelled() {
        use Level::*;
        let hazard = || vec![diag("alias-clobber", Severity::Error), diag("call-clobber", Severity::Error)];
        assert_eq!(applied(&Levels::new(), hazard()), [("alias-clobber", Severity::Error), ("call-clobber", Severity::Error)]);
        assert_eq!(applied(&levels(&[("hazards", Allow)]), hazard()), []);
        assert_eq!(applied(&levels(&[("hazards", Warn)]), hazard())[0], ("alias-clobber", Severity::Warning));
        assert_eq!(applied(&levels(&[("alias-clobber", Allow)]), hazard()), [("call-clobber", Severity::Error)]);
        // A code beats its group in either order; the last level for one name wins.
        assert_eq!(applied(&levels(&[("hazards", Allow), ("call-clobber", Warn)]), hazard()), [("call-clobber", Severity::Warning)]);
        assert_eq!(applied(&levels(&[("call-clobber", Warn), ("hazards", Allow)]), hazard()), [("call-clobber", Severity::Warning)]);
        assert_eq!(applied(&levels(&[("hazards", Allow), ("hazards", Deny)]), hazard()).len(), 2);
        assert!(levels(&[("hazards", Allow)]).allows_all(crate::check::HAZARD_CODES));
        assert!(!levels(&[("hazards", Allow), ("alias-clobber", Warn)]).allows_all(crate::check::HAZARD_CODES));
        // The `warnings` group does not touch hazards.
        assert_eq!(applied(&levels(&[("warnings", Allow)]), hazard()).len(), 2);
    }

    #[test]
    fn errors_are_never_relevelled() {
        let l = levels(&[("warnings", Level::Allow), ("unknown-setting", Level::Allow)]);
        let list = vec![diag("unknown-setting", Severity::Error), diag("unknown-setting", Severity::Warning), diag("parse", Severity::Error)];
        assert_eq!(applied(&l, list), [("unknown-setting", Severity::Error), ("parse", Severity::Error)]);
        for (name, why) in [("parse", "always an error"), ("operand-kind", "always an error"), ("bogus", "unknown diagnostic code")] {
            let e = Levels::new().set(name, Level::Allow).unwrap_err();
            assert!(e.starts_with(&format!("--allow {name}: ")) && e.contains(why), "{e}");
            assert!(e.contains("hazards: alias-clobber") && e.contains("emit-opaque"), "{e}");
        }
    }

    /// Every code the compiler emits as a warning can be re-levelled.
    #[test]
    fn every_warning_code_is_listed() {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, found);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    for (i, m) in text.match_indices(concat!("Diagnostic::", "warning(")) {
                        // The code is the first argument when it is a literal.
                        let rest = text[i + m.len()..].trim_start();
                        if let Some(code) = rest.strip_prefix('"') {
                            found.push(code[..code.find('"').unwrap()].to_string());
                        }
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
        assert!(found.len() >= 7, "{found:?}");
        for c in &found {
            assert!(WARNING_CODES.contains(&c.as_str()), "warning code `{c}` is not in WARNING_CODES");
        }
    }

    #[test]
    fn recursion_is_collapsed() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(collapse_cycles(&l(&["a", "a", "a", "b"])), l(&["a (×2 more)", "b"]));
        assert_eq!(
            collapse_cycles(&l(&["p", "q", "p", "q", "p", "q", "top"])),
            l(&["p", "q", "(the 2 expansions above repeat ×2 more)", "top"])
        );
        assert_eq!(collapse_cycles(&l(&["x", "y", "z"])), l(&["x", "y", "z"]));
    }
}
