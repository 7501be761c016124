//! Feature `bti` (ARM64 Linux, under qemu-aarch64): the core is a BTI-marked
//! shared library (build.rs), so every test of the suite built with the
//! feature runs the interpreter with guarded pages. These tests show that
//! BTI is really enforced there: the library carries the note, and an
//! indirect call that misses a landing pad kills the process.
#![cfg(feature = "bti")]

use std::process::Command;

/// The library's note asks for BTI (`readelf -n` on the host).
#[test]
fn the_core_library_is_marked_for_bti() {
    let library = concat!(env!("OUT_DIR"), "/libwasm_interp.so");
    let out = Command::new("readelf")
        .args(["-n", library])
        .output()
        .expect("readelf (binutils) is required");
    let notes = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && notes.contains("AArch64 feature: BTI"), "{library}: {notes}");
}

#[link(name = "wasm_interp", kind = "dylib")]
extern "C" {
    /// A handler of the core (lib-asm/wasm/interp.asm).
    fn wasm_i32_add_ss();
}

extern "C" {
    fn fork() -> i32;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    fn _exit(code: i32) -> !;
}

/// Calls `address` (a `blr`) in a child process; returns its wait status.
fn call_in_child(address: u64) -> i32 {
    // SAFETY: the child only makes the call and exits; the parent waits.
    unsafe {
        let pid = fork();
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let f: extern "C" fn() = std::mem::transmute(address as usize);
            f();
            _exit(0);
        }
        let mut status = 0;
        assert_eq!(waitpid(pid, &mut status, 0), pid);
        status
    }
}

const SIGILL: i32 = 4;

/// A handler's address is its `bti c` pad; 4 bytes on is its first real
/// instruction. Calling it there must fault (SIGILL), which only happens
/// when the page is guarded: this is what makes the rest of the suite a run
/// under enforced BTI. (Killed by a signal: the low 7 bits of the status.)
#[test]
fn an_indirect_call_past_a_landing_pad_faults() {
    let handler = wasm_i32_add_ss as unsafe extern "C" fn() as usize as u64;
    let status = call_in_child(handler + 4);
    assert_eq!(status & 0x7f, SIGILL, "wait status {status:#x}: the call past the pad did not fault");
}
