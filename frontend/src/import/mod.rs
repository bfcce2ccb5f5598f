//! The importer: a `.tflite` flatbuffer to a tqopt [`Module`], stating the same operations as
//! TensorFlow's own flatbuffer importer (`flatbuffer_translate --tflite-flatbuffer-to-mlir`).
//!
//! What the module holds:
//! - module attributes: `tfl.schema_version = 3 : i32`, `tfl.description = "..."` (when the
//!   model has one), `tfl.metadata = {name = "bytes", ...}` (every metadata entry, by name, as
//!   raw bytes; the first of duplicate names wins, as in TensorFlow),
//!   `tf_saved_model.semantics` (when there are signatures), and two attributes of tqopt's own
//!   for what TensorFlow's importer drops or turns into ops tqopt does not have:
//!   [`METADATA_BUFFERS_ATTR`] (the legacy `metadata_buffer` list) and
//!   [`CONTROL_DEPENDENCIES_ATTR`] (the `model_control_dependencies` metadata entry, which
//!   TensorFlow turns into `tfl.control_node`s; an exporter that reorders ops must drop it);
//! - one `func.func` per subgraph, in order. With at most one signature, subgraph 0 is
//!   `@main`; otherwise every function is named after its subgraph (`@fn_N` when unnamed).
//!   Entry functions carry `tf.entry_function = {inputs = "a,b", outputs = "c"}`; functions
//!   with a signature carry `tf_saved_model.exported_names = ["key"]` and
//!   `tf_saved_model.index_path = ["name"]` on their arguments and results; the others are
//!   private. A model without signature defs gets the default one TensorFlow's importer
//!   prints (`serving_default`, keyed by tensor names) for subgraph 0;
//! - ops named as in TensorFlow's tfl dialect, with its attributes; tensor names as locations
//!   (`loc("name")`, fused for several outputs) on the ops producing them and on arguments;
//! - constants as `tfl.pseudo_const` / `tfl.pseudo_qconst` / `tfl.pseudo_sparse_const` /
//!   `tfl.pseudo_sparse_qconst`, created before their first user; `tfl.no_value` for omitted
//!   optional inputs (one per function for `-1` inputs, one per op for inputs missing at the
//!   end of the list); `quantfork.stats` after float tensors that carry only min/max;
//!   variable tensors as splat constants marked `{tfl.is_variable}`;
//! - `tfl.while` and `tfl.if` with regions calling the private functions of their subgraphs
//!   (see [`crate::ops::control`]).
//!
//! The input is checked by the flatbuffers verifier before anything is read, what it declares
//! (shapes, sizes against the memory budget of [`limits`], quantization parameters, one writer
//! per tensor) by [`validate`] before anything is converted, and every index in it before use,
//! so bad input gives an [`ImportError`], never a panic.

pub mod limits;
mod subgraph;
pub(crate) mod tensor;
mod validate;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use tqopt_ir::attributes::{DenseElements, DenseValues};
use tqopt_ir::{AttrDict, Attribute, Blob, ElementType, Module, TensorType, Type};

use crate::error::{named, ImportError, ImportErrorKind, Result};
use crate::schema::tflite;

use tqopt_tflite::names::CONTROL_DEPENDENCIES_KEY;
pub use tqopt_tflite::names::{CONTROL_DEPENDENCIES_ATTR, METADATA_BUFFERS_ATTR};

/// How to import: the limits a model must keep to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportOptions {
    /// The most bytes any declared tensor may need, and all tensors other than constants
    /// together (see [`limits`]).
    pub memory_limit: u64,
}

impl Default for ImportOptions {
    /// [`limits::DEFAULT_MEMORY_LIMIT`], whatever the environment says.
    fn default() -> Self {
        ImportOptions {
            memory_limit: limits::DEFAULT_MEMORY_LIMIT,
        }
    }
}

impl ImportOptions {
    /// The options [`import_file`] and [`import_bytes`] use: the memory limit from
    /// [`limits::memory_limit`] (`TQOPT_MEMORY_LIMIT`, else the default).
    pub fn from_env() -> Result<ImportOptions, String> {
        Ok(ImportOptions {
            memory_limit: limits::memory_limit()?,
        })
    }
}

/// Imports the model at `path` with [`ImportOptions::from_env`]. The file is memory-mapped and
/// dense constants are windows into the mapping, so the file must not be modified while the
/// module is alive.
pub fn import_file(path: &Path) -> Result<Module, ImportError> {
    let name = path.display().to_string();
    let options = env_options(&name)?;
    import_file_with(path, &options)
}

/// Imports the model at `path` with the given options (see [`import_file`]).
pub fn import_file_with(path: &Path, options: &ImportOptions) -> Result<Module, ImportError> {
    let name = path.display().to_string();
    let blob = tqopt_ir::blob::map_file(path).map_err(|e| {
        ImportError::new(ImportErrorKind::Io, format!("cannot read the file: {e}")).in_file(&name)
    })?;
    import_bytes_with(&name, blob, options)
}

/// Imports a model held in `data` with [`ImportOptions::from_env`]. Dense constants of the
/// module share `data`'s storage. `name` is used in error messages.
pub fn import_bytes(name: &str, data: Blob) -> Result<Module, ImportError> {
    let options = env_options(name)?;
    import_bytes_with(name, data, &options)
}

/// Imports a model held in `data` with the given options (see [`import_bytes`]).
pub fn import_bytes_with(
    name: &str,
    data: Blob,
    options: &ImportOptions,
) -> Result<Module, ImportError> {
    import(&data, options).map_err(|e| e.in_file(name))
}

fn env_options(name: &str) -> Result<ImportOptions, ImportError> {
    ImportOptions::from_env()
        .map_err(|e| ImportError::new(ImportErrorKind::TooLarge, e).in_file(name))
}

fn import(data: &Blob, options: &ImportOptions) -> Result<Module> {
    import_as(data, options, Layout::AsWritten)
}

/// Whether the bytes are read as written, or re-based after an alignment failure.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Layout {
    AsWritten,
    /// Shifted by 4 bytes ([`rebased_by_four`]); buffers outside the flatbuffer are refused.
    Rebased,
}

/// The same flatbuffer 4 bytes further from the start of a new buffer: a new root offset and
/// identifier, then the file from byte 4 on. Every offset inside a flatbuffer is relative to
/// where it is stored, except the root offset, so the copy holds the same tables, each 4 bytes
/// later. A file whose 8-byte fields all sit 4 bytes off their alignment (a writer that
/// appended 4 bytes, as one of Silicon Labs' MLTK models has) verifies this way; LiteRT's
/// interpreter, which loads files without verifying them, runs such files.
fn rebased_by_four(bytes: &[u8]) -> Vec<u8> {
    let root = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let mut out = Vec::with_capacity(bytes.len() + 4);
    out.extend_from_slice(&root.wrapping_add(4).to_le_bytes());
    out.extend_from_slice(&bytes[4..8]);
    out.extend_from_slice(&bytes[4..]);
    out
}

fn import_as(data: &Blob, options: &ImportOptions, layout: Layout) -> Result<Module> {
    let bytes = data.as_bytes();
    if bytes.len() < 8 {
        return Err(ImportError::new(
            ImportErrorKind::NotTflite,
            format!(
                "the file is {} bytes long, too short to be a TFLite model",
                bytes.len()
            ),
        ));
    }
    if !tflite::model_buffer_has_identifier(bytes) {
        return Err(ImportError::new(
            ImportErrorKind::NotTflite,
            format!(
                "the file identifier is \"{}\", not \"{}\": this is not a TFLite model",
                bytes[4..8].escape_ascii(),
                tflite::MODEL_IDENTIFIER
            ),
        ));
    }
    // The root table follows the 8-byte header (its offset, then the identifier); an offset
    // into the header reads the header as a table, which the verifier may accept as empty.
    let root = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if root < 8 {
        return Err(ImportError::new(
            ImportErrorKind::Malformed,
            format!(
                "the root table offset is {root}, inside the file's 8-byte header: the model is damaged"
            ),
        ));
    }
    let opts = flatbuffers::VerifierOptions {
        max_depth: 64,
        max_tables: 1 << 26,
        max_apparent_size: (bytes.len().saturating_mul(4)).max(1 << 31),
        ignore_missing_null_terminator: false,
    };
    let rejected = |e: flatbuffers::InvalidFlatbuffer| {
        ImportError::new(
            ImportErrorKind::Malformed,
            format!(
                "the flatbuffers verifier rejected the model: {}",
                e.to_string().replace('\n', " ").replace('\t', "")
            ),
        )
    };
    let model = match tflite::root_as_model_with_opts(&opts, bytes) {
        Ok(model) => model,
        Err(e @ flatbuffers::InvalidFlatbuffer::Unaligned { .. })
            if layout == Layout::AsWritten =>
        {
            let rebased = Blob::from_vec(rebased_by_four(bytes));
            return import_as(&rebased, options, Layout::Rebased).map_err(|_| rejected(e));
        }
        Err(e) => return Err(rejected(e)),
    };
    if layout == Layout::Rebased
        && model
            .buffers()
            .is_some_and(|b| b.iter().any(|b| b.offset() > 1))
    {
        // Offsets of data after the flatbuffer count from the file's start, which moved.
        return Err(ImportError::new(
            ImportErrorKind::Malformed,
            "misaligned, with buffers outside the flatbuffer",
        ));
    }
    validate::model(&model, options.memory_limit)?;
    Importer::new(data, model).run()
}

/// A named entry point: signature key, and (name, tensor index) of its inputs and outputs.
#[derive(Clone, Debug)]
struct Signature {
    key: String,
    inputs: Vec<(String, usize)>,
    outputs: Vec<(String, usize)>,
}

/// What the other functions need to know about a subgraph's function before it is built.
#[derive(Clone, Debug)]
pub(crate) struct FuncInfo {
    pub name: String,
    pub inputs: Vec<Type>,
    pub results: Vec<Type>,
    entry: bool,
    signature: Option<Signature>,
}

pub(crate) struct Importer<'a> {
    pub data: &'a Blob,
    pub model: tflite::Model<'a>,
    pub module: Module,
    pub funcs: Vec<FuncInfo>,
    /// Counter for the splat values of variable tensors (TensorFlow makes each one distinct so
    /// that they are not merged).
    pub next_variable: i64,
}

/// The subgraph's tensors, with a checked accessor.
pub(crate) fn tensor_list<'a>(sg: &tflite::SubGraph<'a>) -> Vec<tflite::Tensor<'a>> {
    sg.tensors().map(|t| t.iter().collect()).unwrap_or_default()
}

/// Checks a tensor index of a subgraph input/output list.
pub(crate) fn tensor_index(index: i32, count: usize, what: &str) -> Result<usize> {
    usize::try_from(index)
        .ok()
        .filter(|&i| i < count)
        .ok_or_else(|| {
            ImportError::invalid(format!(
                "{what} names tensor {index}, but the subgraph has {count} tensors"
            ))
        })
}

impl<'a> Importer<'a> {
    fn new(data: &'a Blob, model: tflite::Model<'a>) -> Importer<'a> {
        Importer {
            data,
            model,
            module: Module::new(),
            funcs: Vec::new(),
            next_variable: 0,
        }
    }

    fn subgraphs(&self) -> Vec<tflite::SubGraph<'a>> {
        self.model
            .subgraphs()
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    fn run(mut self) -> Result<Module> {
        self.module_attributes()?;
        let subgraphs = self.subgraphs();
        let signatures = self.signatures(&subgraphs)?;
        if !signatures.is_empty() {
            self.set_module_attr("tf_saved_model.semantics", Attribute::Unit);
        }
        let mut by_subgraph: HashMap<usize, Signature> = HashMap::new();
        for (index, sig) in signatures {
            by_subgraph.insert(index, sig);
        }
        let implicit_main = by_subgraph.len() <= 1;

        let mut used_names = std::collections::HashSet::new();
        for (i, sg) in subgraphs.iter().enumerate() {
            let place = || named("subgraph", i, sg.name());
            let mut name = if i == 0 && implicit_main {
                "main".to_string()
            } else {
                match sg.name() {
                    Some(n) if !n.is_empty() => n.to_string(),
                    _ => format!("fn_{i}"),
                }
            };
            // Function names are symbols and must be unique; TFLite does not require distinct
            // subgraph names.
            if !used_names.insert(name.clone()) {
                let base = name.clone();
                let mut k = i;
                while !used_names.insert(name.clone()) {
                    name = format!("{base}_{k}");
                    k += 1;
                }
            }
            let entry = if implicit_main {
                i == 0
            } else {
                by_subgraph.contains_key(&i)
            };
            let (inputs, results) = self.function_types(sg).map_err(|e| e.within(place()))?;
            self.funcs.push(FuncInfo {
                name,
                inputs,
                results,
                entry,
                signature: by_subgraph.remove(&i),
            });
        }
        for (i, sg) in subgraphs.iter().enumerate() {
            subgraph::convert(&mut self, i, sg)
                .map_err(|e| e.within(named("subgraph", i, sg.name())))?;
        }
        Ok(self.module)
    }

    fn set_module_attr(&mut self, name: &str, value: Attribute) {
        let op = self.module.op;
        self.module.op_mut(op).attributes.set(name, value);
    }

    /// The buffer `index` of the model: its data inside the flatbuffer, or the (offset, size)
    /// window after it that large models use. Always a window of the input, never a copy.
    pub(crate) fn buffer(&self, index: u32) -> Result<Blob> {
        let buffers = self.model.buffers();
        let count = buffers.map_or(0, |b| b.len());
        let buffer = match buffers {
            Some(b) if (index as usize) < count => b.get(index as usize),
            _ => {
                return Err(ImportError::invalid(format!(
                    "buffer index {index} is out of range (the model has {count} buffers)"
                )))
            }
        };
        let file = self.data.as_bytes();
        if buffer.offset() > 1 {
            let (offset, size) = (buffer.offset(), buffer.size());
            let range = usize::try_from(offset).ok().and_then(|o| {
                usize::try_from(size)
                    .ok()
                    .and_then(|s| o.checked_add(s))
                    .map(|e| o..e)
            });
            return range.and_then(|r| self.data.slice(r)).ok_or_else(|| {
                ImportError::invalid(format!(
                    "buffer {index} lies at offset {offset} with size {size}, outside the {}-byte file",
                    file.len()
                ))
            });
        }
        match buffer.data() {
            Some(d) => {
                let bytes = d.bytes();
                let start = bytes.as_ptr() as usize - file.as_ptr() as usize;
                self.data.slice(start..start + bytes.len()).ok_or_else(|| {
                    ImportError::invalid(format!("buffer {index} lies outside the file"))
                })
            }
            None => Ok(self.data.slice(0..0).unwrap_or_else(Blob::empty)),
        }
    }

    fn module_attributes(&mut self) -> Result<()> {
        self.set_module_attr(
            "tfl.schema_version",
            Attribute::i32(self.model.version() as i32),
        );
        if let Some(d) = self.model.description().filter(|d| !d.is_empty()) {
            self.set_module_attr("tfl.description", Attribute::string(d));
        }
        let mut metadata = AttrDict::new();
        for (i, m) in self.model.metadata().into_iter().flatten().enumerate() {
            let name = m.name().unwrap_or("");
            if metadata.contains(name) {
                continue;
            }
            let data = self
                .buffer(m.buffer())
                .map_err(|e| e.within(named("metadata entry", i, Some(name))))?;
            let value = Attribute::String(Arc::from(data.as_bytes()));
            if name == CONTROL_DEPENDENCIES_KEY {
                let op = self.module.op;
                if !self
                    .module
                    .op(op)
                    .attributes
                    .contains(CONTROL_DEPENDENCIES_ATTR)
                {
                    self.set_module_attr(CONTROL_DEPENDENCIES_ATTR, value);
                }
                continue;
            }
            metadata.set(name, value);
        }
        if !metadata.is_empty() {
            self.set_module_attr("tfl.metadata", Attribute::Dict(metadata));
        }
        if let Some(list) = self.model.metadata_buffer() {
            let mut items = Vec::new();
            let count = self.model.buffers().map_or(0, |b| b.len());
            for (i, b) in list.iter().enumerate() {
                let index = u32::try_from(b).map_err(|_| {
                    ImportError::invalid(format!(
                        "metadata_buffer entry {i} is {b}, not a buffer index"
                    ))
                })?;
                // LiteRT never reads this legacy list, and ai-edge-quantizer leaves it pointing
                // past the buffers it rewrote: such entries are dropped, not refused.
                if index as usize >= count {
                    continue;
                }
                let data = self
                    .buffer(index)
                    .map_err(|e| e.within(format!("metadata_buffer entry {i}")))?;
                let ty = TensorType::new(&[data.len() as i64], ElementType::UI8);
                items.push(Attribute::Dense(DenseElements {
                    ty,
                    values: DenseValues::Full(data),
                }));
            }
            self.set_module_attr(METADATA_BUFFERS_ATTR, Attribute::Array(items));
        }
        Ok(())
    }

    /// The model's signature defs by subgraph, or the default one for subgraph 0.
    fn signatures(&self, subgraphs: &[tflite::SubGraph<'a>]) -> Result<Vec<(usize, Signature)>> {
        let mut out = Vec::new();
        for (i, s) in self
            .model
            .signature_defs()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let key = s.signature_key().unwrap_or("").to_string();
            let place = || named("signature def", i, Some(&key));
            let index = s.subgraph_index() as usize;
            let sg = subgraphs.get(index).ok_or_else(|| {
                ImportError::invalid(format!(
                    "names subgraph {index}, but the model has {} subgraphs",
                    subgraphs.len()
                ))
                .within(place())
            })?;
            let count = sg.tensors().map_or(0, |t| t.len());
            let maps = |list: Option<
                flatbuffers::Vector<'a, flatbuffers::ForwardsUOffset<tflite::TensorMap<'a>>>,
            >,
                        what: &str|
             -> Result<Vec<(String, usize)>> {
                list.into_iter()
                    .flatten()
                    .map(|m| {
                        let t = m.tensor_index() as usize;
                        if t >= count {
                            return Err(ImportError::invalid(format!(
                                "{what} '{}' names tensor {t}, but subgraph {index} has {count} tensors",
                                m.name().unwrap_or("")
                            ))
                            .within(place()));
                        }
                        Ok((m.name().unwrap_or("").to_string(), t))
                    })
                    .collect()
            };
            let sig = Signature {
                inputs: maps(s.inputs(), "input")?,
                outputs: maps(s.outputs(), "output")?,
                key,
            };
            out.push((index, sig));
        }
        if out.is_empty() {
            if let Some(sg) = subgraphs.first() {
                let tensors = tensor_list(sg);
                let by_name = |list: Option<flatbuffers::Vector<'a, i32>>| -> Vec<(String, usize)> {
                    list.into_iter()
                        .flatten()
                        .filter_map(|t| {
                            let i = usize::try_from(t).ok()?;
                            Some((tensors.get(i)?.name().unwrap_or("").to_string(), i))
                        })
                        .collect()
                };
                let sig = Signature {
                    key: "serving_default".into(),
                    inputs: by_name(sg.inputs()),
                    outputs: by_name(sg.outputs()),
                };
                out.push((0, sig));
            }
        }
        Ok(out)
    }

    /// Argument and result types of a subgraph's function (TensorFlow's `ConvertSubgraph`).
    fn function_types(&self, sg: &tflite::SubGraph<'a>) -> Result<(Vec<Type>, Vec<Type>)> {
        let tensors = tensor_list(sg);
        let n = tensors.len();
        let inputs: Vec<usize> = sg
            .inputs()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(k, t)| tensor_index(t, n, &format!("input {k}")))
            .collect::<Result<_>>()?;
        let mut produced = vec![false; n];
        for (k, op) in sg.operators().into_iter().flatten().enumerate() {
            for (j, t) in op.outputs().into_iter().flatten().enumerate() {
                let i = tensor_index(t, n, &format!("output {j}"))
                    .map_err(|e| e.within(format!("operator {k}")))?;
                produced[i] = true;
            }
        }
        let mut arg_types = Vec::new();
        for &i in &inputs {
            let t = &tensors[i];
            arg_types.push(tensor::tensor_type(t, false).map_err(|e| tensor_error(i, t, e))?);
        }
        let mut result_types = Vec::new();
        for (k, t) in sg.outputs().into_iter().flatten().enumerate() {
            let i = tensor_index(t, n, &format!("output {k}"))?;
            let is_constant = !produced[i] && !inputs.contains(&i);
            let t = &tensors[i];
            result_types
                .push(tensor::tensor_type(t, is_constant).map_err(|e| tensor_error(i, t, e))?);
        }
        Ok((arg_types, result_types))
    }
}

/// An error about tensor `index`.
pub(crate) fn tensor_error(index: usize, t: &tflite::Tensor<'_>, message: String) -> ImportError {
    ImportError::invalid(format!("{} {message}", named("tensor", index, t.name())))
}
