//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::Path;

use offasm::driver::{self, Input, Options, Outcome};
use offasm::target::Target;

pub fn opts(triple: &str) -> Options {
    Options::new(Target::from_triple(triple).unwrap())
}

pub fn expand_text(src: &str, triple: &str) -> Outcome {
    driver::expand(Input::Text { path: Path::new("ex.asm"), text: src.to_string() }, &opts(triple)).unwrap()
}

pub fn check_text(src: &str, triple: &str) -> Outcome {
    driver::check(Input::Text { path: Path::new("ex.asm"), text: src.to_string() }, &opts(triple)).unwrap()
}

/// The expanded program printed in the dialect, or the rendered diagnostics.
pub fn expanded(src: &str, triple: &str) -> String {
    let out = expand_text(src, triple);
    assert!(out.ok(), "unexpected errors:\n{}", out.render_short());
    offasm::print::expanded(out.expanded.as_ref().unwrap())
}

pub fn codes(out: &Outcome) -> Vec<&'static str> {
    out.diags.list.iter().filter(|d| d.is_error()).map(|d| d.code).collect()
}

/// Whitespace-insensitive comparison of instruction listings.
pub fn lines(s: &str) -> Vec<String> {
    s.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect()
}
