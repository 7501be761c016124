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
    // Only the expansion is under test: the handler's `subp 16, sp` … `ret`
    // is (rightly) an unbalanced stack for the cross-target checks.
    let front_end: Vec<_> = out.diags.list.iter().filter(|d| !offasm::check::HAZARD_CODES.contains(&d.code)).collect();
    assert!(front_end.is_empty(), "{}", out.render_short());
}

/// §9.2/§9.4: a helper defined in a body and reached dynamically by a closure
/// written elsewhere still calls the macro bound to a parameter of the body
/// it was written in, while the closure's own call of that name reaches the
/// file-level macro.
#[test]
fn helper_reached_dynamically_keeps_its_lexical_parameters() {
    let src = "macro fail()
    jmp _fileLevelFail
end
macro slowPath()
    jmp _slowPath
end
macro guarded(fail, body)
    macro bail()
        fail()
    end
    body()
end
guarded(slowPath, macro ()
    bail()
    fail()
end)
";
    assert_eq!(lines(&expanded(src, LINUX)), ["jmp _slowPath", "jmp _fileLevelFail"]);
}

fn duplicate_parameter_warnings(src: &str) -> usize {
    let out = check_text(src, LINUX);
    out.diags.list.iter().filter(|d| d.code == "duplicate-parameter").count()
}

/// §9.1: `macro (unused, unused, dispatch)` ignores two arguments; a duplicated
/// parameter that the body never mentions is not ambiguous and gets no warning.
#[test]
fn duplicate_parameter_unused_gives_no_warning() {
    let src = "macro op(fn)
    fn(t0, t1, macro (n) addp n, t4 end)
end
op(macro (unused, unused, dispatch)
    dispatch(3)
end)
macro named(unused, x, unused)
    move x, t2
end
named(1, 2, 3)
";
    assert_eq!(lines(&expanded(src, LINUX)), ["addp 3, t4", "move 2, t2"]);
    let out = check_text(src, LINUX);
    assert!(out.ok() && out.diags.list.is_empty(), "{}", out.render_short());
}

/// Every place where the body can mention a parameter makes a duplicate a
/// warning (once per definition); a nested macro's own parameter of that
/// name shadows it.
#[test]
fn duplicate_parameter_used_anywhere_in_the_body_warns() {
    let uses = [
        ("operand", "move d, t0"),
        ("expression", "move 8 * (d + 1), t0"),
        ("address offset", "loadi d[t1], t0"),
        ("address base", "loadi 8[d], t0"),
        ("address index and scale", "loadi [t1, t2, d], t0"),
        ("call name", "d()"),
        ("call argument", "other(d)"),
        ("const value", "const K = d + 1"),
        ("identifier fragment", "move pre_%d%, t0"),
        ("global label fragment", "jmp _f_%d%"),
        ("label definition fragment", "_f_%d%:"),
        ("global fragment", "global _f_%d%"),
        ("layout key fragment", "loadi %d%::field[t1], t0"),
        ("sizeof fragment", "move sizeof %d%Cell, t0"),
        ("nested anonymous macro", "other(macro () move d, t0 end)"),
        ("nested named definition", "macro inner()\n        move d, t0\n    end"),
        ("nested macro, fragment", "macro inner(q)\n        move q_%d%, t0\n    end"),
        ("doubly nested", "other(macro (q)\n        other(macro () move d, q end)\n    end)"),
    ];
    for (what, body) in uses {
        let src = format!("macro m(d, x, d)\n    {body}\nend\n");
        assert_eq!(duplicate_parameter_warnings(&src), 1, "{what}:\n{src}");
    }
    // Anonymous macros are checked when they are bound, once however often they are called.
    let src = "macro twice(fn)\n    fn(1, 2)\n    fn(3, 4)\nend\ntwice(macro (d, d) move d, t0 end)\n";
    assert_eq!(duplicate_parameter_warnings(src), 1);
    assert_eq!(lines(&expanded(src, LINUX)), ["move 2, t0", "move 4, t0"]);

    let not_uses = [
        ("other names", "move dd, t0\n    move x_d, t1"),
        ("local label", "jmp .d\n.d:"),
        ("global label without fragment", "jmp _d"),
        ("shadowed by a nested macro's parameter", "other(macro (d) move d, t0 end)"),
        ("shadowed in a nested definition", "macro inner(d)\n        move %d%_x, d\n    end"),
        ("named macro definition", "macro d()\n        nop\n    end"),
        ("string", "emit \"d\""),
    ];
    for (what, body) in not_uses {
        let src = format!("macro m(d, x, d)\n    {body}\nend\n");
        assert_eq!(duplicate_parameter_warnings(&src), 0, "{what}:\n{src}");
        // The same text with one real use does warn (so the case was read at all).
        let src = format!("macro m(d, x, d)\n    {body}\n    move d, t0\nend\n");
        assert_eq!(duplicate_parameter_warnings(&src), 1, "{what}, with a use:\n{src}");
    }
}
