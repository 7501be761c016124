//! ARM64 scratch registers (TARGETS.md §2.2, §5.2): x16, x17, x13 and v31.
//! Register names are written by `emit.rs` from the views of `inst.rs`
//! (`xN`/`wN` for integers, `dN`, `sN`, `qN`, `vN` for the FP/SIMD file).

/// Scratch for values (loaded memory operands, results).
pub const VAL: u8 = 16;
/// Scratch for addresses.
pub const ADR: u8 = 17;
/// Scratch for materialised immediates.
pub const IMM: u8 = 13;
/// FP scratch register number.
pub const FS: u8 = 31;
