//! Property-based fuzzing of the whole front end (`driver::check`: lex,
//! parse, include, settings, expansion, layout, folding, validation).
//!
//! Properties (each run on every release-1 target):
//!   * never panics, for arbitrary bytes, dialect-biased text, token soup and
//!     mutated valid programs;
//!   * `Outcome::ok()` agrees with the diagnostics (and a successful
//!     compilation has a program);
//!   * every diagnostic renders (`render(false)`, `render_short()`), and all
//!     its spans (primary, secondary, expansion chain) lie inside their file,
//!     on UTF-8 character boundaries;
//!   * compiling the same input twice gives the same diagnostics.
//!
//! Case counts are small by default so that `cargo test` stays fast. For a
//! long run set `PROPTEST_CASES`, e.g.
//!
//! ```text
//! PROPTEST_CASES=200000 cargo test --release -p offasm --test fuzz_frontend -- --nocapture
//! ```
//!
//! Other knobs: `FUZZ_WATCHDOG_SECS` (default 60): a case running longer than
//! this is a hang: its input is written to `$CARGO_TARGET_TMPDIR/fuzz_frontend/hang.asm`
//! and the process aborts. `FUZZ_DUMP=1` writes every input to
//! `…/fuzz_frontend/last-<thread>.asm` before compiling it (to recover the
//! input of a crash that kills the process, such as a stack overflow).
//! `FUZZ_SHOW=1` prints every input with its first diagnostic;
//! `FUZZ_SLOW_MS=<n>` prints every input that takes longer than n ms (all targets).
//!
//! The pathological-input tests at the end run the `offasm` binary in a
//! subprocess (with a time and memory limit), so that a stack overflow or a
//! runaway expansion is reported instead of killing the test harness.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use offasm::driver::{self, Input, Options, Outcome};
use offasm::source::Span;
use offasm::target::Target;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::FileFailurePersistence;

// ---------------------------------------------------------------------------
// Configuration and shared fixtures

const TARGETS: [&str; 4] =
    ["x86_64-unknown-linux-gnu", "x86_64-pc-windows-msvc", "aarch64-unknown-linux-gnu", "aarch64-apple-darwin"];

/// `default` cases unless `PROPTEST_CASES` is set.
fn config(default: u32) -> ProptestConfig {
    let mut c = ProptestConfig::default(); // reads PROPTEST_CASES
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = default;
    }
    c.failure_persistence =
        Some(Box::new(FileFailurePersistence::Direct(concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/fuzz_frontend.proptest-regressions"))));
    // Shrinking re-runs the front end many times; keep it bounded.
    c.max_shrink_time = 60_000;
    c
}

/// A directory with files that fuzzed programs may `include`.
fn fixture_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz_frontend");
        std::fs::create_dir_all(&dir).unwrap();
        let files: &[(&str, &str)] = &[
            ("inc.asm", "const IncK = 3\nmacro incHelper(r)\n    addi IncK, r\nend\n_incLabel:\n    nop\n"),
            ("selfinc.asm", "nop\ninclude selfinc\n"),
            ("ping.asm", "include pong\n"),
            ("pong.asm", "include ping\n"),
            ("broken.asm", "macro (\n ] 99999999999999999999999 \"x\n"),
            ("utf8.asm", "# caf\u{e9} \u{1F600}\nmove 1, t0 // \u{e9}\u{e9}\n"),
        ];
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        dir
    })
}

/// The root "file" of in-memory inputs (does not exist on disk).
fn root_path() -> PathBuf {
    fixture_dir().join("fuzz.asm")
}

// ---------------------------------------------------------------------------
// Watchdog: a case that runs too long is a hang; dump it and abort.

fn watch_slots() -> &'static Mutex<HashMap<std::thread::ThreadId, (Instant, String)>> {
    static SLOTS: OnceLock<Mutex<HashMap<std::thread::ThreadId, (Instant, String)>>> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let limit = std::env::var("FUZZ_WATCHDOG_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60u64);
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_secs(1));
            let slots = watch_slots().lock().unwrap_or_else(|e| e.into_inner());
            for (start, text) in slots.values() {
                if start.elapsed() > Duration::from_secs(limit) {
                    let path = fixture_dir().join("hang.asm");
                    let _ = std::fs::write(&path, text);
                    eprintln!(
                        "\nfuzz_frontend watchdog: a case ran for more than {limit} s; input saved to {} ({} bytes):\n{}\n",
                        path.display(),
                        text.len(),
                        text.chars().take(4000).collect::<String>()
                    );
                    std::process::abort();
                }
            }
        });
        Mutex::new(HashMap::new())
    })
}

struct Watched;

impl Watched {
    fn start(text: &str) -> Watched {
        let id = std::thread::current().id();
        if std::env::var_os("FUZZ_DUMP").is_some() {
            let _ = std::fs::write(fixture_dir().join(format!("last-{id:?}.asm").replace(['(', ')'], "")), text);
        }
        watch_slots().lock().unwrap_or_else(|e| e.into_inner()).insert(id, (Instant::now(), text.to_string()));
        Watched
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        watch_slots().lock().unwrap_or_else(|e| e.into_inner()).remove(&std::thread::current().id());
    }
}

// ---------------------------------------------------------------------------
// Counting cases (printed with --nocapture)

struct Counter {
    name: &'static str,
    cases: AtomicU64,
    /// Reached expansion (no lexical, parse or include error) on the first target.
    expanded: AtomicU64,
    /// Compiled without errors on the first target.
    ok: AtomicU64,
}

impl Counter {
    const fn new(name: &'static str) -> Counter {
        Counter { name, cases: AtomicU64::new(0), expanded: AtomicU64::new(0), ok: AtomicU64::new(0) }
    }
    fn hit(&self, expanded: bool, ok: bool) {
        self.cases.fetch_add(1, Ordering::Relaxed);
        if expanded {
            self.expanded.fetch_add(1, Ordering::Relaxed);
        }
        if ok {
            self.ok.fetch_add(1, Ordering::Relaxed);
        }
    }
}

// ---------------------------------------------------------------------------
// The invariants

/// Option variations applied to a case.
#[derive(Clone, Debug)]
struct Variant {
    max_depth: Option<usize>,
    undefined_false: bool,
    defines: Vec<&'static str>,
}

fn variant() -> impl Strategy<Value = Variant> {
    (
        prop_oneof![3 => Just(None), 1 => (0usize..40).prop_map(Some)],
        any::<bool>(),
        prop_oneof![
            6 => Just(Vec::new()),
            3 => proptest::collection::vec(select(&["ASSERT_ENABLED", "JIT=0", "TRACING=1", "FOO=false", "UNKNOWN_SETTING"][..]), 1..3),
            // Command-line errors (derived setting, bad name, bad value).
            1 => proptest::collection::vec(select(&["X86_64", "bad name", "Q=2", "if", "t0"][..]), 1..2),
        ],
    )
        .prop_map(|(max_depth, undefined_false, defines)| Variant { max_depth, undefined_false, defines })
}

fn span_ok(out: &Outcome, s: Span, what: &str) -> Result<(), TestCaseError> {
    let n = out.map.files().count();
    prop_assert!((s.file.0 as usize) < n, "{what}: span {s:?} names file {} of {n}", s.file.0);
    let text = &out.map.file(s.file).text;
    prop_assert!(s.start <= s.end, "{what}: span {s:?} is reversed");
    prop_assert!((s.end as usize) <= text.len(), "{what}: span {s:?} ends past its file ({} bytes)", text.len());
    prop_assert!(
        text.is_char_boundary(s.start as usize) && text.is_char_boundary(s.end as usize),
        "{what}: span {s:?} splits a UTF-8 character"
    );
    Ok(())
}

fn check_outcome(out: &Outcome) -> Result<(), TestCaseError> {
    let any_error = out.diags.list.iter().any(|d| d.is_error());
    prop_assert_eq!(out.ok(), !any_error);
    prop_assert_eq!(out.diags.has_errors(), any_error);
    if out.ok() {
        prop_assert!(out.expanded.is_some() && out.program.is_some(), "ok() but no program");
    }
    for d in &out.diags.list {
        span_ok(out, d.span, d.code)?;
        for (s, _) in &d.secondary {
            span_ok(out, *s, d.code)?;
        }
        let mut f = d.chain.as_deref();
        while let Some(fr) = f {
            span_ok(out, fr.call, d.code)?;
            f = fr.parent.as_deref();
        }
        let long = d.render(&out.map, false);
        prop_assert!(long.contains(d.code), "rendering lacks the code `{}`:\n{long}", d.code);
        let short = d.render_short(&out.map);
        prop_assert!(short.contains(&format!("[{}]", d.code)), "short rendering lacks the code:\n{short}");
    }
    let _ = out.render(false);
    let _ = out.render_short();
    Ok(())
}

/// Compiles `text` for every target (with `v`'s options) and checks the invariants.
fn check_all_targets(text: &str, v: &Variant, counter: &Counter) -> Result<(), TestCaseError> {
    let _w = Watched::start(text);
    let started = Instant::now();
    let path = root_path();
    let (mut first_expanded, mut first_ok) = (false, false);
    for (i, triple) in TARGETS.iter().enumerate() {
        let mut opts = Options::new(Target::from_triple(triple).unwrap());
        if let Some(d) = v.max_depth {
            opts.max_depth = d;
        }
        opts.undefined_settings_false = v.undefined_false;
        opts.defines = v.defines.iter().map(|s| s.to_string()).collect();
        let out = match driver::check(Input::Text { path: &path, text: text.to_string() }, &opts) {
            Ok(out) => out,
            // A bad `-D` is a command-line error, not a diagnostic.
            Err(msg) => {
                prop_assert!(!msg.is_empty());
                continue;
            }
        };
        check_outcome(&out)?;
        if i == 0 && std::env::var_os("FUZZ_SHOW").is_some() {
            eprintln!("----- {}\n{text}\n=> {}", counter.name, out.render_short().lines().next().unwrap_or("ok"));
        }
        if i == 0 {
            first_ok = out.ok();
            first_expanded = out.expanded.is_some();
            // Determinism: a second compilation gives the same diagnostics.
            let again = driver::check(Input::Text { path: &path, text: text.to_string() }, &opts).unwrap();
            prop_assert_eq!(out.render_short(), again.render_short());
        }
    }
    counter.hit(first_expanded, first_ok);
    if let Some(ms) = std::env::var("FUZZ_SLOW_MS").ok().and_then(|s| s.parse::<u128>().ok()) {
        if started.elapsed().as_millis() > ms {
            eprintln!("----- slow case ({} ms, {v:?}):\n{text}\n-----", started.elapsed().as_millis());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// (a) arbitrary bytes and dialect-biased text

static C_BYTES: Counter = Counter::new("arbitrary_bytes");
static C_TEXT: Counter = Counter::new("biased_text");

// ---------------------------------------------------------------------------
// (b) token soup

const KEYWORDS: &[&str] = &[
    "true", "false", "if", "then", "else", "elsif", "end", "and", "or", "not", "global", "macro", "const", "constexpr",
    "sizeof", "error", "include", "include?",
];

const REGISTERS: &[&str] = &[
    "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t9", "t12", "a0", "a3", "a7", "r0", "r1", "sp", "lr", "pc", "cfr",
    "csr0", "csr4", "csr9", "csr10", "invalidGPR", "ft0", "ft5", "ft7", "fa0", "fr", "csfr0", "csfr11", "wa0", "wa7",
    "wfa0", "ws0", "ws3",
];

const MNEMONICS: &[&str] = &[
    "addi", "addp", "addq", "subi", "subp", "muli", "andp", "orq", "xori", "negi", "notq", "lshifti", "urshiftp",
    "lrotatei", "move", "moved", "movdz", "sxi2q", "zxi2q", "leap", "leai", "peek", "poke", "push", "pop", "loadb",
    "loadi", "loadis", "loadp", "loadq", "loadd", "loadf", "loadv", "storeb", "storei", "storep", "stored", "storev",
    "load2ia", "loadpairq", "storepairq", "bieq", "bineq", "bpeq", "bpneq", "bqa", "bbb", "bilt", "btiz", "btpnz",
    "btbs", "baddio", "baddpo", "bsubis", "bmulinz", "borio", "addis", "addps", "subis", "oris", "bo", "bs", "bz",
    "bnz", "cieq", "cpneq", "cqlt", "tis", "tpz", "addd", "muld", "sqrtd", "floorf", "ci2d", "cq2d", "truncated2is",
    "td2i", "bcd2i", "btd2i", "cd2f", "fq2d", "fii2d", "fd2ii", "cdeq", "bdeq", "bdnequn", "bflt", "jmp", "call", "ret",
    "break", "nop", "emit", "pcrtoaddr", "globaladdr", "tls_loadp", "divi", "idivi", "cdqi", "cqoq", "smulli", "bfiq",
    "lzcnti", "tzcntq", "tagReturnAddress", "untagArrayPtr", "memfence", "fence", "atomicxchgaddq", "atomicweakcasq",
    "loadlinkacqq", "adci", "slt", "cloopDo", "orh",
];

const PUNCT: &[&str] = &["::", ":", ",", "(", ")", "[", "]", "=", "+", "-", "*", "~", "&", "|", "^", "?"];

const WEIRD: &[&str] = &["/", "\t", "\r", "\r\n", "\0", "\u{7f}", "\u{e9}", "\u{1F600}", "<", ">", "!", "$", "@", "{", "}", ";", "\\", "'", "`", "%", "%%", "\u{b}", "\u{c}"];

const SNIPPETS: &[&str] = &[
    "macro (x) addi x, t0 end",
    "macro m() end",
    "if X86_64 then",
    "if ARM64 or X86_64_WIN\n",
    "if not (ARM64 and OS_LINUX)\n",
    "elsif ARM64",
    "[t0, t1, 8]",
    "8[cfr]",
    "-16[sp, t2, 4]",
    "0x1000[]",
    "%x%",
    "_op_%name%_slow",
    "include inc",
    "include? nope",
    "include selfinc",
    "include ping",
    "include broken",
    "include utf8",
    "sizeof Foo::Bar",
    "constexpr (a::b() | 0x10)",
    "constexpr Foo::k",
    "constexpr (",
    "Foo::m_info.u.target",
    "global _g",
    "_g:",
    ".l:",
    "incHelper(t0)",
    "IncK",
    "18446744073709551615",
    "18446744073709551616",
    "0xffffffffffffffff",
    "0x10000000000000000",
    "08",
    "019",
    "\"#not a comment\"",
    "emit \"nop\"",
    "bo .l",
    "const C = t0",
    "macro r() r() end r()",
];

fn token() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(KEYWORDS).prop_map(String::from),
        3 => select(REGISTERS).prop_map(String::from),
        5 => select(MNEMONICS).prop_map(String::from),
        4 => "[a-zA-Z][a-zA-Z0-9_]{0,5}",
        1 => "[a-z]{0,3}%[a-z]{1,3}%[a-z]{0,3}",
        2 => "_[a-zA-Z0-9_%]{0,6}",
        2 => "\\.[a-z0-9_]{0,5}",
        2 => "(_|\\.)[a-z]{1,4}:",
        1 => "[A-Z][a-z]{0,3}::[a-z_.]{1,6}",
        3 => any::<u64>().prop_map(|n| n.to_string()),
        2 => (0u64..20).prop_map(|n| n.to_string()),
        1 => "[1-9][0-9]{18,45}",
        1 => "0x[0-9a-fA-F]{1,40}",
        1 => "0[0-9]{1,25}",
        1 => "\"[^\"\\n]{0,8}\"",
        1 => "\"[a-z ]{0,5}",
        8 => select(PUNCT).prop_map(String::from),
        6 => Just("\n".to_string()),
        1 => "#[ -~]{0,10}",
        1 => "//[ -~]{0,10}",
        1 => select(WEIRD).prop_map(String::from),
        2 => select(SNIPPETS).prop_map(String::from),
    ]
    .boxed()
}

fn soup() -> impl Strategy<Value = String> {
    proptest::collection::vec((token(), prop_oneof![10 => Just(" "), 1 => Just(""), 2 => Just("\n")]), 0..150).prop_map(|v| {
        let mut s = String::new();
        for (t, sep) in v {
            s.push_str(&t);
            s.push_str(sep);
        }
        s
    })
}

static C_SOUP: Counter = Counter::new("token_soup");

// ---------------------------------------------------------------------------
// (c) mutated valid programs

/// Valid programs (on every release-1 target; checked by `corpus_is_valid`).
/// They may `include inc` (from the fixture directory).
const CORPUS: &[&str] = &[
    // 0: LANGUAGE.md §12.1
    "const SlotBytes = 8

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
",
    // 1: closures capturing parameters (§12.2) and closures calling closures
    "macro eachPair(visit)
    visit(t0, t1)
    visit(t2, t3)
end

macro addPairsTo(sum)
    eachPair(macro (x, y)
        addq x, sum
        addq y, sum
    end)
end

macro compose(f, g)
    f(macro (r) g(r) end)
end

addPairsTo(t4)
compose(macro (k) k(t1) end, macro (v) negi v end)
",
    // 2: passing named macros, dynamic lookup of helpers (§12.3)
    "macro twice(step)
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
",
    // 3: constant shadowing and position (§12.4)
    "const Scale = 4
macro loadElem(idx, dst)
    loadi [t4, idx, Scale], dst
end

loadElem(t1, t2)

macro loadWide(idx, dst)
    const Scale = 8
    loadq [t4, idx, Scale], dst
    loadElem(idx, dst)
end
loadWide(t1, t2)

macro useLater()
    move Late, t0
end
const Late = 7
useLater()
",
    // 4: concatenation and global (§12.5, without layout keys)
    "macro defineReader(kind, reg)
    global _read_%kind%
_read_%kind%:
    loadi 8[reg], r0
    ret
end

defineReader(String, t0)
defineReader(Array, t1)

macro callReader(kind)
    call _read_%kind%
end
callReader(String)
leap _read_Array, t2
",
    // 5: settings (§12.6), one-line ifs, nested predicates
    "if X86_64 or X86_64_WIN
    const Spare = t3
elsif ARM64
    const Spare = t4
else
    error
end
move 1, Spare
if not (ARM64 and OS_DARWIN) then nop end
if (X86_64 or ARM64) and not X86_64_WIN
    macro scratch(x) move x, t2 end
else
    macro scratch(x) move x, t3 end
end
scratch(42)
",
    // 6: addresses and expressions
    "const Base = cfr
const Off = (1 + 2) * 3 & ~0xf | 1 ^ 2
const Big = 0x7fffffff
    loadp 8[cfr], t0
    storei t1, -16[sp]
    loadi [t0, t1, 4], t2
    leap 0x10[t0, t1, 8], t3
    loadq 0x1000[], t0
    loadq Off + 2 * 8[Base, t1], t2
    storeb 255, Big[t0]
    andp ~7, t1
    orq 0x8000000000000000, t2
    xori -1, t3
    lshifti 3, t0
    urshiftp t3, t1
    addi 010, t0
",
    // 7: branches, local and global labels, push/pop, calls, data labels
    "global _entry
_entry:
    push cfr, t0
    move sp, cfr
.loop:
    bieq t0, 0, .done
    subi 1, t0
    baddio 1, t1, .overflow
    btpnz t2, 0xff, .loop
    bpneq t1, 8[cfr], .loop
    jmp .loop
.overflow:
    call _handleOverflow
.done:
    loadp _table + 8, t1
    leap _table, t2
    pop t0, cfr
    ret
_table:
    break
",
    // 8: nested macro definitions, include inside a macro, recursion through closures
    "macro outer(r)
    macro inner(x)
        addi x, r
    end
    inner(1)
    inner(r)
end
outer(t0)

macro scoped()
    include inc
    incHelper(t1)
end
scoped()

macro apply(f, v) f(v) end
macro nest(v)
    apply(macro (a) apply(macro (b) subi b, a end, v) end, t2)
end
nest(5)
",
    // 9: floating point, comments and annotations, optional include
    "# a comment
// an annotation
include? doesNotExist
macro fp(a, b)
    addd a, b  // annotated
    muld ft0, ft1, b
    sqrtd a, a
    bdlt a, b, .less
    ci2d t0, a
    truncated2is a, t1
.less:
    fq2d t2, ft3
    cdeq a, b, t3
    movdz ft2
end
fp(ft0, ft1)
fp(ft2, ft3)
",
    // 10: flag-setting arithmetic, strings in never-expanded macros, layout keys nobody uses
    "macro never()
    loadi Foo::bar[t0], t1
    move constexpr (sizeof(void*)), t0
    emit \"nop\"
    undefinedMacro(1)
end
macro checked(a, b)
    addis a, b
    bo .ovf
    subis 1, b
    bz .ovf
.ovf:
end
checked(t0, t1)
checked(4, t2)
",
];

#[derive(Clone, Debug)]
enum Mutation {
    DeleteToken(Index),
    DuplicateToken(Index),
    SwapTokens(Index, Index),
    InsertToken(Index, String),
    ReplaceToken(Index, String),
    DeleteRange(Index, usize),
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    InsertLine(Index, String),
    HugeNumber(Index, &'static str),
    Concat(Index, &'static str),
    Rename(Index, String),
    Truncate(Index),
    WrapRecursive,
    WrapMacro,
    WrapIf(&'static str),
}

const HUGE: &[&str] = &[
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775808",
    "170141183460469231731687303715884105727",
    "340282366920938463463374607431768211456",
    "0xffffffffffffffffffffffffffffffffff",
    "0x8000000000000000",
    "07777777777777777777777777",
    "99999999999999999999999999999999999999999999",
    "2147483648",
    "4294967296",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    use Mutation::*;
    let line = prop_oneof![
        select(SNIPPETS).prop_map(String::from),
        soup().prop_map(|s| s.replace('\n', " ")),
        select(&["end", "else", "macro m()", "if X86_64", "m()", "f(macro (x)", "end)", ")", "(", ".l:", "const X = X"][..]).prop_map(String::from),
    ];
    prop_oneof![
        3 => any::<Index>().prop_map(DeleteToken),
        2 => any::<Index>().prop_map(DuplicateToken),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| SwapTokens(a, b)),
        3 => (any::<Index>(), token()).prop_map(|(a, t)| InsertToken(a, t)),
        3 => (any::<Index>(), token()).prop_map(|(a, t)| ReplaceToken(a, t)),
        1 => (any::<Index>(), 1usize..20).prop_map(|(a, n)| DeleteRange(a, n)),
        2 => any::<Index>().prop_map(DeleteLine),
        2 => any::<Index>().prop_map(DuplicateLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| SwapLines(a, b)),
        2 => (any::<Index>(), line).prop_map(|(a, l)| InsertLine(a, l)),
        2 => (any::<Index>(), select(HUGE)).prop_map(|(a, h)| HugeNumber(a, h)),
        2 => (any::<Index>(), select(&["%x%", "%kind%", "%r%", "%%", "%", "%name%_", "%t0%"][..])).prop_map(|(a, c)| Concat(a, c)),
        1 => (any::<Index>(), "[a-z]{1,4}|t0|end|macro|_x|\\.y").prop_map(|(a, n)| Rename(a, n)),
        1 => any::<Index>().prop_map(Truncate),
        1 => Just(WrapRecursive),
        1 => Just(WrapMacro),
        1 => select(&["X86_64", "ARM64", "not OS_LINUX", "UNKNOWN_SETTING", "true", "X86_64 and (ARM64 or"][..]).prop_map(WrapIf),
    ]
}

/// A crude tokenizer (good enough to mutate at token granularity): words,
/// `::`, comments/annotations, strings, newlines and single characters.
fn tokenize(src: &str) -> Vec<String> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '%';
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c == ' ' || c == '\t' {
            i += 1;
            continue;
        } else if word(c) {
            while i < b.len() && word(b[i]) {
                i += 1;
            }
        } else if c == '#' || (c == '/' && b.get(i + 1) == Some(&'/')) {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' && b[i] != '\n' {
                i += 1;
            }
            if i < b.len() && b[i] == '"' {
                i += 1;
            }
        } else if c == ':' && b.get(i + 1) == Some(&':') {
            i += 2;
        } else {
            i += 1;
        }
        out.push(b[start..i].iter().collect());
    }
    out
}

fn untokenize(toks: &[String]) -> String {
    let mut s = String::new();
    for t in toks {
        if t == "\n" {
            s.push('\n');
        } else {
            if !s.is_empty() && !s.ends_with('\n') {
                s.push(' ');
            }
            s.push_str(t);
        }
    }
    s
}

fn split_lines(toks: Vec<String>) -> Vec<Vec<String>> {
    let mut lines = vec![Vec::new()];
    for t in toks {
        if t == "\n" {
            lines.push(Vec::new());
        } else {
            lines.last_mut().unwrap().push(t);
        }
    }
    lines
}

fn join_lines(lines: Vec<Vec<String>>) -> Vec<String> {
    let mut out = Vec::new();
    for (i, l) in lines.into_iter().enumerate() {
        if i > 0 {
            out.push("\n".to_string());
        }
        out.extend(l);
    }
    out
}

fn apply(src: &str, muts: &[Mutation]) -> String {
    use Mutation::*;
    let mut toks = tokenize(src);
    for m in muts {
        let n = toks.len();
        match m {
            DeleteToken(i) if n > 0 => {
                toks.remove(i.index(n));
            }
            DuplicateToken(i) if n > 0 => {
                let k = i.index(n);
                toks.insert(k, toks[k].clone());
            }
            SwapTokens(a, b) if n > 0 => toks.swap(a.index(n), b.index(n)),
            InsertToken(i, t) => toks.insert(i.index(n + 1), t.clone()),
            ReplaceToken(i, t) if n > 0 => toks[i.index(n)] = t.clone(),
            DeleteRange(i, len) if n > 0 => {
                let k = i.index(n);
                toks.drain(k..(k + len).min(n));
            }
            DeleteLine(_) | DuplicateLine(_) | SwapLines(..) | InsertLine(..) => {
                let mut lines = split_lines(std::mem::take(&mut toks));
                let ln = lines.len();
                match m {
                    DeleteLine(i) => {
                        lines.remove(i.index(ln));
                    }
                    DuplicateLine(i) => {
                        let k = i.index(ln);
                        lines.insert(k, lines[k].clone());
                    }
                    SwapLines(a, b) => lines.swap(a.index(ln), b.index(ln)),
                    InsertLine(i, l) => lines.insert(i.index(ln + 1), tokenize(l)),
                    _ => unreachable!(),
                }
                toks = join_lines(lines);
            }
            HugeNumber(i, h) => {
                let nums: Vec<usize> = (0..n).filter(|&k| toks[k].starts_with(|c: char| c.is_ascii_digit())).collect();
                if nums.is_empty() {
                    toks.insert(i.index(n + 1), h.to_string());
                } else {
                    toks[nums[i.index(nums.len())]] = h.to_string();
                }
            }
            Concat(i, c) => {
                let words: Vec<usize> = (0..n).filter(|&k| toks[k].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '.')).collect();
                if words.is_empty() {
                    toks.insert(i.index(n + 1), c.to_string());
                } else {
                    let k = words[i.index(words.len())];
                    toks[k].push_str(c);
                }
            }
            Rename(i, new) => {
                let words: Vec<usize> = (0..n).filter(|&k| toks[k].starts_with(|c: char| c.is_ascii_alphabetic())).collect();
                if !words.is_empty() {
                    let old = toks[words[i.index(words.len())]].clone();
                    for t in toks.iter_mut().filter(|t| **t == old) {
                        *t = new.clone();
                    }
                }
            }
            Truncate(i) if n > 0 => toks.truncate(i.index(n)),
            WrapRecursive => {
                let body = untokenize(&toks);
                toks = tokenize(&format!("macro m()\n{body}\nm()\nend\nm()\n"));
            }
            WrapMacro => {
                let body = untokenize(&toks);
                toks = tokenize(&format!("macro w(x, f)\n{body}\nf(x)\nend\nw(t0, macro (y) addi 1, y end)\nw(3, macro (y) move y, t1 end)\n"));
            }
            WrapIf(p) => {
                let body = untokenize(&toks);
                toks = tokenize(&format!("if {p}\n{body}\nelse\n{body}\nend\n"));
            }
            _ => {}
        }
    }
    untokenize(&toks)
}

fn mutated() -> impl Strategy<Value = String> {
    (0..CORPUS.len(), prop_oneof![2 => proptest::collection::vec(mutation(), 1..2), 1 => proptest::collection::vec(mutation(), 2..5)]).prop_map(|(k, muts)| apply(CORPUS[k], &muts))
}

static C_MUT: Counter = Counter::new("mutated_corpus");

// ---------------------------------------------------------------------------
// (d) statement soup: grammar-shaped random programs, which mostly parse and
// so exercise expansion and validation.

const NAMES: &[&str] = &["a", "b", "f", "x", "K", "m0", "m1", "m2", "undefinedName", "Foo"];
const MACRO_NAMES: &[&str] = &["m0", "m1", "m2", "f", "a", "K", "incHelper", "nope"];

fn expr() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        4 => select(REGISTERS).prop_map(String::from),
        3 => (0i64..300).prop_map(|n| n.to_string()),
        2 => select(&["18446744073709551615", "9223372036854775808", "0x8000000000000000", "2147483648", "4294967296", "0xffffffff", "-2147483649"][..]).prop_map(String::from),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        3 => select(NAMES).prop_map(String::from),
        2 => select(&["_g0", "_g1", "_ext", "_g%a%", "_g0 + 8", "_g1 - _g0", "_g0 * 2"][..]).prop_map(String::from),
        2 => select(&[".l0", ".l1", ".nowhere"][..]).prop_map(String::from),
        1 => select(&["\"str\"", "sizeof Foo", "Foo::bar", "constexpr (x)", "%a%", "%a%Name", "IncK"][..]).prop_map(String::from),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), select(&["+", "-", "*", "&", "|", "^"][..]), inner.clone()).prop_map(|(a, o, b)| format!("{a} {o} {b}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.prop_map(|a| format!("~{a}")),
        ]
    })
    .boxed()
}

fn operand() -> BoxedStrategy<String> {
    prop_oneof![
        6 => expr(),
        1 => (expr(), select(REGISTERS)).prop_map(|(o, b)| format!("{o}[{b}]")),
        1 => (select(&["t0", "cfr", "sp", "a", "K"][..]), select(&["t1", "b", "sp", "t2"][..]), select(&["1", "2", "4", "8", "3", "K", "16"][..]))
            .prop_map(|(b, i, sc)| format!("[{b}, {i}, {sc}]")),
        1 => (expr(), select(&["t0", "a", "cfr", "sp"][..]), select(&["t1", "b", "sp"][..])).prop_map(|(o, b, i)| format!("{o}[{b}, {i}]")),
        1 => expr().prop_map(|o| format!("{o}[]")),
    ]
    .boxed()
}

fn statements() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        10 => (select(MNEMONICS), proptest::collection::vec(operand(), 0..5)).prop_map(|(m, ops)| format!("{m} {}", ops.join(", "))),
        2 => select(&[".l0:", ".l1:", "_g0:", "_g1:", "_g%a%:", "global _g0", "global _g1", "error", "include inc", "emit \"nop\""][..]).prop_map(String::from),
        2 => (select(&["K", "a", "x", "Foo"][..]), operand()).prop_map(|(n, o)| format!("const {n} = {o}")),
        4 => (select(MACRO_NAMES), proptest::collection::vec(operand(), 0..3)).prop_map(|(m, a)| format!("{m}({})", a.join(", "))),
    ];
    let stmt = leaf.prop_recursive(4, 40, 6, |inner| {
        let body = proptest::collection::vec(inner.clone(), 0..6).prop_map(|v| v.join("\n"));
        prop_oneof![
            (select(&["m0", "m1", "m2", "f"][..]), proptest::collection::vec(select(&["a", "b", "f", "x"][..]), 0..3), body.clone())
                .prop_map(|(n, ps, b)| format!("macro {n}({})\n{b}\nend", ps.join(", "))),
            (select(MACRO_NAMES), proptest::collection::vec(select(&["a", "b", "f", "x"][..]), 0..3), body.clone(), proptest::collection::vec(operand(), 0..2))
                .prop_map(|(n, ps, b, rest)| {
                    let mut args = vec![format!("macro ({})\n{b}\nend", ps.join(", "))];
                    args.extend(rest);
                    format!("{n}({})", args.join(", "))
                }),
            (select(&["X86_64", "ARM64", "not X86_64_WIN", "OS_LINUX or OS_DARWIN", "ASSERT_ENABLED", "true"][..]), body.clone(), proptest::option::of(body))
                .prop_map(|(p, a, b)| match b {
                    Some(b) => format!("if {p}\n{a}\nelse\n{b}\nend"),
                    None => format!("if {p}\n{a}\nend"),
                }),
        ]
    });
    proptest::collection::vec(stmt, 0..25).prop_map(|v| v.join("\n") + "\n")
}

static C_STMT: Counter = Counter::new("statement_soup");

// ---------------------------------------------------------------------------
// The properties

/// Runs one property with its own runner, then prints how many cases ran
/// (visible with `--nocapture`).
fn run_property<S: Strategy>(counter: &Counter, default_cases: u32, strategy: S, f: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = proptest::test_runner::TestRunner::new(config(default_cases));
    let start = Instant::now();
    let result = runner.run(&strategy, f);
    println!(
        "fuzz_frontend: {}: {} cases executed (on {}: {} reached expansion, {} compiled without errors) in {:.1} s",
        counter.name,
        counter.cases.load(Ordering::Relaxed),
        TARGETS[0],
        counter.expanded.load(Ordering::Relaxed),
        counter.ok.load(Ordering::Relaxed),
        start.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("{}: {e}", counter.name);
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let s = (proptest::collection::vec(any::<u8>(), 0..600), variant());
    run_property(&C_BYTES, 32, s, |(bytes, v)| check_all_targets(&String::from_utf8_lossy(&bytes), &v, &C_BYTES));
}

#[test]
fn biased_text_never_panics() {
    let re = "(?s-u:([a-zA-Z0-9_.%:,()\\[\\]=+*~&|^?#/\" \\t\\n-]|[\\x00-\\xff]){0,400})";
    let s = (proptest::string::bytes_regex(re).unwrap(), variant());
    run_property(&C_TEXT, 32, s, |(bytes, v)| check_all_targets(&String::from_utf8_lossy(&bytes), &v, &C_TEXT));
}

#[test]
fn token_soup_never_panics() {
    run_property(&C_SOUP, 64, (soup(), variant()), |(text, v)| check_all_targets(&text, &v, &C_SOUP));
}

#[test]
fn statement_soup_never_panics() {
    run_property(&C_STMT, 40, (statements(), variant()), |(text, v)| check_all_targets(&text, &v, &C_STMT));
}

#[test]
fn mutated_programs_never_panic() {
    run_property(&C_MUT, 64, (mutated(), variant()), |(text, v)| check_all_targets(&text, &v, &C_MUT));
}

// ---------------------------------------------------------------------------
// Sanity checks of the generators themselves

fn compile(text: &str, triple: &str) -> Outcome {
    let opts = Options::new(Target::from_triple(triple).unwrap());
    driver::check(Input::Text { path: &root_path(), text: text.to_string() }, &opts).unwrap()
}

#[test]
fn corpus_is_valid() {
    for (i, p) in CORPUS.iter().enumerate() {
        // Valid for the front end: the seeds need not follow the C ABI (the
        // cross-target checks may report them).
        let valid = |o: &Outcome| o.diags.list.iter().all(|d| !d.is_error() || offasm::check::HAZARD_CODES.contains(&d.code));
        for t in TARGETS {
            let out = compile(p, t);
            assert!(valid(&out), "corpus program {i} on {t}:\n{}", out.render_short());
            // The crude tokenizer must not change the meaning of a valid program.
            let round = untokenize(&tokenize(p));
            let out2 = compile(&round, t);
            assert!(valid(&out2), "re-tokenized corpus program {i} on {t}:\n{round}\n{}", out2.render_short());
        }
    }
}

#[test]
fn mutations_produce_diagnostics() {
    // Guard against generators that only ever produce trivially valid or
    // trivially broken programs: a fixed seed must produce both kinds.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut ok, mut bad) = (0, 0);
    for _ in 0..60 {
        let text = mutated().new_tree(&mut runner).unwrap().current();
        if compile(&text, TARGETS[0]).ok() {
            ok += 1;
        } else {
            bad += 1;
        }
    }
    assert!(ok > 0 && bad > 0, "mutated programs: {ok} valid, {bad} invalid");
}

// ---------------------------------------------------------------------------
// Pathological inputs, run through the CLI in a subprocess

struct Run {
    /// `None`: killed after the timeout.
    code: Option<i32>,
    signal: Option<i32>,
    elapsed: Duration,
    stderr: String,
}

/// Runs `offasm check` on `text` with a time limit and a 4 GiB address-space
/// limit; extra CLI arguments in `args`.
fn run_cli(name: &str, text: &str, args: &[&str], timeout: Duration) -> Run {
    run_cli_format(name, text, args, timeout, "short")
}

fn run_cli_human(name: &str, text: &str, timeout: Duration) -> Run {
    run_cli_format(name, text, &[], timeout, "human")
}

fn run_cli_format(name: &str, text: &str, args: &[&str], timeout: Duration, format: &str) -> Run {
    use std::os::unix::process::ExitStatusExt;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz_frontend_patho");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.asm"));
    std::fs::write(&file, text).unwrap();
    let err_file = dir.join(format!("{name}.stderr"));
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg("ulimit -v 4194304 2>/dev/null; exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_offasm"))
        .args(["check", "--target", "x86_64-unknown-linux-gnu", "--diagnostic-format", format])
        .args(args)
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_file).unwrap());
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    // The head of stderr is enough (some inputs produce hundreds of megabytes).
    let mut head = Vec::new();
    if let Ok(f) = std::fs::File::open(&err_file) {
        use std::io::Read;
        let _ = f.take(4 << 20).read_to_end(&mut head);
    }
    let stderr = String::from_utf8_lossy(&head).into_owned();
    let r = Run { code: status.and_then(|s| s.code()), signal: status.and_then(|s| s.signal()), elapsed, stderr };
    println!(
        "pathological `{name}` ({} bytes): {} after {:.2} s; stderr: {} bytes, first line: {}",
        text.len(),
        match (status, r.code, r.signal) {
            (None, ..) => "TIMED OUT".to_string(),
            (_, Some(c), _) => format!("exit {c}"),
            (_, _, Some(s)) => format!("killed by signal {s}"),
            _ => "?".into(),
        },
        r.elapsed.as_secs_f64(),
        std::fs::metadata(&err_file).map(|m| m.len()).unwrap_or(0),
        r.stderr.lines().next().unwrap_or("").chars().take(160).collect::<String>()
    );
    r
}

/// Exit 0 or 1 within the time limit; never a panic (101), signal or hang.
fn assert_clean(name: &str, r: &Run) {
    assert!(r.code.is_some() || r.signal.is_some(), "`{name}` did not finish within the time limit");
    assert!(
        matches!(r.code, Some(0) | Some(1)),
        "`{name}` crashed: exit {:?}, signal {:?}; stderr:\n{}",
        r.code,
        r.signal,
        r.stderr.chars().take(3000).collect::<String>()
    );
    assert!(!r.stderr.contains("panicked"), "`{name}` panicked:\n{}", r.stderr.chars().take(3000).collect::<String>());
}

const PATHO_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs one pathological input and asserts a clean exit (0 or 1).
fn patho(name: &str, text: &str, args: &[&str]) -> Run {
    let r = run_cli(name, text, args, PATHO_TIMEOUT);
    assert_clean(name, &r);
    r
}

// -- Deep nesting. The lexer rejects nesting deeper than 256 levels and
// -- statements longer than 2048 tokens (commit 389f554); before that, the
// -- recursive passes overflowed the stack (see the tests marked "was a bug").

#[test]
fn patho_nested_parentheses_10000() {
    let n = 10_000;
    patho("parens_expr", &format!("move {}1{}, t0\n", "(".repeat(n), ")".repeat(n)), &[]);
    let r = patho("parens_unclosed", &format!("move {}1\n", "(".repeat(n)), &[]);
    assert_eq!(r.code, Some(1));
    patho("parens_pred", &format!("if {}X86_64{}\n nop\nend\n", "(".repeat(n), ")".repeat(n)), &[]);
    patho("parens_call_arg", &format!("macro f(x) move x, t0 end\nf({}1{})\n", "(".repeat(n), ")".repeat(n)), &[]);
    // Parentheses do not create tree nodes; 100,000 are fine too.
    let n = 100_000;
    patho("parens_expr_100k", &format!("move {}1{}, t0\n", "(".repeat(n), ")".repeat(n)), &[]);
}

#[test]
fn patho_moderate_nesting() {
    // Depths a generated program might plausibly reach.
    let n = 1_000;
    patho("if_1000", &format!("{}nop\n{}", "if X86_64\n".repeat(n), "end\n".repeat(n)), &[]);
    patho("unary_1000", &format!("move {}1, t0\n", "- ".repeat(n)), &[]);
    patho("sum_1000", &format!("move 1{}, t0\n", "+1".repeat(n)), &[]);
    patho("pred_not_10000", &format!("if {}X86_64\nnop\nend\n", "not ".repeat(10_000)), &[]);
    patho("macro_defs_1000", &format!("{}nop\n{}", "macro m()\n".repeat(n), "end\n".repeat(n)), &[]);
}

// Was a bug (before 389f554): `front::Loader::splice` / `splice_macro`
// (src/front/mod.rs) recurse once per nested `if`/`macro` block, and 10,000
// nested blocks overflowed the 8 MiB main-thread stack in release builds (about
// 3,000 in debug builds). Now rejected by the nesting limit.
#[test]
fn patho_nested_if_10000() {
    let n = 10_000;
    patho("nested_if", &format!("{}nop\n{}", "if X86_64\n".repeat(n), "end\n".repeat(n)), &[]);
}

// Was a bug (same place, `Loader::splice_macro`): nested macro definitions.
#[test]
fn patho_nested_macro_defs_10000() {
    let n = 10_000;
    patho("nested_macro_defs", &format!("{}nop\n{}", "macro m()\n".repeat(n), "end\n".repeat(n)), &[]);
}

// Was a bug (same place): anonymous macros nested in call arguments.
#[test]
fn patho_nested_closures_10000() {
    let n = 10_000;
    patho("nested_closures", &format!("macro f(g) g() end\n{}nop\n{}", "f(macro ()\n".repeat(n), "end)\n".repeat(n)), &[]);
}

// Was a bug (before 389f554): `expand::Expander::subst_expr` (src/expand/mod.rs)
// recurses once per expression node: 100,000 prefix operators overflowed in
// release builds (about 3,000 in debug builds). Now rejected by the
// statement-length limit; see `patho_recursion_growing_argument` for a deep
// expression that is built by expansion instead.
#[test]
fn patho_unary_chains_100000() {
    let n = 100_000;
    patho("unary_minus", &format!("move {}1, t0\n", "- ".repeat(n)), &[]);
    patho("unary_not", &format!("move {}1, t0\n", "~".repeat(n)), &[]);
}

// Was a bug (before 389f554): `expand::settings::Resolver::eval`
// (src/expand/settings.rs) recurses once per predicate node. Now rejected by
// the statement-length limit.
#[test]
fn patho_predicate_chains_100000() {
    let n = 100_000;
    patho("pred_not", &format!("if {}X86_64\nnop\nend\n", "not ".repeat(n)), &[]);
    patho("pred_and", &format!("if {}X86_64\nnop\nend\n", "X86_64 and ".repeat(n)), &[]);
}

// -- One-megabyte lines.

const MB: usize = 1 << 20;

#[test]
fn patho_one_megabyte_lines() {
    let r = patho("mb_comment", &format!("# {}\nnop\n", "x".repeat(MB)), &[]);
    assert_eq!(r.code, Some(0));
    let r = patho("mb_annotation", &format!("nop // {}\n", "x".repeat(MB)), &[]);
    assert_eq!(r.code, Some(0));
    let r = patho("mb_ident", &format!("move a{}, t0\n", "b".repeat(MB)), &[]);
    assert_eq!(r.code, Some(1)); // unresolved-name
    let r = patho("mb_number", &format!("move {}, t0\n", "9".repeat(MB)), &[]);
    assert!(r.stderr.contains("int-literal-range"));
    patho("mb_operands", &format!("push {}t0\n", "t0, ".repeat(MB / 4)), &[]);
    let r = patho("mb_nops", &format!("{}\n", "nop ".repeat(MB / 4)), &[]);
    assert_eq!(r.code, Some(1));
    // 2^20 `unexpected-char` diagnostics; short format keeps this linear.
    let r = patho("mb_bad_chars", &format!("{}\n", "$".repeat(MB)), &[]);
    assert_eq!(r.code, Some(1));
}

// BUG (debug builds only): logos' generated lexer recurses once per character
// of a string literal when compiled without optimisation, so a 1 MiB string
// overflows the stack of a debug `offasm` (and of a build script that links
// offasm: build dependencies are unoptimised by default). Release builds are fine.
//   python3 -c "print('emit \"' + 's'*1000000 + '\"')" > t.asm
#[test]
fn patho_one_megabyte_string() {
    patho("mb_string", &format!("emit \"{}\"\n", "s".repeat(MB)), &[]);
}

// Was a bug (before 389f554): a 1 MiB line `1+1+…+1` (a left-leaning tree
// half a million levels deep) overflowed in `expand::Expander::subst_expr`.
#[test]
fn patho_one_megabyte_expression() {
    patho("mb_sum", &format!("move 1{}, t0\n", "+1".repeat(MB / 2)), &[]);
}

// Was a bug (quadratic): every human-format diagnostic rebuilds the ariadne source
// cache of every file (`Diagnostic::render` in src/diag.rs), and the number of
// diagnostics is not capped. 20,000 `$` on one line take ~17 s and ~800 MB of
// output; the first 200 KB of /bin/ls take ~30 s (58,000 diagnostics).
#[test]
fn patho_many_diagnostics_human_format() {
    let r = run_cli_human("bad_chars_20k_human", &format!("{}\n", "$".repeat(20_000)), Duration::from_secs(10));
    assert_clean("bad_chars_20k_human", &r);
}

// -- Recursion and fan-out.

#[test]
fn patho_deep_recursion_gives_expansion_depth() {
    let cases: &[(&str, &str)] = &[
        ("rec_direct", "macro r() r() end\nr()\n"),
        ("rec_mutual", "macro a() b() end\nmacro b() nop\na() end\na()\n"),
        ("rec_closure", "macro r(f) f() r(macro () f() end) end\nr(macro () nop end)\n"),
        ("rec_fanout", "macro r() r() r() r() end\nr()\n"),
        ("rec_in_include_wrapper", "macro w() w() include inc end\nw()\n"),
    ];
    // An argument that grows by one node per level: fine at the default depth
    // (see `patho_recursion_growing_argument` for higher limits).
    let r = patho("rec_param_512", "macro r(x) r(x + 1) end\nr(0)\n", &[]);
    assert!(r.stderr.contains("expansion-depth"));
    for (name, text) in cases {
        for depth in ["512", "1000"] {
            let r = patho(&format!("{name}_{depth}"), text, &["--max-expansion-depth", depth, "-I", fixture_dir().to_str().unwrap()]);
            assert_eq!(r.code, Some(1), "{name}");
            assert!(r.stderr.contains("expansion-depth"), "{name} (depth {depth}): {}", r.stderr.chars().take(2000).collect::<String>());
        }
    }
}

// Was a bug (stack overflow), now `expression-size` at 4096 nodes: an argument that grows by one node per recursion level
// (`macro r(x) r(x + 1) end`) becomes an expression as deep as the recursion;
// `expand::Expander::subst_expr` then overflows the stack before the depth limit
// is reached when --max-expansion-depth is raised: at 2,000 in debug builds,
// 20,000 in release builds (512, the default, is fine).
//   printf 'macro r(x) r(x + 1) end\nr(0)\n' > t.asm
//   offasm check --target x86_64-unknown-linux-gnu --max-expansion-depth 20000 t.asm
#[test]
fn patho_recursion_growing_argument() {
    let r = patho("rec_param_20000", "macro r(x) r(x + 1) end\nr(0)\n", &["--max-expansion-depth", "20000"]);
    assert!(r.stderr.contains("expression-size"), "{}", r.stderr.chars().take(2000).collect::<String>());
}

// Was a bug (exponential blow-up), now `expression-size`: an argument that doubles at every recursion level
// grows as 2^depth long before the depth limit (512) is reached, and neither
// the depth limit nor the 1,000,000-statement limit bounds it: 29 bytes of
// source exhaust memory (release, --max-expansion-depth 20 → 134 MB, 22 →
// 528 MB, 24 → 2.1 GB; default settings: "memory allocation failed" abort at
// the 4 GiB limit after ~15 s in debug, killed by timeout after 30 s without a limit).
//   printf 'macro r(x) r(x + x) end\nr(1)\n' > t.asm
// The same with concatenation: `macro r(x) r(%x%%x%) end r(a)` doubles a name.
#[test]
fn patho_recursion_doubling_argument() {
    let r = run_cli("rec_double", "macro r(x) r(x + x) end\nr(1)\n", &[], Duration::from_secs(30));
    assert_clean("rec_double", &r);
    assert!(r.stderr.contains("expression-size"));
    let r = run_cli("rec_double_concat", "macro r(x) r(%x%%x%) end\nr(a)\n", &[], Duration::from_secs(30));
    assert_clean("rec_double_concat", &r);
    assert!(r.stderr.contains("expression-size"));
}

// Was a bug (performance; empty scopes are no longer chained): the dynamic macro scope chain is walked linearly
// for every call (`Scope::lookup` in src/expand/mod.rs), so recursion to depth
// d costs O(d²): release build, `macro r() r() end r()` with
// --max-expansion-depth 10000: 0.15 s; 20000: 1.4 s; 40000: 8.5 s; 100000: minutes.
#[test]
fn patho_recursion_depth_100000() {
    let r = run_cli("rec_100000", "macro r() r() end\nr()\n", &["--max-expansion-depth", "100000"], Duration::from_secs(20));
    assert_clean("rec_100000", &r);
    assert!(r.stderr.contains("expansion-depth"));
}

fn fanout(levels: usize) -> String {
    let mut s = String::from("macro fan0()\n    addi 1, t0\nend\n");
    for i in 1..=levels {
        s.push_str(&format!("macro fan{i}()\n    fan{}()\n    fan{}()\nend\n", i - 1, i - 1));
    }
    s.push_str(&format!("fan{levels}()\n"));
    s
}

/// 2^16 instructions from a 16-level doubling chain: legitimate, must compile.
#[test]
fn patho_fanout_16_levels() {
    let r = patho("fanout16", &fanout(16), &[]);
    assert_eq!(r.code, Some(0));
}

// Was a bug (before 389f554): a 30-level doubling chain
// (`macro fanN() fanN-1() fanN-1() end`, 1.2 KB of source) expands to 2^30
// instructions; an expanded instruction costs ~500 bytes and ~1.7 µs (release:
// 2^20 in 1.8 s and 536 MB, 2^22 in 7.7 s and 2.1 GB), so it ran out of memory.
// Now stopped by the 1,000,000-statement limit.
#[test]
fn patho_fanout_30_levels() {
    let r = run_cli("fanout30", &fanout(30), &[], PATHO_TIMEOUT);
    assert_clean("fanout30", &r);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("expansion-depth"), "{}", r.stderr.chars().take(2000).collect::<String>());
}

// Was a bug (unbounded expansion; fixed by sharing unchanged subtrees): the statement limit does not bound the size of
// what is expanded. 2^19 (< 1,000,000) copies of a statement holding a
// 1,000-term expression (3 KB of source) need ~500 M expression nodes: killed
// at the 4 GiB memory limit after ~8 s (release).
#[test]
fn patho_fanout_large_statements() {
    let mut text = format!("macro fan0()\n    addi 1{}, t0\nend\n", "+1".repeat(1000));
    // 2^14 copies: memory stays small because the copies share the
    // expression; validating 2^19 copies is legitimately slow (~15 s release).
    for i in 1..=14 {
        text.push_str(&format!("macro fan{i}()\n    fan{}()\n    fan{}()\nend\n", i - 1, i - 1));
    }
    text.push_str("fan14()\n");
    let r = run_cli("fanout_large", &text, &[], Duration::from_secs(30));
    assert_clean("fanout_large", &r);
}
