//! The register facts the checks need, derived from the register maps
//! (TARGETS.md §3–§5, §7): dense physical-register numbers, which logical
//! names alias on which target, the ABI's callee-saved and result registers.

use crate::target::regs::{Reg, RegClass, REGISTER_NAMES};
use crate::target::{RegMap, Target};

/// A physical register of one target that some logical name reaches, as
/// a dense number 0..[`Facts::num_phys`] (states hold one entry per register).
pub type Phys = u8;
/// Upper bound of physical registers (GPR and FPR encodings).
const MAX_PHYS: usize = 64;

// `Facts::hazards` holds one bit per logical register.
const _: () = assert!(REGISTER_NAMES.len() <= 128);

/// The hardware number of `r` on `map`: GPR encodings 0..32, FPR 32..64.
fn hw(map: RegMap, r: Reg) -> Option<usize> {
    let p = map.phys(r)?;
    Some(match p.class {
        RegClass::Gpr => p.index as usize,
        RegClass::Fpr => 32 + p.index as usize,
    })
}

/// Everything about one target's registers, precomputed once per check.
pub struct Facts {
    pub map: RegMap,
    /// Logical register → physical register (None: not available).
    phys: Vec<Option<Phys>>,
    /// Logical register x → bit y set when [`Facts::hazard`]`(x, y)`
    /// (read at every register read, so a table).
    hazards: Vec<u128>,
    /// Physical register → its first logical name here (in table order).
    pub first_name: Vec<Reg>,
    /// Physical register → its hardware name (`rcx`, `x0`, `xmm3`).
    pub phys_name: Vec<&'static str>,
    pub num_phys: usize,
    /// Physical registers the ABI preserves across calls (sp and cfr included).
    pub callee_saved: Vec<Phys>,
    /// Physical registers a call may change (every named register that is
    /// not callee-saved), with lr on ARM64.
    pub caller_saved: Vec<Phys>,
    /// The result registers of a C call: `r0`, `fr`, and `r1` where the ABI
    /// returns a second word in it (not on Windows x64).
    pub results: Vec<Reg>,
    /// Physical register → the result register it is, if any (the first
    /// of `results` there).
    pub result_in: Vec<Option<Reg>>,
    /// `aN` for every N available here, in order.
    pub args: Vec<Reg>,
    pub sp: Phys,
    pub lr: Option<Phys>,
    pub x86: bool,
}

impl Facts {
    pub fn new(target: &Target) -> Facts {
        let map = target.regmap();
        // Dense numbers in order of first appearance of a logical name.
        let mut dense_of = [u8::MAX; MAX_PHYS];
        let mut phys_name = Vec::new();
        let mut first_name = Vec::new();
        let phys: Vec<Option<Phys>> = Reg::all()
            .map(|r| {
                let h = hw(map, r)?;
                if dense_of[h] == u8::MAX {
                    dense_of[h] = phys_name.len() as u8;
                    phys_name.push(map.phys(r).map_or("?", |p| p.name));
                    first_name.push(r);
                }
                Some(dense_of[h])
            })
            .collect();
        let mut callee_saved = Vec::new();
        let mut caller_saved = Vec::new();
        for r in Reg::all() {
            let Some(p) = phys[r.0 as usize] else { continue };
            let list = if map.is_callee_saved(r) { &mut callee_saved } else { &mut caller_saved };
            if !list.contains(&p) {
                list.push(p);
            }
        }
        let reg = |n: &str| crate::target::reg_by_name(n).expect("register name");
        // TARGETS.md §7 rule 2: after a call everything caller-saved is dead
        // except the documented results, `r1` among them where the ABI
        // returns a second word in it (System V rdx, ARM64 x1; not Windows).
        let mut results = vec![Reg::R0, reg("fr")];
        if map != RegMap::Win64 {
            results.push(Reg::R1);
        }
        let args = (0..8).map(|n| reg(&format!("a{n}"))).filter(|&r| phys[r.0 as usize].is_some()).collect();
        let distinct = distinct_somewhere();
        let hazards = Reg::all()
            .map(|x| {
                Reg::all()
                    .filter(|&y| x != y && phys[x.0 as usize].is_some() && phys[x.0 as usize] == phys[y.0 as usize] && distinct[x.0 as usize][y.0 as usize])
                    .fold(0u128, |bits, y| bits | 1 << y.0)
            })
            .collect();
        let result_in = (0..phys_name.len()).map(|p| results.iter().copied().find(|&x| phys[x.0 as usize] == Some(p as Phys))).collect();
        Facts {
            result_in,
            hazards,
            map,
            sp: phys[Reg::SP.0 as usize].expect("sp exists everywhere"),
            lr: phys[Reg::LR.0 as usize],
            phys,
            num_phys: phys_name.len(),
            first_name,
            phys_name,
            callee_saved,
            caller_saved,
            results,
            args,
            x86: map != RegMap::Arm64,
        }
    }

    pub fn phys(&self, r: Reg) -> Option<Phys> {
        self.phys[r.0 as usize]
    }

    /// `x` and `y` are the same register here but different registers on
    /// another target: code that writes one and reads the other is right on
    /// one target only (TARGETS.md §7).
    pub fn hazard(&self, x: Reg, y: Reg) -> bool {
        self.hazards[x.0 as usize] >> y.0 & 1 != 0
    }

    /// The logical names of physical register `p` on this target, in table order.
    pub fn names_of(&self, p: Phys) -> Vec<Reg> {
        Reg::all().filter(|&r| self.phys(r) == Some(p)).collect()
    }

    /// The argument index `n` if `r` is `aN` or `waN`.
    pub fn arg_index(r: Reg) -> Option<usize> {
        static INDEX: std::sync::OnceLock<Vec<Option<u8>>> = std::sync::OnceLock::new();
        let table = INDEX.get_or_init(|| {
            Reg::all()
                .map(|r| {
                    let name = r.name();
                    let n = name.strip_prefix("wa").or_else(|| name.strip_prefix('a'))?;
                    n.parse().ok().filter(|&n: &u8| n < 8)
                })
                .collect()
        });
        table[r.0 as usize].map(usize::from)
    }
}

/// [x][y]: on some register map both `x` and `y` exist and are different
/// registers (the same for every target, so computed once).
fn distinct_somewhere() -> &'static Vec<Vec<bool>> {
    static TABLE: std::sync::OnceLock<Vec<Vec<bool>>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let n = REGISTER_NAMES.len();
        let mut t = vec![vec![false; n]; n];
        for m in RegMap::ALL {
            for x in Reg::all() {
                for y in Reg::all() {
                    if let (Some(px), Some(py)) = (hw(m, x), hw(m, y)) {
                        if px != py {
                            t[x.0 as usize][y.0 as usize] = true;
                        }
                    }
                }
            }
        }
        t
    })
}

/// How `x` and `y` relate on the register map `m`, in words, for notes.
pub fn relation_on(m: RegMap, x: Reg, y: Reg) -> Option<String> {
    let (px, py) = (m.phys(x)?, m.phys(y)?);
    Some(if px == py {
        format!("`{}` and `{}` are both `{}`", x.name(), y.name(), px.name)
    } else {
        format!("`{}` is `{}` and `{}` is `{}`", x.name(), px.name, y.name(), py.name)
    })
}

/// A short human name of a register map's targets.
pub fn map_name(m: RegMap) -> &'static str {
    match m {
        RegMap::SysV => "x86-64 System V",
        RegMap::Win64 => "Windows x64",
        RegMap::Arm64 => "ARM64",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: &str) -> Reg {
        crate::target::reg_by_name(n).unwrap()
    }

    #[test]
    fn hazard_pairs_follow_section_7() {
        let t = |s: &str| Facts::new(&s.parse().unwrap());
        let (sysv, win, arm) = (t("x86_64-unknown-linux-gnu"), t("x86_64-pc-windows-msvc"), t("aarch64-unknown-linux-gnu"));
        assert!(win.hazard(r("t5"), r("a0")) && !sysv.hazard(r("t5"), r("a0")) && !arm.hazard(r("t5"), r("a0")));
        assert!(arm.hazard(r("t0"), r("a0")) && !win.hazard(r("t0"), r("a0")));
        assert!(sysv.hazard(r("t2"), r("r1")) && win.hazard(r("t1"), r("r1")) && arm.hazard(r("t1"), r("r1")));
        assert!(sysv.hazard(r("t6"), r("a0")), "t6 is unavailable on Windows but distinct on ARM64");
        // Same register on every target: not a hazard.
        for f in [&sysv, &win, &arm] {
            assert!(!f.hazard(r("t1"), r("a1")) && !f.hazard(r("ft0"), r("fr")) && !f.hazard(r("t0"), r("r0")));
        }
        assert_eq!(win.results, vec![Reg::R0, r("fr")]);
        assert_eq!(sysv.results, vec![Reg::R0, r("fr"), Reg::R1]);
        assert_eq!(arm.args.len(), 8);
        assert_eq!(Facts::arg_index(r("wa3")), Some(3));
        assert_eq!(Facts::arg_index(r("t3")), None);
    }
}
