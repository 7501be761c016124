//! Front-end benchmark: parse (with includes), settings, expansion and
//! validation of a generated interpreter-like program of ~20,000 lines spread
//! over several files, expanding to ~50,000 instructions (the reference JSC
//! interpreter is ~16,000 lines expanding to ~46,000 instructions).
//!
//! ```text
//! cargo bench -p offasm --bench frontend            # 30 measured iterations
//! BENCH_ITERS=100 cargo bench -p offasm --bench frontend
//! BENCH_KEEP=/tmp/prog cargo bench -p offasm --bench frontend   # keep the sources
//! taskset -c 0 cargo bench -p offasm --bench frontend           # pin to one core
//! BENCH_BASELINE=/tmp/offasm-old cargo bench -p offasm --bench frontend
//! ```
//!
//! `BENCH_BASELINE` names another build of the `offasm` command line (an
//! older commit's): a third table then times, as processes and alternating,
//! its single-target `check` next to this build's single-target and
//! all-target checks.
//!
//! A single-target compilation runs on one core. The second table compares,
//! in the same run and alternating iterations, `driver::check` for one target
//! with `driver::check_targets` for all five supported targets (what `offasm
//! check --all-targets` does), single-threaded and with a thread per core,
//! and prints the ratio. Without `--bench` on the command line (e.g. `cargo
//! test --benches`) one iteration is run as a smoke test. The program must
//! check without a single error for every target; the benchmark panics
//! otherwise.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use offasm::diag::Diagnostics;
use offasm::driver::{self, Input, Options};
use offasm::expand::{self, settings::Settings};
use offasm::front::Loader;
use offasm::layout::Layout;
use offasm::source::SourceMap;
use offasm::target::Target;
use offasm::valid;

// The allocator of the `offasm` command line (src/main.rs), so that the
// figures are those of the CLI.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TRIPLE: &str = "x86_64-unknown-linux-gnu";
const DEFINES: &[&str] = &["ASSERT_ENABLED=1", "TRACING=0", "JIT"];

// ---------------------------------------------------------------------------
// Program generator

/// Deterministic pseudo-random numbers (the program is the same every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
}

const KINDS: &[&str] = &["JSCell", "JSObject", "Structure", "Butterfly", "CodeBlock", "JSFunction", "ArrayProfile", "Watchpoint"];
const FIELDS: usize = 16;

const DEFS: &str = r#"# defs.asm — register aliases, value encoding and frame layout.
#
# Everything here is a file-level constant: it is substituted after expansion,
# so macros defined anywhere may use these names.

# Interpreter registers.
if X86_64 or X86_64_WIN
    const PB = csr3
    const PC = csr4
    const tagTypeNumber = csr1
    const tagMask = csr2
    const wideScratch = t5
elsif ARM64
    const PB = csr7
    const PC = csr8
    const tagTypeNumber = csr5
    const tagMask = csr6
    const wideScratch = t9
else
    error
end

# Value encoding (64-bit).
const TagNumber = 0xfffe000000000000
const TagOther = 0x2
const TagBool = 0x4
const TagUndefined = 0x8
const ValueFalse = TagOther | TagBool
const ValueTrue = ValueFalse | 1
const ValueUndefined = TagOther | TagUndefined
const ValueNull = TagOther
const NotCellMask = TagNumber | TagOther

# Call frame layout.
const PtrSize = 8
const SlotSize = 8
const CallerFrame = 0
const ReturnPC = CallerFrame + PtrSize
const CodeBlock = ReturnPC + PtrSize
const Callee = CodeBlock + SlotSize
const ArgumentCount = Callee + SlotSize
const ThisArgument = ArgumentCount + SlotSize
const FirstArgumentOffset = ThisArgument + SlotSize
const CallFrameHeaderSize = ThisArgument

# Bytecode.
const FirstConstantRegisterIndex = 0x40000000
const CodeBlockConstants = 64
const CodeBlockInstructions = 96
const CodeBlockCounters = 128
const OpcodeShift = 3

if JSVALUE64 and ADDRESS64
    const ValueShift = 3
else
    error
end
"#;

const HELPERS: &str = r#"# helpers.asm — the macro library shared by every opcode.

# ---- dispatch ---------------------------------------------------------------

macro dispatch(advance)
    addp advance, PC
    loadb [PB, PC, 1], wideScratch
    leap _llint_opcode_map, t4
    jmp [t4, wideScratch, 8]
end

macro dispatchIndirect(offsetReg)
    addp offsetReg, PC
    dispatch(0)
end

# ---- operand access (one flavour per instruction width) ---------------------

macro getOperandNarrow(index, dst)
    loadbsq index[PB, PC, 1], dst
end

macro getOperandWide16(index, dst)
    loadhsq index * 2 + 1[PB, PC, 1], dst
end

macro getOperandWide32(index, dst)
    loadis index * 4 + 1[PB, PC, 1], dst
end

macro loadVariable(get, index, dst)
    get(index, dst)
    loadq [cfr, dst, 8], dst
end

macro loadConstantOrVariable(get, index, dst, tmp)
    get(index, tmp)
    bpgteq tmp, FirstConstantRegisterIndex, .constant
    loadq [cfr, tmp, 8], dst
    jmp .done
.constant:
    loadp CodeBlock[cfr], dst
    loadp CodeBlockConstants[dst], dst
    subp FirstConstantRegisterIndex, tmp
    loadq [dst, tmp, 8], dst
.done:
end

macro storeVariable(get, index, value, tmp)
    get(index, tmp)
    storeq value, [cfr, tmp, 8]
end

macro assertRegisterIndex(get, index, tmp)
    if ASSERT_ENABLED
        get(index, tmp)
        bplt tmp, FirstConstantRegisterIndex, .ok
        break
    .ok:
    end
end

# ---- value checks -----------------------------------------------------------

macro checkInt32(value, slow)
    bqb value, tagTypeNumber, slow
end

macro checkCell(value, slow)
    btqnz value, tagMask, slow
end

macro checkNumber(value, slow)
    btqz value, tagTypeNumber, slow
end

macro boxInt32(value)
    zxi2q value, value
    orq tagTypeNumber, value
end

macro unboxDouble(value, fpr)
    addq tagTypeNumber, value
    fq2d value, fpr
end

macro boxDouble(fpr, value)
    fd2q fpr, value
    subq tagTypeNumber, value
end

# ---- calls into the runtime -------------------------------------------------

macro saveState()
    storei PC, ArgumentCount + 4[cfr]
    push PB, PC
end

macro restoreState()
    pop PC, PB
    loadp CodeBlock[cfr], PB
    loadp CodeBlockInstructions[PB], PB
    loadi ArgumentCount + 4[cfr], PC
end

macro callSlowPath(slowPath)
    saveState()
    move cfr, a0
    move PC, a1
    call slowPath
    restoreState()
    if X86_64_WIN
        btpnz r0, .continue             # Windows x64 returns one register
    else
        btpnz r1, .continue             # the second word of the result pair
    end
    jmp _llint_throw_from_slow_path
.continue:
end

macro traceExecution()
    if TRACING
        callSlowPath(_llint_trace)
    end
end

macro bumpCounter(index)
    loadp CodeBlock[cfr], wideScratch
    loadp CodeBlockCounters[wideScratch], wideScratch
    addi 1, index * 4[wideScratch]
end

# ---- opcode definitions -----------------------------------------------------

macro opVariant(name, sizeName, prefix, get, length, fn)
    global _%name%_%sizeName%
_%name%_%sizeName%:
    traceExecution()
    fn(get, macro ()
        dispatch(length * 4 + prefix)
    end)
end

macro llintOp(name, length, fn)
    opVariant(name, narrow, 0, getOperandNarrow, length, fn)
    opVariant(name, wide16, 1, getOperandWide16, length, fn)
    opVariant(name, wide32, 1, getOperandWide32, length, fn)
end

macro llintOpNarrow(name, length, fn)
    opVariant(name, narrow, 0, getOperandNarrow, length, fn)
end

# ---- opcode families --------------------------------------------------------

macro binaryIntOp(get, dispatchOp, slowPath, operation)
    const lhs = t0
    const rhs = t1
    loadConstantOrVariable(get, 2, lhs, t2)
    loadConstantOrVariable(get, 3, rhs, t2)
    checkInt32(lhs, .slow)
    checkInt32(rhs, .slow)
    operation(rhs, lhs, .slow)
    boxInt32(lhs)
    storeVariable(get, 1, lhs, t2)
    dispatchOp()
.slow:
    callSlowPath(slowPath)
    dispatchOp()
end

macro compareAndJump(get, dispatchOp, slowPath, compare)
    loadConstantOrVariable(get, 1, t0, t2)
    loadConstantOrVariable(get, 2, t1, t2)
    checkInt32(t0, .slow)
    checkInt32(t1, .slow)
    compare(t0, t1, .jump)
    dispatchOp()
.jump:
    get(3, t2)
    dispatchIndirect(t2)
.slow:
    callSlowPath(slowPath)
    dispatchOp()
end

macro doubleOp(get, dispatchOp, slowPath, operation)
    loadConstantOrVariable(get, 2, t0, t2)
    loadConstantOrVariable(get, 3, t1, t2)
    checkNumber(t0, .slow)
    checkNumber(t1, .slow)
    unboxDouble(t0, ft0)
    unboxDouble(t1, ft1)
    operation(ft1, ft0)
    bdnequn ft0, ft0, .slow
    boxDouble(ft0, t0)
    storeVariable(get, 1, t0, t2)
    dispatchOp()
.slow:
    callSlowPath(slowPath)
    dispatchOp()
end
"#;

struct Program {
    files: Vec<(String, String)>,
    layout: String,
}

fn op_banner(out: &mut String, name: &str, what: &str) {
    let _ = writeln!(out, "# ---------------------------------------------------------------------------");
    let _ = writeln!(out, "# {name}: {what}");
    let _ = writeln!(out, "#");
    let h = name.bytes().fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(b as usize));
    for k in 0..3 {
        let _ = writeln!(out, "# {}", PROSE[(h + k * 3) % PROSE.len()]);
    }
    let _ = writeln!(out, "# ---------------------------------------------------------------------------");
    out.push('\n');
}

const PROSE: &[&str] = &[
    "The fast path handles int32 operands only; everything else goes to the slow path.",
    "Operands are virtual registers or constants; constants live in the code block.",
    "The result is written back before dispatching to the next instruction.",
    "Wide variants read 16- or 32-bit operands after a one-byte prefix.",
    "Profiling counters are bumped on every execution (see bumpCounter).",
    "The slow path may throw; callSlowPath handles the exception edge.",
    "Keep this in sync with the bytecode definitions of the runtime.",
    "Registers t0-t3 are clobbered; PC and PB are preserved.",
];

/// A target-specific helper in the style of the reference sources: both
/// branches are parsed, only one is expanded.
fn gen_target_helper(out: &mut String, i: usize, rng: &mut Lcg) {
    let _ = writeln!(out, "# Target-specific prologue of opcode {i}.");
    let _ = writeln!(out, "# {}", rng.pick(PROSE));
    let _ = writeln!(out, "if ARM64 or ARM64E");
    let _ = writeln!(out, "    macro prologue{i}(scratch)");
    let _ = writeln!(out, "        loadpairq {}[cfr], scratch, t7", 16 + (rng.next() % 8) * 16);
    let _ = writeln!(out, "        bfiq scratch, {}, 8, t6", rng.next() % 32);
    let _ = writeln!(out, "        smulli scratch, t6, t6");
    let _ = writeln!(out, "        divqs t6, scratch");
    let _ = writeln!(out, "        pcrtoaddr _llint_entry, t8");
    let _ = writeln!(out, "    end");
    let _ = writeln!(out, "elsif X86_64 or X86_64_WIN");
    let _ = writeln!(out, "    macro prologue{i}(scratch)");
    let _ = writeln!(out, "        loadp {}[cfr], scratch", 16 + (rng.next() % 8) * 8);
    let _ = writeln!(out, "        andp 0x{:x}, scratch", rng.next() & 0xffff);
    let _ = writeln!(out, "    end");
    let _ = writeln!(out, "else");
    let _ = writeln!(out, "    error");
    let _ = writeln!(out, "end");
    out.push('\n');
}

/// One opcode (or runtime routine) of shape `i % 6`.
fn gen_op(out: &mut String, i: usize, rng: &mut Lcg) {
    if i % 6 != 5 {
        gen_target_helper(out, i, rng);
    }
    match i % 6 {
        0 => {
            let (mnem, what) = *rng.pick(&[("baddio", "add"), ("bsubio", "sub"), ("bmulio", "mul")]);
            let name = format!("op_{what}_{i}");
            op_banner(out, &name, &format!("int32 {what} with overflow check, slow path otherwise"));
            let _ = writeln!(
                out,
                "llintOp({name}, 4, macro (get, dispatchOp)
    prologue{i}(t3)
    assertRegisterIndex(get, 1, t3)
    bumpCounter({c})
    binaryIntOp(get, dispatchOp, _llint_slow_path_{name}, macro (rhs, lhs, slow)
        {mnem} rhs, lhs, slow
    end)
end)
",
                c = i % 64
            );
        }
        1 => {
            let (mnem, what) = *rng.pick(&[("bilt", "jless"), ("bilteq", "jlesseq"), ("bigt", "jgreater"), ("bieq", "jeq"), ("bib", "jbelow")]);
            let name = format!("op_{what}_{i}");
            op_banner(out, &name, "compare two int32 operands and jump");
            let _ = writeln!(
                out,
                "llintOp({name}, 4, macro (get, dispatchOp)
    prologue{i}(t3)
    compareAndJump(get, dispatchOp, _llint_slow_path_{name}, macro (a, b, target)
        {mnem} a, b, target
    end)
end)
"
            );
        }
        2 => {
            let name = format!("op_bitop_{i}");
            op_banner(out, &name, "bitwise operation through a per-opcode helper");
            let (m1, m2) = (*rng.pick(&["andq", "orq", "xorq"]), *rng.pick(&["lshiftq", "urshiftq", "rshiftq"]));
            let shift = rng.next() % 63 + 1;
            let _ = writeln!(
                out,
                "macro bitHelper{i}(a, b)
    {m1} a, b
    {m2} {shift}, b
    {m1} 0x{mask:x}, b
    if X86_64 or X86_64_WIN
        andq 0xffffffff, b
    elsif ARM64
        andq 0xffffffff, b
    else
        error
    end
end

llintOp({name}, 4, macro (get, dispatchOp)
    prologue{i}(t3)
    loadConstantOrVariable(get, 2, t0, t2)
    loadConstantOrVariable(get, 3, t1, t2)
    bitHelper{i}(t1, t0)
    boxInt32(t0)
    storeVariable(get, 1, t0, t2)
    dispatchOp()
end)
",
                mask = rng.next() & 0xffff
            );
        }
        3 => {
            let op = *rng.pick(&["addd", "subd", "muld", "divd"]);
            let name = format!("op_fmath_{i}");
            op_banner(out, &name, &format!("double {op}"));
            let _ = writeln!(
                out,
                "llintOpNarrow({name}, 4, macro (get, dispatchOp)
    prologue{i}(t3)
    doubleOp(get, dispatchOp, _llint_slow_path_{name}, macro (src, dst)
        {op} src, dst
    end)
end)
"
            );
        }
        4 => {
            let name = format!("op_get_by_offset_{i}");
            op_banner(out, &name, "load a property through layout-table offsets");
            let kind = *rng.pick(KINDS);
            let (f1, f2, f3) = (rng.next() as usize % FIELDS, rng.next() as usize % FIELDS, rng.next() as usize % FIELDS);
            let slot = rng.next() % 32;
            let _ = writeln!(
                out,
                "macro loadField{i}(kind, base, dst)
    loadp %kind%::m_field{f1}[base], dst
end

llintOp({name}, 5, macro (get, dispatchOp)
    prologue{i}(t3)
    loadConstantOrVariable(get, 2, t0, t2)
    checkCell(t0, .slow)
    loadField{i}({kind}, t0, t1)
    loadi Structure::m_field{f2}[t1], t3
    get(4, t2)
    bineq t3, t2, .slow
    loadp JSObject::m_field{f3}[t0], t1
    loadq {off}[t1], t1
    storeVariable(get, 1, t1, t2)
    dispatchOp()
.slow:
    callSlowPath(_llint_slow_path_{name})
    dispatchOp()
end)
",
                off = slot * 8 + 16
            );
        }
        _ => {
            // A runtime routine: straight-line code with its own labels.
            let name = format!("_llint_runtime_{i}");
            op_banner(out, &name, "runtime helper (no macros)");
            let _ = writeln!(out, "global {name}");
            let _ = writeln!(out, "{name}:");
            let _ = writeln!(out, "    push cfr, csr0");
            let _ = writeln!(out, "    move sp, cfr");
            let _ = writeln!(out, "    subp 4 * PtrSize, sp");
            let _ = writeln!(out, "    storeq a0, -8[cfr]");
            let _ = writeln!(out, "    storeq a1, -16[cfr]");
            // t0 is a0 on ARM64: keep the argument in the saved csr0.
            let _ = writeln!(out, "    move a0, csr0");
            let _ = writeln!(out, "    move 0, t0");
            let _ = writeln!(out, ".rt{i}_loop:");
            let n = 24 + rng.next() % 12;
            for k in 0..n {
                let line = match rng.next() % 12 {
                    0 => format!("loadp {}[csr0], t1", (k % 16) * 8),
                    1 => "addq t1, t0".to_string(),
                    2 => format!("storei t0, {}[a1, t2, 4]", k * 4),
                    3 => format!("bqeq t0, {}, .rt{i}_done", k + 1),
                    4 => format!("xorq 0x{:x}, t0", rng.next() & 0xfffff),
                    5 => format!("lshiftq {}, t1", k % 31 + 1),
                    6 => "cqlt t0, t1, t2".to_string(),
                    7 => format!("loadis -{}[cfr], t2", 8 * (k % 2 + 1)),
                    8 => format!("btinz t2, 0x{:x}, .rt{i}_loop", 1u64 << (k % 30)),
                    9 => format!("addi {}, t3", k),
                    10 => format!("leap {}[t0, t1, 8], t3", k * 8),
                    _ => format!("ori 0x{:x}, t2", k),
                };
                let _ = writeln!(out, "    {line}");
            }
            let _ = writeln!(out, "    jmp .rt{i}_loop");
            let _ = writeln!(out, ".rt{i}_done:");
            let _ = writeln!(out, "    move t0, r0");
            let _ = writeln!(out, "    addp 4 * PtrSize, sp");
            let _ = writeln!(out, "    pop csr0, cfr");
            let _ = writeln!(out, "    ret");
            out.push('\n');
        }
    }
}

/// The program: `main.asm` including `defs`, `helpers`, `ops_NN` and `runtime`.
fn generate(n_ops: usize, n_files: usize) -> Program {
    let mut rng = Lcg(0x5eed);
    let mut files = vec![("defs.asm".to_string(), DEFS.to_string()), ("helpers.asm".to_string(), HELPERS.to_string())];
    let per_file = n_ops.div_ceil(n_files);
    for f in 0..n_files {
        let mut s = format!("# ops_{f:02}.asm — generated opcodes {} to {}.\n\n", f * per_file, ((f + 1) * per_file).min(n_ops) - 1);
        for i in f * per_file..((f + 1) * per_file).min(n_ops) {
            gen_op(&mut s, i, &mut rng);
        }
        files.push((format!("ops_{f:02}.asm"), s));
    }
    files.push((
        "runtime.asm".to_string(),
        "# runtime.asm — entry points referenced by the generated code.

global _llint_dispatch_table
_llint_opcode_map:
_llint_dispatch_table:
    break

global _llint_throw_from_slow_path
_llint_throw_from_slow_path:
    move cfr, a0
    call _llint_handle_exception
    loadp CallerFrame[cfr], cfr
    ret
"
        .to_string(),
    ));
    let mut main = String::from("# main.asm — the root file.\n\ninclude defs\ninclude helpers\n");
    for f in 0..n_files {
        let _ = writeln!(main, "include ops_{f:02}");
    }
    main.push_str("include runtime\n\nglobal _llint_entry\n_llint_entry:\n    dispatch(0)\n");
    files.insert(0, ("main.asm".to_string(), main));

    // Layout table: every `Kind::m_fieldN`.
    let mut offsets = Vec::new();
    for k in KINDS {
        for f in 0..FIELDS {
            offsets.push(format!("    \"{k}::m_field{f}\": {}", 8 + f * 8));
        }
    }
    let layout = format!(
        "{{\n  \"schema\": \"oasm-layout-1\",\n  \"target\": \"{TRIPLE}\",\n  \"offsets\": {{\n{}\n  }}\n}}\n",
        offsets.join(",\n")
    );
    Program { files, layout }
}

// ---------------------------------------------------------------------------
// Measurement

#[derive(Default, Clone, Copy)]
struct Times {
    parse: Duration,
    settings: Duration,
    expand: Duration,
    validate: Duration,
    checks: Duration,
    total: Duration,
    /// Lowering and emission (one pass today), after the checks.
    emit: Duration,
}

struct Sizes {
    max_depth: usize,
    instructions: usize,
    labels: usize,
    expanded_items: usize,
    /// The emitted assembly, for the assembler comparison.
    asm: String,
}

/// One compilation, phase by phase (the same steps as `driver::check`).
fn phases(root: &Path, layout_path: &Path, target: &Target) -> (Times, Sizes) {
    let mut t = Times::default();
    let start = Instant::now();
    let mut map = SourceMap::new();
    let mut diags = Diagnostics::default();
    let no_dirs: Vec<PathBuf> = Vec::new();
    let tree = {
        let mut loader = Loader::new(&mut map, &no_dirs, &mut diags);
        loader.load_root(root).expect("root file readable")
    };
    t.parse = start.elapsed();

    let s = Instant::now();
    let mut settings = Settings::new(target.clone());
    for d in DEFINES {
        settings.define(d).unwrap();
    }
    let tree = expand::settings::resolve(tree, &settings, &mut diags);
    t.settings = s.elapsed();

    let s = Instant::now();
    let x = expand::expand(&tree, expand::DEFAULT_MAX_DEPTH, &mut diags);
    t.expand = s.elapsed();

    let s = Instant::now();
    let mut layout = Layout::default();
    layout.load(layout_path, &target.triple).expect("layout table loads");
    let prog = valid::validate(&x, target, &layout, &mut diags);
    t.validate = s.elapsed();

    let s = Instant::now();
    offasm::check::check(&prog, target, &map, &mut diags);
    t.checks = s.elapsed();
    t.total = start.elapsed();

    let s = Instant::now();
    let asm = offasm::back::emit(&prog, target, &map, &offasm::back::EmitOptions::default());
    t.emit = s.elapsed();

    if diags.has_errors() {
        let out = driver::Outcome { map, diags, ..Default::default() };
        panic!("the generated program has errors:\n{}", out.render_short().lines().take(40).collect::<Vec<_>>().join("\n"));
    }
    let instructions = prog.items.iter().filter(|i| matches!(i, valid::Item::Instr(_))).count();
    let max_depth = x.items.iter().map(|i| offasm::diag::Frame::depth(&i.chain)).max().unwrap_or(0);
    let sizes = Sizes { max_depth, instructions, labels: prog.items.len() - instructions, expanded_items: x.items.len(), asm };
    // Dropping the trees is part of the cost a caller pays, but not of any phase.
    drop((tree, x, prog, map, diags));
    (t, sizes)
}

/// GNU `as` on offasm's output, next to offasm's compile of the source
/// (issue 10: offasm should be no slower than the assembler that reads its output).
fn assembler_comparison(dir: &Path, asm: &str, compile_min: Duration) {
    let path = dir.join("emitted.s");
    std::fs::write(&path, asm).unwrap();
    let out = dir.join("emitted.o");
    let mut best: Option<Duration> = None;
    for _ in 0..5 {
        let s = Instant::now();
        let status = std::process::Command::new("as").arg("-o").arg(&out).arg(&path).status();
        let d = s.elapsed();
        match status {
            Ok(st) if st.success() => best = Some(best.map_or(d, |b| b.min(d))),
            _ => {
                println!("  assembler comparison: `as` could not assemble the output (is binutils installed?)");
                return;
            }
        }
    }
    let best = best.unwrap_or_default();
    let lines = asm.lines().count();
    println!(
        "  GNU as on the output ({lines} lines): min {:.2} ms; offasm compile min {:.2} ms: offasm / as = {:.2} (goal ≤ 1)",
        ms(best),
        ms(compile_min),
        ms(compile_min) / ms(best)
    );
}

/// The public entry point, end to end.
fn end_to_end(root: &Path, opts: &Options) -> Duration {
    let s = Instant::now();
    let out = driver::check(Input::File(root), opts).unwrap();
    let d = s.elapsed();
    assert!(out.ok(), "driver::check reports errors:\n{}", out.render_short());
    d
}

/// The command lines of `baseline` and of this build (`check` of the kept
/// sources), timed as processes in alternating iterations.
fn versus_baseline(baseline: &Path, dir: &Path, warmup: usize, iters: usize) {
    let current = Path::new(env!("CARGO_BIN_EXE_offasm"));
    let main = dir.join("main.asm");
    let run = |bin: &Path, all: bool| {
        let mut c = std::process::Command::new(bin);
        c.arg("check");
        if all {
            c.args(["--all-targets", "--layout"]).arg(dir.join("layout-any.json"));
        } else {
            c.args(["--target", TRIPLE, "--layout"]).arg(dir.join("layout.json"));
        }
        for d in DEFINES {
            c.args(["-D", d]);
        }
        c.arg(&main);
        let s = Instant::now();
        let out = c.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        let d = s.elapsed();
        assert!(out.status.success(), "{} check failed:\n{}", bin.display(), String::from_utf8_lossy(&out.stderr));
        d
    };
    let (mut base, mut one, mut all) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..warmup + iters {
        let times = (run(baseline, false), run(current, false), run(current, true));
        if i >= warmup {
            base.push(times.0);
            one.push(times.1);
            all.push(times.2);
        }
    }
    println!();
    println!("  command lines, as processes ({iters} alternating iterations); ms:");
    println!("  {:<50} {:>9} {:>9} {:>9}", "", "min", "median", "max");
    let row = |name: &str, v: &[Duration]| {
        let (lo, med, hi) = stats(v.to_vec());
        println!("  {:<50} {:>9.2} {:>9.2} {:>9.2}", name, ms(lo), ms(med), ms(hi));
        (lo, med)
    };
    let b = row(&format!("baseline check --target {TRIPLE}"), &base);
    let o = row(&format!("offasm check --target {TRIPLE}"), &one);
    let a = row("offasm check --all-targets", &all);
    println!("  all targets / baseline single target: {:.2} (min) {:.2} (median)", ms(a.0) / ms(b.0), ms(a.1) / ms(b.1));
    println!("  all targets / single target:          {:.2} (min) {:.2} (median)", ms(a.0) / ms(o.0), ms(a.1) / ms(o.1));
}

fn stats(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn proc_status(key: &str) -> Option<String> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines().find(|l| l.starts_with(key)).map(|l| l[key.len()..].trim().to_string())
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let iters: usize = std::env::var("BENCH_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(if bench_mode { 30 } else { 1 });
    let warmup = if bench_mode { 3 } else { 0 };
    let n_ops: usize = std::env::var("BENCH_OPS").ok().and_then(|s| s.parse().ok()).unwrap_or(540);

    let program = generate(n_ops, 8);
    let tmp = tempfile::tempdir().unwrap();
    let dir = match std::env::var_os("BENCH_KEEP") {
        Some(d) => {
            let d = PathBuf::from(d);
            std::fs::create_dir_all(&d).unwrap();
            d
        }
        None => tmp.path().to_path_buf(),
    };
    let mut lines = 0;
    let mut bytes = 0;
    for (name, text) in &program.files {
        std::fs::write(dir.join(name), text).unwrap();
        lines += text.lines().count();
        bytes += text.len();
    }
    let layout_path = dir.join("layout.json");
    std::fs::write(&layout_path, &program.layout).unwrap();
    let root = dir.join("main.asm");

    let target = Target::from_triple(TRIPLE).unwrap();
    let mut opts = Options::new(target.clone());
    opts.defines = DEFINES.iter().map(|s| s.to_string()).collect();
    opts.layouts = vec![layout_path.clone()];

    let rss_before = proc_status("VmHWM:");
    let mut runs: Vec<Times> = Vec::new();
    let mut sizes = None;
    for i in 0..warmup + iters {
        let (t, s) = phases(&root, &layout_path, &target);
        if i >= warmup {
            runs.push(t);
        }
        sizes = Some(s);
    }
    let mut e2e = Vec::new();
    for i in 0..warmup + iters {
        let d = end_to_end(&root, &opts);
        if i >= warmup {
            e2e.push(d);
        }
    }
    let sizes = sizes.unwrap();

    println!("offasm front-end benchmark ({TRIPLE}, -D {})", DEFINES.join(" -D "));
    println!(
        "  program: {} files, {lines} lines, {:.0} KiB; {} expanded statements: {} instructions, {} labels; macro nesting up to {}",
        program.files.len(),
        bytes as f64 / 1024.0,
        sizes.expanded_items,
        sizes.instructions,
        sizes.labels,
        sizes.max_depth
    );
    println!("  {iters} iterations after {warmup} warm-up, single-threaded; times in ms:");
    println!("  {:<26} {:>9} {:>9} {:>9}", "phase", "min", "median", "max");
    let row = |name: &str, v: Vec<Duration>| {
        let (lo, med, hi) = stats(v);
        println!("  {:<26} {:>9.2} {:>9.2} {:>9.2}", name, ms(lo), ms(med), ms(hi));
    };
    row("parse (load + includes)", runs.iter().map(|t| t.parse).collect());
    row("settings", runs.iter().map(|t| t.settings).collect());
    row("expand", runs.iter().map(|t| t.expand).collect());
    row("validate (layout + check)", runs.iter().map(|t| t.validate).collect());
    row("cross-target checks", runs.iter().map(|t| t.checks).collect());
    row("total (sum of phases)", runs.iter().map(|t| t.total).collect());
    row("lower + emit (one pass)", runs.iter().map(|t| t.emit).collect());
    row("compile (all of the above)", runs.iter().map(|t| t.total + t.emit).collect());
    assembler_comparison(&dir, &sizes.asm, runs.iter().map(|t| t.total + t.emit).min().unwrap_or_default());
    row("driver::check end to end", e2e.clone());
    let (_, med, _) = stats(e2e);
    println!(
        "  throughput: {:.0} lines/ms, {:.0} instructions/ms (median end to end)",
        lines as f64 / ms(med),
        sizes.instructions as f64 / ms(med)
    );
    println!(
        "  peak RSS (VmHWM): {} (before compiling: {})",
        proc_status("VmHWM:").unwrap_or_else(|| "n/a".into()),
        rss_before.unwrap_or_else(|| "n/a".into())
    );
    if std::env::var_os("BENCH_KEEP").is_some() {
        println!("  sources kept in {}", dir.display());
    }
    // For single-target checks on other targets: the same table without its `target`.
    let layout_any = dir.join("layout-any.json");
    std::fs::write(&layout_any, program.layout.replace(&format!("  \"target\": \"{TRIPLE}\",\n"), "")).unwrap();
    all_targets(&root, &opts, &layout_any, warmup, iters);
    if let Some(baseline) = std::env::var_os("BENCH_BASELINE") {
        versus_baseline(Path::new(&baseline), &dir, warmup, iters);
    }
}

/// `driver::check` for one target against `driver::check_targets` for all of
/// them, alternating so that both see the same machine load.
fn all_targets(root: &Path, opts: &Options, layout_any: &Path, warmup: usize, iters: usize) {
    let targets = Target::all_supported();
    let time_all = |jobs: usize| {
        let mut o = opts.clone();
        o.jobs = jobs;
        let s = Instant::now();
        let out = driver::check_targets(Input::File(root), &o, &targets, false).unwrap();
        let d = s.elapsed();
        assert!(out.ok(), "errors on some target:\n{}", out.render(offasm::driver::all::Style::Short, 40));
        d
    };
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let (mut one, mut all1, mut all2) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..warmup + iters {
        let times = (end_to_end(root, opts), time_all(1), time_all(0));
        if i >= warmup {
            one.push(times.0);
            all1.push(times.1);
            all2.push(times.2);
        }
    }
    // Each target alone, for reference (what five separate runs would cost).
    let mut alone = Duration::ZERO;
    let mut per_target = Vec::new();
    for t in &targets {
        let mut o = opts.clone();
        o.target = t.clone();
        o.layouts = vec![layout_any.to_path_buf()];
        let mut v: Vec<Duration> = (0..iters.clamp(1, 5)).map(|_| end_to_end(root, &o)).collect();
        v.sort();
        alone += v[v.len() / 2];
        per_target.push((t.triple.clone(), v[v.len() / 2]));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!();
    let load_after = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = |s: &str| s.split_whitespace().next().unwrap_or("n/a").to_string();
    println!(
        "  all {} targets vs one target ({iters} alternating iterations, {cores} cores available, load average {} → {}); ms:",
        targets.len(),
        load(&load_before),
        load(&load_after)
    );
    println!("  {:<42} {:>9} {:>9} {:>9}", "", "min", "median", "max");
    let row = |name: &str, v: &[Duration]| {
        let (lo, med, hi) = stats(v.to_vec());
        println!("  {:<42} {:>9.2} {:>9.2} {:>9.2}", name, ms(lo), ms(med), ms(hi));
        med
    };
    let m1 = row(&format!("driver::check, {TRIPLE}"), &one);
    let ma1 = row("driver::check_targets, all, 1 thread", &all1);
    let ma2 = row(&format!("driver::check_targets, all, {} threads", cores.min(targets.len())), &all2);
    for (t, d) in &per_target {
        println!("  {:<42} {:>9} {:>9.2}", format!("  driver::check, {t}"), "", ms(*d));
    }
    println!("  {:<42} {:>9} {:>9.2}", "  sum of the five single-target checks", "", ms(alone));
    println!(
        "  ratio all targets / one target (medians): {:.2} with 1 thread, {:.2} with a thread per core (goal: < 1.25)",
        ms(ma1) / ms(m1),
        ms(ma2) / ms(m1)
    );
}
