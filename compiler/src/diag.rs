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
        let mut out: Vec<(String, usize)> = Vec::new();
        let mut f = self.chain.as_deref();
        while let Some(fr) = f {
            let line = format!("in expansion of `{}` called at {}", fr.name, map.location(fr.call));
            match out.last_mut() {
                Some((last, n)) if *last == line => *n += 1,
                _ => out.push((line, 0)),
            }
            f = fr.parent.as_deref();
        }
        out.into_iter()
            .map(|(l, n)| if n > 0 { format!("{l} (×{n} more)") } else { l })
            .collect()
    }

    /// Renders with ariadne; `color` only for terminals.
    pub fn render(&self, map: &SourceMap, color: bool) -> String {
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
        let cache = ariadne::sources(map.files().map(|(_, f)| (f.name.clone(), f.text.as_str())));
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
