//! Runs the pipeline: load → settings → expand → (layout, fold, validate)
//! → cross-target checks → emission. Used by the CLI, tests, benchmarks and
//! build scripts. [`all`] runs it for several targets at once.

pub mod all;

pub use all::{check_targets, MultiOutcome, TargetOutcome};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics, Levels};
use crate::expand::{self, settings::Settings, Expanded, ItemKind};
use crate::front::ast::{Addr, Expr, ExprKind, OperandKind, Stmt};
use crate::front::Loader;
use crate::layout::{KeyKind, Layout};
use crate::source::{SourceMap, Span};
use crate::target::Target;
use crate::valid::{self, Program};

#[derive(Clone, Debug)]
pub struct Options {
    pub target: Target,
    pub include_dirs: Vec<PathBuf>,
    /// `-D` specs: `NAME`, `NAME=0`, `NAME=1`.
    pub defines: Vec<String>,
    pub layouts: Vec<PathBuf>,
    pub max_depth: usize,
    pub undefined_settings_false: bool,
    /// Emit `.file`/`.loc` line information (`-g`).
    pub debug_info: bool,
    /// Unwind tables (DWARF CFI on ELF and Mach-O, SEH on COFF).
    pub unwind: bool,
    /// Hardened control flow: landing pads at labels reached indirectly
    /// (`endbr64`, `bti`) and the ELF note (`--cf-protection`).
    pub cf_protection: bool,
    /// The visibility of exported labels (`--visibility`, TARGETS.md §8.2).
    pub visibility: crate::back::Visibility,
    /// Alignment of exported labels in bytes when larger than the target's
    /// (`--align-labels`); 0: the target's.
    pub label_align: u32,
    /// Run the cross-target checks (`crate::check`) after validation.
    pub hazard_checks: bool,
    /// `--allow`/`--warn`/`--deny`: applied to the final diagnostics.
    pub levels: Levels,
    /// Threads for a run over several targets ([`check_targets`]); 0: one
    /// per core (at most one per target).
    pub jobs: usize,
}

impl Options {
    pub fn new(target: Target) -> Options {
        Options {
            target,
            include_dirs: Vec::new(),
            defines: Vec::new(),
            layouts: Vec::new(),
            max_depth: expand::DEFAULT_MAX_DEPTH,
            undefined_settings_false: false,
            debug_info: false,
            unwind: true,
            cf_protection: false,
            visibility: crate::back::Visibility::Hidden,
            label_align: 0,
            hazard_checks: true,
            levels: Levels::new(),
            jobs: 0,
        }
    }
}

/// Everything a compilation produced, including its diagnostics.
#[derive(Default)]
pub struct Outcome {
    pub map: SourceMap,
    pub diags: Diagnostics,
    pub files_read: Vec<PathBuf>,
    pub expanded: Option<Expanded>,
    pub program: Option<Program>,
    /// The generated assembly (phase 8), when compilation succeeded.
    pub asm: Option<String>,
    /// The labels (program items) where the checks started a C-ABI
    /// function, when they ran (the unwind information reuses them).
    pub function_starts: Option<crate::check::FunctionStarts>,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        !self.diags.has_errors()
    }
    /// All diagnostics rendered (ariadne), in order.
    pub fn render(&self, color: bool) -> String {
        crate::diag::render_all(&self.diags.list, &self.map, color)
    }
    pub fn render_short(&self) -> String {
        self.diags.list.iter().map(|d| d.render_short(&self.map)).collect()
    }
}

/// Where the root source comes from.
pub enum Input<'a> {
    File(&'a Path),
    /// In-memory text; `path` is used for display and relative includes.
    Text { path: &'a Path, text: String },
}

/// Phases 1–4. `Err` is a command-line problem (bad `-D`), not a diagnostic.
pub fn expand(input: Input, opts: &Options) -> Result<Outcome, String> {
    let mut out = expand_phases(input, opts)?;
    opts.levels.apply(&mut out.diags);
    Ok(out)
}

/// Phases 1–7 and the cross-target checks: the validated program.
pub fn check(input: Input, opts: &Options) -> Result<Outcome, String> {
    let mut out = check_phases(input, opts)?;
    opts.levels.apply(&mut out.diags);
    Ok(out)
}

/// Phases 1–8: assembly text for the target, if there were no errors.
pub fn compile(input: Input, opts: &Options) -> Result<Outcome, String> {
    let mut out = check(input, opts)?;
    emit(&mut out, opts);
    Ok(out)
}

/// Phase 8 for a checked outcome without errors (levels applied).
fn emit(out: &mut Outcome, opts: &Options) {
    if out.ok() {
        if let Some(p) = &out.program {
            let eo = crate::back::EmitOptions { debug_info: opts.debug_info, unwind: opts.unwind, landing_pads: opts.cf_protection, visibility: opts.visibility, label_align: opts.label_align };
            let (asm, found) = crate::back::emit_reporting(p, &opts.target, &out.map, &eo, out.function_starts.as_ref());
            let mut found = Diagnostics { list: found };
            opts.levels.apply(&mut found);
            let denied = found.has_errors();
            out.diags.extend(found.list);
            // A problem made an error (`--deny unwind-undescribed`) stops the output.
            out.asm = (!denied).then_some(asm);
        }
    }
}

fn settings(opts: &Options, target: &Target) -> Result<Settings, String> {
    settings_for(opts, target, false)
}

/// The settings of `target`; `other`: a target checked besides the one the
/// `-D` list was written for, where a target-derived setting it contradicts
/// (`-D OS_LINUX` while checking macOS) is left out instead of refused.
fn settings_for(opts: &Options, target: &Target, other: bool) -> Result<Settings, String> {
    let mut settings = Settings::new(target.clone());
    settings.undefined_false = opts.undefined_settings_false;
    for d in &opts.defines {
        if other && contradicts(d, target) {
            continue;
        }
        settings.define(d)?;
    }
    Ok(settings)
}

/// `-D spec` sets a target-derived setting to the opposite of `target`'s value.
fn contradicts(spec: &str, target: &Target) -> bool {
    expand::settings::parse_define(spec).is_ok_and(|(name, value)| target.derived_setting(name).is_some_and(|fixed| fixed != value))
}

fn expand_phases(input: Input, opts: &Options) -> Result<Outcome, String> {
    let settings = settings(opts, &opts.target)?;
    let mut out = Outcome::default();
    let mut loader = Loader::new(&mut out.map, &opts.include_dirs, &mut out.diags);
    let tree: Option<Vec<Stmt>> = match input {
        Input::File(p) => loader.load_root(p),
        Input::Text { path, text } => Some(loader.load_text(path, &path.display().to_string(), text)),
    };
    out.files_read = std::mem::take(&mut loader.files_read);
    let Some(tree) = tree else { return Ok(out) };
    // A file that does not parse is not expanded: its tree is incomplete.
    if out.diags.has_errors() {
        return Ok(out);
    }
    let tree = expand::settings::resolve(tree, &settings, &mut out.diags);
    if out.diags.has_errors() {
        return Ok(out);
    }
    out.expanded = Some(expand::expand(&tree, opts.max_depth, &mut out.diags));
    Ok(out)
}

fn check_phases(input: Input, opts: &Options) -> Result<Outcome, String> {
    let mut out = expand_phases(input, opts)?;
    let errors_before = out.diags.error_count();
    let layout = load_layouts(opts, &mut out);
    if out.diags.error_count() > errors_before {
        // Every key would be reported missing: the table itself is the problem.
        return Ok(out);
    }
    if let Some(x) = &out.expanded {
        let program = valid::validate(x, &opts.target, &layout, &mut out.diags);
        out.function_starts = hazard_checks(&program, &opts.target, opts, &out.map, &mut out.diags);
        out.program = Some(program);
    }
    Ok(out)
}

/// The cross-target checks, on a program without errors, unless they are
/// turned off or every code they report is allowed.
fn hazard_checks(program: &Program, target: &Target, opts: &Options, map: &SourceMap, diags: &mut Diagnostics) -> Option<crate::check::FunctionStarts> {
    if opts.hazard_checks && !diags.has_errors() && !opts.levels.allows_all(crate::check::HAZARD_CODES) {
        return Some(crate::check::check(program, target, map, diags));
    }
    None
}

fn load_layouts(opts: &Options, out: &mut Outcome) -> Layout {
    let mut layout = Layout::default();
    for path in &opts.layouts {
        if let Err((code, msg)) = layout.load(path, &opts.target.triple) {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let id = out.map.add(path, path.display().to_string(), text);
            out.diags.push(Diagnostic::error(code, Span::new(id, 0, 0), msg).with_label("in this layout table"));
        }
        out.files_read.push(path.clone());
    }
    layout
}

/// Every layout key the expanded program needs (for `--print-layout-keys`).
pub fn layout_keys(x: &Expanded) -> BTreeMap<(KeyKind, String), ()> {
    fn walk(e: &Expr, keys: &mut BTreeMap<(KeyKind, String), ()>) {
        match &e.kind {
            ExprKind::Path(k) => {
                keys.insert((KeyKind::Offset, k.to_string()), ());
            }
            ExprKind::Sizeof(k) => {
                keys.insert((KeyKind::Size, k.to_string()), ());
            }
            ExprKind::Constexpr(k) => {
                keys.insert((KeyKind::Constexpr, k.to_string()), ());
            }
            ExprKind::Neg(a) | ExprKind::Not(a) => walk(a, keys),
            ExprKind::Bin(_, a, b) => {
                walk(a, keys);
                walk(b, keys);
            }
            _ => {}
        }
    }
    let mut keys = BTreeMap::new();
    for item in &x.items {
        if let ItemKind::Instr { operands, .. } = &item.kind {
            for o in operands.iter() {
                match &o.kind {
                    OperandKind::Expr(e) => walk(e, &mut keys),
                    OperandKind::Addr(a) => {
                        let Addr { offset, base, index, scale } = &**a;
                        for e in [offset, base, index, scale].into_iter().flatten() {
                            walk(e, &mut keys);
                        }
                    }
                }
            }
        }
    }
    keys
}
