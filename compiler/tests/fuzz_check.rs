//! Fuzzing of the cross-target checks (`offasm::check`): valid programs with
//! arbitrary control flow (forward and backward branches, indirect jumps,
//! internal, external and register calls, pushes and pops, `sp` arithmetic,
//! stack slots, `moveargs`, `emit`, exported labels) on every target.
//!
//! Properties:
//!   * the checks never panic and every finding renders;
//!   * the analysis is linear in practice: block visits stay within a small
//!     multiple of the number of blocks (counted, not timed), also for deep
//!     loop nests and large programs.
//!
//! `PROPTEST_CASES=20000 cargo test --release -p offasm --test fuzz_check` for
//! a long run; `cargo test --release -p offasm --test fuzz_check -- --ignored`
//! runs the 1,000,000-instruction program.

use std::fmt::Write as _;
use std::path::Path;

use offasm::driver::{self, Input, Options};
use offasm::target::Target;
use proptest::prelude::*;

const TARGETS: [&str; 5] = [
    "x86_64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "aarch64-unknown-linux-gnu",
    "aarch64-apple-darwin",
];

/// Registers every target has.
const REGS: &[&str] = &["t0", "t1", "t2", "t3", "t4", "t5", "a0", "a1", "a2", "a3", "r0", "r1", "csr0", "csr1", "csr2", "csr3", "cfr"];

#[derive(Clone, Debug)]
enum Op {
    Label(u8),
    Export(u8),
    Branch(u8, u8, u8),
    Jmp(u8),
    JmpIndirect(u8),
    CallLabel(u8),
    CallExternal,
    CallReg(u8),
    LeaLabel(u8, u8),
    Move(u8, u8),
    Add(u8, u8),
    Imm(u8, i64),
    PushPair(u8, u8),
    PopPair(u8, u8),
    SpSub(u8),
    SpAdd(u8),
    StoreSp(u8, u8),
    LoadSp(u8, u8),
    MoveArgs(Vec<u8>),
    SpToCfr,
    CfrToSp,
    AlignSp,
    Emit,
    Ret,
}

fn op() -> impl Strategy<Value = Op> {
    let r = 0..REGS.len() as u8;
    let l = 0..24u8;
    prop_oneof![
        3 => l.clone().prop_map(Op::Label),
        1 => l.clone().prop_map(Op::Export),
        3 => (r.clone(), r.clone(), l.clone()).prop_map(|(a, b, k)| Op::Branch(a, b, k)),
        1 => l.clone().prop_map(Op::Jmp),
        1 => r.clone().prop_map(Op::JmpIndirect),
        1 => l.clone().prop_map(Op::CallLabel),
        1 => Just(Op::CallExternal),
        1 => r.clone().prop_map(Op::CallReg),
        1 => (l, r.clone()).prop_map(|(k, d)| Op::LeaLabel(k, d)),
        4 => (r.clone(), r.clone()).prop_map(|(a, b)| Op::Move(a, b)),
        3 => (r.clone(), r.clone()).prop_map(|(a, b)| Op::Add(a, b)),
        2 => (r.clone(), any::<i64>()).prop_map(|(d, v)| Op::Imm(d, v)),
        2 => (r.clone(), r.clone()).prop_map(|(a, b)| Op::PushPair(a, b)),
        2 => (r.clone(), r.clone()).prop_map(|(a, b)| Op::PopPair(a, b)),
        1 => (1..4u8).prop_map(Op::SpSub),
        1 => (1..4u8).prop_map(Op::SpAdd),
        1 => (r.clone(), 0..4u8).prop_map(|(s, k)| Op::StoreSp(s, k)),
        1 => (0..4u8, r.clone()).prop_map(|(k, d)| Op::LoadSp(k, d)),
        1 => proptest::collection::vec(r, 1..4).prop_map(Op::MoveArgs),
        1 => Just(Op::SpToCfr),
        1 => Just(Op::CfrToSp),
        1 => Just(Op::AlignSp),
        1 => Just(Op::Emit),
        2 => Just(Op::Ret),
    ]
}

/// The program text: every referenced label is defined once (missing ones
/// at the end), exported labels are `_fN`.
fn render(ops: &[Op]) -> String {
    let mut s = String::new();
    let mut defined = [false; 24];
    let reg = |r: &u8| REGS[*r as usize];
    for o in ops {
        let line = match o {
            Op::Label(k) if !defined[*k as usize] => {
                defined[*k as usize] = true;
                format!(".L{k}:")
            }
            Op::Label(_) => "    nop".into(),
            Op::Export(k) => format!("global _f{k}\n_f{k}:"),
            Op::Branch(a, b, k) => format!("    bpeq {}, {}, .L{k}", reg(a), reg(b)),
            Op::Jmp(k) => format!("    jmp .L{k}"),
            Op::JmpIndirect(r) => format!("    jmp {}", reg(r)),
            Op::CallLabel(k) => format!("    call .L{k}"),
            Op::CallExternal => "    call _external".into(),
            Op::CallReg(r) => format!("    call {}", reg(r)),
            Op::LeaLabel(k, d) => format!("    leap .L{k}, {}", reg(d)),
            Op::Move(a, b) => format!("    move {}, {}", reg(a), reg(b)),
            Op::Add(a, b) => format!("    addp {}, {}", reg(a), reg(b)),
            Op::Imm(d, v) => format!("    move {v}, {}", reg(d)),
            Op::PushPair(a, b) => format!("    push {}, {}", reg(a), reg(b)),
            Op::PopPair(a, b) if a != b => format!("    pop {}, {}", reg(a), reg(b)),
            Op::PopPair(a, _) => format!("    pop {}, t5", reg(a)),
            Op::SpSub(k) => format!("    subp {}, sp", 16 * *k as u32),
            Op::SpAdd(k) => format!("    addp {}, sp", 16 * *k as u32),
            Op::StoreSp(r, k) => format!("    storep {}, {}[sp]", reg(r), 8 * *k as u32),
            Op::LoadSp(k, d) => format!("    loadp {}[sp], {}", 8 * *k as u32, reg(d)),
            Op::MoveArgs(rs) => format!("    moveargs {}", rs.iter().map(reg).collect::<Vec<_>>().join(", ")),
            Op::SpToCfr => "    move sp, cfr".into(),
            Op::CfrToSp => "    move cfr, sp".into(),
            Op::AlignSp => "    andp -16, sp".into(),
            Op::Emit => "    emit \"nop\"".into(),
            Op::Ret => "    ret".into(),
        };
        s.push_str(&line);
        s.push('\n');
    }
    // Exported labels may repeat: keep the first definition of each.
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    let mut skip_global = false;
    for line in s.lines() {
        if let Some(name) = line.strip_prefix("global ") {
            skip_global = !seen.insert(name.to_string());
            if skip_global {
                continue;
            }
        } else if line.starts_with("_f") && skip_global {
            skip_global = false;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    for (k, d) in defined.iter().enumerate() {
        if !d {
            let _ = writeln!(out, ".L{k}:");
        }
    }
    out.push_str("    ret\n");
    out
}

fn check_all_targets(text: &str) -> Result<(), TestCaseError> {
    for t in TARGETS {
        let opts = Options::new(t.parse::<Target>().unwrap());
        let out = driver::check(Input::Text { path: Path::new("fuzz.asm"), text: text.to_string() }, &opts).unwrap();
        let front_end_errors = out.diags.list.iter().any(|d| d.is_error() && !offasm::check::HAZARD_CODES.contains(&d.code));
        prop_assert!(!front_end_errors, "{t}: the generated program must be valid:\n{}\n{}", out.render_short(), text);
        let _ = out.render(false);
        let _ = out.render_short();
        let program = out.program.as_ref().expect("a valid program");
        let stats = offasm::check::stats(program, &opts.target);
        prop_assert!(stats.visits <= 8 * stats.blocks + 8, "{t}: {stats:?} for\n{text}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300), ..ProptestConfig::default() })]
    #[test]
    fn checks_never_panic_and_stay_linear(ops in proptest::collection::vec(op(), 1..120)) {
        check_all_targets(&render(&ops))?;
    }
}

/// `depth` nested loops, each with a C call inside: the worst shape for the
/// number of passes a data-flow analysis needs.
fn loop_nest(depth: usize) -> String {
    let mut s = String::from("global _nest\n_nest:\n");
    for k in 0..depth {
        let _ = writeln!(s, ".s{k}:\n    addp 1, t{}", k % 4);
    }
    for k in (0..depth).rev() {
        let _ = writeln!(s, "    bpneq t{}, t{}, .s{k}\n    call _external", k % 4, (k + 1) % 4);
    }
    s.push_str("    ret\n");
    s
}

/// `n` pseudo-random instructions with branches every few instructions.
fn big_program(n: usize) -> String {
    let mut s = String::from("global _big\n_big:\n");
    let mut x: u64 = 0x9E3779B97F4A7C15;
    let mut labels = 0;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let a = REGS[(x % 12) as usize];
        let b = REGS[((x >> 8) % 12) as usize];
        match (x >> 16) % 20 {
            0 => {
                let _ = writeln!(s, ".b{labels}:");
                labels += 1;
            }
            1 if labels > 0 => {
                let _ = writeln!(s, "    bpeq {a}, {b}, .b{}", (x >> 24) as usize % labels);
            }
            2 => s.push_str("    call _external\n"),
            _ => {
                let _ = writeln!(s, "    addp {a}, {b}");
            }
        }
    }
    s.push_str("    ret\n");
    s
}

fn visits_per_block(text: &str, triple: &str) -> (offasm::check::Stats, f64) {
    let opts = Options::new(triple.parse::<Target>().unwrap());
    let out = driver::check(Input::Text { path: Path::new("big.asm"), text: text.to_string() }, &opts).unwrap();
    let program = out.program.as_ref().expect("valid");
    let s = offasm::check::stats(program, &opts.target);
    (s, s.visits as f64 / s.blocks as f64)
}

#[test]
fn deep_loop_nests_take_few_passes() {
    for depth in [10, 1000, 5000] {
        let (s, ratio) = visits_per_block(&loop_nest(depth), "x86_64-pc-windows-msvc");
        assert!(ratio <= 3.0, "depth {depth}: {s:?}");
    }
}

#[test]
fn large_programs_take_few_passes() {
    let (s, ratio) = visits_per_block(&big_program(100_000), "aarch64-unknown-linux-gnu");
    assert!(s.blocks > 5_000 && ratio <= 3.0, "{s:?}");
}

#[test]
#[ignore = "a minute in debug builds; run with --release -- --ignored"]
fn a_million_instructions() {
    let (s, ratio) = visits_per_block(&big_program(1_000_000), "x86_64-unknown-linux-gnu");
    assert!(ratio <= 3.0, "{s:?}");
}
