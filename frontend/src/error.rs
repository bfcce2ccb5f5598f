//! Why an import failed, and where.
//!
//! Every error names the file and, as precisely as it can, the place in the model: the
//! subgraph (index and name), the operator (position and opcode) and the tensor (index and
//! name) or buffer involved. The importer never panics on bad input; it returns one of these.

use std::fmt;

/// What kind of problem stopped the import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportErrorKind {
    /// The file could not be opened or mapped.
    Io,
    /// The bytes do not start like a TFLite model (too short, or the file identifier is not
    /// `TFL3`).
    NotTflite,
    /// The flatbuffers verifier rejected the file (truncated data, offsets pointing outside the
    /// buffer, malformed vectors or strings, ...).
    Malformed,
    /// The file is a well-formed flatbuffer but says something inconsistent: an index out of
    /// range, a constant whose data does not fit its type, bad quantization parameters, ...
    Invalid,
    /// Something the file declares (a tensor, all tensors together) needs more memory than the
    /// budget allows, or its size overflows; or the budget itself is unreadable.
    TooLarge,
    /// An operator whose opcode tqopt does not import.
    UnsupportedOp {
        /// The `BuiltinOperator` value.
        code: i32,
        /// TFLite's name for it (`"RANDOM_UNIFORM"`), or `"BuiltinOperator(N)"` if unknown.
        name: String,
    },
}

/// An import failure: the file, the place inside the model, and what went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    /// The file (or the name given to [`crate::import_bytes`]).
    pub file: String,
    /// Where in the model, outermost first: `["subgraph 0 (\"main\")", "operator 12
    /// (CONV_2D)", "tensor 7 (\"conv/weights\")"]`. Empty for file-level problems.
    pub place: Vec<String>,
    pub message: String,
    pub kind: ImportErrorKind,
}

impl ImportError {
    pub(crate) fn new(kind: ImportErrorKind, message: impl Into<String>) -> ImportError {
        ImportError {
            file: String::new(),
            place: Vec::new(),
            message: message.into(),
            kind,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> ImportError {
        ImportError::new(ImportErrorKind::Invalid, message)
    }

    /// Adds an enclosing place (called from the inside out).
    pub(crate) fn within(mut self, place: impl Into<String>) -> ImportError {
        self.place.insert(0, place.into());
        self
    }

    pub(crate) fn in_file(mut self, file: &str) -> ImportError {
        self.file = file.to_string();
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.is_empty() {
            write!(f, "{}: ", self.file)?;
        }
        write!(f, "error: ")?;
        for p in &self.place {
            write!(f, "{p}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ImportError {}

pub(crate) type Result<T, E = ImportError> = std::result::Result<T, E>;

/// Describes a named thing for a place: `tensor 7 ("conv/weights")`.
pub(crate) fn named(what: &str, index: usize, name: Option<&str>) -> String {
    match name {
        Some(n) if !n.is_empty() => format!("{what} {index} (\"{}\")", n.escape_debug()),
        _ => format!("{what} {index}"),
    }
}
