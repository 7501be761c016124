/* Windows x64 driver for src/hello.asm, for the platforms where this
 * project cannot build Rust programs but can build C ones (here: mingw-w64,
 * run under wine). It does what src/main.rs does, plus exact checks of the
 * callee-saved registers (probe in win64_probe.S). Used by the offasm test
 * `hello_runs_on_windows_under_wine` (compiler/tests/build_api.rs):
 *
 *   x86_64-w64-mingw32-gcc -O0 win64_harness.c win64_probe.S libhello.a -o hello.exe
 *   wine hello.exe          # prints "ok", exit status 0
 */
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
typedef uint64_t u64;
u64 hello_muladd(u64, u64, u64);
u64 hello_sum(const u64 *, size_t);
u64 hello_fold(u64 (*)(u64, u64), u64, u64);
u64 hello_reverse4(u64, u64, u64, u64);
/* win64_probe.S */
u64 probe(const void *fn, u64 a, u64 b, u64 c, u64 d, u64 *after);
u64 step_checked(u64, u64);
int misaligned;

u64 step_impl(u64 acc, u64 i) { return acc * 31 + i + 1; }
/* hello_rust_mix4 (in Rust for src/main.rs) enters through win64_probe.S. */
u64 mix4_impl(u64 a, u64 b, u64 c, u64 d) { return a * 1000 + b * 100 + c * 10 + d; }

static int fails;
static void check(const char *what, u64 got, u64 want) {
    if (got != want) {
        printf("FAIL %s: got %llu, want %llu\n", what, (unsigned long long)got, (unsigned long long)want);
        fails++;
    }
}
static void check_probe(const char *what, const void *fn, u64 a, u64 b, u64 c, u64 d, u64 want) {
    static const char *names[7] = {"rbx", "rsi", "rdi", "r12", "r13", "r14", "r15"};
    u64 after[7];
    check(what, probe(fn, a, b, c, d, after), want);
    for (int i = 0; i < 7; i++) {
        u64 mark = 0x1111111111111111ull * (u64)(i + 1);
        if (after[i] != mark) {
            printf("FAIL %s: callee-saved %s not preserved\n", what, names[i]);
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
