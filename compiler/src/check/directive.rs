//! Label directives: how an author tells the checks what a label is, in a
//! form the original offlineasm reads as a plain comment (docs/checks.md).
//!
//! ```text
//! global _op_add
//! _op_add:                 # offasm: not-c-function   (entered by a jump, with the VM's conventions)
//!
//! # offasm: c-function
//! _callback:               (not exported, but C calls it through a pointer)
//! ```
//!
//! A directive sits on the label's line or alone on the line right above
//! it; written in a macro body it applies to every expansion.

use crate::diag::Diagnostic;
use crate::source::{SourceMap, Span};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Directive {
    /// A C-ABI function starts here (exported or not).
    CFunction,
    /// Not a C-ABI function, even if exported: code entered by a jump (an
    /// interpreter's handler); the checks start it from an unknown state.
    NotCFunction,
}

const PREFIX: &str = "offasm:";

/// The directive of the label defined at `span`, or a diagnostic for one
/// that is misspelt.
pub fn of_label(map: &SourceMap, span: Span) -> Result<Option<Directive>, Box<Diagnostic>> {
    let file = map.file(span.file);
    let text = &file.text;
    let start = span.start as usize;
    let line_start = text[..start.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start.min(text.len())..].find('\n').map_or(text.len(), |i| start + i);
    // On the label's line, after the label.
    let after = (span.end as usize).min(line_end);
    if let Some(d) = parse_comment(span, &text[after..line_end], after)? {
        return Ok(Some(d));
    }
    // Alone on the line above.
    if line_start > 0 {
        let prev_start = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        let prev = &text[prev_start..line_start - 1];
        if prev.trim_start().starts_with('#') {
            return parse_comment(span, prev, prev_start);
        }
    }
    Ok(None)
}

fn parse_comment(label: Span, line: &str, at: usize) -> Result<Option<Directive>, Box<Diagnostic>> {
    let Some(hash) = line.find('#') else { return Ok(None) };
    let comment = line[hash + 1..].trim();
    let Some(rest) = comment.strip_prefix(PREFIX) else { return Ok(None) };
    let word = rest.split_whitespace().next().unwrap_or("");
    match word {
        "c-function" => Ok(Some(Directive::CFunction)),
        "not-c-function" => Ok(Some(Directive::NotCFunction)),
        _ => {
            let s = at + hash;
            let span = Span::new(label.file, s, at + line.trim_end().len());
            Err(Box::new(Diagnostic::error("bad-directive", span, format!("unknown offasm directive `{word}`"))
                .with_label("not a directive offasm knows")
                .with_note("label directives are `# offasm: c-function` and `# offasm: not-c-function` (docs/checks.md)")))
        }
    }
}
