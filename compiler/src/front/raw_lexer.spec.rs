// The raw tokens of the lexer (LANGUAGE.md §2), as logos patterns.
//
// This file is not compiled: it is the input from which `raw_lexer.rs` is
// generated with logos-codegen, so that users of the library do not build
// logos' derive macro (and syn). After changing it, regenerate with
//
//     BLESS=1 cargo test -p offasm --test generated
//
// (the test fails while `raw_lexer.rs` is not what this file generates).
// `scan_string` is defined in lexer.rs, where the generated code is included.

#[derive(Logos, Debug, Clone, Copy, PartialEq)]
#[logos(skip r"[ \t\r]+")]
#[logos(skip r"#[^\n]*")]
#[logos(skip r"//[^\n]*")]
pub enum Raw {
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
