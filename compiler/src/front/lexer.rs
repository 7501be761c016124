//! Lexer (LANGUAGE.md §2): logos recognises the raw tokens; a thin layer on
//! top classifies words (keyword / register / mnemonic / identifier), drops
//! the newlines that §3.3 makes insignificant, and folds `constexpr ( … )`
//! into one token carrying its canonical text (§10.2).

use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;


use logos::Logos;

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use crate::target::regs::{reg_by_name, Reg};

pub type Name = Rc<str>;

/// Strings are scanned by hand: the generated matcher handles one
/// character per step, which is slow (and deep, unoptimised) on long literals.
fn scan_string(lex: &mut logos::Lexer<Raw>) -> bool {
    let rest = lex.remainder();
    match rest.bytes().position(|b| b == b'"' || b == b'\n') {
        Some(i) if rest.as_bytes()[i] == b'"' => {
            lex.bump(i + 1);
            true
        }
        Some(i) => {
            lex.bump(i);
            false
        }
        None => {
            lex.bump(rest.len());
            false
        }
    }
}

/// The raw tokens, recognised by a logos lexer generated ahead of time from
/// `raw_lexer.spec.rs` (the patterns live there; `cargo run -p
/// offasm-generate` regenerates `raw_lexer.rs`, tests/generated.rs checks it).
#[rustfmt::skip]
#[allow(unused_imports, clippy::all)]
mod raw {
    use super::scan_string;
    include!("raw_lexer.rs");
}
use raw::Raw;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Nl,
    Ident(Name),
    GlobalLabel(Name),
    LocalLabel(Name),
    Int(u64),
    Str(Name),
    Reg(Reg),
    Mnemonic(crate::isa::InstrId),
    /// The canonical text of `constexpr ( … )`, produced right after `Constexpr`.
    ConstexprText(Name),
    True,
    False,
    If,
    Then,
    Else,
    Elsif,
    End,
    And,
    Or,
    Not,
    Global,
    Macro,
    Const,
    Constexpr,
    Sizeof,
    Error,
    Include,
    ColonColon,
    Colon,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Eq,
    Plus,
    Minus,
    Star,
    Tilde,
    Amp,
    Pipe,
    Caret,
    Question,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Nl => write!(f, "end of line"),
            Tok::Ident(n) => write!(f, "identifier `{n}`"),
            Tok::GlobalLabel(n) => write!(f, "label `{n}`"),
            Tok::LocalLabel(n) => write!(f, "local label `{n}`"),
            Tok::Int(v) => write!(f, "integer `{v}`"),
            Tok::Str(s) => write!(f, "string \"{s}\""),
            Tok::Reg(r) => write!(f, "register `{}`", r.name()),
            Tok::Mnemonic(m) => write!(f, "instruction `{}`", crate::isa::isa().get(*m).name),
            Tok::ConstexprText(t) => write!(f, "`({t})`"),
            other => write!(f, "`{}`", other.spelling()),
        }
    }
}

impl Tok {
    /// Source spelling of keywords and punctuation.
    pub fn spelling(&self) -> &'static str {
        match self {
            Tok::True => "true",
            Tok::False => "false",
            Tok::If => "if",
            Tok::Then => "then",
            Tok::Else => "else",
            Tok::Elsif => "elsif",
            Tok::End => "end",
            Tok::And => "and",
            Tok::Or => "or",
            Tok::Not => "not",
            Tok::Global => "global",
            Tok::Macro => "macro",
            Tok::Const => "const",
            Tok::Constexpr => "constexpr",
            Tok::Sizeof => "sizeof",
            Tok::Error => "error",
            Tok::Include => "include",
            Tok::ColonColon => "::",
            Tok::Colon => ":",
            Tok::Comma => ",",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Eq => "=",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Tilde => "~",
            Tok::Amp => "&",
            Tok::Pipe => "|",
            Tok::Caret => "^",
            Tok::Question => "?",
            _ => "",
        }
    }

    /// A newline right after this token is not significant (§3.3 items 2–4).
    fn swallows_newline(&self) -> bool {
        matches!(
            self,
            Tok::Comma
                | Tok::Plus
                | Tok::Minus
                | Tok::Star
                | Tok::Amp
                | Tok::Pipe
                | Tok::Caret
                | Tok::Tilde
                | Tok::Eq
                | Tok::If
                | Tok::Elsif
                | Tok::And
                | Tok::Or
                | Tok::Macro
                | Tok::Global
        )
    }
}

fn keyword(w: &str) -> Option<Tok> {
    Some(match w {
        "true" => Tok::True,
        "false" => Tok::False,
        "if" => Tok::If,
        "then" => Tok::Then,
        "else" => Tok::Else,
        "elsif" => Tok::Elsif,
        "end" => Tok::End,
        "and" => Tok::And,
        "or" => Tok::Or,
        "not" => Tok::Not,
        "global" => Tok::Global,
        "macro" => Tok::Macro,
        "const" => Tok::Const,
        "constexpr" => Tok::Constexpr,
        "sizeof" => Tok::Sizeof,
        "error" => Tok::Error,
        "include" => Tok::Include,
        _ => return None,
    })
}

/// Is `w` reserved (keyword, register or mnemonic, §2.10)?
pub fn is_reserved(w: &str) -> bool {
    keyword(w).is_some() || reg_by_name(w).is_some() || crate::isa::isa().is_mnemonic(w)
}

/// What a reserved word is. A word that is several things is the first of
/// keyword, register, mnemonic.
#[derive(Copy, Clone)]
enum Reserved {
    Keyword,
    Reg(Reg),
    Mnemonic(crate::isa::InstrId),
}

/// Every reserved word, so that classifying a word takes one lookup.
fn reserved_words() -> &'static FxHashMap<&'static str, Reserved> {
    static WORDS: OnceLock<FxHashMap<&'static str, Reserved>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut m = FxHashMap::default();
        for (id, def) in crate::isa::isa().iter() {
            m.insert(def.name.as_str(), Reserved::Mnemonic(id));
        }
        for r in Reg::all() {
            m.insert(r.name(), Reserved::Reg(r));
        }
        for k in KEYWORDS {
            m.insert(*k, Reserved::Keyword);
        }
        m
    })
}

const KEYWORDS: &[&str] = &[
    "true", "false", "if", "then", "else", "elsif", "end", "and", "or", "not", "global", "macro", "const", "constexpr",
    "sizeof", "error", "include",
];

/// Classifies words and shares the text of names (every occurrence of a
/// name is one `Rc`). The tables hold the reserved words and the names seen
/// so far, so that a word takes one lookup; words of up to 8 bytes (most of
/// them) are keyed by their bytes as an integer.
pub struct Interner {
    /// Words of at most 8 bytes, keyed by [`short_key`].
    short: FxHashMap<u64, Word>,
    /// Longer words.
    long: FxHashMap<WordKey, Word>,
}

#[derive(Clone)]
enum Word {
    Reserved(Reserved),
    Name(Name),
}

impl Default for Interner {
    fn default() -> Self {
        let reserved = reserved_words();
        let mut short = FxHashMap::with_capacity_and_hasher(reserved.len() + 256, Default::default());
        let mut long = FxHashMap::default();
        for (w, r) in reserved {
            match short_key(w.as_bytes()) {
                Some(k) => short.insert(k, Word::Reserved(*r)),
                None => long.insert(WordKey::Reserved(w), Word::Reserved(*r)),
            };
        }
        Interner { short, long }
    }
}

impl Interner {
    /// The shared text of the name `s` (a new one for a reserved word).
    pub fn intern(&mut self, s: &str) -> Name {
        match self.lookup(s, short_key(s.as_bytes())) {
            Some(Word::Name(n)) => n.clone(),
            Some(Word::Reserved(_)) => s.into(),
            None => self.add_name(s, short_key(s.as_bytes())),
        }
    }

    /// The token of the word `w`, whose [`short_key`] is `key`.
    #[inline]
    fn classify(&mut self, w: &str, key: Option<u64>) -> Tok {
        match self.lookup(w, key) {
            Some(Word::Reserved(Reserved::Keyword)) => keyword(w).expect("a keyword"),
            Some(Word::Reserved(Reserved::Reg(r))) => Tok::Reg(*r),
            Some(Word::Reserved(Reserved::Mnemonic(id))) => Tok::Mnemonic(*id),
            Some(Word::Name(n)) => Tok::Ident(n.clone()),
            None => Tok::Ident(self.add_name(w, key)),
        }
    }

    #[inline]
    fn lookup(&self, w: &str, key: Option<u64>) -> Option<&Word> {
        match key {
            Some(k) => self.short.get(&k),
            None => self.long.get(w),
        }
    }

    #[inline(never)]
    fn add_name(&mut self, s: &str, key: Option<u64>) -> Name {
        let n: Name = s.into();
        match key {
            Some(k) => self.short.insert(k, Word::Name(n.clone())),
            None => self.long.insert(WordKey::Name(n.clone()), Word::Name(n.clone())),
        };
        n
    }
}

/// A word of at most 8 bytes as an integer: its bytes, little-endian, padded
/// with zeros (no word contains a NUL byte, so this is one-to-one).
#[inline]
fn short_key(w: &[u8]) -> Option<u64> {
    if w.len() > 8 {
        return None;
    }
    let mut buf = [0u8; 8];
    buf[..w.len()].copy_from_slice(w);
    Some(u64::from_le_bytes(buf))
}

/// [`short_key`] of `text[start..start + len]`, reading 8 bytes at once
/// where the text is long enough.
#[inline]
fn short_key_at(text: &str, start: usize, len: usize) -> Option<u64> {
    let b = text.as_bytes();
    match b.get(start..start + 8) {
        Some(chunk) if (1..=8).contains(&len) => {
            let v = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            Some(v & (u64::MAX >> (64 - 8 * len)))
        }
        _ => short_key(&b[start..start + len]),
    }
}

/// A key of [`Interner`]'s table of long words, hashed and compared as its text.
enum WordKey {
    Reserved(&'static str),
    Name(Name),
}

impl WordKey {
    fn text(&self) -> &str {
        match self {
            WordKey::Reserved(w) => w,
            WordKey::Name(n) => n,
        }
    }
}

impl std::borrow::Borrow<str> for WordKey {
    fn borrow(&self) -> &str {
        self.text()
    }
}

impl std::hash::Hash for WordKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.text().hash(h)
    }
}

impl PartialEq for WordKey {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Eq for WordKey {}

#[cfg(test)]
fn classify_word(w: &str, names: &mut Interner) -> Tok {
    names.classify(w, short_key(w.as_bytes()))
}

/// The lexer error handed to the parser; the diagnostic itself is recorded
/// separately so that lexing can continue past bad characters.
#[derive(Clone, Debug, PartialEq)]
pub struct LexError;

pub type Spanned = (usize, Tok, usize);

/// Lexes a whole file into significant tokens, plus lexical diagnostics.
pub fn lex(file: FileId, text: &str) -> (Vec<Spanned>, Vec<Diagnostic>) {
    lex_interned(file, text, &mut Interner::default())
}

/// [`lex`], with the names of identifiers and labels taken from `names`.
pub fn lex_interned(file: FileId, text: &str, names: &mut Interner) -> (Vec<Spanned>, Vec<Diagnostic>) {
    let mut tokens = Tokens::new(file, text, names);
    let out: Vec<Spanned> = (&mut tokens).collect();
    let (diags, complete) = tokens.finish();
    (if complete { out } else { Vec::new() }, diags)
}

/// The significant tokens of a file, produced on demand (so that the parser
/// takes them straight from the lexer, with no token list in between).
///
/// When the input exceeds a limit ([`MAX_NESTING`], [`MAX_STATEMENT_TOKENS`])
/// the tokens stop there and [`Tokens::finish`] reports the file
/// incomplete: it is then not parsed at all, as if it had no tokens.
pub struct Tokens<'t, 'n> {
    lx: logos::Lexer<'t, Raw>,
    file: FileId,
    text: &'t str,
    names: &'n mut Interner,
    /// Diagnostics of the lexer proper, in source order.
    lex_diags: Vec<Diagnostic>,
    filter: Filter,
}

impl<'t, 'n> Tokens<'t, 'n> {
    pub fn new(file: FileId, text: &'t str, names: &'n mut Interner) -> Self {
        Tokens { lx: Raw::lexer(text), file, text, names, lex_diags: Vec::new(), filter: Filter::new(file) }
    }

    /// Lexes the rest of the file (for its diagnostics) and returns every
    /// diagnostic: the lexer's, then those of newline and `constexpr`
    /// processing. `false`: a limit was exceeded, the file must not be parsed.
    pub fn finish(mut self) -> (Vec<Diagnostic>, bool) {
        while let Some((s, tok, e)) = self.raw() {
            self.filter.push(self.text, s, tok, e);
        }
        self.filter.finish();
        let mut diags = self.lex_diags;
        diags.append(&mut self.filter.diags);
        (diags, !self.filter.failed)
    }

    /// The next token of the input, newlines included; `None` at its end.
    /// Characters that start no token are reported and skipped.
    #[inline(always)]
    fn raw(&mut self) -> Option<Spanned> {
        loop {
            let r = self.lx.next()?;
            let span = self.lx.span();
            let tok = match r {
                Ok(Raw::Nl) => Tok::Nl,
                Ok(Raw::Word) => {
                    let key = short_key_at(self.text, span.start, span.len());
                    self.names.classify(self.lx.slice(), key)
                }
                Ok(Raw::GlobalLabel) => Tok::GlobalLabel(self.names.intern(self.lx.slice())),
                Ok(Raw::LocalLabel) => Tok::LocalLabel(self.names.intern(self.lx.slice())),
                Ok(kind @ (Raw::Hex | Raw::Digits | Raw::Str(_))) => self.literal(kind, span.clone()),
                Ok(p) => punct(p),
                Err(()) => {
                    self.unexpected_char(span);
                    continue;
                }
            };
            return Some((span.start, tok, span.end));
        }
    }

    /// A number or a string literal (`kind`).
    #[inline(never)]
    fn literal(&mut self, kind: Raw, span: std::ops::Range<usize>) -> Tok {
        let s = &self.text[span.clone()];
        let sp = Span::new(self.file, span.start, span.end);
        match kind {
            Raw::Hex => {
                return match u64::from_str_radix(&s[2..], 16) {
                    Ok(v) => Tok::Int(v),
                    Err(_) => {
                        self.lex_diags.push(range_error(sp));
                        Tok::Int(0)
                    }
                };
            }
            Raw::Str(true) => return Tok::Str(s[1..s.len() - 1].into()),
            Raw::Str(false) => {
                self.lex_diags.push(
                    Diagnostic::error("unterminated-string", sp, "unterminated string literal")
                        .with_label("no closing `\"` on this line"),
                );
                return Tok::Str(s[1..].into());
            }
            _ => {}
        }
        let octal = s.len() > 1 && s.starts_with('0');
        let decimal_fallback = octal && s.bytes().any(|b| b == b'8' || b == b'9');
        if decimal_fallback {
            self.lex_diags.push(
                Diagnostic::warning("leading-zero-decimal", sp, format!("`{s}` starts with 0 but has a digit 8 or 9; read as decimal"))
                    .with_note("a leading 0 normally means octal (`010` is 8)"),
            );
        }
        let radix = if octal && !decimal_fallback { 8 } else { 10 };
        match u64::from_str_radix(s, radix) {
            Ok(v) => Tok::Int(v),
            Err(_) => {
                self.lex_diags.push(range_error(sp));
                Tok::Int(0)
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn unexpected_char(&mut self, span: std::ops::Range<usize>) {
        let ch = self.text[span.clone()].chars().next().unwrap_or('?');
        let what = if ch == '/' {
            "`/` (annotations start with `//`; there is no division)".to_string()
        } else if ch.is_ascii_graphic() {
            format!("`{ch}`")
        } else {
            format!("{:?}", ch)
        };
        self.lex_diags.push(
            Diagnostic::error("unexpected-char", Span::new(self.file, span.start, span.end), format!("unexpected character {what}"))
                .with_label("not part of the dialect"),
        );
    }
}

impl Iterator for Tokens<'_, '_> {
    type Item = Spanned;

    #[inline]
    fn next(&mut self) -> Option<Spanned> {
        // The common case: a token in, at most one out.
        while self.filter.plain {
            match self.raw() {
                Some((s, tok, e)) => {
                    if let Some(t) = self.filter.step(s, tok, e) {
                        return Some(t);
                    }
                }
                None => self.filter.finish(),
            }
        }
        self.next_queued()
    }
}

impl Tokens<'_, '_> {
    /// [`Iterator::next`] around `constexpr`, a limit or the end of the input.
    #[inline(never)]
    fn next_queued(&mut self) -> Option<Spanned> {
        loop {
            if let Some(t) = self.filter.ready.pop_front() {
                self.filter.update_plain();
                return Some(t);
            }
            if self.filter.failed || self.filter.finished {
                return None;
            }
            match self.raw() {
                Some((s, tok, e)) => self.filter.push(self.text, s, tok, e),
                None => self.filter.finish(),
            }
        }
    }
}

fn range_error(sp: Span) -> Diagnostic {
    Diagnostic::error("int-literal-range", sp, "integer literal does not fit in 64 bits")
        .with_label("larger than 2^64 - 1")
}

fn punct(r: Raw) -> Tok {
    match r {
        Raw::ColonColon => Tok::ColonColon,
        Raw::Colon => Tok::Colon,
        Raw::Comma => Tok::Comma,
        Raw::LParen => Tok::LParen,
        Raw::RParen => Tok::RParen,
        Raw::LBracket => Tok::LBracket,
        Raw::RBracket => Tok::RBracket,
        Raw::Eq => Tok::Eq,
        Raw::Plus => Tok::Plus,
        Raw::Minus => Tok::Minus,
        Raw::Star => Tok::Star,
        Raw::Tilde => Tok::Tilde,
        Raw::Amp => Tok::Amp,
        Raw::Pipe => Tok::Pipe,
        Raw::Caret => Tok::Caret,
        Raw::Question => Tok::Question,
        _ => unreachable!("not punctuation"),
    }
}

#[derive(Copy, Clone, PartialEq)]
enum Ctx {
    /// Inside `( … )` or `[ … ]`: newlines are insignificant.
    Group,
    /// Inside a `macro … end` or `if … end` block: newlines end statements.
    Block,
}

/// Deepest nesting of `( [ macro if` accepted; real programs stay below 30.
pub const MAX_NESTING: usize = 256;
/// Longest statement (tokens between two significant line ends) accepted.
pub const MAX_STATEMENT_TOKENS: usize = 2048;

/// What [`Filter`] is in the middle of.
enum Mode {
    Normal,
    /// Right after `constexpr` (at `s..e`), with the newlines seen since:
    /// the next other token decides whether `( … )` is folded.
    AfterConstexpr { s: usize, e: usize, newlines: Vec<(usize, usize)> },
    /// Inside `constexpr ( … )`, opened at `open`: the canonical text so far.
    Folding { open: usize, depth: u32, canon: String, end: usize },
}

/// Newline significance (§3.3) and `constexpr ( … )` folding, one token at
/// a time. Input beyond the nesting and length limits is rejected here, so
/// that no later pass has to recurse arbitrarily deep.
struct Filter {
    file: FileId,
    mode: Mode,
    stack: Vec<Ctx>,
    /// Tokens produced so far, and how many of them were before the current statement.
    count: usize,
    statement_start: usize,
    /// About the last token produced.
    last_newline: bool,
    last_swallows_newline: bool,
    /// Tokens produced and not yet handed out.
    ready: VecDeque<Spanned>,
    diags: Vec<Diagnostic>,
    /// A limit was exceeded: no more tokens.
    failed: bool,
    /// The input has ended.
    finished: bool,
    /// Normal mode, nothing queued, not failed, not finished.
    plain: bool,
}

impl Filter {
    fn new(file: FileId) -> Filter {
        Filter {
            file,
            mode: Mode::Normal,
            stack: Vec::new(),
            count: 0,
            statement_start: 0,
            last_newline: false,
            last_swallows_newline: false,
            ready: VecDeque::new(),
            diags: Vec::new(),
            failed: false,
            finished: false,
            plain: true,
        }
    }

    /// Takes the next token of the input (`text`).
    fn push(&mut self, text: &str, s: usize, tok: Tok, e: usize) {
        match &mut self.mode {
            Mode::Normal => self.step_queued(s, tok, e),
            Mode::AfterConstexpr { newlines, .. } if matches!(tok, Tok::Nl) => newlines.push((s, e)),
            Mode::AfterConstexpr { .. } => {
                let Mode::AfterConstexpr { s: cs, e: ce, newlines } = std::mem::replace(&mut self.mode, Mode::Normal) else {
                    unreachable!()
                };
                self.emit(cs, Tok::Constexpr, ce);
                if matches!(tok, Tok::LParen) {
                    // The newlines before `(` go with the folded tokens.
                    self.mode = Mode::Folding { open: s, depth: 1, canon: String::new(), end: e };
                } else {
                    for (ns, ne) in newlines {
                        self.step_queued(ns, Tok::Nl, ne);
                    }
                    self.step_queued(s, tok, e);
                }
            }
            Mode::Folding { depth, canon, end, .. } => {
                *end = e;
                match tok {
                    Tok::Nl => return,
                    Tok::LParen => *depth += 1,
                    Tok::RParen => {
                        *depth -= 1;
                        if *depth == 0 {
                            self.end_fold();
                            return;
                        }
                    }
                    _ => {}
                }
                match tok {
                    Tok::Int(v) => canon.push_str(&v.to_string()),
                    _ => canon.push_str(&text[s..e]),
                }
            }
        }
    }

    /// The end of the input.
    fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.plain = false;
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => {}
            Mode::AfterConstexpr { s, e, newlines } => {
                self.emit(s, Tok::Constexpr, e);
                for (ns, ne) in newlines {
                    self.step_queued(ns, Tok::Nl, ne);
                }
            }
            folding @ Mode::Folding { .. } => {
                self.mode = folding;
                self.end_fold();
            }
        }
    }

    /// A token outside `constexpr ( … )`: the token it produces, if any.
    #[inline(always)]
    fn step(&mut self, s: usize, tok: Tok, e: usize) -> Option<Spanned> {
        if self.stack.len() > MAX_NESTING {
            self.fail(Diagnostic::error("parse", Span::new(self.file, s, e), format!("nesting deeper than {MAX_NESTING} levels")));
            return None;
        }
        if self.count - self.statement_start > MAX_STATEMENT_TOKENS {
            self.fail(Diagnostic::error(
                "parse",
                Span::new(self.file, s, e),
                format!("statement longer than {MAX_STATEMENT_TOKENS} tokens"),
            ));
            return None;
        }
        match tok {
            Tok::Nl => {
                let in_group = self.stack.last() == Some(&Ctx::Group);
                if in_group || self.last_swallows_newline || self.last_newline {
                    return None;
                }
                self.statement_start = self.count + 1;
            }
            Tok::LParen | Tok::LBracket => self.stack.push(Ctx::Group),
            Tok::RParen | Tok::RBracket if self.stack.last() == Some(&Ctx::Group) => {
                self.stack.pop();
            }
            Tok::Macro | Tok::If => self.stack.push(Ctx::Block),
            Tok::End if self.stack.last() == Some(&Ctx::Block) => {
                self.stack.pop();
            }
            Tok::Constexpr => {
                self.mode = Mode::AfterConstexpr { s, e, newlines: Vec::new() };
                self.plain = false;
                return None;
            }
            _ => {}
        }
        self.produced(&tok);
        Some((s, tok, e))
    }

    /// [`Filter::step`], queueing the token.
    fn step_queued(&mut self, s: usize, tok: Tok, e: usize) {
        if self.failed {
            return;
        }
        if let Some(t) = self.step(s, tok, e) {
            self.ready.push_back(t);
            self.plain = false;
        }
    }

    fn update_plain(&mut self) {
        self.plain = self.ready.is_empty() && matches!(self.mode, Mode::Normal) && !self.failed && !self.finished;
    }

    #[inline]
    fn produced(&mut self, tok: &Tok) {
        self.count += 1;
        self.last_newline = matches!(tok, Tok::Nl);
        self.last_swallows_newline = tok.swallows_newline();
    }

    /// Queues a token produced outside [`Filter::step`].
    fn emit(&mut self, s: usize, tok: Tok, e: usize) {
        self.produced(&tok);
        self.ready.push_back((s, tok, e));
        self.plain = false;
    }

    fn fail(&mut self, d: Diagnostic) {
        self.diags.push(d);
        self.failed = true;
        self.plain = false;
        self.ready.clear();
    }

    /// Produces the one `ConstexprText` token of `constexpr ( … )`.
    fn end_fold(&mut self) {
        let Mode::Folding { open, depth, canon, end } = std::mem::replace(&mut self.mode, Mode::Normal) else {
            unreachable!()
        };
        let span = Span::new(self.file, open, end);
        if depth != 0 {
            self.diags.push(Diagnostic::error("parse", span, "unbalanced parentheses in `constexpr ( … )`"));
        } else if canon.is_empty() {
            self.diags.push(Diagnostic::error("parse", span, "`constexpr ( )` needs at least one token"));
        }
        self.emit(open, Tok::ConstexprText(canon.into()), end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The single table lookup classifies every word as keyword, register,
    /// mnemonic (in that order of precedence) or identifier.
    #[test]
    fn one_lookup_classifies_words() {
        let isa = crate::isa::isa();
        let words = KEYWORDS
            .iter()
            .copied()
            .chain(Reg::all().map(Reg::name))
            .chain(isa.iter().map(|(_, d)| d.name.as_str()))
            .chain(["foo", "t0x", "loadpx", "End", "IF", "abcdefgh", "abcdefghi", "getOperandNarrow", "loadpairqx"]);
        let mut names = Interner::default();
        for w in words {
            let want = if let Some(k) = keyword(w) {
                k
            } else if let Some(r) = reg_by_name(w) {
                Tok::Reg(r)
            } else if let Some(id) = isa.lookup(w) {
                Tok::Mnemonic(id)
            } else {
                Tok::Ident(w.into())
            };
            assert_eq!(classify_word(w, &mut names), want, "{w}");
        }
        let keyword_toks = [
            Tok::True, Tok::False, Tok::If, Tok::Then, Tok::Else, Tok::Elsif, Tok::End, Tok::And, Tok::Or, Tok::Not,
            Tok::Global, Tok::Macro, Tok::Const, Tok::Constexpr, Tok::Sizeof, Tok::Error, Tok::Include,
        ];
        assert_eq!(keyword_toks.len(), KEYWORDS.len());
        for t in keyword_toks {
            assert!(KEYWORDS.contains(&t.spelling()), "{t}");
            assert_eq!(keyword(t.spelling()), Some(t.clone()));
        }
    }

    #[test]
    fn interned_names_share_their_text() {
        let mut names = Interner::default();
        let (toks, _) = lex_interned(FileId(0), "foo(bar, foo)\n_g: .l: jmp _g, .l\ngetOperandNarrow(getOperandNarrow)", &mut names);
        let idents: Vec<&Name> = toks.iter().filter_map(|t| match &t.1 {
            Tok::Ident(n) | Tok::GlobalLabel(n) | Tok::LocalLabel(n) => Some(n),
            _ => None,
        }).collect();
        assert_eq!(idents.len(), 9);
        assert!(Rc::ptr_eq(idents[7], idents[8]));
        assert_eq!(&**idents[7], "getOperandNarrow");
        assert!(Rc::ptr_eq(idents[0], idents[2]));
        assert!(Rc::ptr_eq(idents[3], idents[5]));
        assert!(Rc::ptr_eq(idents[4], idents[6]));
        assert_eq!(&**idents[1], "bar");
    }

    fn kinds(text: &str) -> (Vec<Tok>, Vec<String>) {
        let (toks, diags) = lex(FileId(0), text);
        (toks.into_iter().map(|t| t.1).collect(), diags.into_iter().map(|d| d.message).collect())
    }

    #[test]
    fn constexpr_parentheses_fold_across_newlines() {
        let (toks, diags) = kinds("move constexpr\n\n(a (b)\n 010)\n, t0\n");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(toks[1], Tok::Constexpr);
        assert_eq!(toks[2], Tok::ConstexprText("a(b)8".into()));
        assert_eq!(toks[3], Tok::Nl);
        // Not followed by `(`: the newlines after `constexpr` count.
        let (toks, _) = kinds("constexpr\n\nfoo");
        assert_eq!(toks, vec![Tok::Constexpr, Tok::Nl, Tok::Ident("foo".into())]);
        let (_, diags) = kinds("constexpr ((a)");
        assert_eq!(diags, vec!["unbalanced parentheses in `constexpr ( … )`".to_string()]);
    }

    #[test]
    fn beyond_a_limit_there_are_no_tokens_but_every_diagnostic() {
        let deep = format!("@{}1{}\n$\n", "(".repeat(MAX_NESTING + 1), ")".repeat(MAX_NESTING + 1));
        let (toks, diags) = kinds(&deep);
        assert!(toks.is_empty());
        assert_eq!(diags.len(), 3, "{diags:?}");
        assert!(diags[1].contains("`$`"), "lexical diagnostics come first: {diags:?}");
        assert!(diags[2].starts_with("nesting deeper than"));
        let (toks, diags) = kinds(&format!("{}1{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING)));
        assert_eq!(toks.len(), 2 * MAX_NESTING + 1);
        assert!(diags.is_empty());
    }
}
