//! Lexer (LANGUAGE.md §2): logos recognises the raw tokens; a thin layer on
//! top classifies words (keyword / register / mnemonic / identifier), drops
//! the newlines that §3.3 makes insignificant, and folds `constexpr ( … )`
//! into one token carrying its canonical text (§10.2).

use std::fmt;
use std::rc::Rc;
use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

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

#[derive(Logos, Debug, Clone, Copy, PartialEq)]
#[logos(skip r"[ \t\r]+")]
#[logos(skip r"#[^\n]*")]
#[logos(skip r"//[^\n]*")]
enum Raw {
    #[token("\n")]
    Nl,
    #[regex(r"[A-Za-z%][A-Za-z0-9_.%]*")]
    Word,
    #[regex(r"_[A-Za-z0-9_%]*")]
    GlobalLabel,
    #[regex(r"\.[A-Za-z0-9_]*")]
    LocalLabel,
    #[regex(r"0x[0-9a-fA-F]+")]
    Hex,
    #[regex(r"[0-9]+")]
    Digits,
    /// A string literal; `false` when the line ends before the closing quote.
    #[token("\"", scan_string)]
    Str(bool),
    #[token("::")]
    ColonColon,
    #[token(":")]
    Colon,
    #[token(",")]
    Comma,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("=")]
    Eq,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("~")]
    Tilde,
    #[token("&")]
    Amp,
    #[token("|")]
    Pipe,
    #[token("^")]
    Caret,
    #[token("?")]
    Question,
}

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

/// Shares the text of names: every occurrence of a name is one `Rc`.
#[derive(Default)]
pub struct Interner {
    names: FxHashSet<Name>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> Name {
        if let Some(n) = self.names.get(s) {
            return n.clone();
        }
        let n: Name = s.into();
        self.names.insert(n.clone());
        n
    }
}

fn classify_word(w: &str, names: &mut Interner) -> Tok {
    match reserved_words().get(w) {
        Some(Reserved::Keyword) => keyword(w).expect("a keyword"),
        Some(Reserved::Reg(r)) => Tok::Reg(*r),
        Some(Reserved::Mnemonic(id)) => Tok::Mnemonic(*id),
        None => Tok::Ident(names.intern(w)),
    }
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
    let mut diags = Vec::new();
    let mut raw: Vec<Spanned> = Vec::new();
    let mut lx = Raw::lexer(text);
    while let Some(r) = lx.next() {
        let span = lx.span();
        let s = lx.slice();
        let sp = Span::new(file, span.start, span.end);
        let tok = match r {
            Err(()) => {
                let ch = s.chars().next().unwrap_or('?');
                let what = if ch == '/' {
                    "`/` (annotations start with `//`; there is no division)".to_string()
                } else if ch.is_ascii_graphic() {
                    format!("`{ch}`")
                } else {
                    format!("{:?}", ch)
                };
                diags.push(
                    Diagnostic::error("unexpected-char", sp, format!("unexpected character {what}"))
                        .with_label("not part of the dialect"),
                );
                continue;
            }
            Ok(Raw::Nl) => Tok::Nl,
            Ok(Raw::Word) => classify_word(s, names),
            Ok(Raw::GlobalLabel) => Tok::GlobalLabel(names.intern(s)),
            Ok(Raw::LocalLabel) => Tok::LocalLabel(names.intern(s)),
            Ok(Raw::Hex) => match u64::from_str_radix(&s[2..], 16) {
                Ok(v) => Tok::Int(v),
                Err(_) => {
                    diags.push(range_error(sp));
                    Tok::Int(0)
                }
            },
            Ok(Raw::Digits) => {
                let octal = s.len() > 1 && s.starts_with('0');
                let decimal_fallback = octal && s.bytes().any(|b| b == b'8' || b == b'9');
                if decimal_fallback {
                    diags.push(
                        Diagnostic::warning(
                            "leading-zero-decimal",
                            sp,
                            format!("`{s}` starts with 0 but has a digit 8 or 9; read as decimal"),
                        )
                        .with_note("a leading 0 normally means octal (`010` is 8)"),
                    );
                }
                let radix = if octal && !decimal_fallback { 8 } else { 10 };
                match u64::from_str_radix(s, radix) {
                    Ok(v) => Tok::Int(v),
                    Err(_) => {
                        diags.push(range_error(sp));
                        Tok::Int(0)
                    }
                }
            }
            Ok(Raw::Str(true)) => Tok::Str(s[1..s.len() - 1].into()),
            Ok(Raw::Str(false)) => {
                diags.push(
                    Diagnostic::error("unterminated-string", sp, "unterminated string literal")
                        .with_label("no closing `\"` on this line"),
                );
                Tok::Str(s[1..].into())
            }
            Ok(p) => punct(p),
        };
        raw.push((span.start, tok, span.end));
    }
    (filter(file, text, raw, &mut diags), diags)
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

/// Newline significance (§3.3) and `constexpr ( … )` folding. Input beyond
/// the nesting and length limits is rejected here, so that no later pass
/// has to recurse arbitrarily deep.
fn filter(file: FileId, text: &str, raw: Vec<Spanned>, diags: &mut Vec<Diagnostic>) -> Vec<Spanned> {
    let mut out: Vec<Spanned> = Vec::with_capacity(raw.len());
    let mut stack: Vec<Ctx> = Vec::new();
    let mut statement_start = 0;
    let mut i = 0;
    while i < raw.len() {
        let (s, tok, e) = raw[i].clone();
        i += 1;
        if stack.len() > MAX_NESTING {
            diags.push(Diagnostic::error("parse", Span::new(file, s, e), format!("nesting deeper than {MAX_NESTING} levels")));
            return Vec::new();
        }
        if out.len() - statement_start > MAX_STATEMENT_TOKENS {
            diags.push(Diagnostic::error("parse", Span::new(file, s, e), format!("statement longer than {MAX_STATEMENT_TOKENS} tokens")));
            return Vec::new();
        }
        match tok {
            Tok::Nl => {
                let in_group = stack.last() == Some(&Ctx::Group);
                let after_op = out.last().is_some_and(|t| t.1.swallows_newline());
                let repeated = out.last().is_some_and(|t| t.1 == Tok::Nl);
                if in_group || after_op || repeated {
                    continue;
                }
                statement_start = out.len() + 1;
            }
            Tok::LParen | Tok::LBracket => stack.push(Ctx::Group),
            Tok::RParen | Tok::RBracket if stack.last() == Some(&Ctx::Group) => {
                stack.pop();
            }
            Tok::Macro | Tok::If => stack.push(Ctx::Block),
            Tok::End if stack.last() == Some(&Ctx::Block) => {
                stack.pop();
            }
            Tok::Constexpr => {
                let next_is_paren = raw[i..].iter().find(|t| t.1 != Tok::Nl).is_some_and(|t| t.1 == Tok::LParen);
                if next_is_paren {
                    out.push((s, Tok::Constexpr, e));
                    i = fold_constexpr(file, text, &raw, i, &mut out, diags);
                    continue;
                }
            }
            _ => {}
        }
        out.push((s, tok, e));
    }
    out
}

/// Consumes `( tokens… )` starting at `raw[i..]` (after `constexpr`) and
/// pushes one `ConstexprText` token. Returns the index after the `)`.
fn fold_constexpr(
    file: FileId,
    text: &str,
    raw: &[Spanned],
    mut i: usize,
    out: &mut Vec<Spanned>,
    diags: &mut Vec<Diagnostic>,
) -> usize {
    while raw[i].1 == Tok::Nl {
        i += 1;
    }
    let open = raw[i].0;
    i += 1;
    let mut depth = 1;
    let mut canon = String::new();
    let mut end = raw[i - 1].2;
    while i < raw.len() {
        let (s, ref tok, e) = raw[i];
        i += 1;
        end = e;
        match tok {
            Tok::Nl => continue,
            Tok::LParen => depth += 1,
            Tok::RParen => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        match tok {
            Tok::Int(v) => canon.push_str(&v.to_string()),
            _ => canon.push_str(&text[s..e]),
        }
    }
    let span = Span::new(file, open, end);
    if depth != 0 {
        diags.push(Diagnostic::error("parse", span, "unbalanced parentheses in `constexpr ( … )`"));
    } else if canon.is_empty() {
        diags.push(Diagnostic::error("parse", span, "`constexpr ( )` needs at least one token"));
    }
    out.push((open, Tok::ConstexprText(canon.into()), end));
    i
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
            .chain(["foo", "t0x", "loadpx", "End", "IF"]);
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
        let (toks, _) = lex_interned(FileId(0), "foo(bar, foo)\n_g: .l: jmp _g, .l\n", &mut names);
        let idents: Vec<&Name> = toks.iter().filter_map(|t| match &t.1 {
            Tok::Ident(n) | Tok::GlobalLabel(n) | Tok::LocalLabel(n) => Some(n),
            _ => None,
        }).collect();
        assert_eq!(idents.len(), 7);
        assert!(Rc::ptr_eq(idents[0], idents[2]));
        assert!(Rc::ptr_eq(idents[3], idents[5]));
        assert!(Rc::ptr_eq(idents[4], idents[6]));
        assert_eq!(&**idents[1], "bar");
    }
}
