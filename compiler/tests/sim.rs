//! The reference simulator (`offasm::sim`, `offasm sim`): register aliasing
//! under each target's map, hand-computed INSTRUCTIONS.md values, undefined
//! behaviour and unspecified values reported as errors (never as values),
//! ABI checks, calls, memory, the step budget, and the command line.
//!
//! Every expected value below is computed by hand from INSTRUCTIONS.md /
//! TARGETS.md (the section is named next to the check), not taken from the
//! simulator's output.

use std::path::Path;
use std::process::{Command, Output};

use offasm::driver::{self, Input, Options, Outcome};
use offasm::sim::{Env, Returned, SimError, Simulator};
use offasm::target::Target;

const LINUX: &str = "x86_64-unknown-linux-gnu";
const DARWIN: &str = "x86_64-apple-darwin";
const WINDOWS: &str = "x86_64-pc-windows-gnu";
const ARM64: &str = "aarch64-unknown-linux-gnu";
const APPLE_ARM64: &str = "aarch64-apple-darwin";

const X86: [&str; 2] = [LINUX, WINDOWS];
const ALL: [&str; 3] = [LINUX, WINDOWS, ARM64];

// ---------------------------------------------------------------------------
// Helpers

/// A validated program for one target.
struct Prog {
    out: Outcome,
    target: Target,
}

impl Prog {
    fn new(src: &str, triple: &str) -> Prog {
        let target = Target::from_triple(triple).unwrap();
        let input = Input::Text { path: Path::new("sim.asm"), text: src.to_string() };
        // The simulator must catch ABI violations itself: the checks are off.
        let mut opts = Options::new(target.clone());
        opts.hazard_checks = false;
        let out = driver::check(input, &opts).unwrap();
        assert!(out.ok(), "{triple}: the test program does not validate:\n{}", out.render_short());
        assert!(out.program.is_some(), "{triple}: no program");
        Prog { out, target }
    }

    fn call(&self, env: &mut Env, entry: &str, args: &[u64]) -> Result<Returned, SimError> {
        Simulator::new(self.out.program.as_ref().unwrap(), &self.target).call(env, entry, args)
    }

    /// The source text an error points at (the executing instruction).
    fn at(&self, e: &SimError) -> &str {
        let span = e.span.unwrap_or_else(|| panic!("`{}` has no instruction span: {}", e.code, e.message));
        self.out.map.snippet(span).trim()
    }

    /// The source text of the error's secondary labels (where a value was left unspecified).
    fn secondary(&self, e: &SimError) -> Vec<&str> {
        e.secondary.iter().map(|(s, _)| self.out.map.snippet(*s).trim()).collect()
    }
}

fn run_in(env: &mut Env, src: &str, triple: &str, entry: &str, args: &[u64]) -> Result<Returned, SimError> {
    Prog::new(src, triple).call(env, entry, args)
}

fn run(src: &str, triple: &str, entry: &str, args: &[u64]) -> Result<Returned, SimError> {
    run_in(&mut Env::new(), src, triple, entry, args)
}

/// r0 of a successful run that holds a fully specified value.
fn value(src: &str, triple: &str, entry: &str, args: &[u64]) -> u64 {
    value_in(&mut Env::new(), src, triple, entry, args)
}

fn value_in(env: &mut Env, src: &str, triple: &str, entry: &str, args: &[u64]) -> u64 {
    match run_in(env, src, triple, entry, args) {
        Ok(r) => {
            assert_eq!(r.nan, None, "{triple}: {entry}{args:x?} returned an unspecified NaN");
            r.r0
        }
        Err(e) => panic!("{triple}: {entry}{args:x?} failed: {}: {} {:?}", e.code, e.message, e.notes),
    }
}

/// The error of a run that must fail with `code`.
fn error(code: &str, src: &str, triple: &str, entry: &str, args: &[u64]) -> SimError {
    error_in(&mut Env::new(), code, src, triple, entry, args)
}

fn error_in(env: &mut Env, code: &str, src: &str, triple: &str, entry: &str, args: &[u64]) -> SimError {
    match run_in(env, src, triple, entry, args) {
        Ok(r) => panic!("{triple}: {entry}{args:x?} should fail with {code}, returned r0 = {:#x} ({r:?})", r.r0),
        Err(e) => {
            assert_eq!(e.code, code, "{triple}: {entry}{args:x?}: {}", e.message);
            e
        }
    }
}

fn f64_bits(x: f64) -> u64 {
    x.to_bits()
}

fn neg(x: i64) -> u64 {
    x as u64
}

/// The external function every ABI test links against: `3·a + b`.
fn env_with_ext() -> Env {
    let mut env = Env::new();
    env.add_function("_ext", |a| a[0].wrapping_mul(3).wrapping_add(a[1]));
    env
}

// ---------------------------------------------------------------------------
// 1. Registers are physical: logical aliases follow the target's map

const ALIASES: &str = r#"
# TARGETS.md §4.3: a0 = t5 = rcx on Windows; §3.2: a0 = rdi, t5 = r10 on System V;
# §5.2: a5 = t5 = x5 on ARM64.
global _alias_t5_a0
_alias_t5_a0:
    move 100, t5
    move a0, t0
    ret

# ARM64: a0 = t0 = x0, so t0 + a0 doubles.
global _alias_t0_a0
_alias_t0_a0:
    move 1000, t0
    addq a0, t0
    ret

# r1 = rdx: t2 on System V, t1 on Windows; r1 = x1 = t1 on ARM64.
global _alias_r1
_alias_r1:
    move 1, t1
    move 2, t2
    move r1, t0
    ret

# Arguments arrive in a0..a3 (a1..a3 = t1..t3 everywhere).
global _args4
_args4:
    move a0, t0
    mulq 10, t1
    addq t1, t0
    mulq 100, t2
    addq t2, t0
    mulq 1000, t3
    addq t3, t0
    ret
"#;

#[test]
fn aliases_follow_the_target_register_map() {
    // (triple, t5-then-a0, t0-plus-a0, r1)
    let cases = [
        (LINUX, 7, 1007, 2),
        (DARWIN, 7, 1007, 2),
        (WINDOWS, 100, 1007, 1),
        (ARM64, 7, 2000, 1),
        (APPLE_ARM64, 7, 2000, 1),
    ];
    for (t, t5_a0, t0_a0, r1) in cases {
        assert_eq!(value(ALIASES, t, "_alias_t5_a0", &[7]), t5_a0, "{t}: a0 after writing t5");
        assert_eq!(value(ALIASES, t, "_alias_t0_a0", &[7]), t0_a0, "{t}: t0 + a0");
        assert_eq!(value(ALIASES, t, "_alias_r1", &[]), r1, "{t}: r1");
        assert_eq!(value(ALIASES, t, "_args4", &[1, 2, 3, 4]), 4321, "{t}: a0..a3");
    }
}

#[test]
fn entry_is_found_with_or_without_the_underscore() {
    for t in ALL {
        assert_eq!(value(ALIASES, t, "args4", &[5, 0, 0, 1]), 1005, "{t}");
    }
    let p = Prog::new(ALIASES, LINUX);
    let sim = Simulator::new(p.out.program.as_ref().unwrap(), &p.target);
    assert_eq!(sim.entry_points(), ["_alias_t5_a0", "_alias_t0_a0", "_alias_r1", "_args4"]);
}

#[test]
fn bad_entries_are_sim_entry_errors() {
    let e = error("sim-entry", ALIASES, LINUX, "_nope", &[]);
    assert!(e.message.contains("_nope"), "{}", e.message);
    assert!(e.notes.iter().any(|n| n.contains("_args4")), "the note lists the global labels: {:?}", e.notes);
    // System V passes 6 integer arguments in registers, Windows 4, ARM64 8.
    error("sim-entry", ALIASES, LINUX, "_args4", &[0; 7]);
    error("sim-entry", ALIASES, WINDOWS, "_args4", &[0; 5]);
    assert_eq!(value(ALIASES, WINDOWS, "_args4", &[1, 2, 3, 4]), 4321);
    error("sim-entry", ALIASES, ARM64, "_args4", &[0; 9]);
    assert_eq!(value(ALIASES, ARM64, "_args4", &[1, 2, 3, 4, 5, 6, 7, 8]), 4321);
}

// ---------------------------------------------------------------------------
// 2. Arithmetic spot checks (values computed by hand from INSTRUCTIONS.md)

const ARITH: &str = r#"
# §1.5 / §20 item 1: 32-bit results are zero-extended, even `addi 0`.
global _addi_zero
_addi_zero:
    move a0, t0
    addi 0, t0
    ret

global _subi_zero3
_subi_zero3:
    move a0, t0
    subi t0, 0, t0
    ret

global _noti
_noti:
    move a0, t0
    noti t0
    ret

# §4.2: orh to a register is zx(lo_16(d) | s).
global _orh
_orh:
    move a0, t0
    orh 0x8000, t0
    ret

# §4.4: register counts are taken modulo W.
global _lshiftq
_lshiftq:
    move a0, t0
    lshiftq t1, t0
    ret

global _lshifti
_lshifti:
    move a0, t0
    lshifti t1, t0
    ret

global _rshifti
_rshifti:
    move a0, t0
    rshifti t1, t0
    ret

global _urshiftq
_urshiftq:
    move a0, t0
    urshiftq t1, t0
    ret

global _rrotatei
_rrotatei:
    move a0, t0
    rrotatei t1, t0
    ret

global _lrotateq
_lrotateq:
    move a0, t0
    lrotateq t1, t0
    ret

# §4.5
global _lzcntq
_lzcntq:
    move a0, t0
    lzcntq t0, t0
    ret

global _lzcnti
_lzcnti:
    move a0, t0
    lzcnti t0, t0
    ret

global _tzcntq
_tzcntq:
    move a0, t0
    tzcntq t0, t0
    ret

global _tzcnti
_tzcnti:
    move a0, t0
    tzcnti t0, t0
    ret

# §9.1: the wrapped result is written, then the branch is taken on overflow.
global _baddio
_baddio:
    move a0, t0
    baddio t1, t0, .baddio_overflow
    ret
.baddio_overflow:
    addq 0x100000000, t0
    ret

global _bmulio
_bmulio:
    move a0, t0
    bmulio t1, t0, .bmulio_overflow
    ret
.bmulio_overflow:
    move -1, t0
    ret

# §11.3: bcd2i branches on NaN, inexact, out of range and -0.0 (not +0.0).
global _bcd2i
_bcd2i:
    move a0, t0
    fq2d t0, ft0
    bcd2i ft0, t1, .bcd2i_slow
    move t1, t0
    ret
.bcd2i_slow:
    move -1, t0
    ret

# §12: bit 0 = cdneq (ordered), bit 1 = cdnequn, bit 2 = cdeq.
global _fcompare
_fcompare:
    move a0, t0
    fq2d t0, ft0
    fq2d t1, ft1
    cdneq ft0, ft1, t2
    cdnequn ft0, ft1, t3
    lshiftq 1, t3
    orq t3, t2
    cdeq ft0, ft1, t3
    lshiftq 2, t3
    orq t3, t2
    move t2, t0
    ret

# §13: ordered and unordered branches; 1 when taken.
global _bdlt
_bdlt:
    move a0, t0
    fq2d t0, ft0
    fq2d t1, ft1
    move 1, t0
    bdlt ft0, ft1, .bdlt_taken
    move 0, t0
.bdlt_taken:
    ret

global _bdltun
_bdltun:
    move a0, t0
    fq2d t0, ft0
    fq2d t1, ft1
    move 1, t0
    bdltun ft0, ft1, .bdltun_taken
    move 0, t0
.bdltun_taken:
    ret

global _is_nan
_is_nan:
    move a0, t0
    fq2d t0, ft0
    move 1, t0
    bdnequn ft0, ft0, .is_nan_taken
    move 0, t0
.is_nan_taken:
    ret
"#;

const DIV_ARM64: &str = r#"
# §4.6: the divisor is the first operand; x/0 = 0; MIN/-1 = MIN.
global _divqs
_divqs:
    move a0, t0
    divqs t1, t0
    ret

global _divqs3
_divqs3:
    move a0, t0
    divqs t1, t0, t2
    move t2, t0
    ret

global _divis
_divis:
    move a0, t0
    divis t1, t0
    ret

global _divi
_divi:
    move a0, t0
    divi t1, t0
    ret
"#;

#[test]
fn thirty_two_bit_results_are_zero_extended() {
    for t in ALL {
        assert_eq!(value(ARITH, t, "_addi_zero", &[0xdead_beef_1234_5678]), 0x1234_5678, "{t}");
        assert_eq!(value(ARITH, t, "_subi_zero3", &[0xffff_ffff_8000_0000]), 0x8000_0000, "{t}");
        assert_eq!(value(ARITH, t, "_noti", &[0xffff_ffff_0000_0000]), 0xffff_ffff, "{t}");
        assert_eq!(value(ARITH, t, "_orh", &[0x1234_5678_9abc_0001]), 0x8001, "{t}");
    }
}

#[test]
fn register_shift_counts_are_taken_modulo_the_width() {
    for t in ALL {
        assert_eq!(value(ARITH, t, "_lshiftq", &[3, 65]), 6, "{t}: 65 mod 64 = 1");
        assert_eq!(value(ARITH, t, "_lshiftq", &[1, 64]), 1, "{t}: 64 mod 64 = 0");
        assert_eq!(value(ARITH, t, "_lshiftq", &[1, 63]), 1 << 63, "{t}");
        assert_eq!(value(ARITH, t, "_lshifti", &[0x8000_0001, 33]), 2, "{t}: 33 mod 32 = 1, bit 31 shifted out");
        assert_eq!(value(ARITH, t, "_lshifti", &[u64::MAX, 32]), 0xffff_ffff, "{t}: count 0 still zero-extends");
        assert_eq!(value(ARITH, t, "_rshifti", &[0x8000_0000, 36]), 0xf800_0000, "{t}: S_32 >> 4, zero-extended");
        assert_eq!(value(ARITH, t, "_rshifti", &[0xffff_ffff_7fff_ffff, 31]), 0, "{t}: upper bits do not matter");
        assert_eq!(value(ARITH, t, "_urshiftq", &[u64::MAX, 127]), 1, "{t}: 127 mod 64 = 63");
        assert_eq!(value(ARITH, t, "_rrotatei", &[1, 33]), 0x8000_0000, "{t}");
        assert_eq!(value(ARITH, t, "_lrotateq", &[0x8000_0000_0000_0001, 65]), 3, "{t}");
    }
}

#[test]
fn bit_counts_of_zero_are_the_width() {
    for t in ALL {
        assert_eq!(value(ARITH, t, "_lzcntq", &[0]), 64, "{t}");
        assert_eq!(value(ARITH, t, "_lzcntq", &[1]), 63, "{t}");
        assert_eq!(value(ARITH, t, "_lzcntq", &[u64::MAX]), 0, "{t}");
        assert_eq!(value(ARITH, t, "_lzcnti", &[0xffff_ffff_0000_0000]), 32, "{t}: only lo_32 counts");
        assert_eq!(value(ARITH, t, "_lzcnti", &[0x0000_8000]), 16, "{t}");
        assert_eq!(value(ARITH, t, "_tzcntq", &[0]), 64, "{t}");
        assert_eq!(value(ARITH, t, "_tzcntq", &[0x100]), 8, "{t}");
        assert_eq!(value(ARITH, t, "_tzcnti", &[0x1_0000_0000]), 32, "{t}");
    }
}

#[test]
fn arm64_division_is_total() {
    for t in [ARM64, APPLE_ARM64] {
        assert_eq!(value(DIV_ARM64, t, "_divqs", &[7, 0]), 0, "{t}: x / 0 = 0");
        assert_eq!(value(DIV_ARM64, t, "_divqs", &[i64::MIN as u64, neg(-1)]), i64::MIN as u64, "{t}: MIN / -1 = MIN");
        assert_eq!(value(DIV_ARM64, t, "_divqs", &[neg(-7), 2]), neg(-3), "{t}: truncates toward zero");
        assert_eq!(value(DIV_ARM64, t, "_divqs", &[7, neg(-2)]), neg(-3), "{t}");
        assert_eq!(value(DIV_ARM64, t, "_divqs3", &[100, 7]), 14, "{t}: divqs a, b, d is d := b / a");
        assert_eq!(value(DIV_ARM64, t, "_divis", &[0x8000_0000, 0xffff_ffff]), 0x8000_0000, "{t}: MIN32 / -1");
        assert_eq!(value(DIV_ARM64, t, "_divis", &[neg(-7), 2]), 0xffff_fffd, "{t}: -3, zero-extended");
        assert_eq!(value(DIV_ARM64, t, "_divi", &[0xffff_ffff_0000_0010, 3]), 5, "{t}: unsigned, low 32 bits");
        assert_eq!(value(DIV_ARM64, t, "_divi", &[5, 0x1_0000_0000]), 0, "{t}: divisor lo_32 = 0");
    }
}

#[test]
fn overflow_branches_write_the_wrapped_result() {
    for t in ALL {
        // 0x7fffffff + 1 overflows: d := 0x80000000 (zero-extended), then the branch adds 2^32.
        assert_eq!(value(ARITH, t, "_baddio", &[0x7fff_ffff, 1]), 0x1_8000_0000, "{t}");
        assert_eq!(value(ARITH, t, "_baddio", &[0x8000_0000, 0xffff_ffff]), 0x1_7fff_ffff, "{t}: MIN + -1");
        assert_eq!(value(ARITH, t, "_baddio", &[u64::MAX, 1]), 0, "{t}: -1 + 1 does not overflow");
        assert_eq!(value(ARITH, t, "_baddio", &[5, neg(-3)]), 2, "{t}");
        assert_eq!(value(ARITH, t, "_bmulio", &[0x1_0000, 0x1_0000]), neg(-1), "{t}: 2^32 overflows");
        assert_eq!(value(ARITH, t, "_bmulio", &[0x1_0000, 0x7fff]), 0x7fff_0000, "{t}");
        assert_eq!(value(ARITH, t, "_bmulio", &[neg(-2), 0x4000_0000]), 0x8000_0000, "{t}: -2^31 fits");
    }
}

#[test]
fn bcd2i_branches_on_negative_zero_but_not_positive_zero() {
    for t in ALL {
        assert_eq!(value(ARITH, t, "_bcd2i", &[f64_bits(0.0)]), 0, "{t}: +0.0 converts");
        assert_eq!(value(ARITH, t, "_bcd2i", &[f64_bits(-0.0)]), neg(-1), "{t}: -0.0 branches");
        assert_eq!(value(ARITH, t, "_bcd2i", &[f64_bits(3.0)]), 3, "{t}");
        assert_eq!(value(ARITH, t, "_bcd2i", &[f64_bits(-2.0)]), 0xffff_fffe, "{t}: zx(lo_32(-2))");
        assert_eq!(value(ARITH, t, "_bcd2i", &[f64_bits(2.5)]), neg(-1), "{t}: inexact branches");
        assert_eq!(value(ARITH, t, "_bcd2i", &[f64_bits(f64::NAN)]), neg(-1), "{t}: NaN branches");
        assert_eq!(value(ARITH, t, "_bcd2i", &[f64_bits(2147483647.0)]), 0x7fff_ffff, "{t}");
        assert_eq!(value(ARITH, t, "_bcd2i", &[f64_bits(-2147483648.0)]), 0x8000_0000, "{t}");
        assert_eq!(value(ARITH, t, "_bcd2i", &[f64_bits(2147483648.0)]), neg(-1), "{t}: out of range");
    }
}

#[test]
fn fp_compares_distinguish_ordered_and_unordered() {
    let nan = f64_bits(f64::NAN);
    let (one, two) = (f64_bits(1.0), f64_bits(2.0));
    for t in ALL {
        // cdneq | cdnequn << 1 | cdeq << 2
        assert_eq!(value(ARITH, t, "_fcompare", &[nan, one]), 0b010, "{t}: NaN: only the unordered ≠");
        assert_eq!(value(ARITH, t, "_fcompare", &[nan, nan]), 0b010, "{t}");
        assert_eq!(value(ARITH, t, "_fcompare", &[one, two]), 0b011, "{t}");
        assert_eq!(value(ARITH, t, "_fcompare", &[one, one]), 0b100, "{t}");
        assert_eq!(value(ARITH, t, "_fcompare", &[f64_bits(-0.0), f64_bits(0.0)]), 0b100, "{t}: -0.0 = +0.0");
        assert_eq!(value(ARITH, t, "_bdlt", &[nan, one]), 0, "{t}: ordered < not taken on NaN");
        assert_eq!(value(ARITH, t, "_bdltun", &[nan, one]), 1, "{t}: unordered < taken on NaN");
        assert_eq!(value(ARITH, t, "_bdlt", &[one, two]), 1, "{t}");
        assert_eq!(value(ARITH, t, "_bdltun", &[one, two]), 1, "{t}");
        assert_eq!(value(ARITH, t, "_bdlt", &[two, one]), 0, "{t}");
        assert_eq!(value(ARITH, t, "_bdltun", &[two, one]), 0, "{t}");
        assert_eq!(value(ARITH, t, "_is_nan", &[nan]), 1, "{t}");
        assert_eq!(value(ARITH, t, "_is_nan", &[f64_bits(f64::INFINITY)]), 0, "{t}");
    }
}

// ---------------------------------------------------------------------------
// 3. Undefined behaviour is an error, not a value

const X86_DIV: &str = r#"
# §4.7: r1:r0 / s; the divisor is copied to t3 first (r1 = t1 = a1 on Windows).
global _idivq
_idivq:
    move a0, t0
    move t1, t3
    cqoq
    idivq t3
    ret

global _iremq
_iremq:
    move a0, t0
    move t1, t3
    cqoq
    idivq t3
    move r1, t0
    ret

global _idivi
_idivi:
    move a0, t0
    move t1, t3
    cdqi
    idivi t3
    ret
"#;

const TRUNCATE: &str = r#"
global _truncated2qs
_truncated2qs:
    move a0, t0
    fq2d t0, ft0
    truncated2qs ft0, t0
    ret

global _truncated2q
_truncated2q:
    move a0, t0
    fq2d t0, ft0
    truncated2q ft0, t0
    ret

global _truncated2is
_truncated2is:
    move a0, t0
    fq2d t0, ft0
    truncated2is ft0, t0
    ret
"#;

const ATOMIC: &str = r#"
# §1.9 / §16.2: atomics need natural alignment. a0 = byte offset into a
# 16-byte stack buffer holding two 40s; returns the new value + the old one.
global _fetch_add
_fetch_add:
    move a0, t0
    subp 16, sp
    storeq 40, 0[sp]
    storeq 40, 8[sp]
    move sp, t2
    addp t0, t2
    move 2, t3
    atomicxchgaddq t3, 0[t2]
    loadq 0[t2], t0
    addq t3, t0
    addp 16, sp
    ret

global _fetch_add3
_fetch_add3:
    move a0, t0
    subp 16, sp
    storeq 40, 0[sp]
    storeq 40, 8[sp]
    move sp, t2
    addp t0, t2
    move 2, t3
    atomicxchgaddq t3, 0[t2], t1
    loadq 0[t2], t0
    addq t1, t0
    addp 16, sp
    ret
"#;

#[test]
fn x86_division_by_zero_and_overflow_are_undefined() {
    for t in X86 {
        assert_eq!(value(X86_DIV, t, "_idivq", &[neg(-7), 2]), neg(-3), "{t}");
        assert_eq!(value(X86_DIV, t, "_iremq", &[neg(-7), 2]), neg(-1), "{t}: remainder in r1");
        assert_eq!(value(X86_DIV, t, "_idivq", &[i64::MIN as u64, 1]), i64::MIN as u64, "{t}");
        let e = error("sim-undefined", X86_DIV, t, "_idivq", &[7, 0]);
        assert!(e.message.contains("division by zero"), "{}", e.message);
        assert_eq!(Prog::new(X86_DIV, t).at(&e), "idivq t3", "{t}");
        let e = error("sim-undefined", X86_DIV, t, "_idivq", &[i64::MIN as u64, neg(-1)]);
        assert!(e.message.contains("does not fit"), "{}", e.message);
        assert_eq!(value(X86_DIV, t, "_idivi", &[neg(-9), 4]), 0xffff_fffe, "{t}: -2, zero-extended");
        error("sim-undefined", X86_DIV, t, "_idivi", &[0x8000_0000, 0xffff_ffff]);
        error("sim-undefined", X86_DIV, t, "_idivi", &[5, 0x1_0000_0000]);
    }
}

#[test]
fn out_of_range_fp_to_int_conversions_are_undefined() {
    for t in ALL {
        assert_eq!(value(TRUNCATE, t, "_truncated2qs", &[f64_bits(-2.9)]), neg(-2), "{t}");
        assert_eq!(value(TRUNCATE, t, "_truncated2qs", &[f64_bits(-9223372036854775808.0)]), i64::MIN as u64, "{t}");
        for x in [f64::NAN, 1e300, -1e300, f64::INFINITY, 9223372036854775808.0] {
            let e = error("sim-undefined", TRUNCATE, t, "_truncated2qs", &[f64_bits(x)]);
            assert_eq!(Prog::new(TRUNCATE, t).at(&e), "truncated2qs ft0, t0", "{t}");
        }
        assert_eq!(value(TRUNCATE, t, "_truncated2q", &[f64_bits(-0.5)]), 0, "{t}: trunc(-0.5) = 0 fits");
        // The largest double below 2^64 is 2^64 - 2^11.
        let below_2_64 = 0x43ef_ffff_ffff_ffff;
        assert_eq!(value(TRUNCATE, t, "_truncated2q", &[below_2_64]), u64::MAX - 2047, "{t}");
        error("sim-undefined", TRUNCATE, t, "_truncated2q", &[f64_bits(-1.0)]);
        error("sim-undefined", TRUNCATE, t, "_truncated2q", &[f64_bits(18446744073709551616.0)]);
        assert_eq!(value(TRUNCATE, t, "_truncated2is", &[f64_bits(-1.5)]), 0xffff_ffff, "{t}");
        error("sim-undefined", TRUNCATE, t, "_truncated2is", &[f64_bits(2147483648.0)]);
    }
}

#[test]
fn misaligned_atomics_are_undefined() {
    for t in ALL {
        assert_eq!(value(ATOMIC, t, "_fetch_add", &[0]), 82, "{t}: 42 + 40");
        assert_eq!(value(ATOMIC, t, "_fetch_add", &[8]), 82, "{t}");
        assert_eq!(value(ATOMIC, t, "_fetch_add3", &[8]), 82, "{t}: three-operand form");
        for off in [1, 4, 7] {
            let e = error("sim-undefined", ATOMIC, t, "_fetch_add", &[off]);
            assert!(e.message.contains("aligned"), "{}", e.message);
            assert_eq!(Prog::new(ATOMIC, t).at(&e), "atomicxchgaddq t3, 0[t2]", "{t}");
        }
    }
}

// ---------------------------------------------------------------------------
// 4. Unspecified values are reported when read, not when produced

const UNSPECIFIED: &str = r#"
# §11.3: bcd2i's destination is unspecified when the value is not representable.
global _bcd2i_read
_bcd2i_read:
    move a0, t0
    fq2d t0, ft0
    bcd2i ft0, t1, .bcd2i_read_slow
    move t1, t0
    ret
.bcd2i_read_slow:
    addq 1, t1
    move t1, t0
    ret

global _bcd2i_overwrite
_bcd2i_overwrite:
    move a0, t0
    fq2d t0, ft0
    bcd2i ft0, t1, .bcd2i_overwrite_slow
    move t1, t0
    ret
.bcd2i_overwrite_slow:
    move 7, t1
    addq 1, t1
    move t1, t0
    ret

# A copy carries the unspecified value along; returning it is still a read.
global _bcd2i_copy_out
_bcd2i_copy_out:
    move a0, t0
    fq2d t0, ft0
    bcd2i ft0, t1, .bcd2i_copy_out_slow
    ret
.bcd2i_copy_out_slow:
    move t1, t0
    ret

# §10: 0/0 is some NaN, payload unspecified.
global _nan_bits
_nan_bits:
    movdz ft0
    divd ft0, ft0, ft1
    fd2q ft1, t0
    ret

global _nan_bits_plus_one
_nan_bits_plus_one:
    movdz ft0
    divd ft0, ft0, ft1
    fd2q ft1, t0
    addq 1, t0
    ret

# §1.5: a binary32 write leaves bits 32..63 unspecified.
global _addf_upper
_addf_upper:
    move a0, t0
    fi2f t0, ft0
    addf ft0, ft0
    fd2q ft0, t0
    ret

# §11.1: the scratch operand of cq2d is unspecified afterwards.
global _cq2d_scratch
_cq2d_scratch:
    move a0, t0
    move 5, t1
    cq2d t0, t1, ft0
    addq 1, t1
    move t1, t0
    ret

global _cq2d_value
_cq2d_value:
    move a0, t0
    cq2d t0, t1, ft0
    fd2q ft0, t0
    ret

global _addf_lower
_addf_lower:
    move a0, t0
    fi2f t0, ft0
    addf ft0, ft0
    ff2i ft0, t0
    ret
"#;

#[test]
fn checked_conversion_destination_is_unspecified_only_when_read() {
    for t in ALL {
        let p = Prog::new(UNSPECIFIED, t);
        assert_eq!(value(UNSPECIFIED, t, "_bcd2i_read", &[f64_bits(5.0)]), 5, "{t}");
        let e = p.call(&mut Env::new(), "_bcd2i_read", &[f64_bits(1e10)]).unwrap_err();
        assert_eq!(e.code, "sim-unspecified-value", "{t}: {}", e.message);
        assert_eq!(p.at(&e), "addq 1, t1", "{t}: reported at the read");
        assert_eq!(p.secondary(&e), ["bcd2i ft0, t1, .bcd2i_read_slow"], "{t}: and where it became unspecified");
        assert_eq!(value(UNSPECIFIED, t, "_bcd2i_overwrite", &[f64_bits(1e10)]), 8, "{t}: overwritten first");
        assert_eq!(value(UNSPECIFIED, t, "_bcd2i_overwrite", &[f64_bits(-3.0)]), 0xffff_fffd, "{t}");
        error("sim-unspecified-value", UNSPECIFIED, t, "_bcd2i_copy_out", &[f64_bits(1e10)]);
    }
}

#[test]
fn nan_payloads_are_unspecified() {
    for t in ALL {
        let r = run(UNSPECIFIED, t, "_nan_bits", &[]).unwrap();
        assert_eq!(r.nan, Some(64), "{t}");
        assert!(f64::from_bits(r.r0).is_nan(), "{t}: r0 = {:#x} is a NaN", r.r0);
        let e = error("sim-unspecified-value", UNSPECIFIED, t, "_nan_bits_plus_one", &[]);
        assert_eq!(Prog::new(UNSPECIFIED, t).at(&e), "addq 1, t0", "{t}");
    }
}

#[test]
fn upper_bits_after_a_binary32_write_are_unspecified() {
    for t in ALL {
        // 1.5f = 0x3fc00000; 1.5 + 1.5 = 3.0f = 0x40400000.
        assert_eq!(value(UNSPECIFIED, t, "_addf_lower", &[0x3fc0_0000]), 0x4040_0000, "{t}");
        let e = error("sim-unspecified-value", UNSPECIFIED, t, "_addf_upper", &[0x3fc0_0000]);
        assert!(e.message.contains("32..63"), "{}", e.message);
    }
}

#[test]
fn cq2d_scratch_is_unspecified_afterwards() {
    for t in ALL {
        // 2^64 - 1 rounds to 2^64 = 0x43f0000000000000.
        assert_eq!(value(UNSPECIFIED, t, "_cq2d_value", &[u64::MAX]), 0x43f0_0000_0000_0000, "{t}");
        let e = error("sim-unspecified-value", UNSPECIFIED, t, "_cq2d_scratch", &[3]);
        assert_eq!(Prog::new(UNSPECIFIED, t).at(&e), "addq 1, t1", "{t}");
    }
}

// ---------------------------------------------------------------------------
// 5. ABI checks

const ABI: &str = r#"
macro callExternal(target)
    if ARM64
        push cfr, lr
        call target
        pop lr, cfr
    elsif X86_64_WIN
        subp 40, sp
        call target
        addp 40, sp
    else
        subp 8, sp
        call target
        addp 8, sp
    end
end

global _clobber_csr0
_clobber_csr0:
    move a0, t0
    move 1, csr0
    ret

global _clobber_cfr
_clobber_cfr:
    move a0, t0
    move 1, cfr
    ret

global _save_csr0
_save_csr0:
    move a0, t0
    push csr0, t1
    move 1, csr0
    addq csr0, t0
    pop t1, csr0
    ret

# ARM64: the stack moves but lr still returns to the caller.
global _unbalanced_arm64
_unbalanced_arm64:
    move a0, t0
    subp 16, sp
    ret

# x86: keep the return address on top, 16 bytes lower.
if X86_64 or X86_64_WIN
global _unbalanced_x86
_unbalanced_x86:
    move a0, t0
    pop t1
    subp 16, sp
    push t1
    ret
end

# x86: at entry sp = 8 (mod 16); a call needs sp = 0 (mod 16).
global _ext_misaligned
_ext_misaligned:
    call _ext
    ret

# ARM64: sp must be a multiple of 16 at the call.
if ARM64
global _ext_misaligned_arm64
_ext_misaligned_arm64:
    push cfr, lr
    subp 8, sp
    call _ext
    addp 8, sp
    pop lr, cfr
    ret
end

# ext(x, 1) = 3x + 1, plus a value kept in t1 (caller-saved) across the call.
global _keep_in_t1
_keep_in_t1:
    move a0, t0
    move t0, a0
    move 1, a1
    callExternal(_ext)
    addq t1, t0
    ret

# The same with the value kept in csr0 (callee-saved, saved ourselves).
global _keep_in_csr0
_keep_in_csr0:
    push csr0, cfr
    move a0, t0
    move 1000, csr0
    move t0, a0
    move 1, a1
    callExternal(_ext)
    addq csr0, t0
    pop cfr, csr0
    ret

# ARM64: calling clobbers lr; returning without having saved it reads it.
global _ext_lr_not_saved
_ext_lr_not_saved:
    move 1, a1
    call _ext
    ret

# A tail call: the external returns straight to our caller.
global _ext_tail
_ext_tail:
    move 2, a1
    jmp _ext

# Through a register holding the external's address.
global _ext_reg
_ext_reg:
    move a0, t0
    move t0, a0
    move 5, a1
    leap _ext, t3
    callExternal(t3)
    ret

# Windows: the callee owns 32 bytes above its return address (TARGETS.md
# §4.4). Entry sp = E; `push cfr, csr0` puts the caller's csr0 at E-16.
# 24 bytes reserved: the call pushes at E-48, the shadow space is
# [E-40, E-8) and covers the saved csr0. 56 bytes: it is [E-72, E-40).
global _win_short_shadow
_win_short_shadow:
    push cfr, csr0
    move 0x1234, csr0
    move a0, t0
    move t0, a0
    move 1, a1
    subp 24, sp
    call _ext
    addp 24, sp
    addq csr0, t0
    pop csr0, cfr
    ret

global _win_full_shadow
_win_full_shadow:
    push cfr, csr0
    move 0x1234, csr0
    move a0, t0
    move t0, a0
    move 1, a1
    subp 56, sp
    call _ext
    addp 56, sp
    addq csr0, t0
    pop csr0, cfr
    ret
"#;

const FP_CSR: &str = r#"
global _clobber_csfr0
_clobber_csfr0:
    movdz csfr0
    move 0, t0
    ret
"#;

#[test]
fn callee_saved_registers_must_be_restored() {
    for t in ALL {
        let e = error("sim-abi", ABI, t, "_clobber_csr0", &[3]);
        assert!(e.message.contains("csr0"), "{t}: {}", e.message);
        let e = error("sim-abi", ABI, t, "_clobber_cfr", &[3]);
        assert!(e.message.contains("cfr"), "{t}: {}", e.message);
        assert_eq!(value(ABI, t, "_save_csr0", &[3]), 4, "{t}: saved and restored");
    }
    // csfr0 is xmm6 on Windows (128 bits) and d8 on ARM64 (low 64 bits).
    for t in [WINDOWS, ARM64] {
        let e = error("sim-abi", FP_CSR, t, "_clobber_csfr0", &[]);
        assert!(e.message.contains("csfr0"), "{t}: {}", e.message);
    }
}

#[test]
fn unbalanced_stack_at_return_is_an_abi_error() {
    let e = error("sim-abi", ABI, ARM64, "_unbalanced_arm64", &[1]);
    assert!(e.message.contains("unbalanced"), "{}", e.message);
    for t in X86 {
        let e = error("sim-abi", ABI, t, "_unbalanced_x86", &[1]);
        assert!(e.message.contains("unbalanced"), "{t}: {}", e.message);
    }
}

#[test]
fn external_calls_need_an_aligned_stack() {
    for t in X86 {
        let e = error_in(&mut env_with_ext(), "sim-abi", ABI, t, "_ext_misaligned", &[1, 2]);
        assert!(e.message.contains("_ext") && e.message.contains("aligned"), "{t}: {}", e.message);
        assert_eq!(Prog::new(ABI, t).at(&e), "call _ext", "{t}");
    }
    let e = error_in(&mut env_with_ext(), "sim-abi", ABI, ARM64, "_ext_misaligned_arm64", &[1, 2]);
    assert_eq!(Prog::new(ABI, ARM64).at(&e), "call _ext");
    // The callExternal pattern aligns it on every target.
    for t in ALL {
        assert_eq!(value_in(&mut env_with_ext(), ABI, t, "_ext_reg", &[4]), 17, "{t}: 3·4 + 5");
    }
}

#[test]
fn caller_saved_registers_are_unspecified_after_an_external_call() {
    for t in ALL {
        let p = Prog::new(ABI, t);
        let e = p.call(&mut env_with_ext(), "_keep_in_t1", &[5]).unwrap_err();
        assert_eq!(e.code, "sim-unspecified-value", "{t}: {}", e.message);
        assert_eq!(p.at(&e), "addq t1, t0", "{t}");
        assert!(e.message.contains("_ext"), "{t}: {}", e.message);
        assert_eq!(value_in(&mut env_with_ext(), ABI, t, "_keep_in_csr0", &[5]), 1016, "{t}: 3·5 + 1 + 1000");
    }
}

#[test]
fn external_functions_see_the_argument_registers() {
    for t in ALL {
        assert_eq!(value_in(&mut env_with_ext(), ABI, t, "_ext_tail", &[10]), 32, "{t}: tail call, 3·10 + 2");
    }
    let e = error_in(&mut env_with_ext(), "sim-unspecified-value", ABI, ARM64, "_ext_lr_not_saved", &[1]);
    assert!(e.message.contains("lr"), "{}", e.message);
}

#[test]
fn windows_external_calls_own_the_shadow_space() {
    // Too little shadow space: the callee overwrites the saved csr0, which
    // the pop then "restores".
    let e = error_in(&mut env_with_ext(), "sim-abi", ABI, WINDOWS, "_win_short_shadow", &[1]);
    assert!(e.message.contains("csr0"), "{}", e.message);
    assert_eq!(value_in(&mut env_with_ext(), ABI, WINDOWS, "_win_full_shadow", &[1]), 4 + 0x1234);
    // System V has no shadow space: both are fine.
    assert_eq!(value_in(&mut env_with_ext(), ABI, LINUX, "_win_short_shadow", &[1]), 4 + 0x1234);
    assert_eq!(value_in(&mut env_with_ext(), ABI, LINUX, "_win_full_shadow", &[1]), 4 + 0x1234);
}

const ARM64_STACK: &str = r#"
# TARGETS.md §5.3: only the low 64 bits of v8-v15 survive a call; the upper
# 64 bits are caller-saved. csfr0 (d8) is saved and restored in its d view.
global _v_upper_after_call
_v_upper_after_call:
    push cfr, lr
    subp 32, sp
    stored csfr0, 16[sp]
    storeq 1, 0[sp]
    storeq 2, 8[sp]
    loadv 0[sp], csfr0
    move 0, a0
    move 0, a1
    call _ext
    storev csfr0, 0[sp]
    loadq 8[sp], t0
    loadd 16[sp], csfr0
    addp 32, sp
    pop lr, cfr
    ret

global _v_lower_after_call
_v_lower_after_call:
    push cfr, lr
    subp 32, sp
    stored csfr0, 16[sp]
    storeq 1, 0[sp]
    storeq 2, 8[sp]
    loadv 0[sp], csfr0
    move 0, a0
    move 0, a1
    call _ext
    stored csfr0, 8[sp]
    loadq 8[sp], t0
    loadd 16[sp], csfr0
    addp 32, sp
    pop lr, cfr
    ret

# TARGETS.md §2.3: on ARM64 a misaligned sp used as a base address faults
# (the simulator's own push/pop check reports it as sim-abi).
global _sp_misaligned_store
_sp_misaligned_store:
    subp 8, sp
    storeq 1, 0[sp]
    loadq 0[sp], t0
    addp 8, sp
    ret
"#;

#[test]
fn arm64_csfr_low_half_survives_a_call() {
    for t in [ARM64, APPLE_ARM64] {
        assert_eq!(value_in(&mut env_with_ext(), ARM64_STACK, t, "_v_lower_after_call", &[]), 1, "{t}");
    }
}

/// The simulator keeps all 128 bits of an ARM64 callee-saved FPR across an
/// external call; AAPCS64 preserves only `d8`–`d15`.
#[test]
fn arm64_csfr_upper_half_is_unspecified_after_a_call() {
    error_in(&mut env_with_ext(), "sim-unspecified-value", ARM64_STACK, ARM64, "_v_upper_after_call", &[]);
}

/// `push`/`pop` report a misaligned ARM64 `sp` (sim-abi), ordinary loads and
/// stores with an `sp` base do not.
#[test]
fn arm64_misaligned_sp_base_faults() {
    error("sim-abi", ARM64_STACK, ARM64, "_sp_misaligned_store", &[]);
}

// ---------------------------------------------------------------------------
// 6. Calls, loops, memory, data, the step budget

const CONTROL: &str = r#"
_add100:
    addq 100, t0
    ret

global _call_twice
_call_twice:
    move a0, t0
    if ARM64
        push cfr, lr
    end
    call _add100
    call _add100
    if ARM64
        pop lr, cfr
    end
    ret

global _call_reg
_call_reg:
    move a0, t0
    if ARM64
        push cfr, lr
    end
    leap _add100, t3
    call t3
    leap .call_reg_local, t3
    call t3
    if ARM64
        pop lr, cfr
    end
    ret
.call_reg_local:
    mulq 2, t0
    ret

global _jmp_reg
_jmp_reg:
    move a0, t0
    leap .jmp_reg_target, t1
    jmp t1
    move 0, t0
.jmp_reg_target:
    addq 1, t0
    ret

global _sum_to
_sum_to:
    move a0, t0
    move t0, t1
    move 0, t0
.sum_to_loop:
    btqz t1, .sum_to_done
    addq t1, t0
    subq 1, t1
    jmp .sum_to_loop
.sum_to_done:
    ret

# Stack buffer: a0 at 0[sp], -2 (32-bit) at 8[sp]; an unaligned load of 4[sp].
global _stack_buffer
_stack_buffer:
    move a0, t0
    subp 16, sp
    storeq t0, 0[sp]
    storei -2, 8[sp]
    storei 0, 12[sp]
    loadq 4[sp], t0
    loadbsq 3[sp], t1
    loadis 8[sp], t2
    addp 16, sp
    addq t2, t1
    xorq t1, t0
    ret

global _straight
_straight:
    move a0, t0
    addq 1, t0
    ret

global _forever
_forever:
    move 0, t0
.forever_loop:
    addq 1, t0
    jmp .forever_loop

global _read_data
_read_data:
    loadq _answer, t0
    leap _answer, t1
    loadq 8[t1], t2
    addq t2, t0
    ret

global _write_data
_write_data:
    leap _answer, t1
    storeq 1, 0[t1]
    move 0, t0
    ret

global _into_data
_into_data:
    jmp _answer

if X86_64 or X86_64_WIN or ARM64
    emit ".p2align 3"
_answer:
    emit ".quad 42"
    emit ".quad 0x100"
end
"#;

#[test]
fn calls_and_returns_within_the_program() {
    for t in ALL {
        assert_eq!(value(CONTROL, t, "_call_twice", &[1]), 201, "{t}");
        assert_eq!(value(CONTROL, t, "_call_reg", &[1]), 202, "{t}: (1 + 100) · 2");
        assert_eq!(value(CONTROL, t, "_jmp_reg", &[41]), 42, "{t}");
    }
}

#[test]
fn loops_run_to_completion() {
    for t in ALL {
        assert_eq!(value(CONTROL, t, "_sum_to", &[100]), 5050, "{t}");
        assert_eq!(value(CONTROL, t, "_sum_to", &[0]), 0, "{t}");
        assert_eq!(value(CONTROL, t, "_sum_to", &[1]), 1, "{t}");
    }
}

#[test]
fn stack_buffers_are_little_endian_memory() {
    // Bytes 4..7 of 0x1122334455667788 are 44 33 22 11, bytes 8..11 are -2 (fe ff ff ff):
    // loadq 4[sp] = 0xfffffffe_11223344. Byte 3 is 0x55 (loadbsq: 0x55), loadis: -2.
    // t1 = 0x55 - 2 = 0x53; result = 0xfffffffe_11223344 ^ 0x53.
    for t in ALL {
        assert_eq!(
            value(CONTROL, t, "_stack_buffer", &[0x1122_3344_5566_7788]),
            0xffff_fffe_1122_3344 ^ 0x53,
            "{t}"
        );
        // Byte 3 = 0x80 sign-extends.
        assert_eq!(
            value(CONTROL, t, "_stack_buffer", &[0x0000_0000_8000_0000]),
            (0xffff_fffe_0000_0000u64) ^ (0xffff_ffff_ffff_ff80u64.wrapping_sub(2)),
            "{t}"
        );
    }
}

#[test]
fn emitted_data_is_read_only_memory() {
    for t in ALL {
        assert_eq!(value(CONTROL, t, "_read_data", &[]), 42 + 0x100, "{t}");
        let e = error("sim-memory", CONTROL, t, "_write_data", &[]);
        assert!(e.message.contains("read-only"), "{t}: {}", e.message);
        assert_eq!(Prog::new(CONTROL, t).at(&e), "storeq 1, 0[t1]", "{t}");
        error("sim-undefined", CONTROL, t, "_into_data", &[]);
    }
}

#[test]
fn the_step_budget_is_exact() {
    for t in ALL {
        let r = run(CONTROL, t, "_straight", &[41]).unwrap();
        assert_eq!((r.r0, r.steps), (42, 3), "{t}: move, addq, ret");
        let mut env = Env::new();
        env.max_steps = 3;
        assert_eq!(value_in(&mut env, CONTROL, t, "_straight", &[41]), 42, "{t}: exactly the budget");
        let mut env = Env::new();
        env.max_steps = 2;
        error_in(&mut env, "sim-limit", CONTROL, t, "_straight", &[41]);
        let mut env = Env::new();
        env.max_steps = 1000;
        let e = error_in(&mut env, "sim-limit", CONTROL, t, "_forever", &[]);
        assert!(e.message.contains("1000"), "{t}: {}", e.message);
    }
}

const PADDED_RETURN: &str = r#"
_pr_add1:
    addq 1, t0
    ret

if X86_64 or ARM64
    emit ".p2align 4"
end
global _padded_return
_padded_return:
    move a0, t0
    if ARM64
        push cfr, lr
    end
    call _pr_add1
if X86_64 or ARM64
    emit ".p2align 4"
end
    addq 10, t0
    if ARM64
        pop lr, cfr
    end
    ret
"#;

/// Code alignment is padding with no-ops (the simulator executes an `emit
/// ".p2align"` as one, and the assembler pads code with NOPs), so a call
/// directly before it returns into the padding and runs on (INSTRUCTIONS.md
/// §14: fall-through). The image gives the alignment item the address after
/// the padding, so the return address (call + 4) is no item's address.
#[test]
fn return_into_alignment_padding() {
    for t in [LINUX, ARM64] {
        assert_eq!(value(PADDED_RETURN, t, "_padded_return", &[5]), 16, "{t}");
    }
}

// ---------------------------------------------------------------------------
// 7. The command line

fn offasm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_offasm")).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const CLI_SRC: &str = "\
global _f
_f:
    move a0, t0
    addq t1, t0
    ret

global _div
_div:
    move a0, t0
    move t1, t3
    cqoq
    idivq t3
    ret

global _nan
_nan:
    movdz ft0
    divd ft0, ft0, ft1
    fd2q ft1, t0
    ret
";

/// Writes CLI_SRC to a temporary file and runs `offasm sim` on it.
fn sim_cli(extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.asm");
    std::fs::write(&f, CLI_SRC).unwrap();
    let mut args = vec!["sim", f.to_str().unwrap(), "--target", LINUX];
    args.extend_from_slice(extra);
    offasm(&args)
}

fn last_line(o: &Output) -> String {
    text(&o.stdout).lines().last().unwrap_or("").to_string()
}

#[test]
fn cli_prints_the_signed_result() {
    let o = sim_cli(&["--call", "f", "--", "3", "-4"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(last_line(&o), "-1");
    let o = sim_cli(&["--call", "_f", "--", "0x10", "-0x1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(last_line(&o), "15");
    let o = sim_cli(&["--call", "f", "--", "-9223372036854775808", "0"]);
    assert_eq!(last_line(&o), "-9223372036854775808");
    let o = sim_cli(&["--call", "f", "--", "0xffffffffffffffff", "0"]);
    assert_eq!(last_line(&o), "-1", "printed as signed");
    let o = sim_cli(&["--call", "f", "--", "1_000", "2"]);
    assert_eq!(last_line(&o), "1002");
}

#[test]
fn cli_reports_an_unspecified_nan_on_stderr() {
    let o = sim_cli(&["--call", "nan"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let bits = last_line(&o).parse::<i64>().unwrap() as u64;
    assert!(f64::from_bits(bits).is_nan(), "{bits:#x}");
    assert!(text(&o.stderr).contains("NaN"), "{}", text(&o.stderr));
}

#[test]
fn cli_unknown_label_is_sim_entry() {
    let o = sim_cli(&["--call", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert!(e.contains("sim-entry") && e.contains("_nope"), "{e}");
    assert!(o.stdout.is_empty());
}

#[test]
fn cli_undefined_behaviour_names_the_code_and_the_line() {
    let o = sim_cli(&["--call", "div", "--", "1", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "no result is printed: {}", text(&o.stdout));
    let e = text(&o.stderr);
    assert!(e.contains("sim-undefined") && e.contains("idivq t3"), "{e}");
    let o = sim_cli(&["--call", "div", "--diagnostic-format", "short", "--", "1", "0"]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert!(e.contains("f.asm:12:5: error[sim-undefined]"), "{e}");
}

#[test]
fn cli_too_many_arguments_is_an_error() {
    let o = sim_cli(&["--call", "f", "--", "1", "2", "3", "4", "5", "6", "7"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("sim-entry"), "{}", text(&o.stderr));
}

#[test]
fn cli_bad_integer_arguments_are_clear_errors() {
    for bad in ["12x", "", "-", "0x", "0xg1", "1.5", "18446744073709551616", "-9223372036854775809", "--3"] {
        let o = sim_cli(&["--call", "f", "--", bad, "0"]);
        assert_eq!(o.status.code(), Some(1), "`{bad}`");
        let e = text(&o.stderr);
        assert!(!e.contains("panicked"), "`{bad}`: {e}");
        assert!(e.contains(&format!("`{bad}`")), "`{bad}`: the message names the argument: {e}");
        assert!(o.stdout.is_empty(), "`{bad}`");
    }
}
