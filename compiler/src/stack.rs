//! Stack growth for deep but legal recursion (macro calls nested up to
//! `--max-expansion-depth`, expressions thousands of nodes deep), in place of
//! the `stacker` crate (docs/decisions.md, "The build dependency": stacker
//! builds an assembly archive in its build script and pulls `windows-sys` into
//! every build for Windows).
//!
//! [`maybe_grow`] runs its closure right away while enough stack is left;
//! otherwise it runs it on a new thread with a stack of the size asked for,
//! waiting for it (the calling thread does nothing meanwhile). How much stack
//! is left is the distance from the address of a local variable to the
//! thread's stack limit:
//!
//! * on a thread started here, its known start and size;
//! * on any other thread (the caller's: a build script's main thread, a
//!   command's, a pool thread), the limit the system reports (Linux:
//!   `pthread_getattr_np`; macOS: `pthread_get_stack*_np`; Windows:
//!   `GetCurrentThreadStackLimits`), asked once per thread;
//! * elsewhere, [`FOREIGN_BUDGET`] bytes below the first check made on the
//!   thread, which must then have that much stack left where offasm starts.
//!
//! Stacks grow downwards on every host offasm runs on (x86-64, ARM64).

use std::cell::Cell;

/// Stack a thread whose limit is unknown may use below its first check.
pub const FOREIGN_BUDGET: usize = 512 * 1024;

/// Kept free above a stack's lowest address (guard pages; on a thread
/// started here, also thread-local storage and its start-up frames).
const MARGIN: usize = 64 * 1024;

thread_local! {
    /// The lowest stack address this thread may use (0: not known yet).
    static LIMIT: Cell<usize> = const { Cell::new(0) };
}

/// The address of a local variable of the caller: its stack position.
#[inline(always)]
fn position() -> usize {
    let marker = 0u8;
    std::hint::black_box(std::ptr::addr_of!(marker)) as usize
}

/// How many bytes of stack are left below the current position.
fn remaining() -> usize {
    let here = position();
    let limit = LIMIT.with(|l| {
        if l.get() == 0 {
            let limit = match system::stack_low() {
                Some(low) if low < here => low + MARGIN,
                _ => here.saturating_sub(FOREIGN_BUDGET),
            };
            l.set(limit.max(1));
        }
        l.get()
    });
    here.saturating_sub(limit)
}

/// The lowest address of the current thread's stack, as the system reports it.
#[cfg(any(target_os = "linux", target_vendor = "apple", windows))]
mod system {
    #[cfg(target_os = "linux")]
    pub fn stack_low() -> Option<usize> {
        use std::mem::MaybeUninit;
        /// `pthread_attr_t`: 56 or 64 bytes on Linux's 64-bit ABIs; room to spare.
        #[repr(C, align(16))]
        struct Attr([u8; 256]);
        extern "C" {
            fn pthread_self() -> usize;
            fn pthread_getattr_np(thread: usize, attr: *mut Attr) -> i32;
            fn pthread_attr_getstack(attr: *const Attr, addr: *mut *mut u8, size: *mut usize) -> i32;
            fn pthread_attr_destroy(attr: *mut Attr) -> i32;
        }
        let mut attr = MaybeUninit::<Attr>::zeroed();
        let mut addr: *mut u8 = std::ptr::null_mut();
        let mut size = 0usize;
        // SAFETY: glibc and musl define these functions with these
        // signatures (`pthread_t` is an unsigned long); `attr` is initialised
        // by `pthread_getattr_np` before it is read and destroyed after.
        unsafe {
            if pthread_getattr_np(pthread_self(), attr.as_mut_ptr()) != 0 {
                return None;
            }
            let ok = pthread_attr_getstack(attr.as_ptr(), &mut addr, &mut size) == 0;
            pthread_attr_destroy(attr.as_mut_ptr());
            (ok && !addr.is_null()).then_some(addr as usize)
        }
    }

    #[cfg(target_vendor = "apple")]
    pub fn stack_low() -> Option<usize> {
        extern "C" {
            fn pthread_self() -> *mut u8;
            fn pthread_get_stackaddr_np(thread: *mut u8) -> *mut u8;
            fn pthread_get_stacksize_np(thread: *mut u8) -> usize;
        }
        // SAFETY: libSystem's functions, for the calling thread; the address
        // returned is the top of the stack, which grows down from it.
        unsafe {
            let t = pthread_self();
            (pthread_get_stackaddr_np(t) as usize).checked_sub(pthread_get_stacksize_np(t))
        }
    }

    #[cfg(windows)]
    pub fn stack_low() -> Option<usize> {
        #[link(name = "kernel32")]
        extern "system" {
            fn GetCurrentThreadStackLimits(low: *mut usize, high: *mut usize);
        }
        let (mut low, mut high) = (0usize, 0usize);
        // SAFETY: a kernel32 function (Windows 8 and later) writing two pointer-sized values.
        unsafe { GetCurrentThreadStackLimits(&mut low, &mut high) };
        (low != 0).then_some(low)
    }
}

#[cfg(not(any(target_os = "linux", target_vendor = "apple", windows)))]
mod system {
    pub fn stack_low() -> Option<usize> {
        None
    }
}

/// Runs `f` here if at least `red_zone` bytes of stack are left, else on a
/// new thread with a stack of `stack_size` bytes. A panic in `f` is resumed
/// here. If no thread can be started, `f` runs here.
#[inline]
pub fn maybe_grow<R>(red_zone: usize, stack_size: usize, f: impl FnOnce() -> R) -> R {
    if remaining() >= red_zone {
        f()
    } else {
        grow(stack_size.max(red_zone + 2 * MARGIN), f)
    }
}

/// Lets a closure and its result cross to the thread that runs it.
///
/// SAFETY (of the `Send` implementation): the closure may capture values
/// that are not `Send` (the expander's `Rc`-based trees, `&mut` to them). They
/// are used by one thread at a time: the thread that calls [`grow`] blocks in
/// `join` from the moment the new thread starts until it has ended, and
/// starting and joining a thread order everything done before and after. No
/// value captured is tied to the calling thread's identity (no lock guard, no
/// reference into its thread-local storage); thread-local state seen inside
/// `f` is the new thread's, which here is only a scratch buffer
/// (`expand::env::with_buffer`).
struct Handoff<T>(T);

unsafe impl<T> Send for Handoff<T> {}

impl<T> Handoff<T> {
    /// Taken as a whole (a closure using `.0` would capture only the field).
    fn into_inner(self) -> T {
        self.0
    }
}

#[cold]
#[inline(never)]
fn grow<R>(stack_size: usize, f: impl FnOnce() -> R) -> R {
    let mut job = Some(f);
    let mut result: Option<R> = None;
    let slots = Handoff((&mut job, &mut result));
    std::thread::scope(|s| {
        let spawned = std::thread::Builder::new().name("offasm-deep".into()).stack_size(stack_size).spawn_scoped(s, move || {
            let (job, result) = slots.into_inner();
            LIMIT.with(|l| l.set(position().saturating_sub(stack_size - MARGIN)));
            if let Some(f) = job.take() {
                *result = Some(f());
            }
        });
        if let Ok(handle) = spawned {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    match (result, job) {
        (Some(r), _) => r,
        // The thread could not be started: as deep as it goes, here.
        (None, Some(f)) => f(),
        (None, None) => unreachable!("the closure ran but gave no result without panicking"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    /// Recursion tens of megabytes deep, through values that are not `Send`.
    fn depth(n: u32, acc: Rc<Cell<u32>>, pad: [u8; 512]) -> u32 {
        if n == 0 {
            return acc.get() + u32::from(pad.iter().all(|&b| b < 7)) - 1;
        }
        acc.set(acc.get() + 1);
        let mut p = pad;
        p[(n % 512) as usize] = (n % 7) as u8;
        maybe_grow(64 * 1024, 1024 * 1024, || depth(n - 1, acc.clone(), std::hint::black_box(p)))
    }

    #[test]
    fn deep_recursion_on_a_small_thread_does_not_overflow() {
        // 1 MiB of stack for 20,000 frames of more than 512 bytes each.
        let r = std::thread::Builder::new().stack_size(1024 * 1024).spawn(|| depth(20_000, Rc::new(Cell::new(0)), [0; 512])).unwrap().join().unwrap();
        assert_eq!(r, 20_000);
    }

    #[test]
    fn a_panic_deep_down_reaches_the_caller() {
        fn boom(n: u32) -> u32 {
            if n == 0 {
                panic!("deep panic");
            }
            let pad = std::hint::black_box([n as u8; 1024]);
            maybe_grow(64 * 1024, 512 * 1024, || boom(n - 1)) + pad[0] as u32
        }
        let r = std::panic::catch_unwind(|| boom(5_000));
        let payload = r.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"deep panic"));
    }

    #[test]
    #[cfg(any(target_os = "linux", target_vendor = "apple", windows))]
    fn the_system_reports_this_threads_stack() {
        // The test threads have 2 MiB stacks (or RUST_MIN_STACK).
        let here = position();
        let low = system::stack_low().expect("the stack limit");
        assert!(low < here && here - low < 64 << 20, "{low:#x} {here:#x}");
        let r = std::thread::Builder::new()
            .stack_size(4 << 20)
            .spawn(|| {
                let (here, low) = (position(), system::stack_low().unwrap());
                here - low
            })
            .unwrap()
            .join()
            .unwrap();
        assert!((3 << 20..5 << 20).contains(&r), "{r}");
    }

    #[test]
    fn shallow_calls_stay_on_the_thread() {
        let me = std::thread::current().id();
        assert_eq!(maybe_grow(64 * 1024, 1024 * 1024, || std::thread::current().id()), me);
    }
}
