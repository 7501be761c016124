//! offasm: a compiler for the portable assembly dialect of JavaScriptCore's
//! offlineasm. The pipeline is visible in the module tree:
//! `front` (lex, parse, include) → `expand` (settings, macros) →
//! `valid` (layout, folding, validation against the `isa` table) →
//! `back` (lowering and emission per architecture and object format).

pub mod back;
pub mod build;
pub mod check;
pub mod diag;
pub mod driver;
pub mod expand;
pub mod front;
pub mod isa;
pub mod json;
pub mod layout;
pub mod output;
pub mod print;
pub mod sim;
pub mod source;
pub mod stack;
pub mod target;
pub mod valid;
