//! The first half of the export: the IR to a plan of the file (subgraphs, tensors, operators,
//! operator codes, buffers, metadata, signature defs) in the schema's object types, with the
//! constant data still in the IR's blobs. Every check happens here, so [`crate::write`] cannot
//! fail on the IR.
//!
//! What the plan holds, and how it inverts the importer (`tqopt_frontend::import`):
//! - one subgraph per `func.func`: entry functions (with a `tf.entry_function`) first, `@main`
//!   first among them, then the others (`@main` first, public before private, else in module
//!   order), as TensorFlow's exporter orders them; then one subgraph per region of a
//!   `tfl.while` / `tfl.if` that is not a plain call of a function (outlined);
//! - buffer 0 empty; one buffer per constant (constants sharing a blob share a buffer); then
//!   the metadata buffers;
//! - one operator code per (builtin code, custom code), with the largest version the ops using
//!   it need (`OpDef::tflite_version`), both `builtin_code` and `deprecated_builtin_code`
//!   (127, `PLACEHOLDER_FOR_GREATER_OP_CODES`, for codes above 127);
//! - metadata: the `tfl.metadata` entries, `min_runtime_version` (computed, 16 bytes), and
//!   `model_control_dependencies` from `tqopt.model_control_dependencies`; the legacy
//!   `metadata_buffer` list from `tqopt.metadata_buffers`;
//! - a signature def for each entry function with `tf_saved_model.exported_names`, its inputs
//!   and outputs named by `tf_saved_model.index_path` (sorted by name, as TensorFlow does).

pub(crate) mod constant;
mod subgraph;
pub(crate) mod tensor;

use std::collections::HashMap;

use tqopt_ir::{Attribute, Module, OpId, ValueId};
use tqopt_tflite::names::{CONTROL_DEPENDENCIES_ATTR, METADATA_BUFFERS_ATTR};
use tqopt_tflite::schema::tflite::{
    BuiltinOperator, MetadataT, OperatorCodeT, SignatureDefT, SubGraphT, TensorMapT,
};

use crate::error::{ExportError, Result};
use crate::runtime_version::{min_runtime_version, min_runtime_version_bytes};
use constant::BufferData;

pub use tqopt_tflite::names::{CONTROL_DEPENDENCIES_KEY, MIN_RUNTIME_VERSION_KEY};

/// The file, before it is written.
pub(crate) struct Plan {
    pub subgraphs: Vec<SubGraphT>,
    pub opcodes: Vec<OperatorCodeT>,
    pub buffers: Vec<BufferData>,
    pub metadata: Vec<MetadataT>,
    pub metadata_buffer: Option<Vec<i32>>,
    pub signature_defs: Vec<SignatureDefT>,
    pub description: String,
}

/// What a subgraph is made from.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    /// A function of the module.
    Func(OpId),
    /// Region `region` of a `tfl.while` / `tfl.if`, outlined. An outlined `tfl.if` branch takes
    /// the values its op's regions use from outside (`captures`) as inputs.
    Region {
        op: OpId,
        region: usize,
        captures: Vec<ValueId>,
        name: String,
    },
}

pub(crate) struct Planner<'m> {
    pub m: &'m Module,
    /// Function name -> subgraph index.
    pub func_index: HashMap<String, i32>,
    pub sources: Vec<Source>,
    pub subgraphs: Vec<SubGraphT>,
    pub opcodes: Vec<OperatorCodeT>,
    opcode_map: HashMap<(i32, String), u32>,
    pub buffers: Vec<BufferData>,
    /// (address, length) of blob windows already given a buffer.
    blob_map: HashMap<(usize, usize), u32>,
}

/// The function's name.
pub(crate) fn func_name(m: &Module, f: OpId) -> String {
    m.op(f)
        .attr("sym_name")
        .and_then(Attribute::as_str)
        .unwrap_or("")
        .to_string()
}

/// True for functions with a non-empty `tf.entry_function`.
fn is_entry(m: &Module, f: OpId) -> bool {
    m.op(f)
        .attr("tf.entry_function")
        .and_then(Attribute::as_dict)
        .is_some_and(|d| !d.is_empty())
}

fn is_private(m: &Module, f: OpId) -> bool {
    m.op(f).attr("sym_visibility").and_then(Attribute::as_str) == Some("private")
}

/// The strings of an array attribute's first element (`["serving_default"]`).
fn first_string(a: Option<&Attribute>) -> Option<String> {
    a?.as_array()?.first()?.as_str().map(str::to_string)
}

impl<'m> Planner<'m> {
    pub(crate) fn new(m: &'m Module) -> Planner<'m> {
        Planner {
            m,
            func_index: HashMap::new(),
            sources: Vec::new(),
            subgraphs: Vec::new(),
            opcodes: Vec::new(),
            opcode_map: HashMap::new(),
            buffers: vec![BufferData::Empty],
            blob_map: HashMap::new(),
        }
    }

    /// Registers an operator code (or raises its version); returns its index.
    pub(crate) fn opcode(&mut self, code: i32, custom: Option<String>, version: i32) -> u32 {
        let key = (code, custom.clone().unwrap_or_default());
        if let Some(&i) = self.opcode_map.get(&key) {
            let oc = &mut self.opcodes[i as usize];
            oc.version = oc.version.max(version);
            return i;
        }
        let mut oc = OperatorCodeT::default();
        oc.deprecated_builtin_code = code.clamp(0, 127) as i8;
        oc.builtin_code = BuiltinOperator(code);
        oc.custom_code = custom;
        oc.version = version;
        let i = self.opcodes.len() as u32;
        self.opcodes.push(oc);
        self.opcode_map.insert(key, i);
        i
    }

    /// A buffer for constant data (0 for no data); windows of the same bytes share one.
    pub(crate) fn buffer(&mut self, data: BufferData) -> u32 {
        if data.len() == 0 {
            return 0;
        }
        if let BufferData::Blob(b) = &data {
            let key = (b.as_bytes().as_ptr() as usize, b.len());
            if let Some(&i) = self.blob_map.get(&key) {
                return i;
            }
            self.blob_map.insert(key, self.buffers.len() as u32);
        }
        self.buffers.push(data);
        (self.buffers.len() - 1) as u32
    }

    /// Adds an outlined region; returns its subgraph index.
    pub(crate) fn outline(&mut self, source: Source) -> i32 {
        self.sources.push(source);
        (self.sources.len() - 1) as i32
    }

    pub(crate) fn plan(mut self) -> Result<Plan> {
        let m = self.m;
        let mut funcs: Vec<(usize, OpId)> = m.funcs().into_iter().enumerate().collect();
        if funcs.is_empty() {
            return Err(ExportError::invalid(
                "the module has no function, and a TFLite model needs at least one subgraph",
            ));
        }
        funcs.sort_by_key(|&(i, f)| {
            (
                !is_entry(m, f),
                func_name(m, f) != "main",
                is_private(m, f),
                i,
            )
        });
        for &(_, f) in &funcs {
            let name = func_name(m, f);
            let index = self.sources.len() as i32;
            if self.func_index.insert(name.clone(), index).is_some() {
                return Err(ExportError::invalid(format!(
                    "the module defines function @{name} twice"
                )));
            }
            self.sources.push(Source::Func(f));
        }
        let mut next = 0;
        while next < self.sources.len() {
            let source = self.sources[next].clone();
            let sg = subgraph::build(&mut self, &source)?;
            self.subgraphs.push(sg);
            next += 1;
        }
        let signature_defs = self.signature_defs(&funcs)?;
        let (metadata, metadata_buffer) = self.metadata()?;
        let description = match m.op(m.op).attr("tfl.description") {
            Some(Attribute::String(s)) => String::from_utf8_lossy(s).into_owned(),
            Some(other) => {
                return Err(ExportError::invalid(format!(
                    "module attribute 'tfl.description' must be a string, not {}",
                    other.kind_name()
                )))
            }
            None => "MLIR Converted.".to_string(),
        };
        Ok(Plan {
            subgraphs: self.subgraphs,
            opcodes: self.opcodes,
            buffers: self.buffers,
            metadata,
            metadata_buffer,
            signature_defs,
            description,
        })
    }

    /// A metadata entry with its own buffer.
    fn metadata_entry(&mut self, name: &str, bytes: Vec<u8>) -> MetadataT {
        let mut md = MetadataT::default();
        md.name = Some(name.to_string());
        md.buffer = self.buffers.len() as u32;
        self.buffers.push(BufferData::Owned(bytes));
        md
    }

    fn metadata(&mut self) -> Result<(Vec<MetadataT>, Option<Vec<i32>>)> {
        let module = self.m.op(self.m.op);
        let mut out = Vec::new();
        if let Some(a) = module.attr("tfl.metadata") {
            let dict = a.as_dict().ok_or_else(|| {
                ExportError::invalid(format!(
                    "module attribute 'tfl.metadata' must be a dictionary, not {}",
                    a.kind_name()
                ))
            })?;
            for (name, value) in dict.iter() {
                if name == MIN_RUNTIME_VERSION_KEY {
                    continue;
                }
                let Attribute::String(bytes) = value else {
                    return Err(ExportError::invalid(format!(
                        "entry '{name}' of module attribute 'tfl.metadata' must be a string, not {}",
                        value.kind_name()
                    )));
                };
                out.push(self.metadata_entry(name, bytes.to_vec()));
            }
        }
        let version = min_runtime_version(self.opcodes.iter().map(|c| (c.builtin_code, c.version)));
        out.push(self.metadata_entry(
            MIN_RUNTIME_VERSION_KEY,
            min_runtime_version_bytes(&version).to_vec(),
        ));
        if let Some(a) = module.attr(CONTROL_DEPENDENCIES_ATTR) {
            let Attribute::String(bytes) = a else {
                return Err(ExportError::invalid(format!(
                    "module attribute '{CONTROL_DEPENDENCIES_ATTR}' must be a string, not {}",
                    a.kind_name()
                )));
            };
            out.push(self.metadata_entry(CONTROL_DEPENDENCIES_KEY, bytes.to_vec()));
        }
        let mut legacy = None;
        if let Some(a) = module.attr(METADATA_BUFFERS_ATTR) {
            let items = a.as_array().ok_or_else(|| {
                ExportError::invalid(format!(
                    "module attribute '{METADATA_BUFFERS_ATTR}' must be an array, not {}",
                    a.kind_name()
                ))
            })?;
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let bytes = match item {
                    Attribute::String(s) => s.to_vec(),
                    other => match constant::elements_data(
                        self.m,
                        other,
                        tqopt_tflite::schema::tflite::TensorType::UINT8,
                    ) {
                        Ok(d) => d.bytes().to_vec(),
                        Err(constant::ElementsError::Missing(msg))
                        | Err(constant::ElementsError::Invalid(msg)) => {
                            return Err(ExportError::missing(format!(
                                "entry {i} of module attribute '{METADATA_BUFFERS_ATTR}' {msg}"
                            )))
                        }
                    },
                };
                // A legacy entry usually repeats a metadata entry's bytes: share its buffer.
                let same = out
                    .iter()
                    .map(|md| md.buffer)
                    .find(|&b| self.buffers[b as usize].bytes() == bytes.as_slice());
                let index = match same {
                    Some(b) => b,
                    None => {
                        self.buffers.push(BufferData::Owned(bytes));
                        (self.buffers.len() - 1) as u32
                    }
                };
                list.push(index as i32);
            }
            legacy = Some(list);
        }
        Ok((out, legacy))
    }

    fn signature_defs(&self, funcs: &[(usize, OpId)]) -> Result<Vec<SignatureDefT>> {
        let m = self.m;
        let mut out = Vec::new();
        for &(_, f) in funcs {
            if !is_entry(m, f) {
                continue;
            }
            let Some(key) = first_string(m.op(f).attr("tf_saved_model.exported_names")) else {
                continue;
            };
            let index = self.func_index[&func_name(m, f)];
            let sg = &self.subgraphs[index as usize];
            let maps = |attr: &str, tensors: &[i32]| -> Vec<TensorMapT> {
                let dicts = m
                    .op(f)
                    .attr(attr)
                    .and_then(Attribute::as_array)
                    .unwrap_or(&[]);
                let mut list: Vec<TensorMapT> = dicts
                    .iter()
                    .zip(tensors)
                    .filter_map(|(d, &t)| {
                        let name = first_string(d.as_dict()?.get("tf_saved_model.index_path"))?;
                        let mut tm = TensorMapT::default();
                        tm.name = Some(name);
                        tm.tensor_index = u32::try_from(t).ok()?;
                        Some(tm)
                    })
                    .collect();
                list.sort_by(|a, b| a.name.cmp(&b.name));
                list.dedup_by(|a, b| a.name == b.name);
                list
            };
            let inputs = maps("arg_attrs", sg.inputs.as_deref().unwrap_or(&[]));
            let outputs = maps("res_attrs", sg.outputs.as_deref().unwrap_or(&[]));
            if inputs.is_empty() && outputs.is_empty() {
                continue;
            }
            let mut sd = SignatureDefT::default();
            sd.signature_key = Some(key);
            sd.subgraph_index = index as u32;
            sd.inputs = Some(inputs);
            sd.outputs = Some(outputs);
            out.push(sd);
        }
        Ok(out)
    }
}
