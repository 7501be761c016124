//! Expansion rules that the worked examples do not cover.

mod common;
use common::*;

const LINUX: &str = "x86_64-unknown-linux-gnu";

/// §9.6: `%p%` spells the name that was passed, even when it is a body constant.
#[test]
fn concatenation_spells_a_body_constant_by_name() {
    let src = "macro inner(p)
_x_%p%:
    move p, t0
    ret
end
macro outer()
    const Foo = 5
    inner(Foo)
end
outer()
";
    assert_eq!(lines(&expanded(src, LINUX)), ["_x_Foo:", "move 5, t0", "ret"]);
}

/// §7: two `global`s for one label are idempotent.
#[test]
fn duplicate_global_is_idempotent() {
    let src = "global _f\nglobal _f\n_f:\n    ret\n";
    assert_eq!(lines(&expanded(src, LINUX)), ["global _f", "_f:", "ret"]);
    assert!(check_text(src, LINUX).ok());
}

/// A definition-level warning is given once, however often the body is expanded.
#[test]
fn duplicate_macro_warning_once_per_definition() {
    let src = "macro m()
    macro h() nop end
    macro h() nop end
    h()
end
m()
m()
m()
";
    let out = check_text(src, LINUX);
    assert!(out.ok());
    assert_eq!(out.diags.list.iter().filter(|d| d.code == "duplicate-macro").count(), 1);
}

/// Mutual recursion is reported once, with the repeated frames collapsed.
#[test]
fn mutual_recursion_chain_is_collapsed() {
    let src = "macro ping() pong() end\nmacro pong() ping() end\nping()\n";
    let out = check_text(src, LINUX);
    assert_eq!(codes(&out), ["expansion-depth"]);
    let short = out.render_short();
    assert!(short.lines().count() < 10, "{short}");
    assert!(short.contains("repeat ×"), "{short}");
}
