//! ARM64 register views (TARGETS.md §5.2): `xN`/`wN` for integers, `dN`,
//! `sN`, `qN`, `vN` for the FP/SIMD file; scratch registers x16, x17, x13
//! and v31 (§2.2).

use crate::target::regs::Reg;
use crate::target::RegMap;

/// Scratch for values (loaded memory operands, results).
pub const VAL: &str = "16";
/// Scratch for addresses.
pub const ADR: &str = "17";
/// Scratch for materialised immediates.
pub const IMM: &str = "13";
/// FP scratch register number.
pub const FS: &str = "31";

pub fn x(map: RegMap, r: Reg) -> String {
    map.phys(r).map(|p| p.name.to_string()).unwrap_or_default()
}

pub fn w(map: RegMap, r: Reg) -> String {
    let n = x(map, r);
    match n.as_str() {
        "sp" => "wsp".into(),
        _ => format!("w{}", &n[1..]),
    }
}

/// The integer view at 32 (`w`) or 64 (`x`) bits.
pub fn gpr(map: RegMap, r: Reg, wide: bool) -> String {
    if wide {
        x(map, r)
    } else {
        w(map, r)
    }
}

/// FP register number of a logical FPR (`d3` → `3`).
pub fn fnum(map: RegMap, r: Reg) -> String {
    x(map, r)[1..].to_string()
}
