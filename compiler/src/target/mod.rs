//! Target selection (TARGETS.md §1) and target-derived settings
//! (LANGUAGE.md §5.3, TARGETS.md §9). Register maps live in [`regs`].

use std::fmt;
use std::str::FromStr;

use target_lexicon::{Architecture, BinaryFormat, Environment, OperatingSystem, Triple};

pub mod regs;

pub use regs::{describe_available, reg_by_name, PhysReg, Reg, RegClass, REGISTER_NAMES};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    X86_64,
    Arm64,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Os {
    Linux,
    /// macOS and iOS (TARGETS.md target (a)-macOS and (d)).
    Darwin,
    Windows,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ObjFormat {
    Elf,
    MachO,
    Coff,
}

/// The three register maps: TARGETS.md §3.2 (System V), §4.3 (Windows x64)
/// and §5.2 (ARM64, shared by targets (c) and (d)).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegMap {
    SysV,
    Win64,
    Arm64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Normalised triple as printed by `target_lexicon`
    /// (e.g. `x86_64-unknown-linux-gnu`, `x86_64-pc-windows-gnu` for
    /// `x86_64-w64-mingw32`, `aarch64-apple-macosx11.0.0` for `arm64-apple-macos11`).
    pub triple: String,
    pub arch: Arch,
    pub os: Os,
    pub obj: ObjFormat,
}

/// One row of `offasm targets`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupportedTarget {
    pub triple: &'static str,
    pub aliases: &'static [&'static str],
    pub description: &'static str,
    pub backend_setting: &'static str,
}

const fn st(
    triple: &'static str,
    aliases: &'static [&'static str],
    description: &'static str,
    backend_setting: &'static str,
) -> SupportedTarget {
    SupportedTarget { triple, aliases, description, backend_setting }
}

const SUPPORTED: &[SupportedTarget] = &[
    st("x86_64-unknown-linux-gnu", &["x86_64-pc-linux-gnu"], "x86-64 System V, ELF", "X86_64"),
    st("x86_64-apple-darwin", &["x86_64-apple-macos11"], "x86-64 System V, Mach-O", "X86_64"),
    st(
        "x86_64-pc-windows-msvc",
        &["x86_64-pc-windows-gnu", "x86_64-w64-mingw32"],
        "x86-64 Windows x64, COFF",
        "X86_64_WIN",
    ),
    st("aarch64-unknown-linux-gnu", &["aarch64-linux-gnu"], "ARM64 AAPCS64, ELF", "ARM64"),
    st("aarch64-apple-darwin", &["arm64-apple-macos11", "arm64-apple-ios"], "ARM64 Apple, Mach-O", "ARM64"),
];

/// Every target-derived setting name (LANGUAGE.md §5.3), in table order.
pub const DERIVED_SETTINGS: &[&str] = &[
    "X86_64", "X86_64_WIN", "ARM64", "ARM64E", "X86", "X86_WIN", "ARMv7", "ARMv7k", "ARMv7s",
    "MIPS", "RISCV64", "C_LOOP", "C_LOOP_WIN", "ADDRESS64", "JSVALUE64", "BIG_ENDIAN",
    "OS_LINUX", "OS_DARWIN", "OS_WINDOWS", "OBJ_ELF", "OBJ_MACHO", "OBJ_COFF",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetError {
    /// A well-formed triple that is not a release-1 target.
    Unsupported { triple: String },
    /// Not a well-formed target triple.
    Invalid { triple: String, reason: String },
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetError::Unsupported { triple } => {
                write!(f, "unsupported target `{triple}`; supported targets are:")?;
                for t in SUPPORTED {
                    write!(f, "\n  {} ({})", t.triple, t.description)?;
                    if !t.aliases.is_empty() {
                        write!(f, "; also accepted: {}", t.aliases.join(", "))?;
                    }
                }
                Ok(())
            }
            TargetError::Invalid { triple, reason } => {
                write!(f, "invalid target triple `{triple}`: {reason}")
            }
        }
    }
}

impl std::error::Error for TargetError {}

/// Rewrites spellings that `target_lexicon` does not parse but TARGETS.md §1
/// accepts: `macosN` (clang style) → `macosxN`, and `<arch>-w64-mingw32` →
/// `<arch>-pc-windows-gnu`.
fn normalize(s: &str) -> String {
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() >= 2 && parts[parts.len() - 1] == "mingw32" {
        return format!("{}-pc-windows-gnu", parts[0]);
    }
    let fixed: Vec<String> = parts
        .iter()
        .map(|p| match p.strip_prefix("macos") {
            Some(rest) if !rest.starts_with('x') => format!("macosx{rest}"),
            _ => p.to_string(),
        })
        .collect();
    fixed.join("-")
}

/// Classifies a parsed triple into a release-1 target, or `None`.
fn classify(t: &Triple) -> Option<(Arch, Os, ObjFormat)> {
    use OperatingSystem as O;
    let arch = match t.architecture {
        Architecture::X86_64 => Arch::X86_64,
        Architecture::Aarch64(target_lexicon::Aarch64Architecture::Aarch64) => Arch::Arm64,
        _ => return None,
    };
    // ILP32 environments have 32-bit pointers (ADDRESS64 would be wrong).
    if matches!(t.environment, Environment::Gnux32 | Environment::GnuIlp32) {
        return None;
    }
    let (os, obj) = match (arch, t.operating_system) {
        (_, O::Linux) => (Os::Linux, ObjFormat::Elf),
        (_, O::Darwin(_) | O::MacOSX(_)) => (Os::Darwin, ObjFormat::MachO),
        (Arch::Arm64, O::IOS(_)) => (Os::Darwin, ObjFormat::MachO),
        (Arch::X86_64, O::Windows) => (Os::Windows, ObjFormat::Coff),
        _ => return None,
    };
    // An explicit, conflicting object-format field (e.g. `...-windows-gnu-elf`).
    let expected = match obj {
        ObjFormat::Elf => BinaryFormat::Elf,
        ObjFormat::MachO => BinaryFormat::Macho,
        ObjFormat::Coff => BinaryFormat::Coff,
    };
    if t.binary_format != expected {
        return None;
    }
    Some((arch, os, obj))
}

impl Target {
    /// Parses a target triple (TARGETS.md §1).
    pub fn from_triple(s: &str) -> Result<Target, TargetError> {
        let invalid = |why: &str| TargetError::Invalid { triple: s.to_string(), reason: why.to_string() };
        if s.is_empty() {
            return Err(invalid("empty triple"));
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            return Err(invalid("a triple contains only letters, digits, `_`, `.` and `-`"));
        }
        if s.split('-').count() < 2 || s.split('-').any(str::is_empty) {
            return Err(invalid("expected `<arch>-<vendor>-<os>[-<env>]`"));
        }
        let triple = match Triple::from_str(&normalize(s)) {
            Ok(t) => t,
            // An unknown architecture (e.g. `arm64e`) is a target we do not support.
            Err(target_lexicon::ParseError::UnrecognizedArchitecture(_)) => {
                return Err(TargetError::Unsupported { triple: s.to_string() })
            }
            Err(e) => return Err(invalid(&e.to_string())),
        };
        Self::from_lexicon(&triple).ok_or_else(|| TargetError::Unsupported { triple: s.to_string() })
    }

    /// The host the compiler runs on.
    pub fn host() -> Result<Target, TargetError> {
        let host = target_lexicon::HOST;
        Self::from_lexicon(&host).ok_or_else(|| TargetError::Unsupported { triple: host.to_string() })
    }

    fn from_lexicon(t: &Triple) -> Option<Target> {
        let (arch, os, obj) = classify(t)?;
        Some(Target { triple: t.to_string(), arch, os, obj })
    }

    pub fn regmap(&self) -> RegMap {
        match (self.arch, self.os) {
            (Arch::Arm64, _) => RegMap::Arm64,
            (Arch::X86_64, Os::Windows) => RegMap::Win64,
            (Arch::X86_64, _) => RegMap::SysV,
        }
    }

    pub fn is_apple(&self) -> bool {
        self.os == Os::Darwin
    }

    /// The one back-end setting that is true (`X86_64`, `X86_64_WIN` or `ARM64`).
    pub fn backend_setting(&self) -> &'static str {
        match self.regmap() {
            RegMap::SysV => "X86_64",
            RegMap::Win64 => "X86_64_WIN",
            RegMap::Arm64 => "ARM64",
        }
    }

    /// Every target-derived setting with its value (TARGETS.md §9).
    pub fn settings(&self) -> Vec<(&'static str, bool)> {
        DERIVED_SETTINGS.iter().map(|&n| (n, self.derived_value(n))).collect()
    }

    /// `Some(value)` iff `name` is a target-derived setting.
    pub fn derived_setting(&self, name: &str) -> Option<bool> {
        let &name = DERIVED_SETTINGS.iter().find(|&&n| n == name)?;
        Some(self.derived_value(name))
    }

    fn derived_value(&self, name: &str) -> bool {
        match name {
            "X86_64" | "X86_64_WIN" | "ARM64" => name == self.backend_setting(),
            "ADDRESS64" | "JSVALUE64" => true,
            "OS_LINUX" => self.os == Os::Linux,
            "OS_DARWIN" => self.os == Os::Darwin,
            "OS_WINDOWS" => self.os == Os::Windows,
            "OBJ_ELF" => self.obj == ObjFormat::Elf,
            "OBJ_MACHO" => self.obj == ObjFormat::MachO,
            "OBJ_COFF" => self.obj == ObjFormat::Coff,
            _ => false, // ARM64E, BIG_ENDIAN and the other back ends
        }
    }

    /// The release-1 targets, for `offasm targets` and error messages.
    pub fn supported() -> &'static [SupportedTarget] {
        SUPPORTED
    }

    /// One target of each row of [`Target::supported`], in table order.
    pub fn all_supported() -> Vec<Target> {
        SUPPORTED.iter().filter_map(|st| Target::from_triple(st.triple).ok()).collect()
    }

    /// Whether two targets differ only in the spelling of their triple
    /// (e.g. `x86_64-unknown-linux-musl` and `x86_64-unknown-linux-gnu`):
    /// offasm treats them identically.
    pub fn same_as(&self, other: &Target) -> bool {
        (self.arch, self.os, self.obj) == (other.arch, other.os, other.obj)
    }

    /// The description of the supported target this is (`x86-64 System V, ELF`).
    pub fn description(&self) -> Option<&'static str> {
        SUPPORTED.iter().find(|st| Target::from_triple(st.triple).is_ok_and(|t| t.same_as(self))).map(|st| st.description)
    }
}

impl FromStr for Target {
    type Err = TargetError;
    fn from_str(s: &str) -> Result<Target, TargetError> {
        Target::from_triple(s)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.triple)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Target {
        Target::from_triple(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn accepts_section_1_triples() {
        use {Arch::*, ObjFormat::*};
        let cases: &[(&str, Arch, Os, ObjFormat, RegMap)] = &[
            ("x86_64-unknown-linux-gnu", X86_64, Os::Linux, Elf, RegMap::SysV),
            ("x86_64-pc-linux-gnu", X86_64, Os::Linux, Elf, RegMap::SysV),
            ("x86_64-unknown-linux-musl", X86_64, Os::Linux, Elf, RegMap::SysV),
            ("x86_64-apple-darwin", X86_64, Os::Darwin, MachO, RegMap::SysV),
            ("x86_64-apple-macos11", X86_64, Os::Darwin, MachO, RegMap::SysV),
            ("x86_64-pc-windows-msvc", X86_64, Os::Windows, Coff, RegMap::Win64),
            ("x86_64-pc-windows-gnu", X86_64, Os::Windows, Coff, RegMap::Win64),
            ("x86_64-w64-mingw32", X86_64, Os::Windows, Coff, RegMap::Win64),
            ("aarch64-unknown-linux-gnu", Arm64, Os::Linux, Elf, RegMap::Arm64),
            ("aarch64-linux-gnu", Arm64, Os::Linux, Elf, RegMap::Arm64),
            ("arm64-apple-macos11", Arm64, Os::Darwin, MachO, RegMap::Arm64),
            ("aarch64-apple-darwin", Arm64, Os::Darwin, MachO, RegMap::Arm64),
            ("arm64-apple-ios", Arm64, Os::Darwin, MachO, RegMap::Arm64),
        ];
        for &(s, arch, os, obj, map) in cases {
            let tg = t(s);
            assert_eq!((tg.arch, tg.os, tg.obj, tg.regmap()), (arch, os, obj, map), "{s}");
            assert_eq!(tg.is_apple(), os == Os::Darwin);
        }
        assert_eq!(t("x86_64-unknown-linux-gnu").triple, "x86_64-unknown-linux-gnu");
        assert_eq!(t("aarch64-linux-gnu").triple, "aarch64-unknown-linux-gnu");
        assert_eq!(t("x86_64-w64-mingw32").triple, "x86_64-pc-windows-gnu");
        assert_eq!(t("arm64-apple-ios").triple, "aarch64-apple-ios");
        // Every canonical triple and alias of `supported()` parses to its own back end.
        for st in Target::supported() {
            for s in std::iter::once(&st.triple).chain(st.aliases) {
                assert_eq!(t(s).backend_setting(), st.backend_setting, "{s}");
            }
        }
    }

    #[test]
    fn rejects_other_triples() {
        for s in [
            "arm64e-apple-ios",
            "arm64e-apple-macos11",
            "riscv64gc-unknown-linux-gnu",
            "i686-pc-windows-msvc",
            "aarch64-pc-windows-msvc",
            "x86_64-unknown-freebsd",
            "x86_64-unknown-linux-gnux32",
            "aarch64_be-unknown-linux-gnu",
            "wasm32-unknown-unknown",
        ] {
            match Target::from_triple(s) {
                Err(e @ TargetError::Unsupported { .. }) => {
                    let msg = e.to_string();
                    assert!(msg.contains(s) && msg.contains("aarch64-apple-darwin"), "{msg}");
                    assert!(msg.contains("x86_64-w64-mingw32"), "{msg}");
                }
                other => panic!("{s}: {other:?}"),
            }
        }
        for s in ["", "x86_64", "x86_64 linux", "x86_64--linux", "x86_64-unknown-linux-gnu-bogus"] {
            assert!(matches!(Target::from_triple(s), Err(TargetError::Invalid { .. })), "{s:?}");
        }
    }

    #[test]
    fn settings_match_section_9() {
        let other_backends = [
            "ARM64E", "X86", "X86_WIN", "ARMv7", "ARMv7k", "ARMv7s", "MIPS", "RISCV64", "C_LOOP", "C_LOOP_WIN",
        ];
        // Columns: (a) Linux, (a) macOS, (b) Windows, (c) Linux, (d) Apple.
        let columns = [
            "x86_64-pc-linux-gnu", "x86_64-apple-macos11", "x86_64-w64-mingw32", "aarch64-linux-gnu", "arm64-apple-ios",
        ];
        let rows: &[(&str, [bool; 5])] = &[
            ("X86_64", [true, true, false, false, false]),
            ("X86_64_WIN", [false, false, true, false, false]),
            ("ARM64", [false, false, false, true, true]),
            ("ADDRESS64", [true; 5]),
            ("JSVALUE64", [true; 5]),
            ("OS_LINUX", [true, false, false, true, false]),
            ("OS_DARWIN", [false, true, false, false, true]),
            ("OS_WINDOWS", [false, false, true, false, false]),
            ("OBJ_ELF", [true, false, false, true, false]),
            ("OBJ_MACHO", [false, true, false, false, true]),
            ("OBJ_COFF", [false, false, true, false, false]),
        ];
        for (i, triple) in columns.iter().enumerate() {
            let tg = t(triple);
            let settings = tg.settings();
            assert_eq!(settings.len(), DERIVED_SETTINGS.len());
            assert_eq!(settings.len(), rows.len() + other_backends.len() + 1);
            for &(name, vals) in rows {
                assert_eq!(tg.derived_setting(name), Some(vals[i]), "{name} on {triple}");
                assert!(settings.contains(&(name, vals[i])));
            }
            for name in other_backends.iter().chain(&["BIG_ENDIAN"]) {
                assert_eq!(tg.derived_setting(name), Some(false), "{name} on {triple}");
            }
            assert_eq!(tg.derived_setting("ASSERT_ENABLED"), None);
            assert_eq!(tg.derived_setting("x86_64"), None); // case-sensitive
            assert_eq!(tg.derived_setting(tg.backend_setting()), Some(true));
        }
    }

    #[test]
    fn host_is_consistent() {
        if let Ok(h) = Target::host() {
            assert_eq!(Target::from_triple(&h.triple).unwrap(), h);
        }
    }
}
