//! Diagnostics: one struct for every error and warning of LANGUAGE.md §11.3,
//! rendered with ariadne (or in a one-line-per-diagnostic short form).

use std::rc::Rc;

use ariadne::{Config, IndexType, Label, Report, ReportKind};

use crate::source::{SourceMap, Span};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
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
            .with_message(&self.message)
            .with_label(
                Label::new((file(self.span), self.span.range()))
                    .with_message(self.label.clone().unwrap_or_else(|| "here".into())),
            );
        for (s, t) in &self.secondary {
            report = report.with_label(Label::new((file(*s), s.range())).with_message(t));
        }
        for n in self.notes.iter().cloned().chain(self.chain_notes(map)) {
            report = report.with_note(n);
        }
        let mut buf = Vec::new();
        // Writing into a Vec cannot fail; a span outside its file is clamped by ariadne.
        let _ = report.finish().write(cache, &mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }

    /// `file:line:col: error[code]: message` followed by indented notes (LANGUAGE.md §11.1).
    pub fn render_short(&self, map: &SourceMap) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut s = format!("{}: {}[{}]: {}\n", map.location(self.span), sev, self.code, self.message);
        for (sp, t) in &self.secondary {
            s.push_str(&format!("    note: {}: {}\n", map.location(*sp), t));
        }
        for n in self.notes.iter().cloned().chain(self.chain_notes(map)) {
            s.push_str(&format!("    note: {n}\n"));
        }
        s
    }
}

/// Renders diagnostics in order with ariadne.
pub fn render_all(list: &[Diagnostic], map: &SourceMap, color: bool) -> String {
    let mut cache = ariadne::sources(map.files().map(|(_, f)| (f.name.clone(), f.text.as_str())));
    list.iter().map(|d| d.render_cached(map, color, &mut cache)).collect()
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
    use super::collapse_cycles;

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
