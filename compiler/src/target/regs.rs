//! Logical registers (LANGUAGE.md §2.10) and the per-target register maps
//! (TARGETS.md §3.2, §4.3, §5.2). The maps are plain data tables below.

use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

use super::RegMap;

/// A logical register: an index into [`REGISTER_NAMES`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reg(pub u8);

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegClass {
    Gpr,
    Fpr,
}

/// Every reserved register name, available or not. All GPR names come first
/// (ordered as in diagnostics), then all FPR names from `ft0` on.
pub const REGISTER_NAMES: &[&str] = &[
    "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11", "t12",
    "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "r0", "r1",
    "csr0", "csr1", "csr2", "csr3", "csr4", "csr5", "csr6", "csr7", "csr8", "csr9", "csr10",
    "cfr", "sp", "lr", "pc", "invalidGPR",
    "wa0", "wa1", "wa2", "wa3", "wa4", "wa5", "wa6", "wa7", "ws0", "ws1", "ws2", "ws3",
    // FPRs
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fa0", "fa1", "fa2", "fa3", "fr",
    "csfr0", "csfr1", "csfr2", "csfr3", "csfr4", "csfr5", "csfr6", "csfr7",
    "csfr8", "csfr9", "csfr10", "csfr11",
    "wfa0", "wfa1", "wfa2", "wfa3", "wfa4", "wfa5", "wfa6", "wfa7",
];

/// Index of `ft0`, the first FPR name in [`REGISTER_NAMES`].
const FIRST_FPR: u8 = 51;

impl Reg {
    pub const T0: Reg = Reg(0);
    pub const A0: Reg = Reg(13);
    pub const R0: Reg = Reg(21);
    pub const R1: Reg = Reg(22);
    pub const CFR: Reg = Reg(34);
    pub const SP: Reg = Reg(35);
    pub const LR: Reg = Reg(36);
    pub const FT0: Reg = Reg(FIRST_FPR);

    pub fn name(self) -> &'static str {
        REGISTER_NAMES[self.0 as usize]
    }

    /// The integer argument register `a<n>` (`n` < 8; whether it exists
    /// depends on the target: [`RegMap::int_arg_count`]).
    pub fn arg(n: usize) -> Reg {
        assert!(n < 8, "a{n} is not a register name");
        Reg(Reg::A0.0 + n as u8)
    }

    pub fn class(self) -> RegClass {
        if self.0 < FIRST_FPR { RegClass::Gpr } else { RegClass::Fpr }
    }

    /// All logical registers, in [`REGISTER_NAMES`] order.
    pub fn all() -> impl Iterator<Item = Reg> {
        (0..REGISTER_NAMES.len() as u8).map(Reg)
    }
}

pub fn reg_by_name(name: &str) -> Option<Reg> {
    static BY_NAME: OnceLock<HashMap<&'static str, Reg>> = OnceLock::new();
    BY_NAME.get_or_init(|| Reg::all().map(|r| (r.name(), r)).collect()).get(name).copied()
}

/// A hardware register as named in the emitted assembly (64-bit view:
/// `rax`, `r10`, `xmm3`; `x0`, `sp`, `d8`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct PhysReg {
    pub name: &'static str,
    /// Hardware encoding number (`rsp` = 4, ARM64 `sp` = 31).
    pub index: u8,
    pub class: RegClass,
}

// ---------------------------------------------------------------------------
// The maps. A logical name that does not appear is "not available".

/// TARGETS.md §3.2 — x86-64 System V.
const SYSV: &[(&str, &str)] = &[
    ("t0", "rax"), ("t1", "rsi"), ("t2", "rdx"), ("t3", "rcx"), ("t4", "r8"), ("t5", "r10"),
    ("t6", "rdi"), ("t7", "r9"),
    ("a0", "rdi"), ("a1", "rsi"), ("a2", "rdx"), ("a3", "rcx"), ("a4", "r8"), ("a5", "r9"),
    ("r0", "rax"), ("r1", "rdx"),
    ("csr0", "rbx"), ("csr1", "r12"), ("csr2", "r13"), ("csr3", "r14"), ("csr4", "r15"),
    ("cfr", "rbp"), ("sp", "rsp"),
    ("wa0", "rdi"), ("wa1", "rsi"), ("wa2", "rdx"), ("wa3", "rcx"), ("wa4", "r8"), ("wa5", "r9"),
    ("ws0", "rax"), ("ws1", "r10"),
    ("ft0", "xmm0"), ("ft1", "xmm1"), ("ft2", "xmm2"), ("ft3", "xmm3"),
    ("ft4", "xmm4"), ("ft5", "xmm5"), ("ft6", "xmm6"), ("ft7", "xmm7"),
    ("fa0", "xmm0"), ("fa1", "xmm1"), ("fa2", "xmm2"), ("fa3", "xmm3"), ("fr", "xmm0"),
    ("wfa0", "xmm0"), ("wfa1", "xmm1"), ("wfa2", "xmm2"), ("wfa3", "xmm3"),
    ("wfa4", "xmm4"), ("wfa5", "xmm5"), ("wfa6", "xmm6"), ("wfa7", "xmm7"),
];

/// TARGETS.md §4.3 — x86-64 Windows.
const WIN64: &[(&str, &str)] = &[
    ("t0", "rax"), ("t1", "rdx"), ("t2", "r8"), ("t3", "r9"), ("t4", "r10"), ("t5", "rcx"),
    ("a0", "rcx"), ("a1", "rdx"), ("a2", "r8"), ("a3", "r9"),
    ("r0", "rax"), ("r1", "rdx"),
    ("csr0", "rbx"), ("csr1", "rsi"), ("csr2", "rdi"), ("csr3", "r12"), ("csr4", "r13"),
    ("csr5", "r14"), ("csr6", "r15"),
    ("cfr", "rbp"), ("sp", "rsp"),
    ("wa0", "rcx"), ("wa1", "rdx"), ("wa2", "r8"), ("wa3", "r9"),
    ("ft0", "xmm0"), ("ft1", "xmm1"), ("ft2", "xmm2"), ("ft3", "xmm3"), ("ft4", "xmm4"),
    ("fa0", "xmm0"), ("fa1", "xmm1"), ("fa2", "xmm2"), ("fa3", "xmm3"), ("fr", "xmm0"),
    ("csfr0", "xmm6"), ("csfr1", "xmm7"), ("csfr2", "xmm8"), ("csfr3", "xmm9"),
    ("csfr4", "xmm10"), ("csfr5", "xmm11"), ("csfr6", "xmm12"), ("csfr7", "xmm13"),
    ("wfa0", "xmm0"), ("wfa1", "xmm1"), ("wfa2", "xmm2"), ("wfa3", "xmm3"),
];

/// TARGETS.md §5.2 — ARM64 (Linux and Apple).
const ARM64: &[(&str, &str)] = &[
    ("t0", "x0"), ("t1", "x1"), ("t2", "x2"), ("t3", "x3"), ("t4", "x4"), ("t5", "x5"), ("t6", "x6"),
    ("t7", "x7"), ("t8", "x8"), ("t9", "x9"), ("t10", "x10"), ("t11", "x11"), ("t12", "x12"),
    ("a0", "x0"), ("a1", "x1"), ("a2", "x2"), ("a3", "x3"), ("a4", "x4"), ("a5", "x5"), ("a6", "x6"),
    ("a7", "x7"), ("r0", "x0"), ("r1", "x1"),
    ("csr0", "x19"), ("csr1", "x20"), ("csr2", "x21"), ("csr3", "x22"), ("csr4", "x23"),
    ("csr5", "x24"), ("csr6", "x25"), ("csr7", "x26"), ("csr8", "x27"), ("csr9", "x28"),
    ("cfr", "x29"), ("sp", "sp"), ("lr", "x30"),
    ("wa0", "x0"), ("wa1", "x1"), ("wa2", "x2"), ("wa3", "x3"), ("wa4", "x4"), ("wa5", "x5"),
    ("wa6", "x6"), ("wa7", "x7"), ("ws0", "x9"), ("ws1", "x10"), ("ws2", "x11"), ("ws3", "x12"),
    ("ft0", "d0"), ("ft1", "d1"), ("ft2", "d2"), ("ft3", "d3"), ("ft4", "d4"), ("ft5", "d5"),
    ("ft6", "d6"), ("ft7", "d7"), ("fa0", "d0"), ("fa1", "d1"), ("fa2", "d2"), ("fa3", "d3"), ("fr", "d0"),
    ("csfr0", "d8"), ("csfr1", "d9"), ("csfr2", "d10"), ("csfr3", "d11"),
    ("csfr4", "d12"), ("csfr5", "d13"), ("csfr6", "d14"), ("csfr7", "d15"),
    ("wfa0", "d0"), ("wfa1", "d1"), ("wfa2", "d2"), ("wfa3", "d3"),
    ("wfa4", "d4"), ("wfa5", "d5"), ("wfa6", "d6"), ("wfa7", "d7"),
];

/// Physical registers the ABI preserves across calls (TARGETS.md §3.3, §4.4,
/// §5.3). ARM64 `d8`–`d15` are preserved only in their low 64 bits.
const SYSV_CALLEE_SAVED: &[&str] = &["rbx", "rbp", "rsp", "r12", "r13", "r14", "r15"];
const WIN64_CALLEE_SAVED: &[&str] = &[
    "rbx", "rbp", "rsp", "rsi", "rdi", "r12", "r13", "r14", "r15",
    "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
];
const ARM64_CALLEE_SAVED: &[&str] = &[
    "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "sp",
    "d8", "d9", "d10", "d11", "d12", "d13", "d14", "d15",
];

/// Encoding number and class of a physical register name used in the tables.
fn phys_info(name: &'static str) -> PhysReg {
    const X86_LEGACY: [&str; 8] = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"];
    let num = |prefix: &str| name.strip_prefix(prefix).and_then(|n| n.parse::<u8>().ok());
    let (index, class) = if let Some(i) = X86_LEGACY.iter().position(|&n| n == name) {
        (i as u8, RegClass::Gpr)
    } else if name == "sp" {
        (31, RegClass::Gpr)
    } else if let Some(i) = num("xmm").or(num("d")) {
        (i, RegClass::Fpr)
    } else if let Some(i) = num("r").or(num("x")) {
        (i, RegClass::Gpr)
    } else {
        panic!("unknown physical register `{name}` in a register map")
    };
    PhysReg { name, index, class }
}

type Resolved = Vec<Option<PhysReg>>;

impl RegMap {
    pub const ALL: [RegMap; 3] = [RegMap::SysV, RegMap::Win64, RegMap::Arm64];

    /// The raw table: `(logical, physical)` for every available register.
    pub fn table(self) -> &'static [(&'static str, &'static str)] {
        match self {
            RegMap::SysV => SYSV,
            RegMap::Win64 => WIN64,
            RegMap::Arm64 => ARM64,
        }
    }

    fn resolved(self) -> &'static Resolved {
        static MAPS: OnceLock<[Resolved; 3]> = OnceLock::new();
        let maps = MAPS.get_or_init(|| {
            RegMap::ALL.map(|m| {
                let mut v = vec![None; REGISTER_NAMES.len()];
                for &(logical, physical) in m.table() {
                    let r = reg_by_name(logical).expect("register map names an unknown register");
                    v[r.0 as usize] = Some(phys_info(physical));
                }
                v
            })
        });
        &maps[self as usize]
    }

    /// The physical register for `r`, or `None` if `r` is not available here.
    pub fn phys(self, r: Reg) -> Option<PhysReg> {
        self.resolved().get(r.0 as usize).copied().flatten()
    }

    /// The available logical registers of `class`, in [`REGISTER_NAMES`] order.
    pub fn available(self, class: RegClass) -> Vec<Reg> {
        Reg::all().filter(|&r| r.class() == class && self.phys(r).is_some()).collect()
    }

    /// The other logical names for the physical register of `r` (empty if
    /// `r` is unavailable).
    pub fn aliases(self, r: Reg) -> Vec<Reg> {
        let Some(p) = self.phys(r) else { return Vec::new() };
        Reg::all().filter(|&o| o != r && self.phys(o) == Some(p)).collect()
    }

    /// How many integer arguments the C ABI passes in registers: a0..a(n-1)
    /// exist, a(n) does not (6 on System V, 4 on Windows, 8 on ARM64).
    pub fn int_arg_count(self) -> usize {
        (0..8).take_while(|&n| self.phys(Reg::arg(n)).is_some()).count()
    }

    /// GPRs the back end may clobber at any instruction (TARGETS.md §2.2).
    pub fn scratch_gprs(self) -> &'static [&'static str] {
        match self {
            RegMap::SysV | RegMap::Win64 => &["r11"],
            RegMap::Arm64 => &["x16", "x17", "x13"],
        }
    }

    /// The FPR scratch register (TARGETS.md §2.2).
    pub fn scratch_fpr(self) -> &'static str {
        match self {
            RegMap::SysV => "xmm15",
            RegMap::Win64 => "xmm5",
            RegMap::Arm64 => "d31",
        }
    }

    /// Whether the ABI preserves the physical register of `r` across calls
    /// (`sp` and `cfr` included; unavailable registers are not).
    pub fn is_callee_saved(self, r: Reg) -> bool {
        let saved = match self {
            RegMap::SysV => SYSV_CALLEE_SAVED,
            RegMap::Win64 => WIN64_CALLEE_SAVED,
            RegMap::Arm64 => ARM64_CALLEE_SAVED,
        };
        self.phys(r).is_some_and(|p| saved.contains(&p.name))
    }
}

impl RegMap {
    /// The name of the map in text (`x86-64 System V`, `x86-64 Windows`, `ARM64`).
    pub fn name(self) -> &'static str {
        match self {
            RegMap::SysV => "x86-64 System V",
            RegMap::Win64 => "x86-64 Windows",
            RegMap::Arm64 => "ARM64",
        }
    }

    /// The C ABI's integer argument registers, in order (TARGETS.md §3.3, §4.4, §5.3).
    fn int_args(self) -> &'static [&'static str] {
        match self {
            RegMap::SysV => &["rdi", "rsi", "rdx", "rcx", "r8", "r9"],
            RegMap::Win64 => &["rcx", "rdx", "r8", "r9"],
            RegMap::Arm64 => &["x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"],
        }
    }

    /// The C ABI's integer result registers, in order.
    fn int_results(self) -> &'static [&'static str] {
        match self {
            RegMap::SysV => &["rax", "rdx"],
            RegMap::Win64 => &["rax"],
            RegMap::Arm64 => &["x0", "x1"],
        }
    }

    /// The C ABI's FP argument registers, in order.
    fn fp_args(self) -> &'static [&'static str] {
        match self {
            RegMap::SysV => &["xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7"],
            RegMap::Win64 => &["xmm0", "xmm1", "xmm2", "xmm3"],
            RegMap::Arm64 => &["d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7"],
        }
    }

    /// The C ABI's FP result registers, in order.
    fn fp_results(self) -> &'static [&'static str] {
        match self {
            RegMap::SysV => &["xmm0", "xmm1"],
            RegMap::Win64 => &["xmm0"],
            RegMap::Arm64 => &["d0"],
        }
    }

    /// The ABI role of a physical register of this map, as in the register
    /// tables of TARGETS.md (`caller-saved; arg 1; ret 1`, `callee-saved`,
    /// `stack pointer`, …).
    pub fn abi_role(self, p: PhysReg) -> String {
        let n = p.name;
        match (self, n) {
            (_, "rsp" | "sp") => return "stack pointer".into(),
            (RegMap::SysV | RegMap::Win64, "rbp") | (RegMap::Arm64, "x29") => return "callee-saved (frame pointer)".into(),
            (RegMap::Arm64, "x30") => return "link register (written by `call`)".into(),
            _ => {}
        }
        let saved = match self {
            RegMap::SysV => SYSV_CALLEE_SAVED,
            RegMap::Win64 => WIN64_CALLEE_SAVED,
            RegMap::Arm64 => ARM64_CALLEE_SAVED,
        };
        if saved.contains(&n) {
            return if self == RegMap::Arm64 && p.class == RegClass::Fpr { "callee-saved (low 64 bits)".into() } else { "callee-saved".into() };
        }
        let mut parts = vec!["caller-saved".to_string()];
        let position = |list: &[&str]| list.iter().position(|&x| x == n).map(|i| i + 1);
        let (args, results, prefix) = match p.class {
            RegClass::Gpr => (self.int_args(), self.int_results(), ""),
            RegClass::Fpr => (self.fp_args(), self.fp_results(), "fp "),
        };
        if let Some(i) = position(args) {
            parts.push(format!("{prefix}arg {i}"));
        }
        if let Some(i) = position(results) {
            parts.push(format!("{prefix}ret {i}"));
        }
        if (self, n) == (RegMap::Arm64, "x8") {
            parts.push("indirect result".into());
        }
        parts.join("; ")
    }
}

/// The register map of a target as text (`offasm targets --registers`):
/// every logical register with its physical register, the ABI role of that
/// register and its other logical names; then the alias groups (logical
/// names that are one register here), each with the pairs of its names that
/// are different registers on another map (what the cross-target checks
/// report as `alias-clobber`); then the back end's scratch registers.
pub fn describe_map(map: RegMap) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let rows: Vec<[String; 4]> = Reg::all()
        .map(|r| match map.phys(r) {
            Some(p) => {
                let others: Vec<&str> = map.aliases(r).into_iter().map(Reg::name).collect();
                [r.name().into(), p.name.into(), map.abi_role(p), if others.is_empty() { "-".into() } else { others.join(", ") }]
            }
            None => [r.name().into(), "-".into(), "not available".into(), "-".into()],
        })
        .collect();
    let header = ["logical", "physical", "ABI role of the physical register", "other names here"];
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).chain([header[i].len()]).max().unwrap_or(0);
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for row in std::iter::once(header.map(String::from)).chain(rows) {
        let _ = writeln!(s, "  {:<w0$}  {:<w1$}  {:<w2$}  {}", row[0], row[1], row[2], row[3]);
    }

    // Alias groups, in the order of their first logical name.
    let mut groups: Vec<(PhysReg, Vec<Reg>)> = Vec::new();
    for r in Reg::all() {
        let Some(p) = map.phys(r) else { continue };
        match groups.iter_mut().find(|(q, _)| *q == p) {
            Some((_, names)) => names.push(r),
            None => groups.push((p, vec![r])),
        }
    }
    groups.retain(|(_, names)| names.len() > 1);
    let _ = writeln!(s, "\nAlias groups: logical names that are one register on {} ({}):", map.name(), groups.len());
    let wp = groups.iter().map(|(p, _)| p.name.len()).max().unwrap_or(0);
    for (p, names) in &groups {
        let list: Vec<&str> = names.iter().map(|r| r.name()).collect();
        let _ = writeln!(s, "  {:<wp$}  {}", p.name, list.join(", "));
        for other in RegMap::ALL.into_iter().filter(|&m| m != map) {
            let mut distinct = Vec::new();
            for (i, &x) in names.iter().enumerate() {
                for &y in &names[i + 1..] {
                    if let (Some(px), Some(py)) = (other.phys(x), other.phys(y)) {
                        if px != py {
                            distinct.push(format!("{}/{} ({}, {})", x.name(), y.name(), px.name, py.name));
                        }
                    }
                }
            }
            if !distinct.is_empty() {
                let _ = writeln!(s, "  {:<wp$}    different registers on {}: {}", "", other.name(), distinct.join(", "));
            }
        }
    }
    let _ = writeln!(
        s,
        "\nScratch registers of the back end (no logical name; any instruction may change them): {}, {}",
        map.scratch_gprs().join(", "),
        map.scratch_fpr()
    );
    s
}

/// Compact list of the registers of `class` available on `map`, e.g.
/// `t0–t5, a0–a3, r0, r1, csr0–csr6, cfr, sp, wa0–wa3`. Runs of three or
/// more consecutively numbered names are written as a range.
pub fn describe_available(map: RegMap, class: RegClass) -> String {
    fn split(name: &str) -> (&str, Option<u32>) {
        let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
        (stem, name[stem.len()..].parse().ok())
    }
    let names: Vec<&str> = map.available(class).into_iter().map(Reg::name).collect();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < names.len() {
        let mut j = i + 1;
        if let (stem, Some(mut n)) = split(names[i]) {
            while j < names.len() && split(names[j]) == (stem, Some(n + 1)) {
                n += 1;
                j += 1;
            }
        }
        if j - i >= 3 {
            parts.push(format!("{}–{}", names[i], names[j - 1]));
        } else {
            parts.extend(names[i..j].iter().map(|s| s.to_string()));
        }
        i = j;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str) -> Reg {
        reg_by_name(name).unwrap_or_else(|| panic!("no register `{name}`"))
    }

    fn phys(map: RegMap, name: &str) -> Option<&'static str> {
        map.phys(r(name)).map(|p| p.name)
    }

    #[test]
    fn names_round_trip_and_classes() {
        assert_eq!(REGISTER_NAMES.len(), 13 + 8 + 2 + 11 + 5 + 8 + 4 + (8 + 4 + 1 + 12 + 8));
        assert_eq!(Reg(FIRST_FPR).name(), "ft0");
        for (i, &n) in REGISTER_NAMES.iter().enumerate() {
            assert_eq!(reg_by_name(n), Some(Reg(i as u8)));
            assert_eq!(Reg(i as u8).name(), n);
            let fp = ["ft", "fa", "fr", "csfr", "wfa"].iter().any(|p| n.starts_with(p));
            assert_eq!(Reg(i as u8).class(), if fp { RegClass::Fpr } else { RegClass::Gpr }, "{n}");
        }
        assert_eq!(reg_by_name("t13"), None);
        assert_eq!(reg_by_name("invalidgpr"), None);
        assert_eq!(reg_by_name("rax"), None);
        let consts = [Reg::T0, Reg::A0, Reg::R0, Reg::R1, Reg::CFR, Reg::SP, Reg::LR, Reg::FT0];
        let names: Vec<&str> = consts.into_iter().map(Reg::name).collect();
        assert_eq!(names, ["t0", "a0", "r0", "r1", "cfr", "sp", "lr", "ft0"]);
    }

    #[test]
    fn tables_are_consistent() {
        for map in RegMap::ALL {
            let mut seen = std::collections::HashSet::new();
            for &(l, p) in map.table() {
                assert!(seen.insert(l), "{map:?}: {l} mapped twice");
                assert_eq!(r(l).class(), phys_info(p).class, "{map:?}: {l} -> {p}");
                assert!(!map.scratch_gprs().contains(&p) && map.scratch_fpr() != p, "{map:?} {p}");
            }
            for never in ["pc", "invalidGPR", "csfr8", "csfr9", "csfr10", "csfr11", "csr10"] {
                assert_eq!(phys(map, never), None, "{map:?} {never}");
            }
            assert!(phys(map, "sp").is_some() && phys(map, "cfr").is_some());
            assert_eq!(phys(map, "lr").is_some(), map == RegMap::Arm64);
        }
    }

    #[test]
    fn physical_encodings() {
        let p = |m, n| RegMap::phys(m, r(n)).map(|p| (p.name, p.index, p.class));
        use {RegClass::*, RegMap::*};
        assert_eq!(p(SysV, "sp"), Some(("rsp", 4, Gpr)));
        assert_eq!(p(SysV, "t6"), Some(("rdi", 7, Gpr)));
        assert_eq!(p(SysV, "t5"), Some(("r10", 10, Gpr)));
        assert_eq!(p(Win64, "csfr7"), Some(("xmm13", 13, Fpr)));
        assert_eq!(p(Win64, "ft5"), None);
        assert_eq!(p(Arm64, "sp"), Some(("sp", 31, Gpr)));
        assert_eq!(p(Arm64, "lr"), Some(("x30", 30, Gpr)));
        assert_eq!(p(Arm64, "csfr7"), Some(("d15", 15, Fpr)));
    }

    fn alias_pairs(map: RegMap) -> Vec<(Reg, Reg)> {
        let regs: Vec<Reg> = Reg::all().collect();
        let mut pairs = Vec::new();
        for (i, &a) in regs.iter().enumerate() {
            for &b in &regs[i + 1..] {
                if map.phys(a).is_some() && map.phys(a) == map.phys(b) {
                    pairs.push((a, b));
                }
            }
        }
        pairs
    }

    #[test]
    fn alias_pair_totals() {
        assert_eq!(alias_pairs(RegMap::SysV).len(), 44);
        assert_eq!(alias_pairs(RegMap::Win64).len(), 31);
        assert_eq!(alias_pairs(RegMap::Arm64).len(), 53);
        let names = |v: Vec<Reg>| v.into_iter().map(Reg::name).collect::<Vec<_>>();
        assert_eq!(names(RegMap::SysV.aliases(r("t2"))), ["a2", "r1", "wa2"]);
        assert_eq!(names(RegMap::Win64.aliases(r("t5"))), ["a0", "wa0"]);
        assert_eq!(names(RegMap::Arm64.aliases(r("fr"))), ["ft0", "fa0", "wfa0"]);
        assert!(RegMap::Win64.aliases(r("t6")).is_empty());
        assert!(RegMap::SysV.aliases(r("csr0")).is_empty());
    }

    #[derive(Debug, PartialEq)]
    enum Rel {
        Same,
        Distinct,
        Na,
    }

    fn rel(map: RegMap, a: &str, b: &str) -> Rel {
        match (map.phys(r(a)), map.phys(r(b))) {
            (Some(x), Some(y)) if x == y => Rel::Same,
            (Some(_), Some(_)) => Rel::Distinct,
            _ => Rel::Na,
        }
    }

    #[test]
    fn cross_target_aliases_section_7() {
        use Rel::*;
        let table: &[(&str, &str, [Rel; 3])] = &[
            ("t0", "a0", [Distinct, Distinct, Same]),
            ("t0", "wa0", [Distinct, Distinct, Same]),
            ("t0", "ws0", [Same, Na, Distinct]),
            ("t1", "r1", [Distinct, Same, Same]),
            ("t2", "r1", [Same, Distinct, Distinct]),
            ("t5", "a0", [Distinct, Same, Distinct]),
            ("t5", "a5", [Distinct, Na, Same]),
            ("t5", "wa0", [Distinct, Same, Distinct]),
            ("t5", "wa5", [Distinct, Na, Same]),
            ("t5", "ws1", [Same, Na, Distinct]),
            ("t6", "a0", [Same, Na, Distinct]),
            ("t6", "wa0", [Same, Na, Distinct]),
            ("t7", "a5", [Same, Na, Distinct]),
            ("t7", "wa5", [Same, Na, Distinct]),
            ("a0", "r0", [Distinct, Distinct, Same]),
            ("a1", "r1", [Distinct, Same, Same]),
            ("a2", "r1", [Same, Distinct, Distinct]),
            ("r0", "wa0", [Distinct, Distinct, Same]),
            ("r0", "ws0", [Same, Na, Distinct]),
            ("r1", "wa1", [Distinct, Same, Same]),
            ("r1", "wa2", [Same, Distinct, Distinct]),
        ];
        for (a, b, expect) in table {
            for (map, e) in RegMap::ALL.into_iter().zip(expect) {
                assert_eq!(&rel(map, a, b), e, "{a}/{b} on {map:?}");
            }
        }
        // And these are all of them: pairs that are the same somewhere and
        // distinct somewhere else.
        let mut hazards = Vec::new();
        for (i, a) in REGISTER_NAMES.iter().enumerate() {
            for b in &REGISTER_NAMES[i + 1..] {
                let rels = RegMap::ALL.map(|m| rel(m, a, b));
                if rels.contains(&Same) && rels.contains(&Distinct) {
                    hazards.push((*a, *b));
                }
            }
        }
        assert_eq!(hazards.len(), 21, "{hazards:?}");
        for (a, b, _) in table {
            assert!(hazards.contains(&(a, b)) || hazards.contains(&(b, a)), "{a}/{b}");
        }
    }

    #[test]
    fn availability_and_descriptions() {
        assert_eq!(
            describe_available(RegMap::Win64, RegClass::Gpr),
            "t0–t5, a0–a3, r0, r1, csr0–csr6, cfr, sp, wa0–wa3"
        );
        let fprs = describe_available(RegMap::Win64, RegClass::Fpr);
        assert_eq!(fprs, "ft0–ft4, fa0–fa3, fr, csfr0–csfr7, wfa0–wfa3");
        assert_eq!(
            describe_available(RegMap::SysV, RegClass::Gpr),
            "t0–t7, a0–a5, r0, r1, csr0–csr4, cfr, sp, wa0–wa5, ws0, ws1"
        );
        let fprs = describe_available(RegMap::SysV, RegClass::Fpr);
        assert_eq!(fprs, "ft0–ft7, fa0–fa3, fr, wfa0–wfa7");
        assert_eq!(
            describe_available(RegMap::Arm64, RegClass::Gpr),
            "t0–t12, a0–a7, r0, r1, csr0–csr9, cfr, sp, lr, wa0–wa7, ws0–ws3"
        );
        assert_eq!(RegMap::Arm64.available(RegClass::Fpr).len(), 8 + 4 + 1 + 8 + 8);
        assert!(!RegMap::Win64.available(RegClass::Fpr).contains(&r("ft5")));
    }

    #[test]
    fn argument_registers() {
        assert_eq!(RegMap::ALL.map(RegMap::int_arg_count), [6, 4, 8]);
        for m in RegMap::ALL {
            let n = m.int_arg_count();
            assert!(n == 8 || m.phys(Reg::arg(n)).is_none(), "{m:?}: a{n} must not exist");
            let phys: std::collections::HashSet<_> = (0..n).map(|k| m.phys(Reg::arg(k)).unwrap()).collect();
            assert_eq!(phys.len(), n, "{m:?}: argument registers are distinct");
        }
        assert_eq!(Reg::arg(0), Reg::A0);
        assert_eq!(Reg::arg(7).name(), "a7");
    }

    #[test]
    fn scratch_and_callee_saved() {
        assert_eq!(RegMap::Arm64.scratch_gprs(), ["x16", "x17", "x13"]);
        assert_eq!(RegMap::Win64.scratch_fpr(), "xmm5");
        let saved = |m: RegMap, n| m.is_callee_saved(r(n));
        for m in RegMap::ALL {
            assert!(saved(m, "csr0") && saved(m, "cfr") && saved(m, "sp"));
            assert!(!saved(m, "t0") && !saved(m, "ft0") && !saved(m, "a1"));
            // csrN / csfrN are exactly the callee-saved names (plus cfr, sp).
            for reg in Reg::all().filter(|&x| m.phys(x).is_some()) {
                let n = reg.name();
                assert_eq!(saved(m, n), n.starts_with("cs") || n == "cfr" || n == "sp", "{m:?} {n}");
            }
        }
        assert!(!saved(RegMap::Arm64, "lr"));
        assert!(!saved(RegMap::SysV, "pc"));
    }
}
