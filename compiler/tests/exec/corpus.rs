//! The execution corpus (`tests/corpus/*.asm`) and its `# test` lines.
//!
//! ```text
//! # test: name(arg0, arg1, …) = result        every target
//! # test x86: name(…) = result                 x86-64 targets only
//! # test arm64: name(…) = result               ARM64 targets only
//! # test sysv: name(…) = result                x86-64 System V targets only (Linux, macOS)
//! # test win: name(…) = result                 x86-64 Windows only
//! ```
//!
//! Up to four arguments; integers are decimal (`-5` is the two's complement
//! u64) or `0x` hex; a result may also be `nan64` / `nan32` (any NaN of that
//! width; `nan32` also requires the upper 32 bits to be zero). A first
//! argument `buf` passes a pointer to the middle of the test buffer
//! (`offasm::sim::test_buffer`); the result compared is then
//! `r0 ^ fnv1a64(buffer afterwards)`.

use std::fmt;
use std::path::{Path, PathBuf};

/// The register map (and calling convention) of a target: what decides
/// which test lines apply to it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Family {
    /// x86-64 System V (Linux, macOS).
    SysV,
    /// x86-64 Windows.
    Win64,
    Arm64,
}

/// The target tag of a test line.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Only {
    /// `x86`: both x86-64 register maps.
    X86,
    /// `sysv`
    SysV,
    /// `win`
    Win64,
    /// `arm64`
    Arm64,
}

impl Only {
    pub fn includes(self, f: Family) -> bool {
        match self {
            Only::X86 => matches!(f, Family::SysV | Family::Win64),
            Only::SysV => f == Family::SysV,
            Only::Win64 => f == Family::Win64,
            Only::Arm64 => f == Family::Arm64,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    Exact(u64),
    Nan64,
    Nan32,
}

impl Expect {
    pub fn matches(self, got: u64) -> bool {
        match self {
            Expect::Exact(v) => v == got,
            Expect::Nan64 => (got >> 52) & 0x7ff == 0x7ff && got & ((1 << 52) - 1) != 0,
            Expect::Nan32 => got >> 32 == 0 && (got >> 23) & 0xff == 0xff && got & ((1 << 23) - 1) != 0,
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Exact(v) => write!(f, "{}", show(*v)),
            Expect::Nan64 => f.write_str("nan64"),
            Expect::Nan32 => f.write_str("nan32"),
        }
    }
}

/// A u64 the way test lines write it (hex for large values).
pub fn show(v: u64) -> String {
    let s = v as i64;
    if (-4096..=65535).contains(&s) {
        s.to_string()
    } else {
        format!("{v:#x}")
    }
}

#[derive(Clone, Debug)]
pub struct TestCase {
    pub func: String,
    pub args: Vec<u64>,
    pub expect: Expect,
    /// `None`: every target.
    pub only: Option<Only>,
    /// The first argument is `buf`: a pointer to the middle of the test
    /// buffer (`offasm::sim::test_buffer`); the value compared is
    /// `r0 ^ fnv1a64(buffer afterwards)`.
    pub buffer: bool,
    /// The first argument points into a guarded page (exec/edge.rs): an
    /// operand of `Edge::width` bytes at the very end of a page followed by
    /// an inaccessible page, or at the start of one preceded by one; the
    /// value compared is `r0 ^ fnv1a64(the EDGE_SPAN bytes next to the guard)`.
    pub edge: Option<Edge>,
    pub line: usize,
}

/// Where the memory operand of a page-edge test lies.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// true: ends the page (the next page is inaccessible); false: starts
    /// the page (the previous page is inaccessible).
    pub at_end: bool,
    /// Bytes of the operand.
    pub width: u32,
}

impl TestCase {
    /// The expected value of an exact test (0 for the NaN classes).
    pub fn expect_value(&self) -> u64 {
        match self.expect {
            Expect::Exact(v) => v,
            _ => 0,
        }
    }
    pub fn applies_to(&self, fam: Family) -> bool {
        self.only.is_none_or(|o| o.includes(fam))
    }
    pub fn call_text(&self) -> String {
        let mut args: Vec<String> = self.args.iter().map(|&a| show(a)).collect();
        if self.buffer {
            args[0] = "buf".to_string();
        }
        format!("{}({})", self.func, args.join(", "))
    }
}

pub struct CorpusFile {
    pub path: PathBuf,
    pub name: String,
    pub text: String,
    pub tests: Vec<TestCase>,
}

impl CorpusFile {
    /// The source lines of one test function, for failure reports: from its
    /// `global`/label line to the next blank line.
    pub fn function_source(&self, func: &str) -> Option<String> {
        let lines: Vec<&str> = self.text.lines().collect();
        let label = format!("_{func}:");
        let start = lines.iter().position(|l| l.trim() == label)?;
        let start = if start > 0 && lines[start - 1].trim() == format!("global _{func}") { start - 1 } else { start };
        let mut out = String::new();
        for l in &lines[start..] {
            if l.trim().is_empty() {
                break;
            }
            out.push_str(l);
            out.push('\n');
        }
        Some(out)
    }
}

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("tests").join("corpus")
}

/// Every `*.asm` file of the corpus, sorted by name, optionally filtered by
/// the environment variable `OFFASM_EXEC_FILTER` (substring of the file name).
pub fn load_corpus() -> Vec<CorpusFile> {
    let filter = std::env::var("OFFASM_EXEC_FILTER").ok().filter(|s| !s.is_empty());
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/corpus exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "asm"))
        .filter(|p| filter.as_ref().is_none_or(|f| p.file_name().unwrap().to_string_lossy().contains(f.as_str())))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let tests = parse_tests(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            CorpusFile { path, name, text, tests }
        })
        .collect()
}

/// Parses every `# test` line; any malformed one is an error (a typo must
/// not silently drop a test).
pub fn parse_tests(text: &str) -> Result<Vec<TestCase>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let Some(rest) = raw.trim_start().strip_prefix('#') else { continue };
        let rest = rest.trim_start();
        let Some(after) = rest.strip_prefix("test") else { continue };
        if !(after.starts_with(':') || after.starts_with(' ')) {
            continue; // e.g. "# tests below…" or "# testing"
        }
        let (tag, body) = after.split_once(':').ok_or_else(|| format!("line {line}: `# test` line without `:`"))?;
        let only = match tag.trim() {
            "" => None,
            "x86" => Some(Only::X86),
            "arm64" => Some(Only::Arm64),
            "sysv" => Some(Only::SysV),
            "win" => Some(Only::Win64),
            t => {
                // Prose that happens to start with "test" is not a test line
                // unless it looks like one.
                if t.contains(' ') {
                    continue;
                }
                return Err(format!("line {line}: unknown target tag `{t}` (use x86, sysv, win or arm64)"));
            }
        };
        out.push(parse_call(body.trim()).map_err(|e| format!("line {line}: {e}: `{}`", raw.trim()))?.with(only, line));
    }
    Ok(out)
}

struct Parsed(String, Vec<u64>, Expect, bool);

impl Parsed {
    fn with(self, only: Option<Only>, line: usize) -> TestCase {
        TestCase { func: self.0, args: self.1, expect: self.2, only, line, buffer: self.3, edge: None }
    }
}

fn parse_call(s: &str) -> Result<Parsed, String> {
    let (call, result) = s.rsplit_once('=').ok_or("expected `name(args) = result`")?;
    let call = call.trim();
    let open = call.find('(').ok_or("expected `(`")?;
    let name = call[..open].trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("bad function name `{name}`"));
    }
    let inner = call[open + 1..].strip_suffix(')').ok_or("expected `)`")?;
    let mut args = Vec::new();
    let mut buffer = false;
    if !inner.trim().is_empty() {
        for (k, a) in inner.split(',').enumerate() {
            if k == 0 && a.trim() == "buf" {
                buffer = true;
                args.push(0);
            } else {
                args.push(parse_int(a.trim())?);
            }
        }
    }
    if args.len() > 4 {
        return Err("at most 4 arguments".into());
    }
    let result = result.trim();
    let expect = match result {
        "nan64" => Expect::Nan64,
        "nan32" => Expect::Nan32,
        r => Expect::Exact(parse_int(r)?),
    };
    Ok(Parsed(name.to_string(), args, expect, buffer))
}

pub fn parse_int(s: &str) -> Result<u64, String> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    let v = if let Some(h) = digits.strip_prefix("0x") { u64::from_str_radix(h, 16) } else { digits.parse::<u64>() }
        .map_err(|_| format!("bad integer `{s}`"))?;
    if neg {
        if v > 1 << 63 {
            return Err(format!("`{s}` is below -2^63"));
        }
        Ok(v.wrapping_neg())
    } else {
        Ok(v)
    }
}
