//! Writing output files (`offasm compile -o`, the build API's `.S` files):
//! atomically, so that a reader never sees half a file and an interrupted
//! write leaves the previous file intact, and never leaving a stale file
//! behind when a compilation fails.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Writes `contents` to `path` through a temporary file in the same
/// directory, renamed over `path` once complete (the temporary file is
/// removed if anything fails).
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{}.{}-{n}.tmp", name.to_string_lossy(), std::process::id()));
        let mut file = match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = file.write_all(contents).and_then(|()| file.flush());
        drop(file);
        let result = written.and_then(|()| std::fs::rename(&tmp, path));
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        return result;
    }
}

/// Removes a previous output at `path` after a failed compilation (a
/// missing file is fine). A directory is left alone.
pub fn remove_stale(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Whether `output` names one of `inputs` (compared by canonical path, so
/// `./x.asm` and `x.asm` are the same file): writing it would destroy a source.
pub fn is_an_input(output: &Path, inputs: &[PathBuf]) -> bool {
    let Ok(out) = output.canonicalize() else { return false };
    inputs.iter().any(|i| i.canonicalize().is_ok_and(|i| i == out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("offasm-output-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("out.S");
        std::fs::write(&out, "old").unwrap();
        write_atomically(&out, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "a temporary file was left behind");
        // A directory cannot be replaced: the error leaves no temporary file.
        let sub = dir.join("sub");
        std::fs::create_dir(&sub).unwrap();
        assert!(write_atomically(&sub, b"x").is_err());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        remove_stale(&out).unwrap();
        remove_stale(&out).unwrap();
        remove_stale(&sub).unwrap();
        assert!(!out.exists() && sub.is_dir());
        assert!(is_an_input(&dir.join("sub/../sub"), &[sub.clone()]));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
