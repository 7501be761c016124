//! LANGUAGE.md §12: every worked example, with the stated results.
//! (The spec writes renamed labels as `.m#N.x`; offasm spells them `.oaN_m_x`.)

mod common;
use common::*;

const LINUX: &str = "x86_64-unknown-linux-gnu";

#[test]
fn s12_1_parameters_constant_and_per_expansion_labels() {
    let src = "const SlotBytes = 8

macro clearSlots(base, count, tmp)
    move count, tmp
.again:
    btpz tmp, .finished
    subp 1, tmp
    storeq 0, [base, tmp, SlotBytes]
    jmp .again
.finished:
end

clearSlots(t0, t1, t2)
clearSlots(t3, 4, t2)
";
    let expected = "
    move t1, t2
.oa1_clearSlots_again:
    btpz t2, .oa1_clearSlots_finished
    subp 1, t2
    storeq 0, 0[t0, t2, 8]
    jmp .oa1_clearSlots_again
.oa1_clearSlots_finished:
    move 4, t2
.oa2_clearSlots_again:
    btpz t2, .oa2_clearSlots_finished
    subp 1, t2
    storeq 0, 0[t3, t2, 8]
    jmp .oa2_clearSlots_again
.oa2_clearSlots_finished:
";
    assert_eq!(lines(&expanded(src, LINUX)), lines(expected));
    assert!(check_text(src, LINUX).ok());
}

#[test]
fn s12_2_closure_capturing_a_parameter() {
    let src = "macro eachPair(visit)
    visit(t0, t1)
    visit(t2, t3)
end

macro addPairsTo(sum)
    eachPair(macro (x, y)
        addq x, sum
        addq y, sum
    end)
end

addPairsTo(t4)
";
    assert_eq!(lines(&expanded(src, LINUX)), lines("addq t0, t4\naddq t1, t4\naddq t2, t4\naddq t3, t4"));
}

#[test]
fn s12_3_passing_named_macro_and_dynamic_lookup() {
    let src = "macro twice(step)
    step()
    step()
end
macro bumpT0()
    addi 1, t0
end
twice(bumpT0)

macro guarded(body)
    macro bail()
        jmp _slowCase
    end
    body()
end

guarded(macro ()
    bineq t0, 0, .skip
    bail()
.skip:
end)
";
    let out = expanded(src, LINUX);
    let l = lines(&out);
    assert_eq!(&l[..2], &["addi 1, t0", "addi 1, t0"]);
    // `.skip` belongs to the closure's own expansion.
    assert_eq!(l.len(), 5);
    assert!(l[2].starts_with("bineq t0, 0, .oa") && l[2].ends_with("_anon_skip"), "{}", l[2]);
    assert_eq!(l[3], "jmp _slowCase");
    assert_eq!(l[4], format!("{}:", &l[2]["bineq t0, 0, ".len()..]));
    // `_slowCase` is external: no error.
    assert!(check_text(src, LINUX).ok());
}

/// §12.3, second part: parameters do not leak into the dynamic environment
/// (§9.4). The closure's `prologue(7)` reaches the file-level macro even
/// though it is expanded inside `runWith`, whose parameter `prologue` is
/// bound to a macro of a different arity.
#[test]
fn s12_3_parameters_do_not_leak_into_the_dynamic_environment() {
    let src = "macro prologue(osr)
    move osr, t1
end

macro runWith(prologue, body)
    prologue()
    body()
end

runWith(macro () end, macro ()
    prologue(7)
end)
";
    assert_eq!(lines(&expanded(src, LINUX)), ["move 7, t1"]);
    let out = check_text(src, LINUX);
    assert!(out.ok() && out.diags.list.is_empty(), "{}", out.render_short());
}

#[test]
fn s12_4_constant_shadowing_and_position() {
    let src = "const Scale = 4
macro loadElem(idx, dst)
    loadi [t5, idx, Scale], dst
end

loadElem(t1, t2)

macro loadWide(idx, dst)
    const Scale = 8
    loadq [t5, idx, Scale], dst
    loadElem(idx, dst)
end
loadWide(t1, t2)

macro useLater()
    move Late, t0
end
useLater()
const Late = 7
useLater()
";
    let expected = "loadi 0[t5, t1, 4], t2
loadq 0[t5, t1, 8], t2
loadi 0[t5, t1, 4], t2
move Late, t0
move 7, t0";
    assert_eq!(lines(&expanded(src, LINUX)), lines(expected));
    let out = check_text(src, LINUX);
    assert_eq!(codes(&out), ["unresolved-name"]);
    let d = &out.diags.list[0];
    assert_eq!(out.map.location(d.span), "ex.asm:16:10");
    assert!(d.message.contains("`Late`"));
}

#[test]
fn s12_5_concatenation_global_and_layout_keys() {
    let src = "macro defineReader(kind, reg)
    global _read_%kind%
_read_%kind%:
    loadi %kind%Header::length[reg], r0
    ret
end

defineReader(String, t0)
defineReader(Array, t1)
";
    let expected = "global _read_String
global _read_Array
_read_String:
loadi StringHeader::length[t0], r0
ret
_read_Array:
loadi ArrayHeader::length[t1], r0
ret";
    assert_eq!(lines(&expanded(src, LINUX)), lines(expected));
    let out = expand_text(src, LINUX);
    let keys: Vec<String> = offasm::driver::layout_keys(out.expanded.as_ref().unwrap()).keys().map(|(_, k)| k.clone()).collect();
    assert_eq!(keys, ["ArrayHeader::length", "StringHeader::length"]);
    let out = check_text(src, LINUX);
    assert_eq!(codes(&out), ["missing-layout-key", "missing-layout-key"]);
}

#[test]
fn s12_6_settings() {
    let src = "if X86_64 or X86_64_WIN
    const Spare = t3
elsif ARM64
    const Spare = t9
else
    error
end
move 1, Spare
";
    for (triple, reg) in [
        ("x86_64-unknown-linux-gnu", "t3"),
        ("x86_64-apple-darwin", "t3"),
        ("x86_64-pc-windows-msvc", "t3"),
        ("aarch64-unknown-linux-gnu", "t9"),
        ("arm64-apple-macos11", "t9"),
    ] {
        assert_eq!(lines(&expanded(src, triple)), [format!("move 1, {reg}")], "{triple}");
        assert!(check_text(src, triple).ok(), "{triple}");
    }
    // A target where every predicate is false reaches `error`.
    let src2 = src.replace("X86_64 or X86_64_WIN", "X86_64_WIN");
    let out = check_text(&src2, LINUX);
    // `Spare` is then never defined, which is reported too.
    assert_eq!(codes(&out), ["error-reached", "unresolved-name"]);
    assert_eq!(out.map.location(out.diags.list[0].span), "ex.asm:6:5");
}

#[test]
fn s12_7_diagnostics() {
    let src = "macro pair(a, b)
    move a, b
end
pair(t0)
missing(t0)
macro loop() loop() end
loop()
macro setIt(v)
    move v, t0
end
setIt(notDefinedAnywhere)
";
    let out = check_text(src, LINUX);
    assert_eq!(codes(&out), ["macro-arity", "undefined-macro", "expansion-depth", "unresolved-name"]);
    let short = out.render_short();
    let expected = "ex.asm:4:1: error[macro-arity]: `pair` expects 2 arguments, got 1
    note: ex.asm:1:7: `pair` defined here
ex.asm:5:1: error[undefined-macro]: no macro `missing` is visible here
ex.asm:6:14: error[expansion-depth]: expansion nested deeper than 512
    note: a macro that calls itself (directly or through others) never stops expanding; raise the limit with --max-expansion-depth
    note: in expansion of `loop` called at ex.asm:6:14 (×510 more)
    note: in expansion of `loop` called at ex.asm:7:1
ex.asm:11:7: error[unresolved-name]: `notDefinedAnywhere` has no value
    note: bound to parameter `v` of `setIt`
    note: in expansion of `setIt` called at ex.asm:11:1
";
    assert_eq!(short, expected);
}
