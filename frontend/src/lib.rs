//! The TFLite frontend: reads a `.tflite` flatbuffer and lowers it into the tqopt IR.
//!
//! - [`import_file`] / [`import_bytes`]: `.tflite` -> [`Module`](tqopt_ir::Module), stating
//!   the same operations as TensorFlow's own importer (see [`import`] for what the module
//!   holds). Constant data is not copied: dense constants are windows into the (memory-mapped)
//!   input.
//! - [`import_file_with`] / [`import_bytes_with`] take [`ImportOptions`]: the memory budget
//!   that every declared tensor must keep to ([`memory_limit`] reads `TQOPT_MEMORY_LIMIT`).
//! - [`ops`]: per op family, TFLite builtin options <-> MLIR attributes, in both directions,
//!   for the backend to share.
//! - [`schema`]: the TFLite flatbuffer schema as generated Rust.
//! - [`types`]: TFLite tensor types <-> MLIR element types.

// The flatc-generated schema code names `alloc::vec::Vec` etc. from inside its own module; an
// `extern crate` in the crate root puts `alloc` in the extern prelude for every module.
extern crate alloc;

pub mod error;
pub mod import;
pub mod ops;
pub mod schema;
pub mod types;

pub use error::{ImportError, ImportErrorKind};
pub use import::limits::{memory_limit, DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_ENV};
pub use import::{
    import_bytes, import_bytes_with, import_file, import_file_with, ImportOptions,
    CONTROL_DEPENDENCIES_ATTR, METADATA_BUFFERS_ATTR,
};
