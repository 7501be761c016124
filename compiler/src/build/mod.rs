//! The build-script API: compile dialect sources from a `build.rs` and link
//! them into the crate, in the shape of the `cc` crate.
//!
//! ```no_run
//! // build.rs
//! offasm::build::Build::new()
//!     .file("src/vm.asm")
//!     .include("lib-asm")
//!     .define("ASSERT_ENABLED", false)
//!     .layout("layout.json")
//!     .debug_info(true)
//!     .compile("vm");
//! ```
//!
//! [`Build::compile`] checks every file for every supported target (so that
//! a Linux build stops on a Windows-only error; [`Build::check_all_targets`]
//! turns that off), compiles it for Cargo's `TARGET` into
//! `OUT_DIR/<stem>.S`, tells Cargo to rerun the build script when any file it
//! read changes (includes and layout tables too) or when a file appears where
//! an `include` looked for one and found none (it watches those directories:
//! [`Build::try_generate`]), assembles the `.S` files
//! with the `cc` crate into the static library `lib<name>.a` and links it into
//! the crate (`cc` prints the `cargo:rustc-link-*` lines).
//!
//! Diagnostics are rendered without color on the build script's standard
//! error, which Cargo shows when the build fails; warnings are also passed to
//! Cargo as `cargo:warning=` lines (one per warning, notes in parentheses) so
//! that a successful build shows them. [`Build::allow`], [`Build::warn`] and
//! [`Build::deny`] re-level warnings and the cross-target checks as
//! `--allow`/`--warn`/`--deny` do on the command line. Any
//! error fails the build with the panic message `offasm: N errors in FILE`.
//! [`Build::try_compile`] returns the same information as a [`Result`]
//! instead of panicking; [`Build::try_generate`] stops after writing the `.S`
//! files.
//!
//! `include prelude` finds offasm's built-in prelude (lib-asm/prelude.asm in
//! the repository, docs/prelude.md) when no include directory has a
//! `prelude.asm`: no `.include(…)` is needed for it.
//!
//! Outside Cargo (tests, tools) set the target and the output directory
//! explicitly with [`Build::target`] and [`Build::out_dir`], and usually turn
//! the `cargo:` lines off with [`Build::cargo_metadata`].

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::back::Visibility;
use crate::diag::{Level, Levels};
use crate::driver::all::Style;
use crate::driver::{self, Input, Options};
use crate::target::{ObjFormat, Target};

/// A set of dialect sources to compile into one static library.
#[derive(Clone, Debug)]
pub struct Build {
    files: Vec<PathBuf>,
    include_dirs: Vec<PathBuf>,
    defines: Vec<(String, bool)>,
    layouts: Vec<PathBuf>,
    debug_info: Option<bool>,
    unwind: bool,
    cf_protection: Option<bool>,
    target: Option<String>,
    host: Option<String>,
    out_dir: Option<PathBuf>,
    cargo_metadata: bool,
    max_expansion_depth: Option<usize>,
    undefined_settings_false: bool,
    hazard_checks: bool,
    levels: Levels,
    /// The first bad `.allow`/`.warn`/`.deny` name, reported by the build.
    level_error: Option<String>,
    check_all_targets: bool,
    visibility: Visibility,
    label_align: u32,
}

impl Default for Build {
    fn default() -> Build {
        Build::new()
    }
}

/// What [`Build::try_generate`] produced.
#[derive(Clone, Debug, Default)]
pub struct Generated {
    /// `OUT_DIR/<stem>.S`, one per source file, in the order of [`Build::file`].
    pub asm_files: Vec<PathBuf>,
    /// Every file read (sources, includes, layout tables), without repetitions.
    pub files_read: Vec<PathBuf>,
    /// The directories watched for files that do not exist yet (where an
    /// `include` looked for a file and found none), without repetitions.
    pub watched_dirs: Vec<PathBuf>,
    /// The warnings, one line each: `file:line:col: warning[code]: message`
    /// with the notes in parentheses and, for a warning that only some of the
    /// targets checked report, ` [on TRIPLE, …]` (as passed to Cargo in
    /// `cargo:warning=`).
    pub warnings: Vec<String>,
    /// The target the files were compiled for (normalised triple).
    pub target: String,
    /// Every target the files were checked for: the target built first, then
    /// the other supported targets (unless [`Build::check_all_targets`] is off).
    pub checked_targets: Vec<String>,
}

/// What [`Build::try_compile`] produced.
#[derive(Clone, Debug)]
pub struct Artifacts {
    pub generated: Generated,
    /// The static library, `OUT_DIR/lib<name>.a`.
    pub library: PathBuf,
}

/// The diagnostics of one source file that had errors.
#[derive(Clone, Debug)]
pub struct FileErrors {
    pub file: PathBuf,
    /// Distinct errors (one reported for several targets counts once).
    pub errors: usize,
    /// The targets with errors (normalised triples).
    pub targets: Vec<String>,
    /// The target being built has none of them (only other targets do).
    pub built_target_ok: bool,
    /// Every target checked has errors.
    pub all_failing: bool,
    /// All of the file's diagnostics (errors and warnings), rendered without
    /// color; with several targets, grouped under headers naming them.
    pub rendered: String,
}



/// Why a build failed.
#[derive(Debug)]
pub enum Error {
    /// The build was not configured correctly: no source files, `TARGET` or
    /// `OUT_DIR` unknown, an unsupported target, a bad setting name, two
    /// sources with the same file stem.
    Config(String),
    /// At least one source file had errors (every file is compiled, so all of
    /// them are listed).
    Source(Vec<FileErrors>),
    /// A generated file could not be written.
    Io { path: PathBuf, error: std::io::Error },
    /// The C toolchain (through `cc`) failed to assemble or archive the output.
    Assemble(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(m) => write!(f, "offasm: {m}"),
            Error::Source(files) => {
                let parts: Vec<String> = files
                    .iter()
                    .map(|e| {
                        let mut s = format!("{} error{} in {}", e.errors, plural(e.errors), e.file.display());
                        if !e.all_failing {
                            s.push_str(&format!(" on {}", e.targets.join(", ")));
                        }
                        if e.built_target_ok {
                            s.push_str(" (every supported target is checked; see `Build::check_all_targets`)");
                        }
                        s
                    })
                    .collect();
                write!(f, "offasm: {}", parts.join("; "))
            }
            Error::Io { path, error } => write!(f, "offasm: cannot write `{}`: {error}", path.display()),
            Error::Assemble(m) => write!(f, "offasm: assembling the generated code failed: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Whether `dir` contains `inner` (both resolved if they exist).
fn contains(dir: &Path, inner: &Path) -> bool {
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    canon(inner).starts_with(canon(dir))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The configuration after environment variables have been consulted.
struct Resolved {
    triple: String,
    target: Target,
    out_dir: PathBuf,
    debug_info: bool,
}

impl Build {
    pub fn new() -> Build {
        Build {
            files: Vec::new(),
            include_dirs: Vec::new(),
            defines: Vec::new(),
            layouts: Vec::new(),
            debug_info: None,
            unwind: true,
            cf_protection: None,
            target: None,
            host: None,
            out_dir: None,
            cargo_metadata: true,
            max_expansion_depth: None,
            undefined_settings_false: false,
            hazard_checks: true,
            levels: Levels::new(),
            level_error: None,
            check_all_targets: true,
            visibility: Visibility::Hidden,
            label_align: 0,
        }
    }

    /// Adds a source file (a root file: its includes are found by `include`).
    pub fn file<P: AsRef<Path>>(&mut self, path: P) -> &mut Build {
        self.files.push(path.as_ref().to_path_buf());
        self
    }

    /// Adds several source files.
    pub fn files<P: AsRef<Path>>(&mut self, paths: impl IntoIterator<Item = P>) -> &mut Build {
        for p in paths {
            self.file(p);
        }
        self
    }

    /// Adds a directory to the include search path (`-I`; searched in the
    /// order added, before the including file's own directory).
    pub fn include<P: AsRef<Path>>(&mut self, dir: P) -> &mut Build {
        self.include_dirs.push(dir.as_ref().to_path_buf());
        self
    }

    /// Sets a user setting (`-D NAME=1` / `-D NAME=0`). A target-derived
    /// setting (`X86_64`, `JSVALUE64`, `OS_LINUX`, …) may be given only with
    /// the value the target fixes (it then changes nothing); another value is
    /// an [`Error::Config`] (`setting-is-derived`).
    pub fn define(&mut self, name: &str, value: bool) -> &mut Build {
        self.defines.push((name.to_string(), value));
        self
    }

    /// Adds a layout table (JSON, `--layout`).
    pub fn layout<P: AsRef<Path>>(&mut self, path: P) -> &mut Build {
        self.layouts.push(path.as_ref().to_path_buf());
        self
    }

    /// Emits `.file`/`.loc` line information pointing at the dialect sources.
    /// Default: on when Cargo builds with debug information (`DEBUG`).
    pub fn debug_info(&mut self, on: bool) -> &mut Build {
        self.debug_info = Some(on);
        self
    }

    /// Emits unwind tables (DWARF CFI on ELF and Mach-O, SEH on Windows), so
    /// that debuggers, C++ exceptions and Rust panics (`extern "C-unwind"`)
    /// pass through the assembly's frames. Default: on.
    pub fn unwind(&mut self, on: bool) -> &mut Build {
        self.unwind = on;
        self
    }

    /// Hardened control flow: landing pads (`endbr64`, `bti`) at every label
    /// reached by an indirect call or jump, and the ELF note that marks the
    /// object IBT / BTI compatible. Default: on when the build enables it
    /// for Rust (`-Z cf-protection=branch|full`, `-Z branch-protection=bti…`
    /// in `CARGO_ENCODED_RUSTFLAGS`) or C (`-fcf-protection[=branch|full]`,
    /// `-mbranch-protection=standard|bti…` in `CFLAGS`, `CFLAGS_<target>`,
    /// `TARGET_CFLAGS`).
    pub fn cf_protection(&mut self, on: bool) -> &mut Build {
        self.cf_protection = Some(on);
        self
    }

    /// The visibility of exported labels (TARGETS.md §8.2): hidden (the
    /// default: `.hidden` on ELF, `.private_extern` on Mach-O), or
    /// [`Visibility::Default`] for symbols a shared library exports.
    pub fn visibility(&mut self, v: Visibility) -> &mut Build {
        self.visibility = v;
        self
    }

    /// Aligns every exported label to `bytes` (a power of two up to 4096)
    /// when that is more than the target's alignment (16 bytes on x86-64, 4
    /// on ARM64, TARGETS.md §9). For code whose speed depends on where its
    /// entry points fall, such as an interpreter's handlers. Anything else
    /// is an [`Error::Config`].
    pub fn align_labels(&mut self, bytes: u32) -> &mut Build {
        self.label_align = bytes;
        self
    }

    /// The target triple. Default: Cargo's `TARGET`.
    pub fn target(&mut self, triple: &str) -> &mut Build {
        self.target = Some(triple.to_string());
        self
    }

    /// The host triple, for `cc` to find the toolchain. Default: Cargo's
    /// `HOST`, else the host offasm itself was built for.
    pub fn host(&mut self, triple: &str) -> &mut Build {
        self.host = Some(triple.to_string());
        self
    }

    /// Where the `.S` files, objects and the library go. Default: Cargo's `OUT_DIR`.
    pub fn out_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Build {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Whether to print `cargo:` lines (rerun-if-changed, warnings, and `cc`'s
    /// link lines). Default: true.
    pub fn cargo_metadata(&mut self, on: bool) -> &mut Build {
        self.cargo_metadata = on;
        self
    }

    /// The macro expansion depth limit (`--max-expansion-depth`).
    pub fn max_expansion_depth(&mut self, depth: usize) -> &mut Build {
        self.max_expansion_depth = Some(depth);
        self
    }

    /// Treat unknown settings as false, with a warning (`--undefined-settings-false`).
    pub fn undefined_settings_false(&mut self, on: bool) -> &mut Build {
        self.undefined_settings_false = on;
        self
    }

    /// Drops the diagnostics with this code (`--allow CODE`), or of a whole
    /// group (`"hazards"`, `"warnings"`). A code that is always an error, or
    /// an unknown one, makes the build fail with [`Error::Config`].
    pub fn allow(&mut self, code: &str) -> &mut Build {
        self.level(code, Level::Allow)
    }

    /// Reports diagnostics with this code (or group) as warnings (`--warn CODE`).
    pub fn warn(&mut self, code: &str) -> &mut Build {
        self.level(code, Level::Warn)
    }

    /// Reports diagnostics with this code (or group) as errors (`--deny CODE`).
    pub fn deny(&mut self, code: &str) -> &mut Build {
        self.level(code, Level::Deny)
    }

    fn level(&mut self, code: &str, level: Level) -> &mut Build {
        if let Err(e) = self.levels.set(code, level) {
            self.level_error.get_or_insert(e);
        }
        self
    }

    /// Whether to run the cross-target checks (the `hazards` codes) at all.
    /// Default: true.
    pub fn hazard_checks(&mut self, on: bool) -> &mut Build {
        self.hazard_checks = on;
        self
    }

    /// Whether to check the sources for every supported target, not only the
    /// one being built: a Linux build then stops on an error that only a
    /// Windows or ARM64 build would hit. Code is generated for the build's
    /// target only. Default: true.
    pub fn check_all_targets(&mut self, on: bool) -> &mut Build {
        self.check_all_targets = on;
        self
    }

    /// Compiles, assembles and links `lib<name>.a`; panics with a readable
    /// message (`offasm: N errors in FILE`) on any failure, which fails the
    /// build. For use in `build.rs`.
    #[track_caller]
    pub fn compile(&self, name: &str) {
        if let Err(e) = self.try_compile(name) {
            panic!("{e}");
        }
    }

    /// [`Build::compile`] returning the failure instead of panicking.
    pub fn try_compile(&self, name: &str) -> Result<Artifacts, Error> {
        if name.is_empty() || name.contains(['/', '\\']) {
            return Err(Error::Config(format!("`{name}` is not a library name")));
        }
        let generated = self.try_generate()?;
        let r = self.resolve()?;
        let library = self.assemble(name, &r, &generated.asm_files)?;
        Ok(Artifacts { generated, library })
    }

    /// Compiles every source file to `OUT_DIR/<stem>.S` (and prints the
    /// `cargo:` lines about them) without assembling anything.
    ///
    /// Cargo is told to rerun the build script when a file read changes and
    /// when a file appears where an `include` (or `include?`) looked for one
    /// before the file it read (or, for an `include?` of a missing file, in
    /// every place it looked): `rerun-if-changed` on those directories, which
    /// Cargo watches recursively. A directory that contains the build's
    /// output directory (a package root holding `.asm` files) is not watched:
    /// Cargo would then rerun the build script on every build.
    ///
    /// A `.S` file is written atomically (a temporary file renamed over it);
    /// a source with errors leaves no `.S` file (a previous one is removed).
    pub fn try_generate(&self) -> Result<Generated, Error> {
        // The file list itself: rerun when a source appears, changes or goes,
        // even if it cannot be read now.
        let mut announced = HashSet::new();
        for f in self.files.iter().chain(&self.layouts) {
            if announced.insert(f.clone()) {
                self.cargo_line(&format!("rerun-if-changed={}", f.display()));
            }
        }
        let r = self.resolve()?;
        if let Some(e) = &self.level_error {
            return Err(Error::Config(e.clone()));
        }
        if self.files.is_empty() {
            return Err(Error::Config("no source files (call `.file(…)`)".into()));
        }
        let outputs = self.output_paths(&r)?;

        let mut opts = Options::new(r.target.clone());
        opts.include_dirs = self.include_dirs.clone();
        opts.defines = self.defines.iter().map(|(n, v)| format!("{n}={}", u8::from(*v))).collect();
        opts.layouts = self.layouts.clone();
        opts.debug_info = r.debug_info;
        opts.unwind = self.unwind;
        opts.visibility = self.visibility;
        opts.label_align = check_label_align(self.label_align).map_err(Error::Config)?;
        opts.cf_protection = self.cf_protection.unwrap_or_else(|| build_enables_cf_protection(&r.triple));
        opts.undefined_settings_false = self.undefined_settings_false;
        opts.hazard_checks = self.hazard_checks;
        opts.levels = self.levels.clone();
        if let Some(d) = self.max_expansion_depth {
            opts.max_depth = d;
        }

        // The target built comes first; the others are only checked.
        let mut targets = vec![r.target.clone()];
        if self.check_all_targets {
            targets.extend(Target::all_supported().into_iter().filter(|t| !t.same_as(&r.target)));
        }
        let mut gen = Generated {
            target: r.target.triple.clone(),
            checked_targets: targets.iter().map(|t| t.triple.clone()).collect(),
            ..Generated::default()
        };
        let mut seen = HashSet::new();
        let mut seen_dirs = HashSet::new();
        let mut failures = Vec::new();
        for (file, out_path) in self.files.iter().zip(&outputs) {
            let mut outcome = driver::check_targets(Input::File(file), &opts, &targets, true).map_err(Error::Config)?;
            for p in &outcome.files_read {
                if announced.insert(p.clone()) {
                    self.cargo_line(&format!("rerun-if-changed={}", p.display()));
                }
                if seen.insert(p.clone()) {
                    gen.files_read.push(p.clone());
                }
            }
            for absent in outcome.map.absent() {
                let dir = match absent.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                if !seen_dirs.insert(dir.clone()) {
                    continue;
                }
                if contains(&dir, &r.out_dir) {
                    continue;
                }
                if announced.insert(dir.clone()) {
                    self.cargo_line(&format!("rerun-if-changed={}", dir.display()));
                }
                gen.watched_dirs.push(dir);
            }
            let distinct = outcome.distinct();
            if !distinct.is_empty() {
                // Grouped under headers naming the targets when several are checked.
                let rendered = outcome.render(Style::Human(false), 0);
                // Cargo shows a failing build script's stderr (eprint!: captured by tests).
                eprint!("{rendered}");
                let all = outcome.all_mask();
                for (d, on) in distinct.iter().filter(|(d, _)| !d.is_error()) {
                    let mut line = d.render_line(&outcome.map);
                    if *on != all && targets.len() > 1 {
                        line.push_str(&format!(" [on {}]", outcome.target_names(*on).join(", ")));
                    }
                    self.cargo_line(&format!("warning={line}"));
                    gen.warnings.push(line);
                }
                let errors = outcome.error_count();
                if errors > 0 {
                    // No stale output from an earlier, successful build.
                    crate::output::remove_stale(out_path).map_err(|error| Error::Io { path: out_path.clone(), error })?;
                    // Bit i: targets[i]; the target built is bit 0.
                    let failing = outcome.failing();
                    failures.push(FileErrors {
                        file: file.clone(),
                        errors,
                        targets: outcome.target_names(failing).iter().map(|t| t.to_string()).collect(),
                        built_target_ok: failing & 1 == 0,
                        all_failing: failing == all,
                        rendered,
                    });
                    continue;
                }
            }
            let Some(asm) = outcome.asm.take() else {
                // Not expected: the driver generates code whenever there is no error.
                return Err(Error::Config(format!("no code was generated for `{}`", file.display())));
            };
            crate::output::write_atomically(out_path, asm.as_bytes()).map_err(|error| Error::Io { path: out_path.clone(), error })?;
            gen.asm_files.push(out_path.clone());
        }
        if !failures.is_empty() {
            return Err(Error::Source(failures));
        }
        Ok(gen)
    }

    fn cargo_line(&self, line: &str) {
        if self.cargo_metadata {
            println!("cargo:{line}");
        }
    }

    fn resolve(&self) -> Result<Resolved, Error> {
        let triple = match &self.target {
            Some(t) => t.clone(),
            None => std::env::var("TARGET").map_err(|_| {
                Error::Config("the target is unknown: `TARGET` is not set (not run by Cargo? call `.target(…)`)".into())
            })?,
        };
        let target = Target::from_triple(&triple).map_err(|e| Error::Config(e.to_string()))?;
        let out_dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or_else(|| {
                Error::Config("the output directory is unknown: `OUT_DIR` is not set (not run by Cargo? call `.out_dir(…)`)".into())
            })?,
        };
        let debug_info = self.debug_info.unwrap_or_else(|| {
            std::env::var("DEBUG").is_ok_and(|d| !matches!(d.as_str(), "" | "0" | "false" | "none"))
        });
        Ok(Resolved { triple, target, out_dir, debug_info })
    }

    /// `OUT_DIR/<stem>.S` for every file; two files with one stem would
    /// overwrite each other's output.
    fn output_paths(&self, r: &Resolved) -> Result<Vec<PathBuf>, Error> {
        let mut stems: Vec<(String, &PathBuf)> = Vec::new();
        let mut out = Vec::new();
        for f in &self.files {
            let Some(stem) = f.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                return Err(Error::Config(format!("`{}` is not a file name", f.display())));
            };
            if let Some((_, other)) = stems.iter().find(|(s, _)| s.eq_ignore_ascii_case(&stem)) {
                return Err(Error::Config(format!(
                    "`{}` and `{}` would both be compiled to `{stem}.S`; rename one of them",
                    other.display(),
                    f.display()
                )));
            }
            out.push(r.out_dir.join(format!("{stem}.S")));
            stems.push((stem, f));
        }
        Ok(out)
    }

    /// Assembles the generated files with the C toolchain found by `cc` and
    /// archives them into the static library.
    fn assemble(&self, name: &str, r: &Resolved, asm_files: &[PathBuf]) -> Result<PathBuf, Error> {
        let msvc = r.target.obj == ObjFormat::Coff && r.triple.ends_with("-msvc");
        let host = self
            .host
            .clone()
            .or_else(|| std::env::var("HOST").ok())
            .unwrap_or_else(|| target_lexicon::HOST.to_string());
        let mut cc = cc::Build::new();
        cc.files(asm_files).target(&r.triple).host(&host).out_dir(&r.out_dir).cargo_metadata(self.cargo_metadata);
        if std::env::var_os("OPT_LEVEL").is_none() {
            // Irrelevant for assembly, but `cc` insists on knowing it.
            cc.opt_level(0);
        }
        let cc_vars = [format!("CC_{}", r.triple), format!("CC_{}", r.triple.replace('-', "_")), "TARGET_CC".into(), "CC".into()];
        if msvc && cc_vars.iter().all(|v| std::env::var_os(v).is_none()) {
            // The output is GNU syntax: MSVC's assemblers cannot read it, clang can (TARGETS.md §1).
            cc.compiler("clang");
        }
        let compiler = cc.try_get_compiler().map_err(|e| Error::Assemble(e.to_string()))?;
        if compiler.is_like_gnu() || compiler.is_like_clang() {
            // Plain assembly: the output relies on no C preprocessing, and
            // must not be changed by it (`#` comments, a symbol named `linux`).
            cc.asm_flag("-x").asm_flag("assembler");
            if compiler.is_like_clang() {
                // `cc` passes C flags (-ffunction-sections…) that do not apply to assembly.
                cc.asm_flag("-Wno-unused-command-line-argument");
            }
        }
        cc.try_compile(name).map_err(|e| Error::Assemble(e.to_string()))?;
        // `cc` names the archive `lib<name>.a` on every target.
        let lib = if name.starts_with("lib") && name.ends_with(".a") { name.to_string() } else { format!("lib{name}.a") };
        Ok(r.out_dir.join(lib))
    }
}

/// Do the build's flags enable hardened control flow for `triple` (see
/// [`Build::cf_protection`])?
fn build_enables_cf_protection(triple: &str) -> bool {
    let rust = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let mut c = String::new();
    for var in ["CFLAGS".to_string(), format!("CFLAGS_{triple}"), format!("CFLAGS_{}", triple.replace('-', "_")), "TARGET_CFLAGS".to_string()] {
        if let Ok(v) = std::env::var(&var) {
            c.push(' ');
            c.push_str(&v);
        }
    }
    flags_enable_cf_protection(rust.split('\x1f').chain(c.split_whitespace()))
}

/// `-Z cf-protection=branch|full`, `-Z branch-protection=…bti…`,
/// `-fcf-protection` (`=branch|full`), `-mbranch-protection=standard|…bti…`.
fn flags_enable_cf_protection<'a>(flags: impl Iterator<Item = &'a str>) -> bool {
    let flags: Vec<&str> = flags.collect();
    let mut on = false;
    for (k, f) in flags.iter().enumerate() {
        // `-Z x=y` may come as two flags.
        let f = if *f == "-Z" { flags.get(k + 1).copied().unwrap_or("") } else { f.strip_prefix("-Z").unwrap_or(f) };
        if let Some(v) = f.strip_prefix("cf-protection=").or_else(|| f.strip_prefix("-fcf-protection=")) {
            on = matches!(v, "branch" | "full");
        } else if f == "-fcf-protection" {
            on = true;
        } else if let Some(v) = f.strip_prefix("branch-protection=").or_else(|| f.strip_prefix("-mbranch-protection=")) {
            on = v == "standard" || v.split(['+', ',']).any(|p| p == "bti");
        }
    }
    on
}

#[cfg(test)]
mod cf_protection_tests {
    use super::flags_enable_cf_protection as on;

    #[test]
    fn flags_that_enable_hardened_control_flow() {
        assert!(on(["-fcf-protection"].into_iter()));
        assert!(on(["-O2", "-fcf-protection=full"].into_iter()));
        assert!(on(["-Zcf-protection=branch"].into_iter()));
        assert!(on(["-Z", "branch-protection=bti,pac-ret"].into_iter()));
        assert!(on(["-mbranch-protection=standard"].into_iter()));
        assert!(on(["-mbranch-protection=pac-ret+bti"].into_iter()));
        assert!(!on(["-fcf-protection=none"].into_iter()));
        assert!(!on(["-fcf-protection=return"].into_iter()));
        assert!(!on(["-mbranch-protection=pac-ret"].into_iter()));
        assert!(!on(["-fcf-protection", "-fcf-protection=none"].into_iter()));
        assert!(!on(std::iter::empty()));
    }
}

/// `bytes` if it is a valid label alignment (0: the target's).
pub fn check_label_align(bytes: u32) -> Result<u32, String> {
    if bytes == 0 || (bytes.is_power_of_two() && bytes <= 4096) {
        Ok(bytes)
    } else {
        Err(format!("label alignment {bytes} is not a power of two from 1 to 4096"))
    }
}
