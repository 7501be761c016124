//! The lexer and the parser are generated ahead of time and committed
//! (docs/decisions.md, "The build dependency"), so that a crate using offasm
//! in its build script compiles neither logos' derive macro (and syn) nor
//! lalrpop. These tests generate both again from their sources
//! (`src/front/grammar.lalrpop`, `src/front/raw_lexer.spec.rs`) and fail when
//! a committed file is not what its source generates. Regenerate with
//! `cargo run -p offasm-generate` (or `BLESS=1 cargo test -p offasm --test generated`).

use std::path::PathBuf;

fn front(rel: &str) -> PathBuf {
    offasm_generate::front_dir().join(rel)
}

/// Compares `generated` with the committed file `rel` (both through
/// `normalise`), or rewrites the file under `BLESS=1`.
fn compare(rel: &str, generated: &str, normalise: fn(&str) -> String) {
    let path = front(rel);
    if std::env::var_os("BLESS").is_some_and(|v| v != "0") {
        std::fs::write(&path, generated).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    if normalise(&committed) != normalise(generated) {
        let first = committed.lines().zip(generated.lines()).position(|(a, b)| a != b);
        panic!(
            "compiler/src/front/{rel} is stale: it is not what its source generates{}.\n\
             Regenerate it with `cargo run -p offasm-generate` and commit the result.",
            first.map(|l| format!(" (first differing line: {})", l + 1)).unwrap_or_default()
        );
    }
}

#[test]
fn committed_parser_is_generated_from_the_grammar() {
    let generated = offasm_generate::parser();
    assert!(generated.starts_with("// auto-generated: \"lalrpop 0.22.2\""), "unexpected lalrpop output: {}", &generated[..80.min(generated.len())]);
    compare("grammar.rs", &generated, str::to_string);
}

#[test]
fn committed_lexer_is_generated_from_its_spec() {
    let generated = offasm_generate::lexer();
    assert_eq!(offasm_generate::tokens(&generated), offasm_generate::tokens(&offasm_generate::lexer()), "logos-codegen is not deterministic");
    compare("raw_lexer.rs", &generated, offasm_generate::tokens);
}

/// The lexer's comparison ignores formatting, not tokens.
#[test]
fn the_lexer_comparison_notices_a_changed_token() {
    let generated = offasm_generate::lexer();
    let t = offasm_generate::tokens;
    for (from, to) in [("Nl", "Newline"), ("bump_unchecked(1)", "bump_unchecked(2)")] {
        let changed = generated.replacen(from, to, 1);
        assert_ne!(changed, generated, "`{from}` is not in the generated lexer");
        assert_ne!(t(&generated), t(&changed), "{from} → {to}");
    }
    assert_eq!(t(&generated), t(&generated.replace('\n', "\n\n  // a comment\n")));
}
