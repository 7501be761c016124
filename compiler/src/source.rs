//! Source files and byte spans. Every AST node and every diagnostic points
//! into a [`SourceMap`] through a [`Span`].

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start: start as u32, end: end as u32 }
    }
    /// The smallest span covering both (same file assumed; otherwise `self`).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

pub struct SourceFile {
    /// The path as it was opened (used to detect include cycles).
    pub path: PathBuf,
    /// The name shown in diagnostics.
    pub name: String,
    pub text: String,
    /// Offsets of the line starts, built on first use (only diagnostics and
    /// debug information need them, not a clean compilation).
    line_starts: OnceLock<Vec<u32>>,
}

impl SourceFile {
    /// 1-based line and column (columns count bytes, LANGUAGE.md §2.1).
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let line_starts = self.line_starts.get_or_init(|| {
            let mut v = vec![0u32];
            v.extend(self.text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i as u32 + 1));
            v
        });
        let line = match line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        (line as u32 + 1, offset - line_starts[line] + 1)
    }
}

#[derive(Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Paths an `include` looked for and did not find (before the file it
    /// found, or all of them): a file created there later would change the
    /// program (the build API watches their directories).
    absent: Vec<PathBuf>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file. Carriage returns are replaced by spaces so that CRLF input
    /// lexes like LF input while byte offsets stay those of the file on disk.
    /// A UTF-8 byte order mark at the start is dropped (columns on the first
    /// line are then those an editor shows).
    pub fn add(&mut self, path: &Path, name: String, text: String) -> FileId {
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        };
        // Scanned without an early exit, which the compiler vectorises (most
        // files have no carriage return, so the whole text is read anyway).
        let has_cr = text.bytes().fold(false, |cr, b| cr | (b == b'\r'));
        let text = if has_cr { text.replace('\r', " ") } else { text };
        self.files.push(SourceFile { path: path.to_path_buf(), name, text, line_starts: OnceLock::new() });
        FileId(self.files.len() as u32 - 1)
    }

    /// Records a path an `include` looked for and did not find.
    pub fn note_absent(&mut self, path: PathBuf) {
        if !self.absent.contains(&path) {
            self.absent.push(path);
        }
    }

    /// The paths `include`s looked for and did not find, in order.
    pub fn absent(&self) -> &[PathBuf] {
        &self.absent
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }

    /// `file:line:col` of the start of a span.
    pub fn location(&self, span: Span) -> String {
        let f = self.file(span.file);
        let (l, c) = f.line_col(span.start);
        format!("{}:{}:{}", f.name, l, c)
    }

    pub fn snippet(&self, span: Span) -> &str {
        let f = self.file(span.file);
        f.text.get(span.range()).unwrap_or("")
    }
}
