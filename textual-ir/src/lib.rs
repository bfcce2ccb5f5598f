//! MLIR-compatible text for the tqopt IR: a pest grammar, a parser and a printer.
//!
//! What [`printer`] writes is accepted by upstream `mlir-opt --allow-unregistered-dialect`, and
//! what `mlir-opt` writes back parses here to the same IR. The parser also reads the custom forms
//! TensorFlow's printer uses. Printing is deterministic: the same IR prints the same bytes.
//! Parsing is bounded ([`ParseOptions`]): nesting depth and dense literal sizes are checked
//! before the work, so no input overflows the stack or allocates by a declared size alone.

pub mod grammar;
pub mod parser;
pub mod printer;

pub use parser::{parse, parse_str, parse_with, ParseOptions, Parsed};
pub use printer::{print_module, print_module_to, PrintOptions};
