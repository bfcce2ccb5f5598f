//! The TFLite frontend: reads a `.tflite` flatbuffer and lowers it into the tqopt IR.
//!
//! - [`import_file`] / [`import_bytes`]: `.tflite` -> [`Module`](tqopt_ir::Module), stating
//!   the same operations as TensorFlow's own importer (see [`import`] for what the module
//!   holds). Constant data is not copied: dense constants are windows into the (memory-mapped)
//!   input.
//! - [`import_file_with`] / [`import_bytes_with`] take [`ImportOptions`]: the memory budget
//!   that every declared tensor must keep to ([`memory_limit`] reads `TQOPT_MEMORY_LIMIT`).
//! - [`ops`], [`schema`], [`types`]: the file format, owned by `tqopt-tflite` (which the
//!   backend shares) and re-exported here so that existing callers keep their paths.

pub mod error;
pub mod import;

pub use tqopt_tflite::{ops, schema, types};

pub use error::{ImportError, ImportErrorKind};
pub use import::limits::{memory_limit, DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_ENV};
pub use import::{
    import_bytes, import_bytes_with, import_file, import_file_with, ImportOptions,
    CONTROL_DEPENDENCIES_ATTR, METADATA_BUFFERS_ATTR,
};
