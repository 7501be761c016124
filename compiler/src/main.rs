//! The `offasm` command line.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use offasm::diag::{Level, Levels};
use offasm::driver::all::Style;
use offasm::driver::{self, Input, Options, Outcome};
use offasm::target::Target;

// See the `mimalloc` feature in Cargo.toml.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "offasm", version, about = "Compiler for the offlineasm portable assembly dialect")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, expand, validate and check a program; report diagnostics only.
    Check {
        #[command(flatten)]
        common: Common,
        /// Check for every supported target at once; diagnostics are grouped
        /// under a header naming the targets that report them.
        #[arg(long, conflicts_with = "target")]
        all_targets: bool,
        /// With --all-targets: threads to use (default: one per core, at most one per target).
        #[arg(long, value_name = "N", requires = "all_targets")]
        jobs: Option<usize>,
    },
    /// Print the macro-expanded program in the dialect's own syntax.
    Expand(Common),
    /// Compile a program (with --print-layout-keys: print the layout skeleton).
    Compile {
        #[command(flatten)]
        common: Common,
        /// Print a JSON skeleton of every layout key the program needs.
        #[arg(long)]
        print_layout_keys: bool,
        /// Output assembly file (default: standard output).
        #[arg(short = 'o', value_name = "OUT.S")]
        output: Option<PathBuf>,
        /// Emit line information (.file/.loc) for debuggers.
        #[arg(short = 'g')]
        debug_info: bool,
        /// Leave out the unwind tables (.cfi_* / .seh_* directives), which
        /// debuggers, C++ exceptions and Rust panics need to pass through
        /// the code.
        #[arg(long)]
        no_unwind: bool,
        /// Hardened control flow: a landing pad (`endbr64` on x86-64, `bti`
        /// on ARM64) at every label reached by an indirect call or jump, and
        /// the ELF note that marks the object IBT / BTI compatible.
        #[arg(long)]
        cf_protection: bool,
        /// Visibility of exported labels: `hidden` (ELF `.hidden`, Mach-O
        /// `.private_extern`) or `default` (exportable from a shared library).
        #[arg(long, value_enum, default_value_t = Vis::Hidden, value_name = "VISIBILITY")]
        visibility: Vis,
        /// Align every exported label to BYTES (a power of two up to 4096)
        /// when that is more than the target's 16 (x86-64) or 4 (ARM64).
        #[arg(long, value_name = "BYTES", value_parser = label_align)]
        align_labels: Option<u32>,
    },
    /// Run a C-ABI function of the program on the reference simulator and
    /// print r0 as a signed decimal number (the last line of standard output).
    Sim {
        #[command(flatten)]
        common: Common,
        /// The global label to call (`_name` or `name`).
        #[arg(long, value_name = "LABEL")]
        call: String,
        /// Pass a pointer to the middle of a 256-byte test buffer (byte i =
        /// (73·i + 41) mod 256) as a0, before INT_ARGS; print the FNV-1a-64
        /// hash of its final contents before r0.
        #[arg(long)]
        buffer: bool,
        /// Instruction budget; reaching it is an error.
        #[arg(long, default_value_t = offasm::sim::DEFAULT_MAX_STEPS, value_name = "N")]
        max_steps: u64,
        /// Integer arguments for a0, a1, … (decimal, negative, or 0x hex).
        #[arg(last = true, value_name = "INT_ARGS", allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// List the supported targets (with --registers: one target's register map).
    Targets {
        /// Print the register map of this target: each logical register's
        /// physical register and ABI role, and the alias groups (logical
        /// names that are one register there).
        #[arg(long, value_name = "TRIPLE")]
        registers: Option<String>,
    },
}

#[derive(Copy, Clone, ValueEnum)]
enum Vis {
    Hidden,
    Default,
}

#[derive(Args)]
struct Common {
    /// The root source file.
    file: PathBuf,
    /// Target triple (default: the host).
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    /// Add a directory to the include search path (searched in order).
    #[arg(short = 'I', value_name = "DIR")]
    include: Vec<PathBuf>,
    /// Set a user setting: NAME, NAME=1, NAME=0 (also true/false). A target-derived
    /// setting (X86_64, JSVALUE64, OS_LINUX…) may only be given the target's value.
    #[arg(short = 'D', value_name = "NAME[=0|1]")]
    define: Vec<String>,
    /// Layout table (JSON, repeatable).
    #[arg(long, value_name = "FILE")]
    layout: Vec<PathBuf>,
    /// Maximum macro expansion nesting depth.
    #[arg(long, default_value_t = offasm::expand::DEFAULT_MAX_DEPTH)]
    max_expansion_depth: usize,
    /// Treat settings that are neither target-derived nor given with -D as false (with a warning).
    #[arg(long)]
    undefined_settings_false: bool,
    /// Diagnostic rendering.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    diagnostic_format: Format,
    /// Show at most this many diagnostics (0: all).
    #[arg(long, default_value_t = 100, value_name = "N")]
    error_limit: usize,
    /// Drop the diagnostics with this code, or of a group: `hazards`,
    /// `warnings` (repeatable). Codes that are always errors cannot be allowed.
    #[arg(long = "allow", value_name = "CODE", value_delimiter = ',')]
    allow: Vec<String>,
    /// Report diagnostics with this code (or group) as warnings (repeatable).
    #[arg(long = "warn", value_name = "CODE", value_delimiter = ',')]
    warn: Vec<String>,
    /// Report diagnostics with this code (or group) as errors (repeatable).
    /// A level given for a code beats one given for its group; otherwise
    /// the last one given wins.
    #[arg(long = "deny", value_name = "CODE", value_delimiter = ',')]
    deny: Vec<String>,
    /// Do not run the cross-target checks (the `hazards` codes) at all.
    #[arg(long)]
    no_hazard_checks: bool,
    /// The levels of `--allow`/`--warn`/`--deny` in command-line order
    /// (filled in from the argument matches, not by clap).
    #[arg(skip)]
    levels: Levels,
}

#[derive(Copy, Clone, ValueEnum)]
enum Format {
    /// Source excerpts with labels (ariadne).
    Human,
    /// One `file:line:col: error[code]: message` line per diagnostic, plus notes.
    Short,
}

fn main() -> ExitCode {
    let parsed = Cli::command().try_get_matches().and_then(|m| Ok((Cli::from_arg_matches(&m)?, m)));
    let (mut cli, matches) = match parsed {
        Ok(x) => x,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors; every real error exits with 1.
            return if e.use_stderr() { ExitCode::from(1) } else { ExitCode::SUCCESS };
        }
    };
    let result = match &mut cli.command {
        Command::Check { common: c, .. } | Command::Expand(c) | Command::Compile { common: c, .. } | Command::Sim { common: c, .. } => {
            levels_in_order(c, &matches)
        }
        Command::Targets { .. } => Ok(()),
    }
    .and_then(|()| run(cli));
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

/// Fills `c.levels` from `--allow`/`--warn`/`--deny` in command-line order
/// (clap keeps each switch's values apart; their positions give the order).
fn levels_in_order(c: &mut Common, matches: &ArgMatches) -> Result<(), String> {
    let Some((_, sub)) = matches.subcommand() else { return Ok(()) };
    let mut given: Vec<(usize, Level, String)> = Vec::new();
    for (id, level) in [("allow", Level::Allow), ("warn", Level::Warn), ("deny", Level::Deny)] {
        let (Some(values), Some(indices)) = (sub.get_many::<String>(id), sub.indices_of(id)) else { continue };
        given.extend(indices.zip(values).map(|(i, v)| (i, level, v.clone())));
    }
    given.sort_by_key(|g| g.0);
    for (_, level, name) in given {
        c.levels.set(&name, level)?;
    }
    Ok(())
}

fn options(c: &Common) -> Result<Options, String> {
    let target = match &c.target {
        Some(t) => Target::from_triple(t).map_err(|e| e.to_string())?,
        None => Target::host().map_err(|e| format!("{e}\n(pass --target to choose a supported target)"))?,
    };
    options_for(c, target)
}

fn options_for(c: &Common, target: Target) -> Result<Options, String> {
    let mut o = Options::new(target);
    o.include_dirs = c.include.clone();
    o.defines = c.define.clone();
    o.layouts = c.layout.clone();
    o.max_depth = c.max_expansion_depth;
    o.undefined_settings_false = c.undefined_settings_false;
    o.hazard_checks = !c.no_hazard_checks;
    o.levels = c.levels.clone();
    Ok(o)
}

fn report(out: &Outcome, format: Format, limit: usize) {
    let all = &out.diags.list;
    let shown = if limit == 0 { all.len() } else { all.len().min(limit) };
    let text = match format {
        Format::Human => offasm::diag::render_all(&all[..shown], &out.map, std::io::stderr().is_terminal()),
        Format::Short => all[..shown].iter().map(|d| d.render_short(&out.map)).collect(),
    };
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    if shown < all.len() {
        let _ = writeln!(err, "note: {} more diagnostics not shown (--error-limit 0 shows all)", all.len() - shown);
    }
    let n = out.diags.error_count();
    if n > 0 {
        let _ = writeln!(err, "error: {n} error{} found", if n == 1 { "" } else { "s" });
    }
}

fn finish(out: &Outcome, c: &Common, stdout_text: Option<String>) -> ExitCode {
    report(out, c.diagnostic_format, c.error_limit);
    if !out.ok() {
        return ExitCode::from(1);
    }
    if let Some(t) = stdout_text {
        let mut so = std::io::stdout().lock();
        if so.write_all(t.as_bytes()).and_then(|_| so.flush()).is_err() {
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

impl From<Vis> for offasm::back::Visibility {
    fn from(v: Vis) -> Self {
        match v {
            Vis::Hidden => offasm::back::Visibility::Hidden,
            Vis::Default => offasm::back::Visibility::Default,
        }
    }
}

/// `compile -o PATH`. No output file is left when the compilation fails
/// (LANGUAGE.md §11.1): not a new one, and not the one a previous run wrote;
/// a source file is never written or removed.
/// The options of `compile` that shape the output.
struct EmitFlags {
    debug_info: bool,
    visibility: Vis,
    no_unwind: bool,
    cf_protection: bool,
    align_labels: Option<u32>,
}

impl EmitFlags {
    fn apply(self, opts: &mut driver::Options) {
        opts.debug_info = self.debug_info;
        opts.visibility = self.visibility.into();
        opts.unwind = !self.no_unwind;
        opts.cf_protection = self.cf_protection;
        opts.label_align = self.align_labels.unwrap_or(0);
    }
}

fn label_align(s: &str) -> Result<u32, String> {
    let bytes: u32 = s.parse().map_err(|_| format!("`{s}` is not a number of bytes"))?;
    offasm::build::check_label_align(bytes).and_then(|b| match b {
        0 => Err("label alignment 0 is not a power of two from 1 to 4096".into()),
        b => Ok(b),
    })
}

fn compile_to_file(c: &Common, path: &std::path::Path, flags: EmitFlags) -> Result<ExitCode, String> {
    let remove_stale = || {
        if let Err(e) = offasm::output::remove_stale(path) {
            eprintln!("error: cannot remove the previous `{}`: {e}", path.display());
        }
    };
    let out = options(c).and_then(|mut opts| {
        flags.apply(&mut opts);
        driver::compile(Input::File(&c.file), &opts)
    });
    let out = out.inspect_err(|_| remove_stale())?;
    report(&out, c.diagnostic_format, c.error_limit);
    if offasm::output::is_an_input(path, &out.files_read) {
        return Err(format!("`-o {}` is one of the source files: it would be overwritten", path.display()));
    }
    let Some(asm) = out.asm.as_ref().filter(|_| out.ok()) else {
        remove_stale();
        return Ok(ExitCode::from(1));
    };
    offasm::output::write_atomically(path, asm.as_bytes()).map_err(|e| {
        remove_stale();
        format!("cannot write `{}`: {e}", path.display())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Targets { registers: Some(triple) } => {
            let t = Target::from_triple(&triple).map_err(|e| e.to_string())?;
            let map = t.regmap();
            let mut s = format!("Registers of {} ({}; register map: {})\n\n", t.triple, t.description().unwrap_or(""), map.name());
            s.push_str(&offasm::target::regs::describe_map(map));
            print!("{s}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Targets { registers: None } => {
            let mut s = String::new();
            for t in Target::supported() {
                s.push_str(&format!("{:<28} {:<12} {}\n", t.triple, t.backend_setting, t.description));
                if !t.aliases.is_empty() {
                    s.push_str(&format!("{:<28} also: {}\n", "", t.aliases.join(", ")));
                }
            }
            print!("{s}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Sim { common: c, call, buffer, max_steps, args } => {
            let mut args = args.iter().map(|a| offasm::sim::parse_int_arg(a)).collect::<Result<Vec<u64>, String>>()?;
            let opts = options(&c)?;
            let mut out = driver::check(Input::File(&c.file), &opts)?;
            let Some(program) = out.program.take().filter(|_| out.ok()) else {
                return Ok(finish(&out, &c, None));
            };
            let sim = offasm::sim::Simulator::new(&program, &opts.target);
            let mut env = offasm::sim::Env::new();
            env.max_steps = max_steps;
            if buffer {
                args.insert(0, env.add_test_buffer());
            }
            match sim.call(&mut env, &call, &args) {
                Ok(r) => {
                    let mut text = String::new();
                    if let Some(b) = env.test_buffer_contents().filter(|_| buffer) {
                        text.push_str(&format!("buffer fnv1a64: {:#018x}\n", offasm::sim::fnv1a64(b)));
                    }
                    if let Some(bits) = r.nan {
                        eprintln!("note: r0 holds the bits of a binary{bits} NaN whose payload the spec leaves unspecified");
                    }
                    text.push_str(&format!("{}\n", r.r0 as i64));
                    Ok(finish(&out, &c, Some(text)))
                }
                Err(e) => {
                    let fallback = offasm::source::Span::default();
                    out.diags.push(e.to_diagnostic(fallback));
                    Ok(finish(&out, &c, None))
                }
            }
        }
        Command::Check { common: c, all_targets: true, jobs } => {
            let targets = Target::all_supported();
            // The targets to check are given; `opts.target` is not used.
            let mut opts = options_for(&c, targets[0].clone())?;
            opts.jobs = jobs.unwrap_or(0);
            let out = driver::check_targets(Input::File(&c.file), &opts, &targets, false)?;
            let style = match c.diagnostic_format {
                Format::Human => Style::Human(std::io::stderr().is_terminal()),
                Format::Short => Style::Short,
            };
            let mut text = out.render(style, c.error_limit);
            if let Some(summary) = out.error_summary() {
                text.push_str(&summary);
                text.push('\n');
            }
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
            let code = if out.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) };
            // The process ends now: freeing the trees (and waiting for the
            // worker threads to free theirs) would only delay that.
            std::mem::forget(out);
            Ok(code)
        }
        Command::Check { common: c, all_targets: false, .. } => {
            let out = driver::check(Input::File(&c.file), &options(&c)?)?;
            let code = finish(&out, &c, None);
            // As above: the process ends now.
            std::mem::forget(out);
            Ok(code)
        }
        Command::Expand(c) => {
            let out = driver::expand(Input::File(&c.file), &options(&c)?)?;
            let text = out.expanded.as_ref().map(offasm::print::expanded);
            Ok(finish(&out, &c, text))
        }
        Command::Compile { common: c, print_layout_keys, output: Some(path), debug_info, visibility, no_unwind, cf_protection, align_labels } if !print_layout_keys => {
            compile_to_file(&c, &path, EmitFlags { debug_info, visibility, no_unwind, cf_protection, align_labels })
        }
        Command::Compile { common: c, print_layout_keys, output: _, debug_info, visibility, no_unwind, cf_protection, align_labels } => {
            let mut opts = options(&c)?;
            EmitFlags { debug_info, visibility, no_unwind, cf_protection, align_labels }.apply(&mut opts);
            if print_layout_keys {
                let out = driver::expand(Input::File(&c.file), &opts)?;
                let text = out.expanded.as_ref().map(|x| offasm::layout::skeleton(&opts.target.triple, &driver::layout_keys(x)));
                return Ok(finish(&out, &c, text));
            }
            let out = driver::compile(Input::File(&c.file), &opts)?;
            Ok(finish(&out, &c, out.asm.clone()))
        }
    }
}
