//! Diagnostics: errors, warnings and notes with the place they are about.
//!
//! A diagnostic carries the operation's [`Location`] (its tensor name) and, when the IR came
//! from text, the source position. [`SourceFile::render`] prints it the way MLIR tools do:
//! `file:line:col: error: message`, the source line, and a caret under the column.

use std::fmt;

use crate::location::Location;

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A 1-based line and column in a source text.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourcePos {
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub pos: Option<SourcePos>,
    pub loc: Location,
    pub notes: Vec<Diagnostic>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            pos: None,
            loc: Location::Unknown,
            notes: Vec::new(),
        }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn note(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Note,
            ..Diagnostic::error(message)
        }
    }

    pub fn at(mut self, pos: Option<SourcePos>) -> Diagnostic {
        self.pos = pos;
        self
    }

    pub fn with_loc(mut self, loc: Location) -> Diagnostic {
        self.loc = loc;
        self
    }

    pub fn with_note(mut self, note: Diagnostic) -> Diagnostic {
        self.notes.push(note);
        self
    }
}

impl fmt::Display for Diagnostic {
    /// Without the source text: `loc("name"): error: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.pos, &self.loc) {
            (Some(p), _) => write!(f, "{}:{}: ", p.line, p.col)?,
            (None, Location::Unknown) => {}
            (None, loc) => write!(f, "loc({loc}): ")?,
        }
        write!(f, "{}: {}", self.severity.as_str(), self.message)
    }
}

/// The bytes of a source text, owned or shared (a memory-mapped file), known to be UTF-8.
#[derive(Clone, Debug)]
enum SourceText {
    Owned(String),
    /// Invariant: the blob's bytes are valid UTF-8 (checked by [`SourceFile::from_blob`]).
    Shared(crate::blob::Blob),
}

/// A named source text with a line index, to render diagnostics against.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    text: SourceText,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    /// Added to every line number: the chunk's first line when the text is a split chunk.
    pub line_offset: u32,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        Self::with_line_offset(name, text, 0)
    }

    pub fn with_line_offset(
        name: impl Into<String>,
        text: impl Into<String>,
        line_offset: u32,
    ) -> SourceFile {
        Self::build(name.into(), SourceText::Owned(text.into()), line_offset)
    }

    /// A source over shared bytes (such as a memory-mapped file) without copying them; fails if
    /// they are not UTF-8, returning the offset of the first bad byte.
    pub fn from_blob(
        name: impl Into<String>,
        blob: crate::blob::Blob,
    ) -> Result<SourceFile, usize> {
        std::str::from_utf8(blob.as_bytes()).map_err(|e| e.valid_up_to())?;
        Ok(Self::build(name.into(), SourceText::Shared(blob), 0))
    }

    fn build(name: String, text: SourceText, line_offset: u32) -> SourceFile {
        let mut file = SourceFile {
            name,
            text,
            line_starts: Vec::new(),
            line_offset,
        };
        let mut line_starts = vec![0];
        line_starts.extend(file.text().match_indices('\n').map(|(i, _)| i + 1));
        file.line_starts = line_starts;
        file
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        match &self.text {
            SourceText::Owned(s) => s,
            // SAFETY: `from_blob` is the only constructor of `Shared`, and it checked that the
            // bytes are UTF-8; blobs are immutable.
            SourceText::Shared(b) => unsafe { std::str::from_utf8_unchecked(b.as_bytes()) },
        }
    }

    /// The 1-based position of a byte offset (columns count bytes, as MLIR's do).
    pub fn pos_of(&self, offset: usize) -> SourcePos {
        let line = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        SourcePos {
            line: (line + 1) as u32 + self.line_offset,
            col: (offset - self.line_starts[line] + 1) as u32,
        }
    }

    /// The text of a 1-based line (in file numbering), without its newline.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let index = line.checked_sub(1 + self.line_offset)? as usize;
        let start = *self.line_starts.get(index)?;
        let text = self.text();
        let end = self
            .line_starts
            .get(index + 1)
            .map(|e| e - 1)
            .unwrap_or(text.len());
        Some(text[start..end].trim_end_matches('\r'))
    }

    /// `file:line:col: error: message`, then the line and a caret; notes follow the same way.
    pub fn render(&self, diag: &Diagnostic) -> String {
        let mut out = String::new();
        self.render_into(&mut out, diag);
        out
    }

    fn render_into(&self, out: &mut String, diag: &Diagnostic) {
        use std::fmt::Write;
        match diag.pos {
            Some(p) => {
                let _ = writeln!(
                    out,
                    "{}:{}:{}: {}: {}",
                    self.name,
                    p.line,
                    p.col,
                    diag.severity.as_str(),
                    diag.message
                );
                if let Some(line) = self.line_text(p.line) {
                    let _ = writeln!(out, "{line}");
                    let pad: String = line
                        .bytes()
                        .take(p.col.saturating_sub(1) as usize)
                        .map(|b| if b == b'\t' { '\t' } else { ' ' })
                        .collect();
                    let _ = writeln!(out, "{pad}^");
                }
            }
            None => {
                let place = match &diag.loc {
                    Location::Unknown => self.name.clone(),
                    loc => format!("loc({loc})"),
                };
                let _ = writeln!(
                    out,
                    "{}: {}: {}",
                    place,
                    diag.severity.as_str(),
                    diag.message
                );
            }
        }
        for note in &diag.notes {
            self.render_into(out, note);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_with_caret() {
        let src = SourceFile::new("in.mlir", "module {\n  %0 = foo\n}\n");
        let d = Diagnostic::error("use of undefined value '%4'").at(Some(src.pos_of(15)));
        assert_eq!(
            src.render(&d),
            "in.mlir:2:7: error: use of undefined value '%4'\n  %0 = foo\n      ^\n"
        );
    }

    #[test]
    fn line_offset_shifts_numbers() {
        let src = SourceFile::with_line_offset("in.mlir", "a\nbc", 10);
        assert_eq!(src.pos_of(3), SourcePos { line: 12, col: 2 });
        assert_eq!(src.line_text(12), Some("bc"));
    }
}
