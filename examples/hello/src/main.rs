//! Calls the C-ABI functions of `src/hello.asm`, which build.rs compiled with
//! offasm for the current target and linked in as the static library
//! `hello_asm`. Run with `cargo run -p hello`; `cargo test -p hello` checks
//! the functions against Rust versions of them.

use std::sync::atomic::{AtomicUsize, Ordering};

/// A callback handed to `hello_fold`.
type Step = extern "C" fn(acc: u64, i: u64) -> u64;

extern "C" {
    fn hello_muladd(a: u64, b: u64, c: u64) -> u64;
    fn hello_sum(ptr: *const u64, len: usize) -> u64;
    fn hello_fold(step: Step, init: u64, n: u64) -> u64;
    fn hello_reverse4(a: u64, b: u64, c: u64, d: u64) -> u64;
}

/// A callback that may unwind (panic) through the assembly frames.
type UnwindingStep = extern "C-unwind" fn(acc: u64, i: u64) -> u64;

extern "C-unwind" {
    /// `hello_fold` declared so that a panic may unwind through it (its
    /// unwind tables describe its frame); the callback type differs only in
    /// its ABI string.
    #[allow(clashing_extern_declarations)]
    #[link_name = "hello_fold"]
    fn hello_fold_unwinding(step: UnwindingStep, init: u64, n: u64) -> u64;
}

/// `a * b + c`, wrapping.
pub fn muladd(a: u64, b: u64, c: u64) -> u64 {
    // SAFETY: a pure function of its integer arguments.
    unsafe { hello_muladd(a, b, c) }
}

/// The wrapping sum of the slice.
pub fn sum(values: &[u64]) -> u64 {
    // SAFETY: the assembly reads exactly `len` u64s from `ptr`.
    unsafe { hello_sum(values.as_ptr(), values.len()) }
}

/// `acc := init; for i in 0..n { acc = step(acc, i) }`, the loop in assembly.
pub fn fold(step: Step, init: u64, n: u64) -> u64 {
    // SAFETY: `step` is a valid `extern "C"` function of the declared type.
    unsafe { hello_fold(step, init, n) }
}

/// `hello_rust_mix4(d, c, b, a) + a`: the assembly calls back into Rust by symbol.
pub fn reverse4(a: u64, b: u64, c: u64, d: u64) -> u64 {
    // SAFETY: integer arguments only; `hello_rust_mix4` is defined below.
    unsafe { hello_reverse4(a, b, c, d) }
}

/// Called from `hello_reverse4` through its symbol (an external label in the
/// assembly source). Order-sensitive, so swapped arguments show.
#[no_mangle]
pub extern "C" fn hello_rust_mix4(a: u64, b: u64, c: u64, d: u64) -> u64 {
    check_stack_alignment();
    a.wrapping_mul(1000).wrapping_add(b.wrapping_mul(100)).wrapping_add(c.wrapping_mul(10)).wrapping_add(d)
}

/// A step for `fold`: a polynomial hash of the indices.
pub extern "C" fn hash_step(acc: u64, i: u64) -> u64 {
    check_stack_alignment();
    acc.wrapping_mul(31).wrapping_add(i + 1)
}

/// How often a callback found the stack misaligned (the C ABI wants 16-byte
/// alignment at every call; the prelude's cCall2/cCall4 promise it).
pub static MISALIGNED_CALLS: AtomicUsize = AtomicUsize::new(0);

#[inline(never)]
fn check_stack_alignment() {
    #[repr(align(16))]
    struct Slot {
        _bytes: [u8; 16],
    }
    let slot = Slot { _bytes: [0; 16] };
    // The frame layout assumes an aligned stack on entry; black_box keeps the
    // compiler from folding the check away on that assumption.
    let addr = std::hint::black_box(&slot as *const Slot as usize);
    if !addr.is_multiple_of(16) {
        MISALIGNED_CALLS.fetch_add(1, Ordering::Relaxed);
    }
}

/// The Rust version of `fold`.
pub fn fold_reference(step: Step, init: u64, n: u64) -> u64 {
    (0..n).fold(init, |acc, i| step(acc, i))
}

/// The backtrace a panicking step captured.
static PANIC_BACKTRACE: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// A step that panics at `i == 3`, after capturing the backtrace.
extern "C-unwind" fn panicking_step(acc: u64, i: u64) -> u64 {
    if i == 3 {
        *PANIC_BACKTRACE.lock().unwrap() = std::backtrace::Backtrace::force_capture().to_string();
        panic!("step {i} panics");
    }
    acc + i
}

/// `hello panic-through`: a Rust panic in a callback unwinds through the
/// assembly's frames (`hello_fold`) into `catch_unwind` here, and the
/// backtrace taken in the callback reaches this `main`. Values held across
/// the call survive (the unwinder restored the callee-saved registers).
fn panic_through() {
    std::panic::set_hook(Box::new(|_| {}));
    let kept: Vec<u64> = (0..8).map(|i| std::hint::black_box(i * 0x1111)).collect();
    let caught = std::panic::catch_unwind(|| {
        // SAFETY: `panicking_step` is a valid callback of the declared type.
        unsafe { hello_fold_unwinding(panicking_step, 0, 10) }
    });
    let message = caught.as_ref().err().and_then(|e| e.downcast_ref::<String>()).cloned().unwrap_or_default();
    println!("panic caught: {}", if message == "step 3 panics" { "yes" } else { "no" });
    let trace = PANIC_BACKTRACE.lock().unwrap().clone();
    let frames: Vec<&str> = trace.lines().filter(|l| l.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit())).collect();
    let through_asm = trace.contains("hello_fold");
    let reaches_main = frames.iter().any(|l| l.contains("hello::main"));
    println!("backtrace passes hello_fold: {}", if through_asm { "yes" } else { "no" });
    println!("backtrace reaches main: {}", if reaches_main { "yes" } else { "no" });
    let intact = kept.iter().enumerate().all(|(i, &v)| v == i as u64 * 0x1111);
    println!("values kept across the panic: {}", if intact { "intact" } else { "lost" });
    if !(through_asm && reaches_main) {
        eprintln!("{trace}");
    }
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("panic-through") {
        return panic_through();
    }
    let m = muladd(6, 7, 8);
    println!("hello_muladd(6, 7, 8) = {m}");
    assert_eq!(m, 50);

    let values: Vec<u64> = (1..=10).collect();
    let s = sum(&values);
    println!("hello_sum([1, 2, ..., 10]) = {s}");
    assert_eq!(s, 55);

    let f = fold(hash_step, 7, 5);
    println!("hello_fold(hash_step, 7, 5) = {f}");
    assert_eq!(f, fold_reference(hash_step, 7, 5));

    let r = reverse4(1, 2, 3, 4);
    println!("hello_reverse4(1, 2, 3, 4) = {r}");
    assert_eq!(r, 4321 + 1);

    let misaligned = MISALIGNED_CALLS.load(Ordering::Relaxed);
    println!("callbacks entered with a misaligned stack: {misaligned}");
    assert_eq!(misaligned, 0);
    println!("hello: all results correct");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random numbers (no dependencies).
    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *seed ^ (*seed >> 29)
    }

    #[test]
    fn muladd_wraps_like_rust() {
        let mut seed = 1;
        let edge = [0, 1, 2, 0x7fff_ffff, 0xffff_ffff, 1 << 32, u64::MAX / 2, u64::MAX - 1, u64::MAX];
        for &a in &edge {
            for &b in &edge {
                for &c in &edge {
                    assert_eq!(muladd(a, b, c), a.wrapping_mul(b).wrapping_add(c), "{a} {b} {c}");
                }
            }
        }
        for _ in 0..10_000 {
            let (a, b, c) = (lcg(&mut seed), lcg(&mut seed), lcg(&mut seed));
            assert_eq!(muladd(a, b, c), a.wrapping_mul(b).wrapping_add(c), "{a} {b} {c}");
        }
    }

    #[test]
    fn sum_of_every_length() {
        let mut seed = 2;
        let data: Vec<u64> = (0..300).map(|_| lcg(&mut seed)).collect();
        for len in 0..=data.len() {
            let want = data[..len].iter().fold(0u64, |s, &v| s.wrapping_add(v));
            assert_eq!(sum(&data[..len]), want, "len {len}");
        }
        assert_eq!(sum(&[]), 0);
        assert_eq!(sum(&[u64::MAX, 2]), 1);
        // A slice that does not start at the beginning of its allocation.
        assert_eq!(sum(&data[7..9]), data[7].wrapping_add(data[8]));
    }

    extern "C" fn count_step(acc: u64, _i: u64) -> u64 {
        check_stack_alignment();
        acc + 1
    }

    extern "C" fn index_sum_step(acc: u64, i: u64) -> u64 {
        check_stack_alignment();
        acc.wrapping_add(i)
    }

    #[test]
    fn fold_calls_back_into_rust() {
        assert_eq!(fold(hash_step, 42, 0), 42, "no call for n = 0");
        assert_eq!(fold(count_step, 0, 1000), 1000);
        assert_eq!(fold(index_sum_step, 5, 100), 5 + 4950);
        for n in [1, 2, 3, 17, 1000] {
            for init in [0, 1, u64::MAX] {
                assert_eq!(fold(hash_step, init, n), fold_reference(hash_step, init, n), "{init} {n}");
            }
        }
        assert_eq!(MISALIGNED_CALLS.load(Ordering::Relaxed), 0, "a callback ran on a misaligned stack");
    }

    #[test]
    fn reverse4_passes_arguments_in_reverse() {
        assert_eq!(reverse4(1, 2, 3, 4), 4322);
        assert_eq!(reverse4(9, 0, 0, 0), 9 + 9);
        assert_eq!(reverse4(0, 0, 0, 7), 7000);
        let mut seed = 3;
        for _ in 0..1000 {
            let (a, b, c, d) = (lcg(&mut seed), lcg(&mut seed), lcg(&mut seed), lcg(&mut seed));
            assert_eq!(reverse4(a, b, c, d), hello_rust_mix4(d, c, b, a).wrapping_add(a));
        }
        assert_eq!(MISALIGNED_CALLS.load(Ordering::Relaxed), 0, "a callback ran on a misaligned stack");
    }

    /// Calls the C function at address `f` with the integer arguments `args`
    /// (in rdi, rsi, rdx, rcx) and every callee-saved register of the System V
    /// ABI set to a known value; returns rax and those registers (rbx, r12,
    /// r13, r14, r15) after the call. Unlike ordinary Rust calls, this sees a
    /// clobbered register even when the compiler keeps nothing in it.
    #[cfg(all(target_arch = "x86_64", unix))]
    fn call_with_marked_callee_saves(f: usize, args: [u64; 4]) -> (u64, [u64; 5]) {
        let mut after = [0u64; 5];
        let result: u64;
        // SAFETY: `f` is one of the assembly functions, which take at most four
        // integer arguments; rbx is saved and restored by hand (it cannot be an
        // operand) and r12..r15 are declared clobbered; the two pushes keep rsp
        // 16-byte aligned at the call, as it is at the start of the asm block.
        unsafe {
            std::arch::asm!(
                "push rbx",
                "push {out}",
                "movabs rbx, 0x1111111111111111",
                "movabs r12, 0x2222222222222222",
                "movabs r13, 0x3333333333333333",
                "movabs r14, 0x4444444444444444",
                "movabs r15, 0x5555555555555555",
                "call {f}",
                "pop rcx",
                "mov [rcx], rbx",
                "mov [rcx + 8], r12",
                "mov [rcx + 16], r13",
                "mov [rcx + 24], r14",
                "mov [rcx + 32], r15",
                "pop rbx",
                f = in(reg) f,
                out = in(reg) after.as_mut_ptr(),
                in("rdi") args[0],
                in("rsi") args[1],
                in("rdx") args[2],
                in("rcx") args[3],
                lateout("rax") result,
                out("r12") _,
                out("r13") _,
                out("r14") _,
                out("r15") _,
                clobber_abi("C"),
            );
        }
        (result, after)
    }

    #[cfg(all(target_arch = "x86_64", unix))]
    #[test]
    fn callee_saved_registers_are_preserved_exactly() {
        let marks = [0x1111111111111111, 0x2222222222222222, 0x3333333333333333, 0x4444444444444444, 0x5555555555555555];
        let values = [5u64, 6, 7];
        type Fn3 = unsafe extern "C" fn(u64, u64, u64) -> u64;
        type Fn4 = unsafe extern "C" fn(u64, u64, u64, u64) -> u64;
        let muladd = hello_muladd as Fn3 as usize;
        let sum = hello_sum as unsafe extern "C" fn(*const u64, usize) -> u64 as usize;
        let fold = hello_fold as unsafe extern "C" fn(Step, u64, u64) -> u64 as usize;
        let step = hash_step as Step as usize as u64;
        let reverse4 = hello_reverse4 as Fn4 as usize;
        let cases: [(&str, usize, [u64; 4], u64); 4] = [
            ("hello_muladd", muladd, [6, 7, 8, 0], 50),
            ("hello_sum", sum, [values.as_ptr() as u64, 3, 0, 0], 18),
            ("hello_fold", fold, [step, 7, 5, 0], fold_reference(hash_step, 7, 5)),
            ("hello_reverse4", reverse4, [1, 2, 3, 4], 4322),
        ];
        for (name, f, args, want) in cases {
            assert_eq!(call_with_marked_callee_saves(f, args), (want, marks), "{name}: (result, [rbx, r12..r15])");
        }
    }

    /// Many values live across the calls: the compiler keeps some of them in
    /// callee-saved registers, which the assembly must preserve.
    #[test]
    fn callee_saved_registers_survive() {
        let mut seed = 4;
        let mut live: [u64; 12] = [0; 12];
        for v in live.iter_mut() {
            *v = lcg(&mut seed);
        }
        let before = live;
        let mut acc = 0u64;
        for round in 0..200u64 {
            let (a, b, c, d, e, f) = (live[0], live[1], live[2], live[3], live[4], live[5]);
            let r = fold(hash_step, round, 3) ^ reverse4(a, b, c, d) ^ muladd(e, f, round);
            acc = acc.rotate_left(7) ^ r ^ a ^ b ^ c ^ d ^ e ^ f;
            live.rotate_left(1);
        }
        live.rotate_right(200 % 12);
        assert_eq!(live, before);
        let mut acc2 = 0u64;
        let mut live2 = before;
        for round in 0..200u64 {
            let (a, b, c, d, e, f) = (live2[0], live2[1], live2[2], live2[3], live2[4], live2[5]);
            let r = fold_reference(hash_step, round, 3)
                ^ hello_rust_mix4(d, c, b, a).wrapping_add(a)
                ^ e.wrapping_mul(f).wrapping_add(round);
            acc2 = acc2.rotate_left(7) ^ r ^ a ^ b ^ c ^ d ^ e ^ f;
            live2.rotate_left(1);
        }
        assert_eq!(acc, acc2);
    }
}
