//! The TFLite backend: writes a tqopt IR module as a `.tflite` flatbuffer that the LiteRT
//! interpreter loads (buffer 0 empty, 16-byte aligned buffers, versioned operator codes).
//!
//! [`export`] turns a [`Module`] into the bytes of a `.tflite` file ([`TfliteModel`]). It is
//! the inverse of `tqopt_frontend::import`: a model imported and exported again runs with
//! bit-identical results, and export -> import -> export gives byte-identical files. What the
//! file holds (design.md section 7):
//! - buffer 0 empty; every buffer's data at a multiple of 16 bytes from the start of the file;
//! - one operator code per builtin (or custom) operator, with both `builtin_code` and
//!   `deprecated_builtin_code` (127 for codes above 127) and the largest version its operators
//!   need by TFLite's versioning rules (`OpDef::tflite_version`);
//! - `min_runtime_version` metadata (TFLite's runtime version table), the module's
//!   `tfl.metadata` entries, the description, signature defs of the entry functions, tensor
//!   names from locations;
//! - quantized types as quantization parameters, `quantfork.stats` as tensor min/max, sparse
//!   constants with their sparsity parameters, custom ops with their option bytes, and
//!   `tfl.while` / `tfl.if` with the subgraphs of the functions their regions call.
//!
//! The export is two steps: [`export`]'s plan checks the whole IR and gathers what the file
//! holds (an [`ExportError`] names the function, op and location of any problem), then the
//! writer builds the flatbuffer in one pre-sized buffer, copying each constant once from the
//! IR's blobs (for an imported model, windows into the memory-mapped input, released after
//! the copy).
//!
//! Tests and tools:
//! - `cargo test -p tqopt-backend`: the shared models round trip (stable bytes, same IR, layout
//!   checks), small models built in memory or written as IR, error cases;
//! - `scripts/interop.sh`: the exported models in LiteRT (`tests/interop`);
//! - `cargo run --release -p tqopt-backend --example roundtrip -- IN.tflite OUT.tflite`;
//! - `cargo run --release -p tqopt-backend --example bench_roundtrip`: import + export time and
//!   peak memory of a ~105 MB model (`make_big_model` writes it).

pub mod error;
mod export;
/// TFLite's runtime version table (owned by the file-format crate).
pub use tqopt_tflite::runtime_version;
mod write;

/// `#tfl.sparsity_parameter<...>` -> TFLite's `SparsityParameters`; the typed parameters live in
/// `tqopt_tflite::sparsity`, and this keeps the backend's former entry point.
pub mod sparsity {
    pub use tqopt_tflite::sparsity::*;

    use tqopt_tflite::schema::tflite::SparsityParametersT;

    /// Parses the body of `#tfl.sparsity_parameter<...>` into the table the exporter writes.
    pub fn parse_sparsity(body: &str) -> Result<SparsityParametersT, String> {
        SparsityParameters::parse(body)?.to_flatbuffer()
    }
}

use std::io::Write as _;
use std::path::Path;

use tqopt_ir::Module;

pub use error::{ExportError, ExportErrorKind};
pub use export::{CONTROL_DEPENDENCIES_KEY, MIN_RUNTIME_VERSION_KEY};
pub use write::BUFFER_ALIGNMENT;

/// Exports `module` as a `.tflite` model.
pub fn export(module: &Module) -> Result<TfliteModel, ExportError> {
    let plan = export::Planner::new(module).plan()?;
    write::write(plan)
}

/// The bytes of an exported `.tflite` file.
///
/// The flatbuffer is built back to front in a buffer sized beforehand; the file is the tail of
/// that buffer, so it is kept where it was built rather than moved ([`TfliteModel::as_bytes`]).
pub struct TfliteModel {
    buf: Vec<u8>,
    head: usize,
    grew: bool,
}

impl TfliteModel {
    pub(crate) fn new(buf: Vec<u8>, head: usize, grew: bool) -> TfliteModel {
        TfliteModel { buf, head, grew }
    }

    /// The file's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[self.head..]
    }

    pub fn len(&self) -> usize {
        self.buf.len() - self.head
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The file's bytes as a vector of their own (moves them to the front of the buffer).
    pub fn into_vec(mut self) -> Vec<u8> {
        self.buf.drain(..self.head);
        self.buf
    }

    /// True when the builder outgrew its precomputed size and had to reallocate (a bug in the
    /// size estimate: the export then briefly needed three times the model's size).
    pub fn builder_grew(&self) -> bool {
        self.grew
    }

    /// Writes the file atomically: into a temporary file next to `path`, flushed to disk, then
    /// renamed over `path`, so that `path` holds either the old or the new model, never a
    /// partial one.
    pub fn write_atomically(&self, path: &Path) -> std::io::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model.tflite".into());
        let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(self.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

impl AsRef<[u8]> for TfliteModel {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl std::ops::Deref for TfliteModel {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl std::fmt::Debug for TfliteModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TfliteModel({} bytes)", self.len())
    }
}
