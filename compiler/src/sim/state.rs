//! Machine state of the simulator: physical registers (so that logical
//! aliases behave as on the chosen target), what is known about each value,
//! and a flat byte-addressed memory made of regions.

use crate::source::Span;

/// Why a value is not specified by INSTRUCTIONS.md. Reading such a value
/// into a computation is reported, never guessed.
#[derive(Clone, Debug, PartialEq)]
pub enum Unknown {
    /// Any bits at all (`why` says where they came from).
    Any { why: String, at: Span },
    /// Some NaN of the given width whose payload (and sign) are unspecified:
    /// the result of FP arithmetic on NaN operands or producing NaN.
    Nan { bits: u8, at: Span },
}

impl Unknown {
    pub fn describe(&self) -> String {
        match self {
            Unknown::Any { why, .. } => why.clone(),
            Unknown::Nan { bits, .. } => {
                format!("a binary{bits} NaN whose payload INSTRUCTIONS.md §10 leaves unspecified")
            }
        }
    }
    pub fn at(&self) -> Span {
        match self {
            Unknown::Any { at, .. } | Unknown::Nan { at, .. } => *at,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Gpr {
    pub value: u64,
    pub unknown: Option<Unknown>,
}

#[derive(Clone, Debug)]
pub struct Fpr {
    pub bits: u128,
    /// How many low bits are specified (32 after a binary32 write, 64 after
    /// a binary64 write, 128 after `loadv`): §1.5.
    pub defined: u8,
    /// The specified bits are not known (an unspecified NaN, or worse).
    pub unknown: Option<Unknown>,
}

/// The register files, indexed by hardware register number (`rax` = 0,
/// `rsp` = 4, `x0` = 0, ARM64 `sp` = 31, `xmm3`/`d3` = 3).
pub struct Regs {
    pub gpr: [Gpr; 32],
    pub fpr: [Fpr; 32],
}

impl Default for Regs {
    fn default() -> Regs {
        Regs::new()
    }
}

impl Regs {
    /// Every register holds a distinct, recognisable value (as if left over
    /// from the caller); none is unknown.
    pub fn new() -> Regs {
        Regs {
            gpr: std::array::from_fn(|i| Gpr { value: 0x5eed_0000_0000_0000 | (i as u64) << 8, unknown: None }),
            fpr: std::array::from_fn(|i| Fpr {
                bits: (0x5eed_f000_0000_0000u128 | (i as u128) << 8) * 0x1_0000_0000_0000_0001,
                defined: 128,
                unknown: None,
            }),
        }
    }
}

/// A span of simulated memory.
pub struct Region {
    pub name: String,
    pub base: u64,
    pub bytes: Vec<u8>,
    pub writable: bool,
}

/// Why a memory access failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    Unmapped,
    ReadOnly,
}

/// Flat memory: a few disjoint regions; anything else is unmapped.
#[derive(Default)]
pub struct Memory {
    pub regions: Vec<Region>,
}

impl Memory {
    pub fn add(&mut self, name: impl Into<String>, base: u64, bytes: Vec<u8>) {
        self.add_region(name, base, bytes, true)
    }

    pub fn add_region(&mut self, name: impl Into<String>, base: u64, bytes: Vec<u8>, writable: bool) {
        let end = base + bytes.len() as u64;
        assert!(
            self.regions.iter().all(|r| end <= r.base || base >= r.base + r.bytes.len() as u64),
            "overlapping simulated memory regions"
        );
        self.regions.push(Region { name: name.into(), base, bytes, writable });
    }

    fn find(&self, addr: u64, len: usize) -> Option<(usize, usize)> {
        self.regions.iter().enumerate().find_map(|(i, r)| {
            let off = addr.checked_sub(r.base)?;
            (off.checked_add(len as u64)? <= r.bytes.len() as u64).then_some((i, off as usize))
        })
    }

    /// `len` bytes at `addr`, little-endian, or None when any byte is unmapped.
    pub fn read(&self, addr: u64, len: usize) -> Option<u128> {
        let (i, off) = self.find(addr, len)?;
        let mut v = 0u128;
        for (k, b) in self.regions[i].bytes[off..off + len].iter().enumerate() {
            v |= (*b as u128) << (8 * k);
        }
        Some(v)
    }

    pub fn write(&mut self, addr: u64, len: usize, v: u128) -> Result<(), Fault> {
        let (i, off) = self.find(addr, len).ok_or(Fault::Unmapped)?;
        if !self.regions[i].writable {
            return Err(Fault::ReadOnly);
        }
        for (k, b) in self.regions[i].bytes[off..off + len].iter_mut().enumerate() {
            *b = (v >> (8 * k)) as u8;
        }
        Ok(())
    }

    pub fn region(&self, name: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.name == name)
    }
}
