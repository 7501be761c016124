//! Runs WebAssembly spec scripts (`.wast`) with the `wast` crate. Every
//! command is counted: passed, failed (with the reason), or skipped (with the
//! reason: a feature this interpreter does not have yet). Nothing is dropped
//! silently.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use wast::core::{NanPattern, WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastRet};

use crate::{
    Error, Extern, Global, HostFunc, Imports, Instance, Limits, Memory, Module, Table, TrapKind,
    ValType, Value,
};

/// The outcome of one script.
#[derive(Debug, Default)]
pub struct Summary {
    pub name: String,
    pub passed: usize,
    /// `line: what went wrong`.
    pub failed: Vec<String>,
    /// `line: command: why it was not run`.
    pub skipped: Vec<String>,
}

impl Summary {
    pub fn total(&self) -> usize {
        self.passed + self.failed.len() + self.skipped.len()
    }

    /// Skip reasons with how many commands each covers, most frequent first.
    pub fn skip_reasons(&self) -> Vec<(String, usize)> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for s in &self.skipped {
            let reason = s.splitn(3, ": ").nth(2).unwrap_or(s).to_string();
            *counts.entry(reason).or_default() += 1;
        }
        let mut v: Vec<_> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} commands, {} passed, {} failed, {} skipped",
            self.name,
            self.total(),
            self.passed,
            self.failed.len(),
            self.skipped.len()
        )?;
        for line in &self.failed {
            writeln!(f, "  FAIL {line}")?;
        }
        for (reason, n) in self.skip_reasons() {
            writeln!(f, "  skipped {n}: {reason}")?;
        }
        Ok(())
    }
}

/// The standard `spectest` host module of the spec scripts.
pub fn spectest_imports() -> Imports {
    let mut imports = Imports::new();
    let print = |params: Vec<ValType>| Extern::Func(HostFunc::new(params, vec![], |_| Ok(vec![])));
    imports.define("spectest", "print", print(vec![]));
    imports.define("spectest", "print_i32", print(vec![ValType::I32]));
    imports.define("spectest", "print_i64", print(vec![ValType::I64]));
    imports.define("spectest", "print_f32", print(vec![ValType::F32]));
    imports.define("spectest", "print_f64", print(vec![ValType::F64]));
    imports.define(
        "spectest",
        "print_i32_f32",
        print(vec![ValType::I32, ValType::F32]),
    );
    imports.define(
        "spectest",
        "print_f64_f64",
        print(vec![ValType::F64, ValType::F64]),
    );
    imports.define(
        "spectest",
        "global_i32",
        Extern::Global(Global::new(Value::I32(666), false)),
    );
    imports.define(
        "spectest",
        "global_i64",
        Extern::Global(Global::new(Value::I64(666), false)),
    );
    imports.define(
        "spectest",
        "global_f32",
        Extern::Global(Global::new(Value::F32(666.6f32.to_bits()), false)),
    );
    imports.define(
        "spectest",
        "global_f64",
        Extern::Global(Global::new(Value::F64(666.6f64.to_bits()), false)),
    );
    imports.define(
        "spectest",
        "table",
        Extern::Table(Table::new(Limits {
            min: 10,
            max: Some(20),
        })),
    );
    let memory = Memory::new(Limits {
        min: 1,
        max: Some(2),
    })
    .expect("one page");
    imports.define("spectest", "memory", Extern::Memory(memory));
    imports
}

enum Slot {
    Ready(Box<Instance>),
    /// The module could not be run: why (commands on it are skipped).
    Skipped(String),
}

struct Runner<'a> {
    text: &'a str,
    summary: Summary,
    imports: Imports,
    /// Registered names whose module was skipped, with the reason.
    skipped_names: HashMap<String, String>,
    instances: Vec<Slot>,
    named: HashMap<String, usize>,
    /// Registered names, with the instance they name.
    registered: HashMap<String, usize>,
    current: Option<usize>,
}

enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

fn arg_value(arg: &WastArg<'_>) -> Result<Value, String> {
    match arg {
        WastArg::Core(WastArgCore::I32(v)) => Ok(Value::I32(*v)),
        WastArg::Core(WastArgCore::I64(v)) => Ok(Value::I64(*v)),
        WastArg::Core(WastArgCore::F32(v)) => Ok(Value::F32(v.bits)),
        WastArg::Core(WastArgCore::F64(v)) => Ok(Value::F64(v.bits)),
        _ => Err("non-numeric argument (reference types / SIMD)".into()),
    }
}

fn match_result(actual: Value, expected: &WastRet<'_>) -> Result<bool, String> {
    let WastRet::Core(expected) = expected else {
        return Err("component-model result".into());
    };
    Ok(match (actual, expected) {
        (Value::I32(a), WastRetCore::I32(e)) => a == *e,
        (Value::I64(a), WastRetCore::I64(e)) => a == *e,
        (Value::F32(a), WastRetCore::F32(p)) => match p {
            NanPattern::CanonicalNan => a & 0x7fff_ffff == 0x7fc0_0000,
            NanPattern::ArithmeticNan => a & 0x7f80_0000 == 0x7f80_0000 && a & 0x0040_0000 != 0,
            NanPattern::Value(e) => a == e.bits,
        },
        (Value::F64(a), WastRetCore::F64(p)) => match p {
            NanPattern::CanonicalNan => a & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
            NanPattern::ArithmeticNan => {
                a & 0x7ff0_0000_0000_0000 == 0x7ff0_0000_0000_0000 && a & 0x0008_0000_0000_0000 != 0
            }
            NanPattern::Value(e) => a == e.bits,
        },
        (
            _,
            WastRetCore::I32(_) | WastRetCore::I64(_) | WastRetCore::F32(_) | WastRetCore::F64(_),
        ) => false,
        _ => return Err("non-numeric result (reference types / SIMD)".into()),
    })
}

/// A module of a valid-module command that the `wast` crate cannot encode.
/// Should a 1.0 text form the rewriting of `explicit_segment_targets` misses
/// reach it, it is listed as skipped with the parser's message.
fn text_error(e: wast::Error) -> Outcome {
    let message = e.message();
    if message.starts_with("duplicate data identifier")
        || message.starts_with("duplicate elem identifier")
    {
        Outcome::Skip(format!(
            "the wast crate reads this 1.0 text differently: {message}"
        ))
    } else {
        Outcome::Fail(format!("module does not parse: {e}"))
    }
}

fn show(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Runner<'_> {
    fn line(&self, span: wast::token::Span) -> usize {
        span.linecol_in(self.text).0 + 1
    }

    fn instantiate(&mut self, wat: &mut QuoteWat<'_>) -> Result<Instance, Outcome> {
        let bytes = wat.encode().map_err(text_error)?;
        let module = Module::new(&bytes).map_err(|e| match e {
            Error::Unsupported(m) => Outcome::Skip(m),
            other => Outcome::Fail(other.to_string()),
        })?;
        let module = Arc::new(module);
        Instance::new(&module, &self.imports).map_err(|e| {
            let outcome = self.instantiate_error(&module, e);
            if let Outcome::Skip(reason) = &outcome {
                self.taint_exporters(&module, reason);
            }
            outcome
        })
    }

    /// A skipped module may have changed what it imported (elements into a
    /// table, data into a memory, a global set by its start function): the
    /// instances that exported those are no longer in the state the script
    /// expects, so later commands on them are skipped too.
    fn taint_exporters(&mut self, module: &Module, reason: &str) {
        for import in &module.imports {
            let shared = !matches!(import.kind, crate::module::ImportKind::Func(_));
            if let (true, Some(&index)) = (shared, self.registered.get(&import.module)) {
                if matches!(self.instances[index], Slot::Ready(_)) {
                    self.instances[index] =
                        Slot::Skipped(format!("state shared with a skipped module ({reason})"));
                }
            }
        }
    }

    fn instantiate_error(&self, module: &Module, e: Error) -> Outcome {
        match e {
            Error::Unsupported(m) => Outcome::Skip(m),
            Error::Link(m) => {
                for import in &module.imports {
                    if let Some(reason) = self.skipped_names.get(&import.module) {
                        return Outcome::Skip(format!("imports from a skipped module ({reason})"));
                    }
                }
                Outcome::Fail(format!("link error: {m}"))
            }
            other => Outcome::Fail(other.to_string()),
        }
    }

    fn instance(&mut self, id: Option<wast::token::Id<'_>>) -> Result<&mut Instance, Outcome> {
        let index = match id {
            Some(id) => *self
                .named
                .get(id.name())
                .ok_or_else(|| Outcome::Fail(format!("no module named ${}", id.name())))?,
            None => self
                .current
                .ok_or_else(|| Outcome::Fail("no module instantiated".into()))?,
        };
        match &mut self.instances[index] {
            Slot::Ready(i) => Ok(i),
            Slot::Skipped(reason) => Err(Outcome::Skip(format!("module skipped: {reason}"))),
        }
    }

    fn execute(
        &mut self,
        exec: &mut WastExecute<'_>,
    ) -> Result<Result<Vec<Value>, Error>, Outcome> {
        match exec {
            WastExecute::Invoke(invoke) => {
                let args = invoke
                    .args
                    .iter()
                    .map(arg_value)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(Outcome::Skip)?;
                let instance = self.instance(invoke.module)?;
                Ok(instance.invoke(invoke.name, &args))
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(*module)?;
                match instance.global(global) {
                    Some(v) => Ok(Ok(vec![v])),
                    None => Err(Outcome::Fail(format!("no global named {global}"))),
                }
            }
            WastExecute::Wat(wat) => {
                let bytes = wat.encode().map_err(text_error)?;
                let module = Module::new(&bytes).map_err(|e| match e {
                    Error::Unsupported(m) => Outcome::Skip(m),
                    other => Outcome::Fail(other.to_string()),
                })?;
                let module = Arc::new(module);
                match Instance::new(&module, &self.imports) {
                    Ok(_) => Ok(Ok(vec![])),
                    Err(e @ Error::Trap(_)) => Ok(Err(e)),
                    Err(e) => {
                        let outcome = self.instantiate_error(&module, e);
                        if let Outcome::Skip(reason) = &outcome {
                            self.taint_exporters(&module, reason);
                        }
                        Err(outcome)
                    }
                }
            }
        }
    }

    fn directive(&mut self, d: WastDirective<'_>) -> Outcome {
        match d {
            WastDirective::Module(mut wat) => {
                let name = wat.name().map(|id| id.name().to_string());
                let slot = match self.instantiate(&mut wat) {
                    Ok(i) => Slot::Ready(Box::new(i)),
                    Err(Outcome::Skip(reason)) => Slot::Skipped(reason),
                    Err(other) => {
                        self.instances
                            .push(Slot::Skipped("it failed to instantiate".into()));
                        self.current = Some(self.instances.len() - 1);
                        if let Some(n) = name {
                            self.named.insert(n, self.instances.len() - 1);
                        }
                        return other;
                    }
                };
                let outcome = match &slot {
                    Slot::Ready(_) => Outcome::Pass,
                    Slot::Skipped(r) => Outcome::Skip(r.clone()),
                };
                self.instances.push(slot);
                self.current = Some(self.instances.len() - 1);
                if let Some(n) = name {
                    self.named.insert(n, self.instances.len() - 1);
                }
                outcome
            }
            WastDirective::Register { name, module, .. } => match self.instance(module) {
                Ok(instance) => {
                    let exports = instance.exports();
                    for (field, item) in exports {
                        self.imports.define(name, &field, item);
                    }
                    let index = match module {
                        Some(id) => self.named[id.name()],
                        None => self.current.expect("an instance was found"),
                    };
                    self.registered.insert(name.to_string(), index);
                    Outcome::Pass
                }
                Err(Outcome::Skip(reason)) => {
                    self.skipped_names.insert(name.to_string(), reason.clone());
                    Outcome::Skip(reason)
                }
                Err(other) => other,
            },
            WastDirective::Invoke(invoke) => {
                let mut exec = WastExecute::Invoke(invoke);
                match self.execute(&mut exec) {
                    Ok(Ok(_)) => Outcome::Pass,
                    Ok(Err(e)) => Outcome::Fail(e.to_string()),
                    Err(o) => o,
                }
            }
            WastDirective::AssertReturn {
                mut exec, results, ..
            } => match self.execute(&mut exec) {
                Ok(Ok(values)) => {
                    if values.len() != results.len() {
                        return Outcome::Fail(format!(
                            "got {} results, expected {}",
                            values.len(),
                            results.len()
                        ));
                    }
                    for (v, r) in values.iter().zip(&results) {
                        match match_result(*v, r) {
                            Ok(true) => {}
                            Ok(false) => {
                                return Outcome::Fail(format!(
                                    "got {}, expected {:?}",
                                    show(&values),
                                    results
                                ))
                            }
                            Err(reason) => return Outcome::Skip(reason),
                        }
                    }
                    Outcome::Pass
                }
                Ok(Err(Error::Unsupported(m))) => Outcome::Skip(m),
                Ok(Err(e)) => Outcome::Fail(e.to_string()),
                Err(o) => o,
            },
            WastDirective::AssertTrap {
                mut exec, message, ..
            } => match self.execute(&mut exec) {
                Ok(Err(Error::Trap(t))) => {
                    let got = t.kind.message();
                    if got.contains(message) || message.contains(got) {
                        Outcome::Pass
                    } else {
                        Outcome::Fail(format!("trapped with `{t}`, expected `{message}`"))
                    }
                }
                Ok(Err(Error::Unsupported(m))) => Outcome::Skip(m),
                Ok(Err(e)) => Outcome::Fail(format!("{e}, expected trap `{message}`")),
                Ok(Ok(values)) => Outcome::Fail(format!(
                    "returned {}, expected trap `{message}`",
                    show(&values)
                )),
                Err(o) => o,
            },
            WastDirective::AssertExhaustion { call, message, .. } => {
                let mut exec = WastExecute::Invoke(call);
                match self.execute(&mut exec) {
                    Ok(Err(Error::Trap(t))) if t.kind == TrapKind::CallStackExhausted => {
                        Outcome::Pass
                    }
                    Ok(Err(e)) => Outcome::Fail(format!("{e}, expected `{message}`")),
                    Ok(Ok(values)) => {
                        Outcome::Fail(format!("returned {}, expected `{message}`", show(&values)))
                    }
                    Err(o) => o,
                }
            }
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            }
            | WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => {
                let bytes = match module.encode() {
                    Ok(b) => b,
                    Err(_) => return Outcome::Pass, // rejected by the text parser: malformed indeed
                };
                match Module::new(&bytes) {
                    Err(Error::Invalid(_)) => Outcome::Pass,
                    Err(e) => Outcome::Fail(format!("rejected with `{e}`, expected `{message}`")),
                    Ok(_) => Outcome::Fail(format!("module accepted, expected `{message}`")),
                }
            }
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => {
                let bytes = match module.encode() {
                    Ok(b) => b,
                    Err(e) => return Outcome::Fail(format!("module does not parse: {e}")),
                };
                let module = match Module::new(&bytes) {
                    Ok(m) => Arc::new(m),
                    Err(Error::Unsupported(m)) => return Outcome::Skip(m),
                    Err(e) => return Outcome::Fail(e.to_string()),
                };
                match Instance::new(&module, &self.imports) {
                    Err(Error::Link(_) | Error::Instantiate(_)) => Outcome::Pass,
                    Err(Error::Unsupported(m)) => Outcome::Skip(m),
                    Err(e) => Outcome::Fail(format!("{e}, expected `{message}`")),
                    Ok(_) => Outcome::Fail(format!("module linked, expected `{message}`")),
                }
            }
            other => Outcome::Skip(format!(
                "`{}` is not part of WebAssembly 1.0 scripts",
                directive_name(&other)
            )),
        }
    }
}

/// WebAssembly 1.0 text writes the memory or table a segment initialises
/// right after the keyword: `(data $m …)`, `(elem $t …)`. Since 2.0 an
/// identifier there names the segment itself, which is how the `wast` crate
/// reads it, so 1.0 scripts are given the explicit form `(data (memory $m) …)`,
/// `(elem (table $t) …)`, which means the same in both.
fn explicit_segment_targets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = [("(data $", "memory"), ("(elem $", "table")]
            .iter()
            .filter_map(|&(pat, kind)| rest.find(pat).map(|i| (i, pat, kind)))
            .min_by_key(|&(i, _, _)| i);
        let Some((i, pat, kind)) = next else {
            out.push_str(rest);
            return out;
        };
        let keyword = &pat[..pat.len() - 1];
        let after = &rest[i + keyword.len()..];
        let id_len = after
            .find(|c: char| c.is_whitespace() || c == ')' || c == '(')
            .unwrap_or(after.len());
        out.push_str(&rest[..i]);
        // A segment's offset follows the identifier; an inline `(table
        // funcref (elem $f $g))` lists functions and stays as it is.
        let tail = &after[id_len..];
        if !tail.trim_start().starts_with('(') {
            out.push_str(&rest[i..i + keyword.len()]);
            out.push_str(&after[..id_len]);
            rest = tail;
            continue;
        }
        out.push_str(&format!("{keyword}({kind} {})", &after[..id_len]));
        if kind == "memory" {
            rest = tail;
            continue;
        }
        // With an explicit table, the function list needs the `func` keyword
        // after the offset expression.
        let open = tail.find('(').expect("checked above");
        let mut depth = 0;
        let mut close = tail.len();
        for (k, c) in tail[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        close = open + k + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push_str(&tail[..close]);
        out.push_str(" func");
        rest = &tail[close..];
    }
}

/// Runs the script `text` (named `name` in the summary).
pub fn run_wast(name: &str, text: &str) -> Result<Summary, String> {
    let text = &explicit_segment_targets(text);
    // The spec scripts test names made of confusable characters on purpose.
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = ParseBuffer::new_with_lexer(lexer).map_err(|e| format!("{name}: {e}"))?;
    let wast: Wast<'_> = parser::parse(&buf).map_err(|mut e| {
        e.set_text(text);
        format!("{name}: {e}")
    })?;
    let mut runner = Runner {
        text,
        summary: Summary {
            name: name.to_string(),
            ..Summary::default()
        },
        imports: spectest_imports(),
        skipped_names: HashMap::new(),
        instances: Vec::new(),
        named: HashMap::new(),
        registered: HashMap::new(),
        current: None,
    };
    for directive in wast.directives {
        let line = runner.line(directive.span());
        let what = directive_name(&directive);
        match runner.directive(directive) {
            Outcome::Pass => runner.summary.passed += 1,
            Outcome::Fail(m) => runner
                .summary
                .failed
                .push(format!("{name}:{line}: {what}: {m}")),
            Outcome::Skip(m) => runner.summary.skipped.push(format!("{line}: {what}: {m}")),
        }
    }
    Ok(runner.summary)
}

/// Runs the script in file `path`.
pub fn run_wast_file(path: &std::path::Path) -> Result<Summary, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    run_wast(&name, &text)
}

fn directive_name(d: &WastDirective<'_>) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}
