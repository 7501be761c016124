//! The baseline file: a TSV with `#` comment lines (how and where it was
//! measured) and one row per kernel and engine. `-` marks what does not
//! apply or was not measured. Columns:
//!
//! kernel arg engine best_ms median_ms ratio_best ratio_median
//! startup_best_us startup_median_us startup_ratio_best startup_ratio_median
//! dispatches wasm_instructions
//!
//! Ratios are offasm-wasm's time ÷ the engine's (below 1: offasm-wasm is
//! faster); on offasm-wasm's own row they are `-`, and its row carries the
//! dispatch and instruction counts of one call.

pub const COLUMNS: [&str; 13] = [
    "kernel",
    "arg",
    "engine",
    "best_ms",
    "median_ms",
    "ratio_best",
    "ratio_median",
    "startup_best_us",
    "startup_median_us",
    "startup_ratio_best",
    "startup_ratio_median",
    "dispatches",
    "wasm_instructions",
];

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub kernel: String,
    pub arg: i32,
    pub engine: String,
    pub best_ms: Option<f64>,
    pub median_ms: Option<f64>,
    pub ratio_best: Option<f64>,
    pub ratio_median: Option<f64>,
    pub startup_best_us: Option<f64>,
    pub startup_median_us: Option<f64>,
    pub startup_ratio_best: Option<f64>,
    pub startup_ratio_median: Option<f64>,
    pub dispatches: Option<u64>,
    pub wasm_instructions: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Baseline {
    /// Comment lines, without their `# `.
    pub comments: Vec<String>,
    pub rows: Vec<Row>,
}

fn num<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn fixed(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.digits$}"))
}

impl Baseline {
    pub fn row(&self, kernel: &str, engine: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.kernel == kernel && r.engine == engine)
    }

    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for c in &self.comments {
            s += &format!("# {c}\n");
        }
        s += &COLUMNS.join("\t");
        s += "\n";
        for r in &self.rows {
            let f = [
                r.kernel.clone(),
                r.arg.to_string(),
                r.engine.clone(),
                fixed(r.best_ms, 3),
                fixed(r.median_ms, 3),
                fixed(r.ratio_best, 4),
                fixed(r.ratio_median, 4),
                fixed(r.startup_best_us, 1),
                fixed(r.startup_median_us, 1),
                fixed(r.startup_ratio_best, 4),
                fixed(r.startup_ratio_median, 4),
                num(r.dispatches),
                num(r.wasm_instructions),
            ];
            s += &f.join("\t");
            s += "\n";
        }
        s
    }

    pub fn parse(text: &str, origin: &str) -> Result<Baseline, String> {
        let mut b = Baseline::default();
        let mut header = false;
        for (i, line) in text.lines().enumerate() {
            let at = || format!("{origin}:{}", i + 1);
            if let Some(c) = line.strip_prefix('#') {
                b.comments.push(c.strip_prefix(' ').unwrap_or(c).to_owned());
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            if !header {
                if f != COLUMNS {
                    return Err(format!(
                        "{}: not a wasm-bench baseline (expected the header `{}`)",
                        at(),
                        COLUMNS.join(" ")
                    ));
                }
                header = true;
                continue;
            }
            if f.len() != COLUMNS.len() {
                return Err(format!(
                    "{}: expected {} tab-separated fields, found {}",
                    at(),
                    COLUMNS.len(),
                    f.len()
                ));
            }
            fn opt<T: std::str::FromStr>(
                s: &str,
                what: &str,
                at: &dyn Fn() -> String,
            ) -> Result<Option<T>, String> {
                if s == "-" {
                    return Ok(None);
                }
                s.parse()
                    .map(Some)
                    .map_err(|_| format!("{}: bad {what} `{s}`", at()))
            }
            b.rows.push(Row {
                kernel: f[0].to_owned(),
                arg: f[1]
                    .parse()
                    .map_err(|_| format!("{}: bad arg `{}`", at(), f[1]))?,
                engine: f[2].to_owned(),
                best_ms: opt(f[3], COLUMNS[3], &at)?,
                median_ms: opt(f[4], COLUMNS[4], &at)?,
                ratio_best: opt(f[5], COLUMNS[5], &at)?,
                ratio_median: opt(f[6], COLUMNS[6], &at)?,
                startup_best_us: opt(f[7], COLUMNS[7], &at)?,
                startup_median_us: opt(f[8], COLUMNS[8], &at)?,
                startup_ratio_best: opt(f[9], COLUMNS[9], &at)?,
                startup_ratio_median: opt(f[10], COLUMNS[10], &at)?,
                dispatches: opt(f[11], COLUMNS[11], &at)?,
                wasm_instructions: opt(f[12], COLUMNS[12], &at)?,
            });
        }
        if !header {
            return Err(format!(
                "{origin}: not a wasm-bench baseline (no header line)"
            ));
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let b = Baseline {
            comments: vec!["wasm-bench baseline".into(), "load average 0.10".into()],
            rows: vec![
                Row {
                    kernel: "fib".into(),
                    arg: 36,
                    engine: "offasm-wasm".into(),
                    best_ms: Some(512.25),
                    median_ms: Some(515.5),
                    startup_best_us: Some(12.5),
                    startup_median_us: Some(13.0),
                    dispatches: Some(123),
                    wasm_instructions: Some(456),
                    ..Row::default()
                },
                Row {
                    kernel: "fib".into(),
                    arg: 36,
                    engine: "wasmi".into(),
                    best_ms: Some(600.0),
                    median_ms: Some(610.0),
                    ratio_best: Some(0.8538),
                    ratio_median: Some(0.8451),
                    ..Row::default()
                },
            ],
        };
        let text = b.to_text();
        assert_eq!(Baseline::parse(&text, "b.tsv").unwrap(), b);
        assert!(text.starts_with("# wasm-bench baseline\n# load average 0.10\nkernel\targ\t"));
    }

    #[test]
    fn rejects_other_files() {
        assert!(Baseline::parse("public fib 36 1\n", "b.tsv")
            .unwrap_err()
            .contains("not a wasm-bench baseline"));
        let short = format!("{}\nfib\t36\n", COLUMNS.join("\t"));
        assert!(Baseline::parse(&short, "b.tsv")
            .unwrap_err()
            .starts_with("b.tsv:2: expected 13"));
        let bad = format!(
            "{}\nfib\t36\twasmi\tx\t-\t-\t-\t-\t-\t-\t-\t-\t-\n",
            COLUMNS.join("\t")
        );
        assert!(Baseline::parse(&bad, "b.tsv")
            .unwrap_err()
            .contains("bad best_ms `x`"));
    }
}
