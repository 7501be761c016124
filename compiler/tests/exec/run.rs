//! External tools: discovery (with the CI policy), building, and running a
//! driver with a timeout and crash recovery.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// True when running in CI (`CI=true`): a missing tool is then a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Writes straight to the process's stderr, bypassing the test harness's
/// output capture, so that skip notes are seen even when the test passes.
pub fn loud(msg: &str) {
    let mut e = std::io::stderr();
    let _ = writeln!(e, "\n==================== offasm exec ====================\n{msg}\n=====================================================");
}

pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Returns false (after a loud SKIP note) if a tool is missing outside CI;
/// panics in CI.
pub fn require_tools(what: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| find_tool(t).is_none()).collect();
    if missing.is_empty() {
        return true;
    }
    let why = format!(
        "{what}: required tool(s) not found on PATH: {}.\n\
         Install them (Debian: gcc, mingw-w64, wine, llvm, gcc-aarch64-linux-gnu, qemu-user, python3)\n\
         to run these execution tests.",
        missing.join(", ")
    );
    if in_ci() {
        panic!("FAIL (CI=true: a missing tool is an error) {why}");
    }
    let msg = format!("SKIP {why} With CI=true this is a failure.");
    loud(&msg);
    false
}

pub struct Output {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

/// Runs a command, killing it after `timeout`.
pub fn run(cmd: &mut Command, timeout: Duration) -> std::io::Result<Output> {
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if start.elapsed() > timeout {
            timed_out = true;
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap_or_default()).into_owned();
    Ok(Output { status: status.code(), stdout, stderr, timed_out })
}

/// Builds (compiles and links) with `compiler`; Err carries the diagnostics.
pub fn build(compiler: &str, args: &[&str], dir: &Path) -> Result<(), String> {
    let mut cmd = Command::new(compiler);
    cmd.args(args).current_dir(dir);
    let o = run(&mut cmd, Duration::from_secs(600)).map_err(|e| format!("cannot run {compiler}: {e}"))?;
    if o.status == Some(0) {
        Ok(())
    } else {
        Err(format!("{compiler} {} failed (status {:?}):\n{}{}", args.join(" "), o.status, o.stdout, o.stderr))
    }
}

/// What happened to one test of a driver run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Wrong {
        index: usize,
        got: u64,
    },
    Clobber {
        index: usize,
        slot: usize,
        value: u64,
    },
    Crash {
        index: usize,
        code: String,
    },
    Hang {
        index: usize,
    },
    /// The process died without saying where (e.g. sp destroyed, or the
    /// harness's timeout); found by a trace run.
    Died {
        index: usize,
        detail: String,
    },
    /// The run could not be completed at all.
    Broken {
        detail: String,
    },
}

/// How to launch a built driver: the program and the arguments before the
/// driver's own (`wine t.exe`, `qemu-aarch64 ./t`, `./t`).
pub struct Launcher {
    pub program: String,
    pub prefix_args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
}

impl Launcher {
    fn command(&self, dir: &Path, start: usize, trace: bool) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.prefix_args).arg(start.to_string());
        if trace {
            c.arg("trace");
        }
        c.current_dir(dir);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }
}

/// Runs the driver over all `ntests` tests, restarting after crashes and
/// hangs (at most `max_restarts` times: the page-edge tests expect many
/// crashing tests from a back end that over-reads), and returns every event.
pub fn run_driver_restarts(l: &Launcher, dir: &Path, ntests: usize, max_restarts: usize) -> Vec<Event> {
    let mut events = Vec::new();
    let mut start = 0usize;
    let mut restarts = 0;
    while start < ntests || (start == 0 && ntests == 0) {
        restarts += 1;
        if restarts > max_restarts {
            events.push(Event::Broken { detail: format!("too many crashes; tests {start}.. were not run") });
            break;
        }
        let o = match run(&mut l.command(dir, start, false), l.timeout) {
            Ok(o) => o,
            Err(e) => {
                events.push(Event::Broken { detail: format!("cannot run {}: {e}", l.program) });
                break;
            }
        };
        let (mut evs, end) = parse_output(&o.stdout);
        match end {
            End::Done => {
                events.append(&mut evs);
                break;
            }
            End::Crash(i, code) => {
                events.append(&mut evs);
                events.push(Event::Crash { index: i, code });
                start = i + 1;
            }
            End::Hang(i) => {
                events.append(&mut evs);
                events.push(Event::Hang { index: i });
                start = i + 1;
            }
            End::Nothing => {
                // Died silently: rerun from the same place, tracing every test.
                let t = match run(&mut l.command(dir, start, true), l.timeout) {
                    Ok(t) => t,
                    Err(e) => {
                        events.push(Event::Broken { detail: format!("cannot run {}: {e}", l.program) });
                        break;
                    }
                };
                let (mut evs, end) = parse_output(&t.stdout);
                events.append(&mut evs);
                match end {
                    End::Done => break,
                    End::Crash(i, code) => {
                        events.push(Event::Crash { index: i, code });
                        start = i + 1;
                    }
                    End::Hang(i) => {
                        events.push(Event::Hang { index: i });
                        start = i + 1;
                    }
                    End::Nothing => {
                        let last = t.stdout.lines().filter_map(|l| l.strip_prefix("RUN ")).next_back();
                        let why =
                            if t.timed_out { "timed out".to_string() } else { format!("exit status {:?}", t.status) };
                        match last.and_then(|s| s.trim().parse::<usize>().ok()) {
                            Some(i) => {
                                events.push(Event::Died { index: i, detail: why });
                                start = i + 1;
                            }
                            None => {
                                let err: String = t.stderr.lines().take(20).collect::<Vec<_>>().join("\n");
                                events.push(Event::Broken {
                                    detail: format!("the driver died before running a test ({why}):\n{err}"),
                                });
                                break;
                            }
                        }
                    }
                }
            }
        }
        if ntests == 0 {
            break;
        }
    }
    events
}

enum End {
    Done,
    Crash(usize, String),
    Hang(usize),
    Nothing,
}

fn parse_output(s: &str) -> (Vec<Event>, End) {
    let mut evs = Vec::new();
    let mut end = End::Nothing;
    for line in s.lines() {
        let mut w = line.split_whitespace();
        match w.next() {
            Some("FAIL") => {
                let index = w.next().and_then(|x| x.parse().ok());
                let got = w.next().and_then(|x| u64::from_str_radix(x, 16).ok());
                if let (Some(index), Some(got)) = (index, got) {
                    evs.push(Event::Wrong { index, got });
                }
            }
            Some("CLOBBER") => {
                let index = w.next().and_then(|x| x.parse().ok());
                let slot = w.next().and_then(|x| x.parse().ok());
                let value = w.next().and_then(|x| u64::from_str_radix(x, 16).ok());
                if let (Some(index), Some(slot), Some(value)) = (index, slot, value) {
                    evs.push(Event::Clobber { index, slot, value });
                }
            }
            Some("CRASH") => {
                if let Some(i) = w.next().and_then(|x| x.parse::<i64>().ok()) {
                    end = End::Crash(i.max(0) as usize, w.next().unwrap_or("?").to_string());
                }
            }
            Some("HANG") => {
                if let Some(i) = w.next().and_then(|x| x.parse::<i64>().ok()) {
                    end = End::Hang(i.max(0) as usize);
                }
            }
            Some("DONE") => end = End::Done,
            _ => {}
        }
    }
    (evs, end)
}
