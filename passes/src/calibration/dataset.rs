//! Calibration data sets: `.npy` (one input), `.npz` (one array per input) or a folder of
//! images, read one sample at a time so that memory stays bounded however large the set is.
//!
//! Arrays feed inputs of any element type the interpreter computes with, as they are: float
//! inputs take float32 (float16, float64 and uint8 arrays are converted), integer inputs take
//! integer arrays (each value checked to fit), boolean inputs take bool arrays. Images feed
//! float image inputs only. An `.npz` array is matched to an input by the input's names (its
//! signature name, its tensor name) or by its position (`arr_0`, as `numpy.savez` names
//! positional arrays, or `arg0`).
//!
//! Every problem is an error that names the file, the sample and the input: a shape or element
//! type that does not fit the input, a key that matches no input (or several), a missing input,
//! an empty set, non-finite values, an image that cannot be decoded or is truncated, a file that
//! is not a regular file, sizes over the memory budget.

use std::fs::File;

use super::collectors::SENTINEL_MAGNITUDE;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use tqopt_interp::{budget, DType, TensorData};
use tqopt_ir::Blob;

use super::image_check;

/// One model input as calibration sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    /// The name messages use: the signature name, else the tensor name, else `argN`.
    pub name: String,
    /// Other names that also match it (the tensor name, the `tf.entry_function` name).
    pub aliases: Vec<String>,
    /// The input's position among the entry function's arguments.
    pub position: usize,
    /// The input's shape; -1 for a dynamic dimension.
    pub shape: Vec<i64>,
    /// The element type the input takes.
    pub dtype: DType,
}

impl InputSpec {
    /// The shape of one sample: dynamic dimensions (a batch) become 1.
    pub fn sample_shape(&self) -> Vec<usize> {
        self.shape
            .iter()
            .map(|&d| if d < 0 { 1 } else { d as usize })
            .collect()
    }

    /// The shape of a sample whose array item has shape `item`, if it fits this input: the
    /// same rank with every static dimension equal (dynamic ones take the item's size), or
    /// the input's leading batch (1 or dynamic) left out, when the sample gets a batch of 1.
    fn fit(&self, item: &[usize]) -> Option<Vec<usize>> {
        let fits = |dims: &[i64], item: &[usize]| {
            dims.len() == item.len()
                && dims
                    .iter()
                    .zip(item)
                    .all(|(&d, &i)| d < 0 || d as usize == i)
        };
        if fits(&self.shape, item) {
            return Some(item.to_vec());
        }
        match self.shape.split_first() {
            Some((&batch, rest)) if (batch == 1 || batch < 0) && fits(rest, item) => {
                Some(std::iter::once(1).chain(item.iter().copied()).collect())
            }
            _ => None,
        }
    }

    /// Whether an `.npz` key names this input: one of its names, or its position as
    /// `numpy.savez` names positional arrays (`arr_0`) or as the IR names arguments (`arg0`).
    fn matches(&self, key: &str) -> bool {
        self.name == key
            || self.aliases.iter().any(|a| a == key)
            || key == format!("arr_{}", self.position)
            || key == format!("arg{}", self.position)
    }

    /// `int32 [1, 8]`, for messages.
    fn describe(&self) -> String {
        format!("{} {:?}", numpy_name(self.dtype), self.shape)
    }
}

/// numpy's name of an element type (`float32`, `int64`, `bool`).
fn numpy_name(d: DType) -> &'static str {
    match d {
        DType::F32 => "float32",
        DType::F16 => "float16",
        DType::I8 => "int8",
        DType::U8 => "uint8",
        DType::I16 => "int16",
        DType::I32 => "int32",
        DType::I64 => "int64",
        DType::Bool => "bool",
        DType::C64 => "complex64",
    }
}

/// One input's values for one sample, in row-major order, with the sample's shape. The data's
/// element type is the input's.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    pub shape: Vec<usize>,
    pub data: TensorData,
}

/// How image pixels in [0, 255] map to input values.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum PixelScaling {
    /// Linearly onto `[lo, hi]` (`--input-range=-1,1`; default [0, 1]).
    Range(f32, f32),
    /// `(pixel - mean) / std`.
    MeanStd(f32, f32),
}

impl Default for PixelScaling {
    fn default() -> Self {
        PixelScaling::Range(0.0, 1.0)
    }
}

impl PixelScaling {
    /// Parses `lo,hi` (for `--input-range`).
    pub fn parse_range(text: &str) -> Result<PixelScaling, String> {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        let [lo, hi] = parts[..] else {
            return Err(format!(
                "expected an input range 'lo,hi', such as '-1,1', not '{text}'"
            ));
        };
        let (lo, hi) = (lo.parse::<f32>(), hi.parse::<f32>());
        match (lo, hi) {
            (Ok(lo), Ok(hi)) if lo.is_finite() && hi.is_finite() && lo < hi => {
                Ok(PixelScaling::Range(lo, hi))
            }
            _ => Err(format!(
                "expected an input range 'lo,hi' with lo < hi, such as '-1,1', not '{text}'"
            )),
        }
    }

    fn apply(self, pixel: u8) -> f32 {
        match self {
            PixelScaling::Range(lo, hi) => lo + (hi - lo) * pixel as f32 / 255.0,
            PixelScaling::MeanStd(mean, std) => (pixel as f32 - mean) / std,
        }
    }
}

/// Where one sample came from, for messages: `images/cat.png` or `calib.npy, sample 3`.
fn sample_place(file: &Path, index: usize) -> String {
    format!("{}, sample {index}", file.display())
}

/// A data set, read sample by sample.
pub struct Dataset {
    source: Source,
    inputs: Vec<InputSpec>,
    next: usize,
}

enum Source {
    Npy {
        path: PathBuf,
        reader: NpyStream,
    },
    Npz {
        path: PathBuf,
        streams: Vec<NpyStream>,
    },
    Images {
        files: Vec<PathBuf>,
        scaling: PixelScaling,
    },
    Memory {
        data: Arc<MemoryData>,
        /// Per sample, per input: the array's index in the sample, its element type and the
        /// shape it is fed with.
        plan: Vec<Vec<(usize, NpyType, Vec<usize>)>>,
    },
}

/// One array handed over in memory (by the library API or the Python binding): numpy's dtype
/// `descr` (`<f4`, `|u1`, `<i4`), the array's shape (one sample: the input's shape, with or
/// without its batch of 1) and its C-ordered little-endian bytes, as a [`Blob`] so that a
/// caller can lend its own buffer without a copy. `key`, when given, names the input as an
/// `.npz` key does (input name, tensor name, `arr_N`/`argN`); arrays without keys go to the
/// inputs in order.
#[derive(Clone)]
pub struct MemoryArray {
    pub key: Option<String>,
    pub descr: String,
    pub shape: Vec<usize>,
    pub bytes: Blob,
}

/// A data set held in memory: `samples[i]` holds sample i's arrays, one per input. `name` is
/// what messages call it (`representative_dataset`).
#[derive(Clone)]
pub struct MemoryData {
    pub name: String,
    pub samples: Vec<Vec<MemoryArray>>,
}

/// Where calibration data comes from: a file or folder, or arrays in memory.
#[derive(Clone)]
pub enum DataSource {
    Path(PathBuf),
    Memory(Arc<MemoryData>),
}

/// Data sets in memory that a `data=` option can name while they are registered
/// ([`register_memory`]): the library's callers hand arrays to the calibration, and the passes
/// that read the calibration data by its option (equalize-channels, search-precision,
/// round-weights) then find the same arrays, as they find a file the command line names.
static REGISTERED: std::sync::Mutex<Vec<(String, Arc<MemoryData>)>> =
    std::sync::Mutex::new(Vec::new());
static NEXT_REGISTRATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A registered data set in memory; dropping it unregisters it.
pub struct Registration {
    key: String,
}

impl Registration {
    /// The name a `data=` option gives to find the data set.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut r) = REGISTERED.lock() {
            r.retain(|(k, _)| k != &self.key);
        }
    }
}

/// Registers `data` under a name no file is likely to have (its own name, "in memory" and a
/// number unique in the process), until the registration is dropped.
pub fn register_memory(data: Arc<MemoryData>) -> Registration {
    let n = NEXT_REGISTRATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let key = format!("{} (in memory #{n})", data.name);
    if let Ok(mut r) = REGISTERED.lock() {
        r.push((key.clone(), data));
    }
    Registration { key }
}

/// The data set in memory registered as `path`, if any.
fn registered(path: &Path) -> Option<Arc<MemoryData>> {
    let key = path.to_str()?;
    let r = REGISTERED.lock().ok()?;
    r.iter().find(|(k, _)| k == key).map(|(_, d)| d.clone())
}

impl DataSource {
    /// The name messages give the data.
    pub fn describe(&self) -> String {
        match self {
            DataSource::Path(p) => p.display().to_string(),
            DataSource::Memory(m) => m.name.clone(),
        }
    }

    /// Opens the data for a model with `inputs` ([`Dataset::open`] or
    /// [`Dataset::from_memory`]).
    pub fn open(&self, inputs: &[InputSpec], scaling: PixelScaling) -> Result<Dataset, String> {
        match self {
            DataSource::Path(p) => Dataset::open(p, inputs, scaling),
            DataSource::Memory(m) => Dataset::from_memory(m.clone(), inputs),
        }
    }
}

impl Dataset {
    /// Opens `path` (a `.npy`, a `.npz` or a folder of images) for a model with `inputs`.
    pub fn open(
        path: &Path,
        inputs: &[InputSpec],
        scaling: PixelScaling,
    ) -> Result<Dataset, String> {
        if let Some(data) = registered(path) {
            return Dataset::from_memory(data, inputs);
        }
        if inputs.is_empty() {
            return Err("the model has no inputs to calibrate".into());
        }
        budget::checked_limit()?;
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("cannot open calibration data '{}': {e}", path.display()))?;
        let source = if meta.is_dir() {
            open_images(path, inputs, scaling)?
        } else {
            match path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("npy") => open_npy(path, inputs)?,
                Some("npz") => open_npz(path, inputs)?,
                _ => {
                    return Err(format!(
                    "calibration data '{}' must be a .npy file, a .npz file or a folder of images",
                    path.display()
                ))
                }
            }
        };
        let dataset = Dataset {
            source,
            inputs: inputs.to_vec(),
            next: 0,
        };
        if dataset.is_empty() {
            return Err(format!(
                "calibration data '{}' holds no samples",
                path.display()
            ));
        }
        Ok(dataset)
    }

    /// A data set of arrays in memory. Every sample is checked first: each array must match
    /// one input (by key, or by position when the sample's arrays have no keys), every input
    /// must get one array whose element type and shape fit it, and the bytes must be as many as
    /// the shape says. Errors name the data, the sample and the input.
    pub fn from_memory(data: Arc<MemoryData>, inputs: &[InputSpec]) -> Result<Dataset, String> {
        if inputs.is_empty() {
            return Err("the model has no inputs to calibrate".into());
        }
        budget::checked_limit()?;
        if data.samples.is_empty() {
            return Err(format!("{} holds no samples", data.name));
        }
        let mut plan = Vec::with_capacity(data.samples.len());
        for (index, sample) in data.samples.iter().enumerate() {
            let place = format!("{}, sample {index}", data.name);
            plan.push(memory_plan(sample, inputs).map_err(|e| format!("{place}: {e}"))?);
        }
        Ok(Dataset {
            source: Source::Memory { data, plan },
            inputs: inputs.to_vec(),
            next: 0,
        })
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        match &self.source {
            Source::Memory { data, .. } => data.samples.len(),
            Source::Npy { reader, .. } => reader.samples,
            Source::Npz { streams, .. } => streams.first().map(|s| s.samples).unwrap_or(0),
            Source::Images { files, .. } => files.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next sample (one array per input, in input order), or `None` at the end.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<Vec<Array>, String>> {
        if self.next >= self.len() {
            return None;
        }
        let index = self.next;
        self.next += 1;
        let result = match &mut self.source {
            Source::Npy { path, reader } => reader
                .read_sample(&self.inputs[0])
                .map_err(|e| format!("{}: {e}", sample_place(path, index)))
                .map(|a| vec![a]),
            Source::Npz { path, streams } => streams
                .iter_mut()
                .zip(&self.inputs)
                .map(|(s, input)| {
                    s.read_sample(input).map_err(|e| {
                        format!("{}: input '{}': {e}", sample_place(path, index), input.name)
                    })
                })
                .collect(),
            Source::Images { files, scaling } => {
                load_image(&files[index], &self.inputs[0], *scaling).map(|a| vec![a])
            }
            Source::Memory { data, plan } => plan[index]
                .iter()
                .zip(&self.inputs)
                .map(|((i, dtype, shape), input)| {
                    dtype
                        .decode(data.samples[index][*i].bytes.as_bytes(), input.dtype)
                        .map(|data| Array {
                            shape: shape.clone(),
                            data,
                        })
                        .map_err(|e| {
                            format!("{}, sample {index}: input '{}': {e}", data.name, input.name)
                        })
                })
                .collect(),
        };
        Some(result.and_then(|arrays| {
            for (array, input) in arrays.iter().zip(&self.inputs) {
                let bad = match &array.data {
                    TensorData::F32(v) => v
                        .iter()
                        .position(|x| x.is_nan() || x.abs() >= SENTINEL_MAGNITUDE)
                        .map(|i| (i, v[i].to_string())),
                    TensorData::F16(v) => v
                        .iter()
                        .position(|x| !x.is_finite())
                        .map(|i| (i, v[i].to_string())),
                    _ => None,
                };
                if let Some((i, value)) = bad {
                    let what = if value.parse::<f32>().is_ok_and(f32::is_finite) {
                        "a value of magnitude 1e30 or more"
                    } else {
                        "a non-finite value"
                    };
                    return Err(format!(
                        "{}: input '{}' holds {what} ({value}) at element {i}; calibration data must be finite and under 1e30 in magnitude",
                        self.place(index),
                        input.name,
                    ));
                }
            }
            Ok(arrays)
        }))
    }

    fn place(&self, index: usize) -> String {
        match &self.source {
            Source::Npy { path, .. } | Source::Npz { path, .. } => sample_place(path, index),
            Source::Images { files, .. } => files[index].display().to_string(),
            Source::Memory { data, .. } => format!("{}, sample {index}", data.name),
        }
    }
}

// ---- .npy ----

/// Reads an `.npy` array's samples (its first dimension) one at a time.
struct NpyStream {
    reader: Box<dyn Read + Send>,
    /// Shape after the sample dimension.
    item_shape: Vec<usize>,
    /// The shape of a sample as the input takes it (set by `check_fits`).
    sample_shape: Vec<usize>,
    samples: usize,
    dtype: NpyType,
}

/// The element types an `.npy` array may hold (little-endian, or one byte).
#[derive(Copy, Clone, Debug, PartialEq)]
enum NpyType {
    F16,
    F32,
    F64,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    Bool,
}

impl NpyType {
    /// Parses a `descr` such as `'<f4'`, `'|u1'`, `'|b1'`.
    fn parse(descr: &str) -> Result<NpyType, String> {
        let d = descr.trim_matches(|c| c == '\'' || c == '"');
        let (order, code) = match d.chars().next() {
            Some(c @ ('<' | '>' | '|' | '=')) => (c, &d[1..]),
            _ => ('=', d),
        };
        let t = match code {
            "f2" => NpyType::F16,
            "f4" => NpyType::F32,
            "f8" => NpyType::F64,
            "i1" => NpyType::I8,
            "i2" => NpyType::I16,
            "i4" => NpyType::I32,
            "i8" => NpyType::I64,
            "u1" => NpyType::U8,
            "u2" => NpyType::U16,
            "u4" => NpyType::U32,
            "u8" => NpyType::U64,
            "b1" => NpyType::Bool,
            _ => {
                return Err(format!(
                    "unsupported .npy element type '{d}': use float32 (or float16, float64), an integer type or bool"
                ))
            }
        };
        if order == '>' && t.size() > 1 {
            return Err(format!(
                "big-endian .npy element type '{d}' is not supported: save a little-endian array"
            ));
        }
        Ok(t)
    }

    fn size(self) -> usize {
        match self {
            NpyType::I8 | NpyType::U8 | NpyType::Bool => 1,
            NpyType::F16 | NpyType::I16 | NpyType::U16 => 2,
            NpyType::F32 | NpyType::I32 | NpyType::U32 => 4,
            NpyType::F64 | NpyType::I64 | NpyType::U64 => 8,
        }
    }

    fn name(self) -> &'static str {
        match self {
            NpyType::F16 => "float16",
            NpyType::F32 => "float32",
            NpyType::F64 => "float64",
            NpyType::I8 => "int8",
            NpyType::I16 => "int16",
            NpyType::I32 => "int32",
            NpyType::I64 => "int64",
            NpyType::U8 => "uint8",
            NpyType::U16 => "uint16",
            NpyType::U32 => "uint32",
            NpyType::U64 => "uint64",
            NpyType::Bool => "bool",
        }
    }

    fn is_float(self) -> bool {
        matches!(self, NpyType::F16 | NpyType::F32 | NpyType::F64)
    }

    fn is_integer(self) -> bool {
        !self.is_float() && self != NpyType::Bool
    }

    /// Whether arrays of this type can feed an input of element type `to`: floats feed float
    /// inputs (and uint8 does, as image pixels do), integers feed integer inputs (values are
    /// checked to fit when read), bools feed bool inputs.
    fn feeds(self, to: DType) -> bool {
        match to {
            DType::F32 => self.is_float() || self == NpyType::U8,
            DType::F16 => self.is_float(),
            DType::I8 | DType::U8 | DType::I16 | DType::I32 | DType::I64 => self.is_integer(),
            DType::Bool => self == NpyType::Bool,
            // Complex model inputs are not read from data files.
            DType::C64 => false,
        }
    }

    /// Decodes little-endian elements into the input's element type.
    fn decode(self, bytes: &[u8], to: DType) -> Result<TensorData, String> {
        let f32s = || -> Vec<f32> {
            match self {
                NpyType::F32 => bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
                NpyType::F64 => bytes
                    .chunks_exact(8)
                    .map(|c| {
                        f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32
                    })
                    .collect(),
                NpyType::F16 => bytes
                    .chunks_exact(2)
                    .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
                    .collect(),
                _ => bytes.iter().map(|&b| b as f32).collect(),
            }
        };
        Ok(match to {
            DType::F32 => TensorData::F32(f32s()),
            DType::F16 => TensorData::F16(match self {
                NpyType::F16 => bytes
                    .chunks_exact(2)
                    .map(|c| half::f16::from_le_bytes([c[0], c[1]]))
                    .collect(),
                _ => f32s().into_iter().map(half::f16::from_f32).collect(),
            }),
            DType::Bool => TensorData::Bool(bytes.iter().map(|&b| b != 0).collect()),
            DType::I8 => TensorData::I8(self.integers(bytes, to)?),
            DType::U8 => TensorData::U8(self.integers(bytes, to)?),
            DType::I16 => TensorData::I16(self.integers(bytes, to)?),
            DType::I32 => TensorData::I32(self.integers(bytes, to)?),
            DType::I64 => TensorData::I64(self.integers(bytes, to)?),
            DType::C64 => return Err("complex inputs cannot be read from data files".into()),
        })
    }

    /// Integer elements converted to `T`, each checked to fit.
    fn integers<T: TryFrom<i128>>(self, bytes: &[u8], to: DType) -> Result<Vec<T>, String> {
        let n = self.size();
        bytes
            .chunks_exact(n)
            .enumerate()
            .map(|(i, c)| {
                let mut b = [0u8; 8];
                b[..n].copy_from_slice(c);
                let v: i128 = match self {
                    NpyType::I8 => c[0] as i8 as i128,
                    NpyType::I16 => i16::from_le_bytes([c[0], c[1]]) as i128,
                    NpyType::I32 => i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i128,
                    NpyType::I64 => i64::from_le_bytes(b) as i128,
                    _ => u64::from_le_bytes(b) as i128,
                };
                T::try_from(v).map_err(|_| {
                    format!(
                        "element {i} of the {} array is {v}, which {} cannot hold",
                        self.name(),
                        numpy_name(to)
                    )
                })
            })
            .collect()
    }
}

impl NpyStream {
    /// Reads the header; the data follows in `reader`.
    fn new(mut reader: Box<dyn Read + Send>) -> Result<NpyStream, String> {
        let mut magic = [0u8; 8];
        reader
            .read_exact(&mut magic)
            .map_err(|_| "not an .npy array (file too short)".to_string())?;
        if &magic[..6] != b"\x93NUMPY" {
            return Err("not an .npy array (bad magic)".into());
        }
        let header_len = if magic[6] == 1 {
            let mut b = [0u8; 2];
            reader
                .read_exact(&mut b)
                .map_err(|_| "truncated .npy header")?;
            u16::from_le_bytes(b) as usize
        } else {
            let mut b = [0u8; 4];
            reader
                .read_exact(&mut b)
                .map_err(|_| "truncated .npy header")?;
            u32::from_le_bytes(b) as usize
        };
        if header_len > 1 << 20 {
            return Err("malformed .npy header (too long)".into());
        }
        let mut header = vec![0u8; header_len];
        reader
            .read_exact(&mut header)
            .map_err(|_| "truncated .npy header")?;
        let header = String::from_utf8_lossy(&header).into_owned();
        let descr = dict_value(&header, "descr").ok_or("malformed .npy header: no 'descr'")?;
        let dtype = NpyType::parse(descr)?;
        if dict_value(&header, "fortran_order").is_some_and(|v| v.trim() == "True") {
            return Err(
                "Fortran-ordered .npy arrays are not supported: save a C-ordered array".into(),
            );
        }
        let shape_text = dict_value(&header, "shape").ok_or("malformed .npy header: no 'shape'")?;
        let shape: Vec<usize> = shape_text
            .trim_matches(|c| c == '(' || c == ')')
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<usize>()
                    .map_err(|_| format!("malformed .npy shape '{shape_text}'"))
            })
            .collect::<Result<_, _>>()?;
        let Some((&samples, item_shape)) = shape.split_first() else {
            return Err("the .npy array is a scalar: it needs a first dimension of samples".into());
        };
        Ok(NpyStream {
            reader,
            item_shape: item_shape.to_vec(),
            sample_shape: item_shape.to_vec(),
            samples,
            dtype,
        })
    }

    /// Checks that one item fits `input`: its element type, its shape (see
    /// [`InputSpec::fit`]) and, held as read and as converted, the memory budget.
    fn check_fits(&mut self, input: &InputSpec) -> Result<(), String> {
        self.sample_shape = Self::fit_item(self.dtype, &self.item_shape, input)?;
        Ok(())
    }

    /// The shape an array item of `dtype` and `item_shape` is fed to `input` with: checks its
    /// element type, its shape (see [`InputSpec::fit`]) and, held as read and as converted,
    /// the memory budget.
    fn fit_item(
        dtype: NpyType,
        item_shape: &[usize],
        input: &InputSpec,
    ) -> Result<Vec<usize>, String> {
        if !dtype.feeds(input.dtype) {
            let hint = match input.dtype {
                DType::F32 | DType::F16 => {
                    "save a float32 array (float16, float64 and uint8 are converted)"
                }
                DType::Bool => "save a bool array",
                _ => "save an integer array (int8 to int64, uint8 to uint64; values must fit)",
            };
            return Err(format!(
                "the array holds {} values but input '{}' takes {}: {hint}",
                dtype.name(),
                input.name,
                input.describe()
            ));
        }
        let Some(shape) = input.fit(item_shape) else {
            return Err(format!(
                "the array holds samples of shape {:?} but input '{}' takes {} (the array's shape must be [N, ...] with ... the input shape, with or without its leading batch of 1; -1 is any size)",
                item_shape, input.name, input.describe()
            ));
        };
        budget::check_dims(&shape, 8).map_err(|e| {
            format!(
                "input '{}' of shape {:?}: one sample {e}",
                input.name, input.shape
            )
        })?;
        Ok(shape)
    }

    /// Reads the next item; [`check_fits`](Self::check_fits) has passed and the input's
    /// sample fits the memory budget, so the item's size is bounded.
    fn read_sample(&mut self, input: &InputSpec) -> Result<Array, String> {
        let count: usize = self.item_shape.iter().product();
        let mut bytes = vec![0u8; count * self.dtype.size()];
        self.reader
            .read_exact(&mut bytes)
            .map_err(|e| format!("truncated array data ({e})"))?;
        let data = self.dtype.decode(&bytes, input.dtype)?;
        Ok(Array {
            shape: self.sample_shape.clone(),
            data,
        })
    }
}

/// The text of `key`'s value in a Python dict literal such as an `.npy` header.
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header.find(&format!("'{key}'"))?;
    let rest = header[at + key.len() + 2..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else {
        rest.find([',', '}']).unwrap_or(rest.len())
    };
    Some(rest[..end].trim())
}

fn open_npy(path: &Path, inputs: &[InputSpec]) -> Result<Source, String> {
    if inputs.len() != 1 {
        let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
        return Err(format!(
            "'{}' is a .npy file, which feeds one input, but the model has {} inputs ({}): use a .npz with one array per input",
            path.display(),
            inputs.len(),
            names.join(", ")
        ));
    }
    let file = File::open(path).map_err(|e| format!("cannot open '{}': {e}", path.display()))?;
    let mut reader = NpyStream::new(Box::new(BufReader::with_capacity(1 << 20, file)))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    reader
        .check_fits(&inputs[0])
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Source::Npy {
        path: path.to_path_buf(),
        reader,
    })
}

// ---- .npz ----

fn open_npz(path: &Path, inputs: &[InputSpec]) -> Result<Source, String> {
    let open_archive = || -> Result<zip::ZipArchive<BufReader<File>>, String> {
        let file =
            File::open(path).map_err(|e| format!("cannot open '{}': {e}", path.display()))?;
        zip::ZipArchive::new(BufReader::new(file))
            .map_err(|e| format!("{}: not a readable .npz archive ({e})", path.display()))
    };
    let mut archive = open_archive()?;
    let keys: Vec<String> = archive
        .file_names()
        .map(|n| n.map(|n| n.trim_end_matches(".npy").to_string()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: unreadable entry name ({e})", path.display()))?;
    let assigned = assign_keys(&keys, inputs).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut streams = Vec::new();
    for (input, &k) in inputs.iter().zip(&assigned) {
        let key = &keys[k];
        // Each input's array streams from its own file handle.
        let reader = entry_reader(path, &mut archive, &format!("{key}.npy"))
            .map_err(|e| format!("{}: array '{key}': {e}", path.display()))?;
        let mut stream = NpyStream::new(Box::new(reader))
            .map_err(|e| format!("{}: array '{key}': {e}", path.display()))?;
        stream
            .check_fits(input)
            .map_err(|e| format!("{}: array '{key}': {e}", path.display()))?;
        streams.push(stream);
    }
    if let Some(first) = streams.first() {
        for (s, input) in streams.iter().zip(inputs) {
            if s.samples != first.samples {
                return Err(format!(
                    "{}: input '{}' has {} samples but input '{}' has {}",
                    path.display(),
                    input.name,
                    s.samples,
                    inputs[0].name,
                    first.samples
                ));
            }
        }
    }
    Ok(Source::Npz {
        path: path.to_path_buf(),
        streams,
    })
}

/// For each input, the index of the key that names it (`.npz` keys, the keys of a sample in
/// memory): every key must match exactly one input and every input exactly one key.
fn assign_keys(keys: &[String], inputs: &[InputSpec]) -> Result<Vec<usize>, String> {
    for key in keys {
        let matching: Vec<&str> = inputs
            .iter()
            .filter(|i| i.matches(key))
            .map(|i| i.name.as_str())
            .collect();
        if matching.is_empty() {
            let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
            return Err(format!(
                "array '{key}' matches no input of the model (its inputs are: {}; arrays are matched by input name, tensor name or position: arr_0, arr_1, ...)",
                names.join(", ")
            ));
        }
        if matching.len() > 1 {
            return Err(format!(
                "array '{key}' matches several inputs ({}): name the arrays after the inputs",
                matching.join(", ")
            ));
        }
    }
    inputs
        .iter()
        .map(|input| {
            let found: Vec<usize> = (0..keys.len())
                .filter(|&k| input.matches(&keys[k]))
                .collect();
            match found[..] {
                [k] => Ok(k),
                [] => Err(format!(
                    "no array for input '{}' (arrays: {})",
                    input.name,
                    keys.join(", ")
                )),
                _ => {
                    let names: Vec<&str> = found.iter().map(|&k| keys[k].as_str()).collect();
                    Err(format!(
                        "arrays {} all match input '{}': keep one",
                        names.join(", "),
                        input.name
                    ))
                }
            }
        })
        .collect()
}

/// How one in-memory sample feeds the inputs: per input, the array's index, element type and
/// the shape it is fed with (see [`Dataset::from_memory`]).
fn memory_plan(
    sample: &[MemoryArray],
    inputs: &[InputSpec],
) -> Result<Vec<(usize, NpyType, Vec<usize>)>, String> {
    let keyed = sample.iter().filter(|a| a.key.is_some()).count();
    let order: Vec<usize> = if keyed == 0 {
        if sample.len() != inputs.len() {
            let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
            return Err(format!(
                "{} array{} given but the model has {} input{} ({}): give one array per input, in input order, or a dict by input name",
                sample.len(),
                if sample.len() == 1 { " is" } else { "s are" },
                inputs.len(),
                if inputs.len() == 1 { "" } else { "s" },
                names.join(", ")
            ));
        }
        (0..inputs.len()).collect()
    } else if keyed == sample.len() {
        let keys: Vec<String> = sample.iter().filter_map(|a| a.key.clone()).collect();
        assign_keys(&keys, inputs)?
    } else {
        return Err("some arrays are named and some are not: name all of them or none".into());
    };
    order
        .into_iter()
        .zip(inputs)
        .map(|(i, input)| {
            let a = &sample[i];
            let what = match &a.key {
                Some(k) => format!("array '{k}'"),
                None => format!("input '{}'", input.name),
            };
            let dtype = NpyType::parse(&a.descr).map_err(|e| format!("{what}: {e}"))?;
            let shape =
                NpyStream::fit_item(dtype, &a.shape, input).map_err(|e| format!("{what}: {e}"))?;
            let want = a
                .shape
                .iter()
                .try_fold(dtype.size(), |n, &d| n.checked_mul(d));
            if want != Some(a.bytes.len()) {
                let want = want.map_or("more than memory holds".to_string(), |w| {
                    format!("{w} bytes")
                });
                return Err(format!(
                    "{what}: {} bytes for a {} array of shape {:?} ({want})",
                    a.bytes.len(),
                    dtype.name(),
                    a.shape
                ));
            }
            Ok((i, dtype, shape))
        })
        .collect()
}

/// A sequential reader over one entry of a zip archive: the raw bytes of a stored entry, or
/// a streaming inflate of a deflated one, read straight from the file.
fn entry_reader(
    path: &Path,
    archive: &mut zip::ZipArchive<BufReader<File>>,
    name: &str,
) -> Result<Box<dyn Read + Send>, String> {
    let index = archive
        .index_for_name(name)
        .ok_or_else(|| format!("no entry '{name}'"))?;
    let entry = archive.by_index_raw(index).map_err(|e| e.to_string())?;
    let start = entry.data_start().ok_or("the entry has no data offset")?;
    let size = entry.compressed_size();
    let method = entry.compression();
    drop(entry);
    let mut file = File::open(path).map_err(|e| e.to_string())?;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(start)).map_err(|e| e.to_string())?;
    let raw = BufReader::with_capacity(1 << 20, file).take(size);
    match method {
        zip::CompressionMethod::Stored => Ok(Box::new(raw)),
        zip::CompressionMethod::Deflated => Ok(Box::new(flate2::read::DeflateDecoder::new(raw))),
        other => Err(format!(
            "unsupported compression {other:?}: save with numpy.savez or numpy.savez_compressed"
        )),
    }
}

// ---- images ----

/// The largest image file calibration reads.
const MAX_IMAGE_FILE_BYTES: u64 = 256 << 20;

fn open_images(dir: &Path, inputs: &[InputSpec], scaling: PixelScaling) -> Result<Source, String> {
    if inputs.len() != 1 {
        return Err(format!(
            "a folder of images feeds one input, but the model has {} inputs: use a .npz with one array per input",
            inputs.len()
        ));
    }
    let input = &inputs[0];
    if input.dtype != DType::F32 {
        return Err(format!(
            "images feed a float32 image input, but input '{}' takes {}: give a .npz (or .npy) of {} arrays",
            input.name,
            input.describe(),
            numpy_name(input.dtype)
        ));
    }
    let shape = input.sample_shape();
    if shape.len() != 4 || !(shape[3] == 3 || shape[3] == 1) {
        return Err(format!(
            "images feed an NHWC input with 1 or 3 channels, but input '{}' has shape {:?}",
            input.name, input.shape
        ));
    }
    if input.shape[1..].iter().any(|&d| d < 0) {
        return Err(format!(
            "input '{}' has shape {:?}: images are resized to a static height and width; give a .npy of the sizes to calibrate with",
            input.name, input.shape
        ));
    }
    check_resize_budget(input, shape[1], shape[2], shape[3])?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the folder '{}': {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "the folder '{}' holds no .png or .jpg images",
            dir.display()
        ));
    }
    // Refuse FIFOs, devices and folders up front: reading one could block or never end.
    for f in &files {
        regular_file_size(f)?;
    }
    Ok(Source::Images { files, scaling })
}

/// Fails when resizing images to the input's `h` x `w` x `c` would not fit the memory budget
/// (or the image library's 32-bit sizes): the size comes from the model.
fn check_resize_budget(input: &InputSpec, h: usize, w: usize, c: usize) -> Result<(), String> {
    let too_large = |e: String| {
        format!(
            "input '{}' takes {h} x {w} x {c} images: resizing to that size {e}",
            input.name
        )
    };
    if u32::try_from(h).is_err() || u32::try_from(w).is_err() {
        return Err(too_large(format!(
            "is beyond the {} pixels per side images can have",
            u32::MAX
        )));
    }
    // The resized image (up to 16 bytes a pixel, for 4 channels of f32) and the input array.
    budget::check_dims(&[h, w], 16).map_err(|e| too_large(e.to_string()))?;
    budget::check_dims(&[h, w, c], 4).map_err(|e| too_large(e.to_string()))?;
    Ok(())
}

/// The size of `path` when it is a regular file (symlinks followed) of at most
/// [`MAX_IMAGE_FILE_BYTES`].
fn regular_file_size(path: &Path) -> Result<u64, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read '{}': {e}", path.display()))?;
    check_regular(path, &meta)
}

fn check_regular(path: &Path, meta: &std::fs::Metadata) -> Result<u64, String> {
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(format!(
            "'{}' is {kind}: calibration reads images from regular files only",
            path.display()
        ));
    }
    if meta.len() > MAX_IMAGE_FILE_BYTES {
        return Err(format!(
            "'{}' is {}, more than the {} an image file may take",
            path.display(),
            budget::human(meta.len() as u128),
            budget::human(MAX_IMAGE_FILE_BYTES as u128)
        ));
    }
    Ok(meta.len())
}

/// Reads a whole image file, checking again on the open file that it is a regular file of a
/// bounded size (it may have been replaced since the folder was listed).
fn read_image_file(path: &Path) -> Result<Vec<u8>, String> {
    regular_file_size(path)?;
    let file = File::open(path).map_err(|e| format!("cannot open '{}': {e}", path.display()))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read '{}': {e}", path.display()))?;
    let size = check_regular(path, &meta)?;
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_IMAGE_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read '{}': {e}", path.display()))?;
    if bytes.len() as u64 > MAX_IMAGE_FILE_BYTES {
        return Err(format!(
            "'{}' grew past the {} an image file may take while it was read",
            path.display(),
            budget::human(MAX_IMAGE_FILE_BYTES as u128)
        ));
    }
    Ok(bytes)
}

/// Decodes an image, converts it to RGB (or grey), resizes it to the input's height and
/// width with bilinear filtering, and scales the pixels. Truncated files are refused.
fn load_image(path: &Path, input: &InputSpec, scaling: PixelScaling) -> Result<Array, String> {
    let shape = input.sample_shape();
    let (h, w, c) = (shape[1], shape[2], shape[3]);
    let bytes = read_image_file(path)?;
    image_check::check_complete(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let limit = budget::checked_limit()?;
    let mut reader = image::ImageReader::new(std::io::Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|e| format!("{}: cannot read the image ({e})", path.display()))?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(limit);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| format!("{}: cannot decode the image ({e})", path.display()))?;
    let (h32, w32) = (h as u32, w as u32);
    let resized = image.resize_exact(w32, h32, image::imageops::FilterType::Triangle);
    let data: Vec<f32> = if c == 3 {
        resized
            .to_rgb8()
            .into_raw()
            .into_iter()
            .map(|p| scaling.apply(p))
            .collect()
    } else {
        resized
            .to_luma8()
            .into_raw()
            .into_iter()
            .map(|p| scaling.apply(p))
            .collect()
    };
    Ok(Array {
        shape,
        data: TensorData::F32(data),
    })
}

#[cfg(test)]
#[path = "dataset_tests.rs"]
mod tests;
