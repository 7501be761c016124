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

/// §9.4, in the style of JSC's LLInt: opcode bodies are closures written at
/// file level that call the helpers `prologue`, `dispatch`, `get` and `meta`,
/// and they are passed through macros that have *parameters* of those names.
/// The parameters are hygienic: the closure reaches the file-level helpers,
/// while the text of the macros declaring the parameters (their bodies, a
/// nested anonymous macro, a nested named definition, an argument passing one
/// on) still reaches the bound macros. Every parameter is bound to a macro of
/// the same arity as the helper it shadows, so a leak would give different
/// code rather than an error.
#[test]
fn closures_calling_helpers_through_same_named_parameters() {
    let src = "macro prologue(n)
    move n, t1
end
macro dispatch(n)
    addp n, t4
end
macro get(field, dst)
    loadi field[t4], dst
end
macro meta(field, dst)
    loadi field[t5], dst
end

macro enterFrame(n)
    subp n, sp
end
macro fetchOperand(field, dst)
    loadq field[t2], dst
end
macro advance(n)
    addp n, t3
end
macro fetchMetadata(field, dst)
    loadq field[t3], dst
end

macro commonOp(label, prologue, fn)
    global _%label%
_%label%:
    prologue(16)
    fn()
    ret
end

macro llintOp(name, prologue, get, dispatch, meta, fn)
    commonOp(llint_%name%, prologue, macro ()
        get(8, t0)
        macro next()
            dispatch(2)
        end
        fn()
        meta(24, t1)
        next()
    end)
end

llintOp(op_add, enterFrame, fetchOperand, advance, fetchMetadata, macro ()
    prologue(7)
    get(0, t2)
    meta(4, t3)
    dispatch(1)
end)

# The other way round: an opcode body whose own parameters are named like the
# helpers uses them lexically, also from a nested named definition.
macro withMetadata(fn)
    fn(fetchOperand, advance)
end
withMetadata(macro (get, dispatch)
    macro bump()
        dispatch(5)
    end
    get(32, t0)
    bump()
    meta(40, t1)
end)
";
    let expected = "global _llint_op_add
_llint_op_add:
    subp 16, sp
    loadq 8[t2], t0
    move 7, t1
    loadi 0[t4], t2
    loadi 4[t5], t3
    addp 1, t4
    loadq 24[t3], t1
    addp 2, t3
    ret
    loadq 32[t2], t0
    addp 5, t3
    loadi 40[t5], t1
";
    assert_eq!(lines(&expanded(src, LINUX)), lines(expected));
    let out = check_text(src, LINUX);
    assert!(out.ok() && out.diags.list.is_empty(), "{}", out.render_short());
}
