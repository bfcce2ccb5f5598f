//! The interpreter's errors. Every error about an operation names the op and its location, so a
//! user can find the layer in the model (a TFLite tensor name is the location).

use std::fmt;

use tqopt_ir::Location;

/// An error from building or running an interpreter.
#[derive(Clone, Debug, PartialEq)]
pub enum InterpError {
    /// No `func.func` of that name in the module.
    FunctionNotFound { name: String },
    /// The op has no kernel in this interpreter.
    NoKernel { op: String, loc: String },
    /// An op could not be prepared or run (bad attributes, shapes or element types).
    Op {
        op: String,
        loc: String,
        message: String,
    },
    /// The inputs given to `run` do not fit the function.
    Input { message: String },
    /// The IR is not something the interpreter can run (a missing terminator, an unknown
    /// callee, calls nested too deeply).
    Structure { message: String },
}

impl InterpError {
    pub(crate) fn op(op: &str, loc: &Location, message: impl Into<String>) -> InterpError {
        InterpError::Op {
            op: op.to_string(),
            loc: loc_text(loc),
            message: message.into(),
        }
    }

    pub(crate) fn input(message: impl Into<String>) -> InterpError {
        InterpError::Input {
            message: message.into(),
        }
    }

    pub(crate) fn structure(message: impl Into<String>) -> InterpError {
        InterpError::Structure {
            message: message.into(),
        }
    }
}

/// `loc("name")`, as the IR prints it.
pub(crate) fn loc_text(loc: &Location) -> String {
    format!("loc({loc})")
}

impl fmt::Display for InterpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterpError::FunctionNotFound { name } => {
                write!(f, "no function named '@{name}' in the module")
            }
            InterpError::NoKernel { op, loc } => {
                write!(
                    f,
                    "'{op}' at {loc}: the interpreter has no kernel for this op"
                )
            }
            InterpError::Op { op, loc, message } => write!(f, "'{op}' at {loc}: {message}"),
            InterpError::Input { message } => write!(f, "bad input: {message}"),
            InterpError::Structure { message } => write!(f, "cannot interpret the IR: {message}"),
        }
    }
}

impl std::error::Error for InterpError {}

/// What a kernel reports; the plan adds the op's name and location.
pub type KResult<T> = Result<T, String>;
