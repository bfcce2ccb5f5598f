//! Bounds on what a file may ask of the parser, checked before the work they bound.
//!
//! - Nesting: every nested construct of the grammar (arrays, dictionaries, tensor, function and
//!   quant types, locations, regions, blocks, modules, dense lists, dialect bodies) opens a
//!   bracket, and both pest and the tree walk recurse once per bracket. [`check_nesting`] scans
//!   the text before pest sees it and refuses a file nested deeper than
//!   [`ParseOptions::max_nesting`] with a located error, so no input can overflow the stack
//!   (`mlir-opt` 19 crashes on such files).
//! - Memory: a dense literal's decoded size comes from its declared type; it is computed with
//!   checked arithmetic and compared with [`ParseOptions::max_dense_bytes`] before anything is
//!   allocated. Splats are never materialized and are not bound by it.

use tqopt_ir::{Diagnostic, SourceFile};

/// The default of [`ParseOptions::max_nesting`]: far deeper than any real model (TensorFlow's
/// printouts nest about ten levels), and shallow enough that parsing, printing and dropping
/// the deepest accepted file fit in a 2 MiB thread stack in a debug build.
pub const DEFAULT_MAX_NESTING: usize = 256;

/// The stack of the thread the parser runs on: room for [`DEFAULT_MAX_NESTING`] levels of the
/// most stack-hungry construct (tensor types, about 40 KiB a level in a debug build) many
/// times over. Only the pages used are ever touched.
pub(super) const PARSE_STACK_BYTES: usize = 64 << 20;

/// The default of [`ParseOptions::max_dense_bytes`] when `TQOPT_MEMORY_LIMIT` is unset or
/// unreadable: the tool's one memory budget ([`tqopt_ir::memory`]).
pub const DEFAULT_MAX_DENSE_BYTES: u64 = tqopt_ir::memory::DEFAULT_LIMIT;

/// Limits the parser applies; [`Default`] gives [`DEFAULT_MAX_NESTING`] and the memory
/// budget in force (`TQOPT_MEMORY_LIMIT`, else [`DEFAULT_MAX_DENSE_BYTES`]). A driver may
/// raise or lower them (e.g. from a command-line option) and pass them to
/// [`super::parse_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// The deepest bracket nesting accepted (`(`, `[`, `{`, `<`).
    pub max_nesting: usize,
    /// The most bytes one dense elements literal (list or hex) may decode to.
    pub max_dense_bytes: u64,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_nesting: DEFAULT_MAX_NESTING,
            // An unreadable setting is reported by the commands that check it first; the
            // parser then keeps the default.
            max_dense_bytes: tqopt_ir::memory::limit().unwrap_or(DEFAULT_MAX_DENSE_BYTES),
        }
    }
}

/// The bytes [`check_nesting`] acts on: quotes, comment slashes and brackets.
const SCANNED: [bool; 256] = {
    let mut table = [false; 256];
    let bytes = b"\"/([{<)]}>";
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

/// Refuses text whose brackets nest deeper than `max`, at the first bracket past the limit.
/// Strings and `//` comments are skipped; the `>` of `->` closes nothing. Unbalanced closers
/// are left to the grammar to report.
pub(super) fn check_nesting(source: &SourceFile, max: usize) -> Result<(), Diagnostic> {
    let bytes = source.text().as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        // Most bytes are none of the ones below: skip them without the match.
        if !SCANNED[bytes[i] as usize] {
            i += 1;
            continue;
        }
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' | b'<' => {
                depth += 1;
                if depth > max {
                    return Err(Diagnostic::error(format!(
                        "nesting is deeper than {max} levels (brackets, types, regions or locations inside each other); the parser refuses it rather than overflow its stack"
                    ))
                    .at(Some(source.pos_of(i))));
                }
            }
            b'>' if i > 0 && bytes[i - 1] == b'-' => {}
            b')' | b']' | b'}' | b'>' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, max: usize) -> Result<(), String> {
        let source = SourceFile::new("t.mlir", text);
        check_nesting(&source, max).map_err(|d| source.render(&d))
    }

    #[test]
    fn counts_brackets_outside_strings_and_comments() {
        assert!(check("[[[]]]", 3).is_ok());
        let err = check("a\n [[[[]]]]", 3).unwrap_err();
        assert!(err.contains("t.mlir:2:5"), "{err}");
        assert!(err.contains("deeper than 3 levels"), "{err}");
        assert!(check("\"[[[[\\\"[[[[\" // [[[[\n", 1).is_ok());
        assert!(check("(f32) -> (f32) -> ((f32))", 2).is_ok());
        assert!(check("(((", 2).is_err());
        assert!(check("]]]]]((", 2).is_ok());
    }
}
