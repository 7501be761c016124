//! Snapshot tests of the front end (insta; snapshots in `tests/snapshots/`).
//!
//! * `parse_*`: the syntax tree (`Vec<Stmt>`, its `{:#?}` Debug form) of small
//!   programs that together cover every construct of LANGUAGE.md §2–§3. To keep
//!   the snapshots reviewable, each `Span { file, start, end }` is condensed to
//!   `start..end "source text"`, `Reg(N)` is shown with the register's name and
//!   the always-empty `via: None` is left out; everything else is the derived
//!   Debug output.
//! * `expand_*`: the expanded program as printed by `offasm::print::expanded`
//!   for scoping, closures, dynamic lookup, labels, constants, concatenation,
//!   `global`, includes, settings and operator precedence (§4–§9).
//!
//! Accept new snapshots with
//! `INSTA_UPDATE=always cargo test -p offasm --test snapshots_front`, then review.

mod common;

use std::path::{Path, PathBuf};

use offasm::diag::Diagnostics;
use offasm::driver::{self, Input, Options};
use offasm::front::parse_text;
use offasm::source::FileId;
use offasm::target::regs::REGISTER_NAMES;
use offasm::target::Target;

const LINUX: &str = "x86_64-unknown-linux-gnu";
const TARGETS: &[&str] =
    &["x86_64-unknown-linux-gnu", "x86_64-apple-darwin", "x86_64-pc-windows-msvc", "aarch64-unknown-linux-gnu", "aarch64-apple-darwin"];

// ---------------------------------------------------------------------------
// Helpers

/// Parses `src` (no includes) and returns the condensed Debug form of the tree.
/// The program must parse without any diagnostic.
fn ast(src: &str) -> String {
    let mut diags = Diagnostics::default();
    let stmts = parse_text(FileId(0), src, &mut diags);
    let problems: Vec<String> =
        diags.list.iter().map(|d| format!("{}..{}: {}[{}]: {}", d.span.start, d.span.end, sev(d), d.code, d.message)).collect();
    assert!(problems.is_empty(), "unexpected diagnostics:\n{}", problems.join("\n"));
    condense(&format!("{stmts:#?}"), src)
}

fn sev(d: &offasm::diag::Diagnostic) -> &'static str {
    if d.is_error() {
        "error"
    } else {
        "warning"
    }
}

/// Condenses the pretty Debug output: spans, registers, `via: None`.
fn condense(debug: &str, src: &str) -> String {
    let lines: Vec<&str> = debug.lines().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if t == "via: None," {
            i += 1;
            continue;
        }
        // Span {
        //     file: FileId(
        //         0,
        //     ),
        //     start: N,
        //     end: M,
        // }<rest>
        if let Some(prefix) = line.strip_suffix("Span {") {
            let field = |k: usize, key: &str| -> Option<usize> {
                lines.get(i + k)?.trim().strip_prefix(key)?.strip_suffix(',')?.parse().ok()
            };
            if lines.get(i + 1).map(|l| l.trim()) == Some("file: FileId(")
                && lines.get(i + 2).map(|l| l.trim()) == Some("0,")
                && lines.get(i + 3).map(|l| l.trim()) == Some("),")
            {
                if let (Some(s), Some(e), Some(close)) = (field(4, "start: "), field(5, "end: "), lines.get(i + 6)) {
                    let rest = close.trim().strip_prefix('}').expect("end of Span");
                    let text = src.get(s..e).expect("span inside the source");
                    out.push_str(&format!("{prefix}{s}..{e} {text:?}{rest}\n"));
                    i += 7;
                    continue;
                }
            }
        }
        // Reg(
        //     N,
        // )<rest>
        if let Some(prefix) = line.strip_suffix("Reg(") {
            let n = lines.get(i + 1).and_then(|l| l.trim().strip_suffix(',')).and_then(|n| n.parse::<usize>().ok());
            let close = lines.get(i + 2).and_then(|l| l.trim().strip_prefix(')'));
            if let (Some(n), Some(rest)) = (n, close) {
                out.push_str(&format!("{prefix}Reg({}){rest}\n", REGISTER_NAMES[n]));
                i += 3;
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
        i += 1;
    }
    out
}

fn opts(triple: &str) -> Options {
    Options::new(Target::from_triple(triple).unwrap())
}

/// Expands in-memory text with the given options; must produce no error.
fn expand_with(src: &str, o: &Options) -> String {
    let out = driver::expand(Input::Text { path: Path::new("ex.asm"), text: src.to_string() }, o).expect("options");
    assert!(out.ok(), "unexpected errors:\n{}", out.render_short());
    offasm::print::expanded(out.expanded.as_ref().unwrap())
}

/// The same source expanded for several targets, one section per target.
fn per_target(src: &str, triples: &[&str]) -> String {
    let mut s = String::new();
    for t in triples {
        s.push_str(&format!("=== {t}\n"));
        s.push_str(&expand_with(src, &opts(t)));
    }
    s
}

/// Snapshot with the source program as the snapshot's description, so that
/// each `.snap` file can be reviewed on its own.
macro_rules! snap {
    ($src:expr, $value:expr) => {
        insta::with_settings!({ description => $src, omit_expression => true }, {
            insta::assert_snapshot!($value);
        })
    };
}

// ---------------------------------------------------------------------------
// Parse snapshots (§2–§3)

#[test]
fn parse_comments_and_annotations() {
    let src = "# a comment on its own line
    addi 1, t0    # a comment after an instruction
// a free-standing annotation
    subi 1, t0    // an annotation after an instruction
pair(t0,          // an annotation inside a multi-line macro call
     t1)          # and a comment after the call
    emit \"# not a comment\", \"// nor an annotation\"
";
    snap!(src, ast(src));
}

#[test]
fn parse_const_declarations() {
    let src = "const SlotSize = 8
const Spare = t3
const Callee = 16[cfr]
const Entry = _llint_entry
const Text = \"text\"
const Mask =
    0xff
const Copy = SlotSize
";
    snap!(src, ast(src));
}

#[test]
fn parse_named_macros_and_calls() {
    let src = "macro storePair(a, b, base)
    storeq a, [base]
    storeq b, 8[base]
end
macro noParams()
end
macro
wrapped(x,
        y
       )
    noParams()
end
storePair(t0, t1, cfr)
noParams()
storePair(
    t0,
    1 + 2,
    8[cfr]
)
";
    snap!(src, ast(src));
}

#[test]
fn parse_anonymous_macros_as_arguments() {
    let src = "forEach(macro (v) addi v, t0 end)
forEach(macro (x, y)
    addq x, y
    subq y, x
end, t3)
forEach(macro () end)
run(macro ()
    inner(macro (z) move z, t1 end)
end)
";
    snap!(src, ast(src));
}

#[test]
fn parse_if_elsif_else() {
    let src = "if X86_64 and not ARM64 or (JIT and WEBASSEMBLY)
    nop
elsif not (A or B) then nop
elsif true
elsif C and
      D
    break
else
    ret
end
if false then end
if X86_64 then addi 1, t0 end
if (A
    or B)
end
";
    snap!(src, ast(src));
}

/// `not` binds tightest, then `and`, then `or` (§5.1).
#[test]
fn parse_predicate_precedence() {
    let src = "if not A and B or C
end
if A or B and C
end
if not not A
end
";
    snap!(src, ast(src));
}

#[test]
fn parse_include_global_labels_error() {
    let src = "include LowLevelInterpreter64
include? OptionalFile
global _llint_entry
global
    _other
_llint_entry:
_llint_entry_2: addi 1, t0
.loop: subi 1, t0
.done:
.5:
_:
_op_%name%_slow:
error
if ARM64
    error
end
";
    snap!(src, ast(src));
}

#[test]
fn parse_registers_and_literals() {
    let src = "    move t0, csr3
    moved ft1, fa0
    push cfr, lr
    move sp, t12
    move 0x7f, t0
    move 0xFFFF, t0
    move 010, t0
    move 0, t0
    move 42, t0
    move 18446744073709551615, t0
";
    snap!(src, ast(src));
}

/// Precedence and associativity of §3.5, including `|`/`^` on one level.
#[test]
fn parse_integer_expressions() {
    let src = "    move 1 + 2 * 3, t0
    move (1 + 2) * 3, t0
    move ~Mask & 0xff, t0
    move -1, t0
    move - -1, t0
    move -(A + B), t0
    move A - B - C, t0
    move a | b ^ c, t0
    move a | (b ^ c), t0
    move a & b | c ^ d & e, t0
    move ~~x * -y, t0
";
    snap!(src, ast(src));
}

#[test]
fn parse_layout_forms() {
    let src = "    move sizeof VMEntryRecord, t0
    move sizeof JSC::Foo, t0
    move constexpr JSValue::NumberTag, t0
    move constexpr (sizeof(void*)), t0
    move constexpr ( Foo::bar() | 0x10 ), t0
    loadq CallFrame::callee[cfr], t0
    loadp ArrayHeader::m_info.u.target[t1], t0
    move A::B::f, t0
    move (constexpr (1 + 1)) * 8, t0
";
    snap!(src, ast(src));
}

#[test]
fn parse_addresses() {
    let src = "    loadq 8[t0], t1
    loadq [t0], t1
    loadq -16[cfr], t1
    loadq 8[t0, t1], t2
    loadq 8[t0, t1, 8], t2
    loadq [t0, t1, Scale], t2
    loadq [t0, t1, constexpr Foo::scale], t2
    loadq [base, index, 4], t2
    loadq 0x1000[], t0
    loadq [], t0
    loadq A + B * 8[cfr, t1], t0
";
    snap!(src, ast(src));
}

#[test]
fn parse_label_references() {
    let src = "    jmp .loop
    jmp _llint_entry
    leap _sym + 16, t0
    leap 16 + _sym, t0
    leap _sym - 8, t0
    move _end - _start, t0
    call (_target)
";
    snap!(src, ast(src));
}

#[test]
fn parse_concatenation() {
    let src = "_llint_%opcode%:
    call _slow_path_%opcode%
    loadi %kind%Header::length[t0], t1
    move sizeof %kind%Object, t0
    move constexpr %kind%::tag, t0
    move constexpr (%kind%::size), t0
    move %reg%, t0
    fn_%name%(t0)
global _%name%_entry
";
    snap!(src, ast(src));
}

#[test]
fn parse_strings() {
    let src = "    emit \"movq %rax, %rbx\"
    emit \"\", \"x\", .label
";
    snap!(src, ast(src));
}

/// §3.3: newlines inside `( )` and `[ ]`, after operators, commas, `=`,
/// `macro`, `and`, `or`, `if`, `elsif`, `global`.
#[test]
fn parse_insignificant_newlines() {
    let src = "    move (1 +
          2
         ), t0
    loadq 8[
        t0,
        t1
    ], t2
    addi 1,
         t0
    move 1 +
         2 *
         3, t0
    move ~
         1, t0
const A =
    4
macro m(a,
        b
       )
end
m(
   t0
   ,
   t1
)
if
   A and
   B or
   C
elsif
   D
end
";
    snap!(src, ast(src));
}

/// An instruction also ends at `end`, `else`, `elsif` on the same line and at
/// the end of the file (§3.2 `instr_end`).
#[test]
fn parse_instruction_ends() {
    let src = "if A then nop elsif B then break else ret end
macro m() nop end
    ret";
    snap!(src, ast(src));
}

/// CRLF input parses like LF input; spans stay byte offsets into the file (§2.1).
#[test]
fn parse_crlf_line_ends() {
    let src = "macro m(a)\r\n    addi a, t0\r\nend\r\nm(1)\r\n";
    let crlf = ast(src);
    let lf = ast(&src.replace('\r', ""));
    assert_eq!(crlf.matches("Instr {").count(), lf.matches("Instr {").count());
    snap!(src, crlf);
}

// ---------------------------------------------------------------------------
// Expansion snapshots (§4–§9)

/// Parameters are lexically scoped: a macro called from `outer` does not see
/// `outer`'s parameters (§9.2).
#[test]
fn expand_parameters_are_lexical() {
    let src = "macro inner()
    move p, t0
end
macro outer(p)
    move p, t1
    inner()
end
outer(42)
";
    snap!(src, common::expanded(src, LINUX));
}

/// Closures capture parameters and body constants where they are written;
/// a closure's own parameters shadow captured names (§9.3).
#[test]
fn expand_closures() {
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

macro withSum(sum)
    eachPair(macro (sum, y)
        move sum, y
    end)
end
withSum(t9)

macro apply(f)
    const K = 7
    f()
end
macro capturesConst()
    const K = 5
    apply(macro () addi K, t5 end)
end
capturesConst()
";
    snap!(src, common::expanded(src, LINUX));
}

/// Called macro names are looked up in the dynamic environment (§9.4): a
/// helper defined by the caller of a closure is visible in the closure, and
/// the file-level definition is used elsewhere (also before its definition).
#[test]
fn expand_dynamic_macro_lookup() {
    let src = "macro twice(step)
    step()
    step()
end
macro bumpT0()
    addi 1, t0
end
twice(bumpT0)

bail()
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
macro bail()
    jmp _fileLevelBail
end
";
    snap!(src, common::expanded(src, LINUX));
}

/// Local labels bind lexically (§9.5), also from nested closures: `.done` in
/// the closure written in `user` is `user`'s label, not `withDone`'s; `.again`
/// in the innermost closure is the enclosing closure's label.
#[test]
fn expand_local_labels_in_nested_closures() {
    let src = "macro withDone(body)
    body()
.done:
    ret
end
macro user()
    withDone(macro ()
        btiz t0, .done
    end)
.done:
    nop
end
user()

macro run(f)
    f()
    f()
end
macro outer()
    run(macro ()
    .again:
        run(macro ()
            bineq t0, 0, .again
        end)
    end)
end
outer()
";
    snap!(src, common::expanded(src, LINUX));
}

/// A local label passed as an argument is resolved where it is written.
#[test]
fn expand_local_label_as_argument() {
    let src = "macro check(reg, target)
    btiz reg, target
.target:
end
macro body()
    check(t0, .ok)
    break
.ok:
    ret
end
body()
.fileLevel:
check(t1, .fileLevel)
";
    snap!(src, common::expanded(src, LINUX));
}

/// Body constants vs file-level constants (§8, §12.4), and redeclaration of a
/// file-level constant between two calls (rule 3).
#[test]
fn expand_body_and_file_constants() {
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
const Late = 8
useLater()

const A = B + 1
const B = 2
    move A, t3
    move B, t3
";
    snap!(src, common::expanded(src, LINUX));
}

/// `%name%` with parameters, with a file-level constant, with a register and
/// a global label argument; a concatenated name resolving to a file-level
/// constant; concatenation passed on through two levels (§9.6).
#[test]
fn expand_concatenation() {
    let src = "const Kind = Array
const FooSize = 24

macro defineReader(kind, reg)
_read_%kind%:
    loadi %kind%Header::length[reg], r0
    ret
end
defineReader(String, t0)

macro fromConstant()
_read_%Kind%_fast:
    move sizeof %Kind%Object, t0
end
fromConstant()

macro regName(r)
    move 1, %r%
end
regName(t3)

macro tail(l)
    jmp %l%_tail
end
tail(_foo)

macro sizeOf(n)
    move %n%Size, t0
end
sizeOf(Foo)

macro twoLevels(x)
    inner(%x%Tag)
end
macro inner(y)
    move %y%::offset, t0
    move constexpr (%y%::size), t1
end
twoLevels(Cell)
";
    snap!(src, common::expanded(src, LINUX));
}

/// `global` inside a macro takes effect per expansion, after concatenation;
/// a second `global` is idempotent; `global` in an unselected branch or an
/// uncalled macro has no effect (§7).
#[test]
fn expand_global_declarations() {
    let src = "macro entry(name)
    global _%name%_entry
_%name%_entry:
    ret
end
entry(alpha)
entry(beta)
global _alpha_entry
if ARM64
    global _gamma
end
_gamma:
    nop
macro neverCalled()
    global _delta
end
_delta:
    nop
";
    snap!(src, common::expanded(src, LINUX));
}

/// Includes are spliced in place (§6): file-level and inside a macro body
/// (private scope), `include?` of a missing file, the same file twice, and
/// first-match-wins among `-I` directories, before the includer's directory.
#[test]
fn expand_include_splicing() {
    let root = PathBuf::from("tests/fixtures/include_root.asm");
    let mut o = opts(LINUX);
    o.include_dirs = vec![PathBuf::from("tests/fixtures/include"), PathBuf::from("tests/fixtures/include2")];
    let out = driver::expand(Input::File(&root), &o).expect("options");
    assert!(out.ok(), "unexpected errors:\n{}", out.render_short());
    let files: Vec<String> = out.files_read.iter().map(|p| p.display().to_string()).collect();
    let text = format!("files read:\n  {}\n---\n{}", files.join("\n  "), offasm::print::expanded(out.expanded.as_ref().unwrap()));
    snap!(std::fs::read_to_string(&root).unwrap(), text);
}

/// Target-derived settings (§5.3) decide `if` before expansion, also inside
/// macro bodies.
#[test]
fn expand_settings_per_target() {
    let src = "if X86_64 or X86_64_WIN
    const Spare = t3
elsif ARM64
    const Spare = t9
else
    error
end
    move 1, Spare
if OS_DARWIN
    move 1, t0
elsif OS_WINDOWS
    move 2, t0
elsif OS_LINUX
    move 3, t0
end
if OBJ_MACHO then move 4, t0 end
if OBJ_ELF then move 5, t0 end
if OBJ_COFF then move 6, t0 end
if ADDRESS64 and JSVALUE64 and not BIG_ENDIAN and not ARM64E and not X86 and not C_LOOP
    move 64, t1
end
macro pick()
    if ARM64
        move 7, t2
    else
        move 8, t2
    end
end
pick()
";
    snap!(src, per_target(src, TARGETS));
}

/// User settings from `-D` (§5.3), also inside a macro body, and
/// short-circuiting of unknown settings (§5.4).
#[test]
fn expand_user_settings() {
    let src = "if ASSERT_ENABLED
    break
end
if TRACING
    move 1, t0
else
    move 0, t0
end
if JIT and not TRACING
    nop
end
if TRACING and JIT and NEVER_DEFINED
    move 99, t0
end
macro m()
    if ASSERT_ENABLED
        move 9, t9
    end
end
m()
";
    let mut s = String::new();
    for defines in [&["ASSERT_ENABLED", "TRACING=0", "JIT=true"][..], &["ASSERT_ENABLED=false", "TRACING=1", "JIT=0"][..]] {
        let mut o = opts(LINUX);
        o.defines = defines.iter().map(|d| d.to_string()).collect();
        s.push_str(&format!("=== -D {}\n", defines.join(" -D ")));
        s.push_str(&expand_with(src, &o));
    }
    snap!(src, s);
}

/// `|` and `^` share one left-associative level: `a | b ^ c` is `(a | b) ^ c`
/// (§3.5). The printer folds integer expressions and parenthesises symbolic ones.
#[test]
fn expand_operator_precedence() {
    let src = "    move 1 | 2 ^ 3, t0
    move 1 | (2 ^ 3), t0
    move 6 ^ 3 | 8, t0
    move 1 + 2 * 3, t0
    move 12 & 10 | 1, t0
    move 2 - 1 - 1, t0
    move -2 * 3, t0
    move ~0 & 0xff, t0
    move 010 + 0x10, t0
    move a | b ^ c, t0
    move a | (b ^ c), t0
    move (a ^ b) & c, t0
    move a - (b - c), t0
    move -(a + 1), t0
";
    snap!(src, common::expanded(src, LINUX));
}
