//! Front end: lexing, parsing and `include` splicing (phases 1–2).

pub mod ast;
pub mod lexer;

use std::path::{Path, PathBuf};
use std::rc::Rc;

use lalrpop_util::ParseError;

use crate::diag::{Diagnostic, Diagnostics};
use crate::source::{FileId, SourceMap, Span};
use ast::{Arg, MacroDef, Stmt};
use lexer::{LexError, Spanned, Tok};

/// The parser, generated ahead of time by lalrpop from `grammar.lalrpop`
/// (`cargo run -p offasm-generate` regenerates `grammar.rs`,
/// tests/generated.rs checks it), as `lalrpop_mod!` would include it.
#[rustfmt::skip]
#[allow(clippy::all, unused_parens, dead_code)]
#[allow(clippy::extra_unused_lifetimes, clippy::needless_lifetimes, clippy::let_unit_value, clippy::just_underscores_and_digits)]
mod grammar {
    include!("grammar.rs");
}

/// Parses one file's text (no include processing).
pub fn parse_text(file: FileId, text: &str, diags: &mut Diagnostics) -> Vec<Stmt> {
    parse_interned(file, text, diags, &mut lexer::Interner::default())
}

/// [`parse_text`], sharing identifier spellings through `names`.
fn parse_interned(file: FileId, text: &str, diags: &mut Diagnostics, names: &mut lexer::Interner) -> Vec<Stmt> {
    let mut tokens = lexer::Tokens::new(file, text, names);
    let mut recovered = Vec::new();
    // The grammar's locations are u32 like those of spans (a smaller parser stack).
    let located = (&mut tokens).map(|(l, t, r)| Ok::<_, LexError>((l as u32, t, r as u32)));
    let result = grammar::FileParser::new().parse(file, &mut recovered, located);
    let (lex_diags, complete) = tokens.finish();
    diags.extend(lex_diags);
    if !complete {
        // Beyond a limit of the lexer: the file is not parsed (the parser
        // saw only its beginning; what it made of that is dropped).
        return Vec::new();
    }
    if recovered.is_empty() && result.is_ok() {
        return result.unwrap_or_default();
    }
    // Error messages look at the tokens around the error: lex again (errors are rare).
    let (tokens, _) = lexer::lex(file, text);
    for r in recovered {
        diags.push(parse_error(file, text, &tokens, r.error.map_location(|l| l as usize)));
    }
    match result {
        Ok(stmts) => stmts,
        Err(e) => {
            diags.push(parse_error(file, text, &tokens, e.map_location(|l| l as usize)));
            Vec::new()
        }
    }
}

fn describe_expected(e: &str) -> String {
    match e {
        "NL" => "end of line".into(),
        "IDENT" => "identifier".into(),
        "GLABEL" => "global label".into(),
        "LLABEL" => "local label".into(),
        "INT" => "integer".into(),
        "STR" => "string".into(),
        "REG" => "register".into(),
        "MNEMONIC" => "instruction".into(),
        "CTEXT" => "`(`".into(),
        quoted => format!("`{}`", quoted.trim_matches('"')),
    }
}

fn expected_list(expected: &[String]) -> String {
    let mut items: Vec<String> = expected.iter().map(|e| describe_expected(e)).collect();
    items.dedup();
    match items.len() {
        0 => String::new(),
        1 => format!("; expected {}", items[0]),
        n if n <= 8 => format!("; expected one of {}", items.join(", ")),
        _ => format!("; expected one of {}, …", items[..8].join(", ")),
    }
}

fn parse_error(file: FileId, text: &str, tokens: &[Spanned], e: ParseError<usize, Tok, LexError>) -> Diagnostic {
    match e {
        ParseError::UnrecognizedToken { token: (l, tok, r), expected } => {
            let span = Span::new(file, l, r);
            // `name` at the start of a statement must be a macro call (§3.2).
            let prev = tokens.iter().rposition(|t| t.2 <= l).map(|i| &tokens[i]);
            if let Some((pl, Tok::Ident(name), pr)) = prev {
                if expected.len() == 1 && expected[0] == "\"(\"" {
                    let mut d = Diagnostic::error(
                        "parse",
                        Span::new(file, *pl, *pr),
                        format!("unknown instruction `{name}` (expected `(` after `{name}` for a macro call)"),
                    )
                    .with_label("not an instruction mnemonic")
                    .with_secondary(span, format!("found {tok}"));
                    let is_macro = tokens.windows(2).any(|w| w[0].1 == Tok::Macro && w[1].1 == Tok::Ident(name.clone()));
                    if is_macro {
                        d.message = format!("`{name}` is a macro: call it as `{name}(…)`");
                        d.label = Some("macro calls need parentheses".into());
                    } else if let Some(m) = crate::isa::isa().closest(name) {
                        d = d.with_note(format!("did you mean `{m}`?"));
                    }
                    return d;
                }
            }
            Diagnostic::error("parse", span, format!("unexpected {tok}{}", expected_list(&expected)))
                .with_label(format!("unexpected {tok}"))
        }
        ParseError::UnrecognizedEof { location, expected } => {
            let at = tokens.iter().rev().find(|t| t.1 != Tok::Nl).map(|t| t.2).unwrap_or(location).min(text.len());
            let mut d = Diagnostic::error("parse", Span::new(file, at, at), format!("unexpected end of file{}", expected_list(&expected)))
                .with_label("file ends here");
            if let Some((s, e, what)) = unclosed_block(tokens) {
                d = d.with_secondary(Span::new(file, s, e), format!("this `{what}` has no matching `end`"));
            }
            d
        }
        ParseError::ExtraToken { token: (l, tok, r) } => {
            Diagnostic::error("parse", Span::new(file, l, r), format!("unexpected {tok}"))
        }
        ParseError::InvalidToken { location } => {
            Diagnostic::error("parse", Span::new(file, location, location + 1), "invalid token")
        }
        ParseError::User { error: LexError } => {
            Diagnostic::error("parse", Span::new(file, 0, 0), "lexical error")
        }
    }
}

/// Reads the root file and everything it includes (§6), producing one tree.
pub struct Loader<'a> {
    pub map: &'a mut SourceMap,
    pub include_dirs: &'a [PathBuf],
    pub diags: &'a mut Diagnostics,
    /// Every file read, in order (for `cargo:rerun-if-changed`).
    pub files_read: Vec<PathBuf>,
    stack: Vec<PathBuf>,
    /// One spelling per distinct name across every file read.
    names: lexer::Interner,
}

impl<'a> Loader<'a> {
    pub fn new(map: &'a mut SourceMap, include_dirs: &'a [PathBuf], diags: &'a mut Diagnostics) -> Self {
        Loader { map, include_dirs, diags, files_read: Vec::new(), stack: Vec::new(), names: lexer::Interner::default() }
    }

    /// Loads the root file from disk.
    pub fn load_root(&mut self, path: &Path) -> Option<Vec<Stmt>> {
        let read = std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()));
        let text = match read.and_then(|b| source_text(b, &path.display().to_string())) {
            Ok(text) => text,
            Err(msg) => {
                let id = self.map.add(path, path.display().to_string(), String::new());
                self.diags.push(Diagnostic::error("io", Span::new(id, 0, 0), msg));
                return None;
            }
        };
        Some(self.load_text(path, &path.display().to_string(), text))
    }

    /// Loads a root file given as text (`path` is used for includes and display).
    pub fn load_text(&mut self, path: &Path, display: &str, text: String) -> Vec<Stmt> {
        self.files_read.push(path.to_path_buf());
        let id = self.map.add(path, display.to_string(), text);
        self.stack.push(canonical(path));
        let stmts = self.parse_and_splice(id);
        self.stack.pop();
        stmts
    }

    fn parse_and_splice(&mut self, id: FileId) -> Vec<Stmt> {
        let stmts = parse_interned(id, &self.map.file(id).text, self.diags, &mut self.names);
        let dir = self.map.file(id).path.parent().map(Path::to_path_buf).unwrap_or_default();
        self.splice(stmts, &dir)
    }

    fn splice(&mut self, stmts: Vec<Stmt>, dir: &Path) -> Vec<Stmt> {
        if !stmts.iter().any(has_include) {
            return stmts;
        }
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            match s {
                Stmt::Include { name, optional, span } => {
                    out.extend(self.include(&name.name, optional, span, dir));
                }
                Stmt::Macro(def) => out.push(Stmt::Macro(self.splice_macro(def, dir))),
                Stmt::Call(mut c) => {
                    c.args = c
                        .args
                        .into_iter()
                        .map(|a| match a {
                            Arg::Macro(m) => Arg::Macro(self.splice_macro(m, dir)),
                            other => other,
                        })
                        .collect();
                    out.push(Stmt::Call(c));
                }
                Stmt::If(mut i) => {
                    i.arms = std::mem::take(&mut i.arms).into_iter().map(|(p, b)| (p, self.splice(b, dir))).collect();
                    i.else_body = i.else_body.take().map(|b| self.splice(b, dir));
                    out.push(Stmt::If(i));
                }
                other => out.push(other),
            }
        }
        out
    }

    fn splice_macro(&mut self, def: Rc<MacroDef>, dir: &Path) -> Rc<MacroDef> {
        let mut def = Rc::try_unwrap(def).unwrap_or_else(|rc| (*rc).clone());
        def.body = self.splice(std::mem::take(&mut def.body), dir);
        Rc::new(def)
    }

    fn include(&mut self, name: &str, optional: bool, span: Span, dir: &Path) -> Vec<Stmt> {
        let file_name = format!("{name}.asm");
        // The first existing candidate; the ones before it are recorded:
        // creating one of them later changes what this include reads.
        let mut found = None;
        for p in self.include_dirs.iter().map(|d| d.join(&file_name)).chain(std::iter::once(dir.join(&file_name))) {
            if p.is_file() {
                found = Some(p);
                break;
            }
            self.map.note_absent(p);
        }
        let builtin = match found {
            Some(_) => None,
            None => builtin_file(name),
        };
        if let Some(text) = builtin {
            let path = PathBuf::from(BUILTIN_DIR).join(&file_name);
            return self.include_text(path, text.to_string(), span);
        }
        let Some(path) = found else {
            if !optional {
                let searched: Vec<String> = self
                    .include_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .chain(std::iter::once(if dir.as_os_str().is_empty() { ".".into() } else { dir.display().to_string() }))
                    .collect();
                self.diags.push(
                    Diagnostic::error("include-not-found", span, format!("cannot find `{file_name}`"))
                        .with_label("included here")
                        .with_note(format!("searched: {}", searched.join(", ")))
                        .with_note("use `include?` for an optional file, or add a directory with -I"),
                );
            }
            return Vec::new();
        };
        let text = match std::fs::read(&path) {
            Ok(b) => match source_text(b, &path.display().to_string()) {
                Ok(text) => text,
                Err(msg) => {
                    self.diags.push(Diagnostic::error("io", span, msg).with_label("included here"));
                    return Vec::new();
                }
            },
            Err(e) => {
                self.diags.push(Diagnostic::error("include-not-found", span, format!("cannot read `{}`: {e}", path.display())));
                return Vec::new();
            }
        };
        self.files_read.push(path.clone());
        self.include_text(path, text, span)
    }

    /// Splices the text of the file `path` (read from disk or built in) at `span`.
    fn include_text(&mut self, path: PathBuf, text: String, span: Span) -> Vec<Stmt> {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let canon = canonical(&path);
        if self.stack.contains(&canon) {
            let names: Vec<String> = self
                .stack
                .iter()
                .chain(std::iter::once(&canon))
                .map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
                .collect();
            self.diags.push(
                Diagnostic::error("include-cycle", span, format!("including `{file_name}` here would repeat forever"))
                    .with_label("`{file_name}` is already being included".replace("{file_name}", &file_name))
                    .with_note(format!("include chain: {}", names.join(" → "))),
            );
            return Vec::new();
        }
        let id = self.map.add(&path, path.display().to_string(), text);
        self.stack.push(canon);
        let stmts = self.parse_and_splice(id);
        self.stack.pop();
        stmts
    }
}

/// The directory name under which the built-in files appear (in diagnostics,
/// in `.file` directives): they are not on disk.
pub const BUILTIN_DIR: &str = "<offasm>";

/// The files built into offasm, found by `include NAME` when no directory of
/// the search path has `NAME.asm` (docs/prelude.md). `prelude` is a copy of
/// the repository's lib-asm/prelude.asm, kept in the crate so that it ships
/// with it (tests/prelude.rs checks that the two are the same).
pub const BUILTIN_FILES: &[(&str, &str)] = &[("prelude", include_str!("../../lib-asm/prelude.asm"))];

/// The text of the built-in file `NAME.asm`, if there is one.
pub fn builtin_file(name: &str) -> Option<&'static str> {
    BUILTIN_FILES.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// A file's bytes as source text (LANGUAGE.md §2.1: UTF-8, in practice
/// ASCII), or the message saying why they are not (`name`: the file as
/// shown). A file that is binary, in another encoding or cut in the middle
/// of a character is refused as a whole, with one diagnostic, rather than
/// lexed into a flood of errors echoing its bytes.
pub fn source_text(bytes: Vec<u8>, name: &str) -> Result<String, String> {
    fn at(bytes: &[u8], i: usize) -> String {
        let line = bytes[..i].iter().filter(|&&b| b == b'\n').count() + 1;
        let col = i - bytes[..i].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
        format!("line {line}, column {col}")
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(format!("`{name}` is UTF-16 text; source files must be UTF-8"));
    }
    if let Some(i) = bytes.iter().position(|&b| b == 0) {
        return Err(format!("`{name}` is not a text file: it contains a NUL byte ({})", at(&bytes, i)));
    }
    String::from_utf8(bytes).map_err(|e| {
        let i = e.utf8_error().valid_up_to();
        let b = e.as_bytes()[i];
        format!("`{name}` is not UTF-8 text: byte 0x{b:02x} ({}) is not part of a UTF-8 character", at(e.as_bytes(), i))
    })
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// The innermost `macro`/`if` that is never closed by `end`.
fn unclosed_block(tokens: &[Spanned]) -> Option<(usize, usize, &'static str)> {
    let mut stack = Vec::new();
    for (s, t, e) in tokens {
        match t {
            Tok::Macro => stack.push((*s, *e, "macro")),
            Tok::If => stack.push((*s, *e, "if")),
            Tok::End => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
}

/// Does the statement contain an `include` (at any depth)?
fn has_include(s: &Stmt) -> bool {
    match s {
        Stmt::Include { .. } => true,
        Stmt::Macro(m) => m.body.iter().any(has_include),
        Stmt::Call(c) => c.args.iter().any(|a| matches!(a, Arg::Macro(m) if m.body.iter().any(has_include))),
        Stmt::If(i) => {
            i.arms.iter().any(|(_, b)| b.iter().any(has_include)) || i.else_body.as_ref().is_some_and(|b| b.iter().any(has_include))
        }
        _ => false,
    }
}
