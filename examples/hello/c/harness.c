/* C driver for src/hello.asm, for the targets where this project cannot
 * build Rust programs but can build C ones: Windows x64 (mingw-w64, run
 * under wine) and ARM64 Linux (aarch64-linux-gnu-gcc, run under
 * qemu-aarch64). It does what src/main.rs does, plus exact checks of the
 * callee-saved registers through a per-ABI probe written in plain assembly.
 * Used by the offasm tests `hello_runs_on_windows_under_wine` and
 * `hello_runs_on_arm64_linux_under_qemu` (compiler/tests/build_api.rs):
 *
 *   x86_64-w64-mingw32-gcc -O0 harness.c win64_probe.S win64_callbacks.S libhello.a -o hello.exe
 *   wine hello.exe                                    # prints "ok", exit 0
 *   aarch64-linux-gnu-gcc -static harness.c aarch64_probe.S aarch64_callbacks.S libhello.a -o hello
 *   qemu-aarch64 ./hello                              # prints "ok", exit 0
 */
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
typedef uint64_t u64;
u64 hello_muladd(u64, u64, u64);
u64 hello_sum(const u64 *, size_t);
u64 hello_fold(u64 (*)(u64, u64), u64, u64);
u64 hello_reverse4(u64, u64, u64, u64);

/* The probe (win64_probe.S / aarch64_probe.S): calls fn(a, b, c, d) with
 * every callee-saved register set to mark(i) and stores them, in the order
 * of saved_names, into after[] once fn returns. */
#if defined(__aarch64__)
#define N_SAVED 18
static const char *saved_names[N_SAVED] = {"x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27",
                                           "x28", "d8",  "d9",  "d10", "d11", "d12", "d13", "d14", "d15"};
#else
#define N_SAVED 27
static const char *saved_names[N_SAVED] = {
    "rbx", "rsi", "rdi", "r12", "r13", "r14", "r15", "xmm6", "xmm6 (high half)", "xmm7", "xmm7 (high half)",
    "xmm8", "xmm8 (high half)", "xmm9", "xmm9 (high half)", "xmm10", "xmm10 (high half)", "xmm11",
    "xmm11 (high half)", "xmm12", "xmm12 (high half)", "xmm13", "xmm13 (high half)", "xmm14",
    "xmm14 (high half)", "xmm15", "xmm15 (high half)"};
#endif
u64 probe(const void *fn, u64 a, u64 b, u64 c, u64 d, u64 *after);
u64 step_checked(u64, u64);
int misaligned;

u64 step_impl(u64 acc, u64 i) { return acc * 31 + i + 1; }
/* hello_rust_mix4 (in Rust for src/main.rs) enters through the callbacks
 * file (win64_callbacks.S / aarch64_callbacks.S), which counts calls made
 * with a misaligned stack. */
u64 mix4_impl(u64 a, u64 b, u64 c, u64 d) { return a * 1000 + b * 100 + c * 10 + d; }

static int fails;
static void check(const char *what, u64 got, u64 want) {
    if (got != want) {
        printf("FAIL %s: got %llu, want %llu\n", what, (unsigned long long)got, (unsigned long long)want);
        fails++;
    }
}
static void check_probe(const char *what, const void *fn, u64 a, u64 b, u64 c, u64 d, u64 want) {
    u64 after[N_SAVED];
    check(what, probe(fn, a, b, c, d, after), want);
    for (int i = 0; i < N_SAVED; i++) {
        u64 mark = 0x1111111111111111ull * (u64)(i % 15 + 1);
        if (after[i] != mark) {
            printf("FAIL %s: callee-saved %s not preserved\n", what, saved_names[i]);
            fails++;
        }
    }
}

int main(void) {
    u64 v[10];
    for (int i = 0; i < 10; i++) v[i] = (u64)i + 1;
    u64 fold_want = 7;
    for (u64 i = 0; i < 5; i++) fold_want = step_impl(fold_want, i);
    check("muladd", hello_muladd(6, 7, 8), 50);
    check("muladd wraps", hello_muladd(~0ull, 2, 5), 3);
    check("sum", hello_sum(v, 10), 55);
    check("sum empty", hello_sum(v, 0), 0);
    check("fold", hello_fold(step_checked, 7, 5), fold_want);
    check("fold n=0", hello_fold(step_checked, 9, 0), 9);
    check("reverse4", hello_reverse4(1, 2, 3, 4), 4322);
    check_probe("probe muladd", (const void *)hello_muladd, 6, 7, 8, 0, 50);
    check_probe("probe sum", (const void *)hello_sum, (u64)(uintptr_t)v, 10, 0, 0, 55);
    check_probe("probe fold", (const void *)hello_fold, (u64)(uintptr_t)step_checked, 7, 5, 0, fold_want);
    check_probe("probe reverse4", (const void *)hello_reverse4, 1, 2, 3, 4, 4322);
    check("callbacks entered with a misaligned stack", (u64)misaligned, 0);
    printf(fails ? "FAILED\n" : "ok\n");
    return fails != 0;
}
