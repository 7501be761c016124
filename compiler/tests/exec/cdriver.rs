//! The C side of an execution test: a driver that calls every test function
//! through an assembly trampoline and compares the results, and the
//! trampoline itself (one per ABI).
//!
//! The trampoline `oa_checked_call(fn, args, saved)` loads the four
//! arguments, fills every callee-saved register (and the registers the back
//! end must never touch, TARGETS.md §2.2) with a distinct magic value, calls
//! the test function, and stores those registers into `saved[]`; the driver
//! reports any that changed. So a back end that clobbers a register it must
//! not is caught even when the test's own result is right.
//!
//! Driver output, one line per event (parsed by `run.rs`):
//! `FAIL i <hex>` wrong result of test i; `CLOBBER i k <hex>` saved slot k
//! changed; `CRASH i <code>` test i trapped (the driver exits; the harness
//! restarts it at i + 1); `HANG i` no progress for OA_HANG_SECONDS; `RUN i`
//! before each test in trace mode (argv[2] = "trace"); `DONE` at the end.
//! argv[1] is the index of the first test to run.

use std::fmt::Write;

use super::corpus::{Expect, TestCase};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Abi {
    /// x86-64 System V (ELF).
    SysV,
    /// x86-64 Windows (COFF, mingw-w64).
    Win64,
    /// AArch64 AAPCS64 (ELF).
    Aapcs64,
}

/// One register slot checked after each call.
pub struct Slot {
    pub name: String,
    pub magic: u64,
}

fn magic(k: usize) -> u64 {
    0x5EED_0000_0000_BEEF | ((k as u64 + 1) << 16) | ((k as u64 * 0x11) << 36)
}

/// `(register, kind)` with kind 0 = 64-bit GPR, 1 = 128-bit vector (two slots),
/// 2 = 64-bit FP view.
fn regs(abi: Abi) -> Vec<(&'static str, u8)> {
    match abi {
        // Callee-saved GPRs, and xmm8–xmm14, which the back end never uses.
        Abi::SysV => {
            let mut v: Vec<(&str, u8)> = ["rbx", "rbp", "r12", "r13", "r14", "r15"].iter().map(|r| (*r, 0)).collect();
            v.extend(["xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14"].iter().map(|r| (*r, 1)));
            v
        }
        // Non-volatile GPRs and xmm6–xmm15 (csfr0–7 and the never-used xmm14/15).
        Abi::Win64 => {
            let mut v: Vec<(&str, u8)> =
                ["rbx", "rbp", "rdi", "rsi", "r12", "r13", "r14", "r15"].iter().map(|r| (*r, 0)).collect();
            v.extend(
                ["xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"]
                    .iter()
                    .map(|r| (*r, 1)),
            );
            v
        }
        // Callee-saved x19–x29 and d8–d15; x14, x15, x18 and v16–v30 are never used.
        Abi::Aapcs64 => {
            let mut v: Vec<(&str, u8)> =
                ["x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x14", "x15", "x18"]
                    .iter()
                    .map(|r| (*r, 0))
                    .collect();
            v.extend(["d8", "d9", "d10", "d11", "d12", "d13", "d14", "d15"].iter().map(|r| (*r, 2)));
            v.extend(
                [
                    "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29",
                    "v30",
                ]
                .iter()
                .map(|r| (*r, 1)),
            );
            v
        }
    }
}

/// The slots in `saved[]` order, with their magic values.
pub fn slots(abi: Abi) -> Vec<Slot> {
    let mut out = Vec::new();
    for (k, (r, kind)) in regs(abi).into_iter().enumerate() {
        let m = magic(k);
        if kind == 1 {
            out.push(Slot { name: format!("{r}[63:0]"), magic: m });
            out.push(Slot { name: format!("{r}[127:64]"), magic: m });
        } else {
            out.push(Slot { name: r.to_string(), magic: m });
        }
    }
    out
}

/// The trampoline `oa_checked_call` in GNU assembler syntax.
pub fn trampoline(abi: Abi) -> String {
    let regs = regs(abi);
    let mut s = String::new();
    let w = &mut s;
    match abi {
        Abi::SysV | Abi::Win64 => {
            let win = abi == Abi::Win64;
            let pushed: &[&str] = if win {
                &["rbp", "rbx", "rdi", "rsi", "r12", "r13", "r14", "r15"]
            } else {
                &["rbp", "rbx", "r12", "r13", "r14", "r15"]
            };
            writeln!(w, "\t.text\n\t.globl\toa_checked_call").unwrap();
            if win {
                writeln!(w, "\t.def\toa_checked_call; .scl 2; .type 32; .endef").unwrap();
            } else {
                writeln!(w, "\t.type\toa_checked_call, @function").unwrap();
            }
            writeln!(w, "\t.p2align 4\noa_checked_call:").unwrap();
            for r in pushed {
                writeln!(w, "\tpushq\t%{r}").unwrap();
            }
            if win {
                // 8 pushes leave rsp = 8 mod 16; 216 more aligns it. [0,32): shadow
                // space, [32]: saved pointer, [48,208): xmm6–xmm15.
                writeln!(w, "\tsubq\t$216, %rsp\n\tmovq\t%r8, 32(%rsp)").unwrap();
                for i in 0..10 {
                    writeln!(w, "\tmovdqu\t%xmm{}, {}(%rsp)", i + 6, 48 + 16 * i).unwrap();
                }
                writeln!(w, "\tmovq\t%rcx, %rax\n\tmovq\t%rdx, %r10").unwrap();
                writeln!(
                    w,
                    "\tmovq\t(%r10), %rcx\n\tmovq\t8(%r10), %rdx\n\tmovq\t16(%r10), %r8\n\tmovq\t24(%r10), %r9"
                )
                .unwrap();
            } else {
                // 7 pushes (with the saved pointer) align rsp.
                writeln!(w, "\tpushq\t%rdx\n\tmovq\t%rdi, %rax").unwrap();
                writeln!(
                    w,
                    "\tmovq\t24(%rsi), %rcx\n\tmovq\t16(%rsi), %rdx\n\tmovq\t(%rsi), %rdi\n\tmovq\t8(%rsi), %rsi"
                )
                .unwrap();
            }
            for (k, (r, kind)) in regs.iter().enumerate() {
                let m = magic(k);
                if *kind == 0 {
                    writeln!(w, "\tmovabsq\t${m:#x}, %{r}").unwrap();
                } else {
                    writeln!(w, "\tmovabsq\t${m:#x}, %r11\n\tmovq\t%r11, %{r}\n\tpunpcklqdq\t%{r}, %{r}").unwrap();
                }
            }
            writeln!(w, "\tcallq\t*%rax").unwrap();
            writeln!(w, "\tmovq\t{}, %r11", if win { "32(%rsp)" } else { "(%rsp)" }).unwrap();
            let mut off = 0;
            for (r, kind) in &regs {
                if *kind == 0 {
                    writeln!(w, "\tmovq\t%{r}, {off}(%r11)").unwrap();
                    off += 8;
                } else {
                    writeln!(w, "\tmovdqu\t%{r}, {off}(%r11)").unwrap();
                    off += 16;
                }
            }
            if win {
                for i in 0..10 {
                    writeln!(w, "\tmovdqu\t{}(%rsp), %xmm{}", 48 + 16 * i, i + 6).unwrap();
                }
                writeln!(w, "\taddq\t$216, %rsp").unwrap();
            } else {
                writeln!(w, "\tpopq\t%rdx").unwrap();
            }
            for r in pushed.iter().rev() {
                writeln!(w, "\tpopq\t%{r}").unwrap();
            }
            writeln!(w, "\tret").unwrap();
            if !win {
                writeln!(w, "\t.section .note.GNU-stack,\"\",@progbits").unwrap();
            }
        }
        Abi::Aapcs64 => {
            writeln!(w, "\t.text\n\t.globl\toa_checked_call\n\t.type\toa_checked_call, %function\n\t.p2align 2")
                .unwrap();
            writeln!(w, "oa_checked_call:\n\tsub\tsp, sp, #176\n\tstp\tx29, x30, [sp, #0]").unwrap();
            for (i, pair) in [
                "x19, x20", "x21, x22", "x23, x24", "x25, x26", "x27, x28", "d8, d9", "d10, d11", "d12, d13",
                "d14, d15", "x2, x18",
            ]
            .iter()
            .enumerate()
            {
                writeln!(w, "\tstp\t{pair}, [sp, #{}]", 16 + 16 * i).unwrap();
            }
            writeln!(w, "\tmov\tx16, x0\n\tmov\tx17, x1\n\tldp\tx0, x1, [x17]\n\tldp\tx2, x3, [x17, #16]").unwrap();
            for (k, (r, kind)) in regs.iter().enumerate() {
                let m = magic(k);
                match kind {
                    0 => writeln!(w, "\tldr\t{r}, ={m:#x}").unwrap(),
                    2 => writeln!(w, "\tldr\tx9, ={m:#x}\n\tfmov\t{r}, x9").unwrap(),
                    _ => writeln!(w, "\tldr\tx9, ={m:#x}\n\tfmov\td{n}, x9\n\tmov\t{r}.d[1], x9", n = &r[1..]).unwrap(),
                }
            }
            writeln!(w, "\tblr\tx16\n\tldr\tx16, [sp, #160]").unwrap();
            let mut off = 0;
            for (r, kind) in &regs {
                match kind {
                    0 => {
                        writeln!(w, "\tstr\t{r}, [x16, #{off}]").unwrap();
                        off += 8;
                    }
                    2 => {
                        writeln!(w, "\tstr\t{r}, [x16, #{off}]").unwrap();
                        off += 8;
                    }
                    _ => {
                        assert!(off % 16 == 0);
                        writeln!(w, "\tstr\tq{}, [x16, #{off}]", &r[1..]).unwrap();
                        off += 16;
                    }
                }
            }
            for (i, pair) in [
                "x19, x20", "x21, x22", "x23, x24", "x25, x26", "x27, x28", "d8, d9", "d10, d11", "d12, d13",
                "d14, d15", "x2, x18",
            ]
            .iter()
            .enumerate()
            {
                writeln!(w, "\tldp\t{pair}, [sp, #{}]", 16 + 16 * i).unwrap();
            }
            writeln!(w, "\tldp\tx29, x30, [sp, #0]\n\tadd\tsp, sp, #176\n\tret\n\t.ltorg").unwrap();
            writeln!(w, "\t.section .note.GNU-stack,\"\",%progbits").unwrap();
        }
    }
    s
}

/// Data the corpus may read as the external symbol `_oa_ext_data` (see
/// tests/corpus/gen_memory.py); the driver also defines the external function
/// `uint64_t oa_ext_fn(uint64_t a, uint64_t b)` returning `a * 3 + b`
/// (tests/corpus/control_flow.asm).
pub const EXT_DATA: [u64; 4] = [0x0123456789abcdef, 0xfedcba9876543210, 0x1111111111111111, 0x8000000000000001];

/// The C driver for `tests` (already filtered for the target), in order.
pub fn driver(abi: Abi, tests: &[&TestCase], hang_seconds: u32) -> String {
    let slots = slots(abi);
    let mut s = String::with_capacity(200 + tests.len() * 120);
    let w = &mut s;
    writeln!(
        w,
        "/* Generated by compiler/tests/exec.rs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#ifndef OA_HANG_SECONDS
#define OA_HANG_SECONDS {hang_seconds}
#endif

uint64_t oa_ext_data[4] = {{ {} }};
uint64_t oa_ext_fn(uint64_t a, uint64_t b) {{ return a * 3 + b; }}

typedef uint64_t (*oa_fn)(uint64_t, uint64_t, uint64_t, uint64_t);
extern uint64_t oa_checked_call(oa_fn fn, const uint64_t *args, uint64_t *saved);
",
        EXT_DATA.iter().map(|v| format!("{v:#x}ULL")).collect::<Vec<_>>().join(", ")
    )
    .unwrap();
    // C names `oa_fN` bound to the symbols with asm labels, so that a test
    // function may be called like a C keyword or a header's typedef (`byte`).
    let mut ids: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for t in tests {
        let n = ids.len();
        if let std::collections::btree_map::Entry::Vacant(e) = ids.entry(t.func.as_str()) {
            e.insert(n);
            writeln!(w, "extern uint64_t oa_f{n}(uint64_t, uint64_t, uint64_t, uint64_t) __asm__(\"{}\");", t.func)
                .unwrap();
        }
    }
    writeln!(w, "\nstruct oa_test {{ oa_fn fn; uint64_t args[4]; int kind; uint64_t expect; int buf; int edge; int ew; }};").unwrap();
    writeln!(w, "static const struct oa_test oa_tests[] = {{").unwrap();
    for t in tests {
        let mut a = [0u64; 4];
        a[..t.args.len()].copy_from_slice(&t.args);
        let (kind, v) = match t.expect {
            Expect::Exact(v) => (0, v),
            Expect::Nan64 => (1, 0),
            Expect::Nan32 => (2, 0),
        };
        let id = ids[t.func.as_str()];
        let (edge, ew) = match t.edge {
            None => (0, 0),
            Some(e) => (if e.at_end { 1 } else { 2 }, e.width),
        };
        writeln!(
            w,
            "  {{ oa_f{id}, {{ {:#x}ULL, {:#x}ULL, {:#x}ULL, {:#x}ULL }}, {kind}, {v:#x}ULL, {}, {edge}, {ew} }},",
            a[0], a[1], a[2], a[3], t.buffer as u8
        )
        .unwrap();
    }
    if tests.is_empty() {
        writeln!(w, "  {{ 0, {{ 0, 0, 0, 0 }}, 0, 0, 0, 0, 0 }}").unwrap();
    }
    writeln!(w, "}};\n#define OA_NTESTS {}\n#define OA_NSAVED {}", tests.len(), slots.len()).unwrap();
    writeln!(
        w,
        "static const uint64_t oa_magic[OA_NSAVED] = {{ {} }};",
        slots.iter().map(|s| format!("{:#x}ULL", s.magic)).collect::<Vec<_>>().join(", ")
    )
    .unwrap();
    w.push_str(DRIVER_BODY);
    s
}

const DRIVER_BODY: &str = r#"
static volatile long oa_current = -1;

/* The test buffer (offasm::sim::test_buffer): byte i = (73 i + 41) mod 256. */
#define OA_BUF_SIZE 256
static unsigned char oa_buf[OA_BUF_SIZE] __attribute__((aligned(16)));
static void oa_buf_fill(void) {
    int i;
    for (i = 0; i < OA_BUF_SIZE; i++) oa_buf[i] = (unsigned char)(i * 73 + 41);
}
static uint64_t oa_buf_fnv(void) {
    uint64_t h = 0xcbf29ce484222325ULL;
    int i;
    for (i = 0; i < OA_BUF_SIZE; i++) h = (h ^ oa_buf[i]) * 0x100000001b3ULL;
    return h;
}
static volatile unsigned long oa_progress = 0;

/* Page-edge tests (exec/edge.rs): one accessible page between two
   inaccessible ones. An operand of `ew` bytes is placed at the very end of
   the page (edge 1) or at its start (edge 2); the OA_EDGE_SPAN bytes next to
   the guard are filled with byte i = (73 (i - o) + 0xa9) mod 256, o being
   the operand's offset in the span, and hashed after the call. */
#define OA_EDGE_SPAN 64
static unsigned char *oa_page;
static unsigned long oa_pagesize;
static void oa_edge_setup(void) {
    unsigned char *p;
#ifdef _WIN32
    SYSTEM_INFO si;
    DWORD old;
    GetSystemInfo(&si);
    oa_pagesize = si.dwPageSize;
    p = (unsigned char *)VirtualAlloc(NULL, 3 * oa_pagesize, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!p || !VirtualProtect(p, oa_pagesize, PAGE_NOACCESS, &old)
        || !VirtualProtect(p + 2 * oa_pagesize, oa_pagesize, PAGE_NOACCESS, &old)) {
        printf("BROKEN guard pages\n");
        exit(73);
    }
#else
    oa_pagesize = (unsigned long)sysconf(_SC_PAGESIZE);
    p = (unsigned char *)mmap(NULL, 3 * oa_pagesize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == (unsigned char *)MAP_FAILED || mprotect(p, oa_pagesize, PROT_NONE) != 0
        || mprotect(p + 2 * oa_pagesize, oa_pagesize, PROT_NONE) != 0) {
        printf("BROKEN guard pages\n");
        exit(73);
    }
#endif
    oa_page = p + oa_pagesize;
}
/* Fills the span for test t; returns the operand's address. */
static unsigned char *oa_edge_fill(const struct oa_test *t, unsigned char **span) {
    unsigned char *s = t->edge == 1 ? oa_page + oa_pagesize - OA_EDGE_SPAN : oa_page;
    int o = t->edge == 1 ? OA_EDGE_SPAN - t->ew : 0;
    int i;
    for (i = 0; i < OA_EDGE_SPAN; i++) s[i] = (unsigned char)((i - o) * 73 + 0xa9);
    *span = s;
    return s + o;
}
static uint64_t oa_fnv(const unsigned char *p, int n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    int i;
    for (i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static int oa_ok(int kind, uint64_t expect, uint64_t got) {
    switch (kind) {
    case 0: return got == expect;
    case 1: return ((got >> 52) & 0x7ff) == 0x7ff && (got & 0xfffffffffffffULL) != 0;
    default: return (got >> 32) == 0 && ((got >> 23) & 0xff) == 0xff && (got & 0x7fffff) != 0;
    }
}

static void oa_hex(uint64_t v) {
    printf("%08lx%08lx", (unsigned long)(v >> 32), (unsigned long)(v & 0xffffffffu));
}

#ifdef _WIN32
/* A vectored handler runs before any frame-based dispatch, which would have
   to unwind through code that has no unwind tables. */
static LONG WINAPI oa_on_crash(EXCEPTION_POINTERS *e) {
    DWORD code = e->ExceptionRecord->ExceptionCode;
    if (code < 0xC0000000u && code != 0x80000003u && code != 0x80000004u)
        return EXCEPTION_CONTINUE_SEARCH; /* informational (debug output, thread names, ...) */
    printf("CRASH %ld 0x%08lx\n", oa_current, (unsigned long)code);
    fflush(stdout);
    TerminateProcess(GetCurrentProcess(), 70);
    return EXCEPTION_CONTINUE_SEARCH;
}
static DWORD WINAPI oa_watchdog(LPVOID unused) {
    unsigned long last = (unsigned long)-1;
    int stuck = 0;
    (void)unused;
    for (;;) {
        unsigned long now;
        Sleep(1000);
        now = oa_progress;
        if (now != last) { last = now; stuck = 0; continue; }
        if (++stuck >= OA_HANG_SECONDS) {
            printf("HANG %ld\n", oa_current);
            fflush(stdout);
            TerminateProcess(GetCurrentProcess(), 71);
        }
    }
    return 0;
}
static void oa_install(void) {
    AddVectoredExceptionHandler(1, oa_on_crash);
    CreateThread(NULL, 0, oa_watchdog, NULL, 0, NULL);
}
#else
static void oa_write_line(const char *what, long a, long b) {
    char buf[96];
    int n = 0, k;
    long vals[2];
    vals[0] = a; vals[1] = b;
    while (*what) buf[n++] = *what++;
    for (k = 0; k < 2; k++) {
        char digits[24];
        int d = 0;
        unsigned long v;
        if (k == 1 && b < 0) break;
        buf[n++] = ' ';
        if (vals[k] < 0) { buf[n++] = '-'; v = (unsigned long)-vals[k]; } else v = (unsigned long)vals[k];
        do { digits[d++] = (char)('0' + v % 10); v /= 10; } while (v);
        while (d) buf[n++] = digits[--d];
    }
    buf[n++] = '\n';
    if (write(1, buf, n) < 0) _exit(72);
}
static void oa_on_signal(int sig) {
    fflush(stdout);
    oa_write_line("CRASH", oa_current, sig);
    _exit(70);
}
static unsigned long oa_last = (unsigned long)-1;
static int oa_stuck = 0;
static void oa_on_alarm(int sig) {
    (void)sig;
    if (oa_progress != oa_last) { oa_last = oa_progress; oa_stuck = 0; }
    else if (++oa_stuck >= OA_HANG_SECONDS) {
        fflush(stdout);
        oa_write_line("HANG", oa_current, -1);
        _exit(71);
    }
    alarm(1);
}
static char oa_altstack[1 << 16];
static void oa_install(void) {
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT };
    stack_t ss;
    struct sigaction sa;
    unsigned i;
    ss.ss_sp = oa_altstack;
    ss.ss_size = sizeof oa_altstack;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = oa_on_signal;
    sa.sa_flags = SA_ONSTACK;
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
    sa.sa_handler = oa_on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
}
#endif

int main(int argc, char **argv) {
    long start = argc > 1 ? atol(argv[1]) : 0;
    int trace = argc > 2 && strcmp(argv[2], "trace") == 0;
    long i;
    oa_install();
    oa_edge_setup();
    for (i = start; i < OA_NTESTS; i++) {
        const struct oa_test *t = &oa_tests[i];
        uint64_t saved[OA_NSAVED];
        uint64_t got;
        int k;
        if (trace) { printf("RUN %ld\n", i); fflush(stdout); }
        oa_current = i;
        if (t->edge) {
            uint64_t args[4];
            unsigned char *span;
            memcpy(args, t->args, sizeof args);
            args[0] = (uint64_t)(uintptr_t)oa_edge_fill(t, &span);
            got = oa_checked_call(t->fn, args, saved) ^ oa_fnv(span, OA_EDGE_SPAN);
        } else if (t->buf) {
            uint64_t args[4];
            memcpy(args, t->args, sizeof args);
            oa_buf_fill();
            args[0] = (uint64_t)(uintptr_t)(oa_buf + OA_BUF_SIZE / 2);
            got = oa_checked_call(t->fn, args, saved) ^ oa_buf_fnv();
        } else {
            got = oa_checked_call(t->fn, t->args, saved);
        }
        oa_progress++;
        if (!oa_ok(t->kind, t->expect, got)) {
            printf("FAIL %ld ", i);
            oa_hex(got);
            printf("\n");
        }
        for (k = 0; k < OA_NSAVED; k++) {
            if (saved[k] != oa_magic[k]) {
                printf("CLOBBER %ld %d ", i, k);
                oa_hex(saved[k]);
                printf("\n");
            }
        }
        if (trace) fflush(stdout);
    }
    printf("DONE\n");
    fflush(stdout);
    return 0;
}
"#;
