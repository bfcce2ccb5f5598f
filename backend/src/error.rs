//! Why an export failed, and where.
//!
//! Every error names the place in the IR, outermost first: the function (`function @main`),
//! the region of a control-flow op when the subgraph was outlined from one, and the operation
//! (its position in the block, its name and its location, which is the TFLite tensor name).
//! The exporter never panics on odd IR; it returns one of these.

use std::fmt;

use tqopt_ir::{Context, OpId};

/// What kind of problem stopped the export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportErrorKind {
    /// An operation with no TFLite operator: an op of another dialect, a `func.call` outside
    /// the regions of `tfl.while` / `tfl.if`, an op of the tables without a builtin code.
    UnsupportedOp {
        /// The op's name (`"tf.Foo"`, `"func.call"`).
        name: String,
    },
    /// Data the file needs is not in the IR: a `dense_resource<__elided__>` constant (the IR
    /// was printed with elided elements), a resource key the module does not define, or
    /// `quantfork.stats` whose statistics cannot be read as `[min, max]` floats.
    MissingData,
    /// The IR says something a TFLite file cannot hold (a type without a TFLite tensor type,
    /// an attribute of the wrong kind, a malformed sparsity parameter, ...).
    Invalid,
    /// The model does not fit a flatbuffer (2 GB).
    TooLarge,
}

/// An export failure: the place in the IR and what went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportError {
    /// Where, outermost first: `["function @main", "operation 12 'tfl.conv_2d' at
    /// loc(\"conv1\")"]`. Empty for module-level problems.
    pub place: Vec<String>,
    pub message: String,
    pub kind: ExportErrorKind,
}

impl ExportError {
    pub(crate) fn new(kind: ExportErrorKind, message: impl Into<String>) -> ExportError {
        ExportError {
            place: Vec::new(),
            message: message.into(),
            kind,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> ExportError {
        ExportError::new(ExportErrorKind::Invalid, message)
    }

    pub(crate) fn missing(message: impl Into<String>) -> ExportError {
        ExportError::new(ExportErrorKind::MissingData, message)
    }

    /// Adds an enclosing place (called from the inside out).
    pub(crate) fn within(mut self, place: impl Into<String>) -> ExportError {
        self.place.insert(0, place.into());
        self
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: ")?;
        for p in &self.place {
            write!(f, "{p}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExportError {}

pub(crate) type Result<T, E = ExportError> = std::result::Result<T, E>;

/// Describes an operation for a place: `operation 12 'tfl.conv_2d' at loc("conv1")`.
pub(crate) fn op_place(ctx: &Context, op: OpId) -> String {
    let data = ctx.op(op);
    let index = ctx
        .parent_block(op)
        .and_then(|b| ctx.block_ops(b).position(|o| o == op));
    let mut s = match index {
        Some(i) => format!("operation {i} '{}'", data.name.as_str()),
        None => format!("operation '{}'", data.name.as_str()),
    };
    if !data.loc.is_unknown() {
        s.push_str(&format!(" at loc({})", data.loc));
    }
    s
}
