//! The kernel list: a TSV file of `group kernel arg checksum` lines
//! (tests/wasm-bench/kernels.tsv). Fields are separated by tabs or spaces;
//! blank lines and lines starting with `#` are skipped.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kernel {
    pub group: String,
    pub name: String,
    pub arg: i32,
    pub checksum: i32,
}

impl Kernel {
    /// The export every kernel module has: `bench_<kernel>`, (i32) -> i32.
    pub fn export(&self) -> String {
        format!("bench_{}", self.name)
    }
}

/// Parses a kernel list; `origin` names the file in error messages.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Kernel>, String> {
    let mut kernels: Vec<Kernel> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("{origin}:{}", i + 1);
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 4 {
            return Err(format!(
                "{}: expected 4 fields `group kernel arg checksum`, found {}: `{line}`",
                at(),
                f.len()
            ));
        }
        let name = f[1];
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!("{}: bad kernel name `{name}`", at()));
        }
        let arg = f[2]
            .parse::<i32>()
            .map_err(|_| format!("{}: argument `{}` is not an i32", at(), f[2]))?;
        // Checksums are i32; the unsigned spelling (u32) is accepted too.
        let checksum = f[3]
            .parse::<i32>()
            .or_else(|_| f[3].parse::<u32>().map(|u| u as i32))
            .map_err(|_| format!("{}: checksum `{}` is not an i32", at(), f[3]))?;
        if kernels.iter().any(|k| k.name == name) {
            return Err(format!("{}: kernel `{name}` listed twice", at()));
        }
        kernels.push(Kernel {
            group: f[0].to_owned(),
            name: name.to_owned(),
            arg,
            checksum,
        });
    }
    if kernels.is_empty() {
        return Err(format!("{origin}: no kernels listed"));
    }
    Ok(kernels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_committed_list_format() {
        let k = parse(
            "# group kernel arg checksum\n\npublic\tfib\t36\t14930352\npublic  sieve  30  -894175767\n  # indented comment\nx qsort 30 4035384453\n",
            "k.tsv",
        )
        .unwrap();
        assert_eq!(k.len(), 3);
        assert_eq!(
            k[0],
            Kernel {
                group: "public".into(),
                name: "fib".into(),
                arg: 36,
                checksum: 14930352
            }
        );
        assert_eq!(k[1].checksum, -894175767);
        // u32 spelling of a negative i32.
        assert_eq!(k[2].checksum, 4035384453u32 as i32);
        assert_eq!(k[0].export(), "bench_fib");
    }

    #[test]
    fn parses_the_repository_kernels() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/wasm-bench/kernels.tsv"
        );
        let k = parse(&std::fs::read_to_string(path).unwrap(), path).unwrap();
        assert!(k.iter().any(|k| k.name == "fib" && k.arg == 36));
    }

    #[test]
    fn rejects_malformed_lines() {
        for (text, what) in [
            ("public fib 36\n", "expected 4 fields"),
            ("public fib 36 1 extra\n", "expected 4 fields"),
            ("public fib x36 1\n", "argument `x36`"),
            ("public fib 36 0x10\n", "checksum `0x10`"),
            ("public fib 36 99999999999\n", "checksum"),
            ("public fi/b 36 1\n", "bad kernel name"),
            ("a fib 1 1\nb fib 2 2\n", "listed twice"),
            ("# only a comment\n\n", "no kernels"),
        ] {
            let e = parse(text, "k.tsv").unwrap_err();
            assert!(e.contains(what), "{text:?}: {e}");
            assert!(e.starts_with("k.tsv"), "{e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
        // The line number is that of the file.
        assert!(parse("# c\n\np f 1\n", "k.tsv")
            .unwrap_err()
            .starts_with("k.tsv:3:"));
    }
}
