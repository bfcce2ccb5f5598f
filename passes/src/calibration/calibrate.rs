//! `calibrate{data=PATH method=...}`: runs the float function over a data set and attaches
//! `quantfork.stats` (the range of the values seen) to every float activation: the inputs,
//! every op result, and values inside regions — what TensorFlow's calibrator records.
//!
//! Inputs of any element type the interpreter computes with are fed as the data set holds them
//! (see [`super::dataset`]); only float values get ranges. Values the interpreter computes from
//! float32, integer and bool constants when it plans the run (ops on constants, such as a
//! large attention mask) get the range of their one value, as if a run had computed them.
//!
//! A custom op the interpreter has no kernel for does not stop calibration: the interpreter
//! runs everything else ([`Interpreter::new_partial`]), the values that depend on the custom
//! op's results get no statistics (so the ops computing them stay float), the pass warns once,
//! and every op left out carries the discardable attribute [`UNCALIBRATED`] whose string says
//! why, for the quantization report.
//!
//! A range whose width is not a finite float32 (values near ±3.4e38) is an error naming the
//! tensor: no scale could represent it.
//!
//! Samples run in parallel on all cores (worker threads that live for the whole data set, see
//! [`super::runner`]); what each sample shows is merged in sample order, so the result does not
//! depend on scheduling. The data set is read a few samples ahead and the interpreter frees
//! every intermediate after its last use, so memory stays bounded.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use tqopt_interp::{DType, Interpreter, Tensor};
use tqopt_ir::dialect::{func, quantfork};
use tqopt_ir::{Attribute, Diagnostic, ElementType, FloatKind, Module, OpId, Type, ValueId};

use super::collectors::{Collector, Method, LOW_SENTINELS_ATTR};
use super::dataset::{DataSource, InputSpec, PixelScaling};
use super::statistics::{fingerprint, value_name, Statistics, TensorStats};
use super::tflite_inplace;
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Progress, Statistic};
use crate::registry::{PassInfo, PassTraits, ToolInput};

pub const CALIBRATED: Statistic = Statistic {
    name: "num-calibrated",
    description: "values given a calibrated range",
};
pub const SAMPLES: Statistic = Statistic {
    name: "num-samples",
    description: "samples run",
};

/// The discardable attribute (a string) on every op whose results calibration could not
/// observe because it is, or depends on, a custom op the interpreter cannot run:
/// `{tqopt.uncalibrated = "depends on custom op 'X' (at name), which tqopt cannot run"}` (on the
/// custom op itself: `"custom op 'X' (at name) has no kernel in tqopt's interpreter, ..."`).
/// Such ops get no statistics and stay float; the quantization report gives this reason.
pub const UNCALIBRATED: &str = "tqopt.uncalibrated";

/// The most threads `threads=` accepts.
pub const MAX_THREADS: i64 = 256;

/// What a calibration data set may be and how its arrays meet the model's inputs: the help of
/// every option that takes one (`calibrate{data=}`, `quantize-int8{calibration=}`,
/// `--calibration-data`).
pub const DATA_HELP: &str = "The data set: a .npy (one input), a .npz (an array per input) or a folder of images. \
            .npz arrays are matched to inputs by signature name, tensor name or position (arr_0, \
            arr_1, ... as numpy.savez names unnamed arrays; or arg0, ...). Arrays are [N, ...input \
            shape] (the input's batch of 1 may be left out; dynamic dimensions take the array's sizes) and are fed as they are: float inputs \
            take float32 (float16, float64, uint8 converted), integer inputs integer arrays (values \
            must fit), bool inputs bool arrays. Images (.png, .jpg) feed one float32 NHWC input";

/// `input-range=`: how image pixels are scaled (calibrate's, and that of every pass or pipeline
/// that reads a data set of images).
pub const INPUT_RANGE_OPTION: OptionInfo = OptionInfo {
    name: "input-range",
    kind: OptionKind::List(&OptionKind::Float),
    default: "0,1",
    help: "The range image pixels are scaled to, e.g. -1,1",
};

pub static OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        name: "data",
        kind: OptionKind::String,
        default: "",
        help: DATA_HELP,
    },
    OptionInfo {
        name: "method",
        kind: OptionKind::Enum(Method::NAMES),
        default: "minmax",
        help: "How values become a range: minmax (TensorFlow's), moving-average (the mean of each sample's min and max), percentile or mse",
    },
    INPUT_RANGE_OPTION,
    OptionInfo {
        name: "if-missing",
        kind: OptionKind::Bool,
        default: "false",
        help: "Do nothing when the IR already holds statistics",
    },
    OptionInfo {
        name: "tflite-inplace",
        kind: OptionKind::Bool,
        default: "false",
        help: "Record what TensorFlow's calibrator records for inputs of in-place ops (the union with the op's result)",
    },
    OptionInfo {
        name: "threads",
        kind: OptionKind::Int,
        default: "0",
        help: "Threads running samples (0: one per core; at most 256)",
    },
    OptionInfo {
        name: "max-samples",
        kind: OptionKind::Int,
        default: "0",
        help: "Use only the first N samples of the data set (0: all)",
    },
];

pub static INFO: PassInfo = PassInfo {
    argument: "calibrate",
    summary:
        "Run the float model on a data set and attach quantfork.stats ranges to every activation",
    description: "Runs the entry function on every sample of the data set with the reference \
        interpreter (in parallel), and records for each float value it computes the range of \
        values seen (minmax: TensorFlow's global min/max; NaNs are skipped and counted) as a \
        quantfork.stats op. Integer and bool inputs are fed as the data set holds them. A custom \
        op the interpreter has no kernel for is left out with every op that depends on its \
        results: those get no statistics (so they stay float) and carry tqopt.uncalibrated with \
        the reason; the pass warns once. A range no float32 scale can hold is an error.",
    options: OPTIONS,
    create,
    traits: PassTraits {
        inputs: &[
            (ToolInput::CalibrationData, "data"),
            (ToolInput::CalibrationMethod, "method"),
            (ToolInput::InputRange, "input-range"),
        ],
        report: None,
    },
};

fn create(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(Calibrate::from_options(options)?))
}

impl Calibrate {
    /// The pass as `calibrate{...}` with these options makes it (the library calls it
    /// directly to calibrate from arrays in memory or to apply saved statistics).
    pub fn from_options(options: &PassOptions) -> Result<Calibrate, String> {
        let method =
            Method::parse(options.choice("method")?).ok_or("unknown calibration method")?;
        let scaling = PixelScaling::parse_range(options.text("input-range")?)?;
        let threads = match options.int("threads")? {
        n if n < 0 => return Err("threads must be 0 (one per core) or more".into()),
        0 => tqopt_interp::parallel::default_threads().min(MAX_THREADS as usize),
        n if n > MAX_THREADS => {
            return Err(format!(
                "threads={n} is more than {MAX_THREADS}, the most calibrate runs at once (0 means one per core)"
            ))
        }
        n => n as usize,
    };
        let data = options.string("data")?;
        let max_samples = match options.int("max-samples")? {
            n if n < 0 => return Err("max-samples must be 0 (all) or more".into()),
            0 => usize::MAX,
            n => n as usize,
        };
        Ok(Calibrate {
            data: (!data.is_empty()).then(|| PathBuf::from(data)),
            method,
            scaling,
            if_missing: options.bool("if-missing")?,
            tflite_inplace: options.bool("tflite-inplace")?,
            threads,
            max_samples,
        })
    }
}

/// What a run over a data set saw: a collector per value (merged over the entry points), the
/// interpreters (which know what they could not run), and the number of samples.
type Observed = (HashMap<ValueId, Collector>, Vec<Interpreter>, u64);

/// The `calibrate` pass: its options, parsed.
pub struct Calibrate {
    data: Option<PathBuf>,
    method: Method,
    scaling: PixelScaling,
    if_missing: bool,
    tflite_inplace: bool,
    threads: usize,
    /// Samples read at most (`usize::MAX`: all).
    max_samples: usize,
}

/// The element type calibration feeds an input of type `ty`, if it can feed it.
fn input_dtype(ty: &Type) -> Option<DType> {
    Some(match ty.element_type()? {
        ElementType::Float(FloatKind::F32) => DType::F32,
        ElementType::Float(FloatKind::F16) => DType::F16,
        ElementType::Int(t) => match (t.width, t.is_unsigned()) {
            (1, _) => DType::Bool,
            (8, false) => DType::I8,
            (8, true) => DType::U8,
            (16, false) => DType::I16,
            (32, false) => DType::I32,
            (64, false) => DType::I64,
            _ => return None,
        },
        _ => return None,
    })
}

/// The signature name (`tf_saved_model.index_path`) of argument `i` of `f`.
fn signature_name(m: &Module, f: OpId, i: usize) -> Option<String> {
    let Some(Attribute::Array(args)) = m.op(f).attr("arg_attrs") else {
        return None;
    };
    match args.get(i)?.as_dict()?.get("tf_saved_model.index_path")? {
        Attribute::Array(path) => path.first()?.as_str().map(str::to_string),
        _ => None,
    }
}

/// How calibration sees the entry function's inputs: their names (the signature name from
/// `tf_saved_model.index_path`, the `tf.entry_function` name, the tensor name from the
/// location), positions, shapes and element types. Fails on an input whose element type
/// calibration cannot feed, naming it.
pub fn input_specs(m: &Module, f: OpId) -> Result<Vec<InputSpec>, String> {
    let Some(entry) = func::entry_block(m, f) else {
        return Ok(Vec::new());
    };
    let signature = func::entry_function_names(m, f, "inputs");
    m.block(entry)
        .args()
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            let tensor_name = m.value(a).loc.first_name().map(str::to_string);
            let mut names: Vec<String> = signature_name(m, f, i)
                .into_iter()
                .chain(signature.get(i).cloned())
                .chain(tensor_name)
                .filter(|n| !n.is_empty())
                .collect();
            names.dedup();
            let name = if names.is_empty() {
                format!("arg{i}")
            } else {
                names.remove(0)
            };
            let aliases = names.into_iter().filter(|t| *t != name).collect();
            let ty = m.value_type(a);
            let shape = ty
                .as_tensor()
                .map(|t| t.shape.to_vec())
                .unwrap_or_default();
            let dtype = input_dtype(ty).ok_or_else(|| {
                format!(
                    "input '{name}' has type {ty}: calibration feeds inputs of f32, f16, i1, i8, ui8, i16, i32 and i64 elements"
                )
            })?;
            Ok(InputSpec {
                name,
                aliases,
                position: i,
                shape,
                dtype,
            })
        })
        .collect()
}

fn has_stats(m: &Module) -> bool {
    m.walk_nested(m.op).any(|op| m.op(op).is(&quantfork::STATS))
}

impl Pass for Calibrate {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        if self.if_missing && has_stats(m) {
            return Ok(Changed::No);
        }
        let Some(data) = &self.data else {
            return Err(Diagnostic::error(
                "the IR holds no calibration statistics and no calibration data was given: pass \
                 --calibration-data=PATH (a .npy, a .npz with one array per input, or a folder of images), \
                 or calibrate{data=PATH} first",
            )
            .into());
        };
        warn_if_already_quantized(m, cx);
        let (merged, interps, _) = self.observe(m, &DataSource::Path(data.clone()), cx)?;
        self.finish(m, &merged, &interps, cx)
    }
}

/// Warns when the model computes on quantized tensors already (an int8 model given again):
/// quantizing it calibrates on its dequantized values and rounds them a second time.
fn warn_if_already_quantized(m: &Module, cx: &mut PassContext) {
    let quantized: Vec<tqopt_ir::OpId> = m
        .walk_nested(m.op)
        .filter(|&op| {
            let data = m.op(op);
            !data
                .def()
                .is_some_and(|d| d.has_trait(tqopt_ir::dialect::Traits::CONSTANT_LIKE))
                && data
                    .results()
                    .iter()
                    .any(|&r| crate::quant::qdq::quant_of(m, r).is_some())
        })
        .collect();
    let Some(&first) = quantized.first() else {
        return;
    };
    cx.emit(
        tqopt_ir::Diagnostic::warning(format!(
            "the model is quantized already ({} op{} compute on quantized tensors): quantizing it again calibrates on its dequantized values and rounds them a second time, which only adds error; quantize the float model instead",
            quantized.len(),
            if quantized.len() == 1 { "" } else { "s" }
        ))
        .at(m.op(first).pos)
        .with_loc(m.op(first).loc.clone()),
    );
}

impl Calibrate {
    /// The method the options chose.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The `data=` option, if given.
    pub fn data(&self) -> Option<&Path> {
        self.data.as_deref()
    }

    /// Whether the pass does nothing on `m` (`if-missing` and `m` already holds statistics).
    pub fn skips(&self, m: &Module) -> bool {
        self.if_missing && has_stats(m)
    }

    /// Runs every entry point on `data` and returns what each float value took, without
    /// changing `m`: the statistics the pass would apply.
    pub fn collect(
        &self,
        m: &Module,
        data: &DataSource,
        cx: &mut PassContext,
    ) -> Result<Statistics, PassError> {
        let (merged, _, samples) = self.observe(m, data, cx)?;
        let mut tensors: Vec<TensorStats> = merged
            .into_iter()
            .map(|(v, collector)| TensorStats {
                value: tqopt_ir::EntityRef::index(v),
                name: value_name(m, v),
                collector,
            })
            .collect();
        tensors.sort_by_key(|t| t.value);
        Ok(Statistics {
            method: self.method,
            model: fingerprint(m),
            samples,
            tensors,
        })
    }

    /// Attaches the ranges of `stats` (made by [`collect`](Self::collect) on the same IR, and
    /// perhaps merged) as the pass does after running data: the same ranges, warnings and
    /// marks. Statistics of other IR (another model, or the same one through other passes) are
    /// refused.
    pub fn apply(
        &self,
        m: &mut Module,
        stats: &Statistics,
        cx: &mut PassContext,
    ) -> Result<Changed, PassError> {
        let here = fingerprint(m);
        if stats.model != here {
            return Err(Diagnostic::error(format!(
                "the statistics were made from another model, or from this one through other passes or options (their fingerprint is {}, this IR's is {here}): calibrate with the same model, pass options and tqopt version",
                stats.model
            ))
            .into());
        }
        if stats.method != self.method {
            return Err(Diagnostic::error(format!(
                "the statistics were collected with method {}, but the pipeline asks for {}: give the same method (--calibration-method={})",
                stats.method.name(),
                self.method.name(),
                stats.method.name()
            ))
            .into());
        }
        let slots = m.num_value_slots();
        let mut merged = HashMap::new();
        for t in &stats.tensors {
            let v: Option<ValueId> = (t.value < slots).then(|| tqopt_ir::EntityRef::new(t.value));
            let Some(v) = v.filter(|&v| value_name(m, v) == t.name) else {
                return Err(Diagnostic::error(format!(
                    "the statistics of value {} ('{}') do not match this IR: calibrate with the same model, pass options and tqopt version",
                    t.value, t.name
                ))
                .into());
            };
            merged.insert(v, t.collector.clone());
        }
        cx.count(SAMPLES, stats.samples);
        let mut interps = Vec::new();
        for f in m.entry_points() {
            let name = func::name(m, f).unwrap_or("main").to_string();
            interps.push(Interpreter::new_partial(m, &name).map_err(|e| {
                Diagnostic::error(format!("cannot run the model to calibrate it: {e}"))
            })?);
        }
        self.finish(m, &merged, &interps, cx)
    }

    /// Runs every entry point on the data set; returns what each value took, merged over the
    /// entry points (a model's signatures), and the interpreters (which know what they could
    /// not run).
    fn observe(
        &self,
        m: &Module,
        data: &DataSource,
        cx: &mut PassContext,
    ) -> Result<Observed, PassError> {
        let entries = m.entry_points();
        if entries.is_empty() {
            return Err(Diagnostic::error(
                "calibration needs an entry function to run (a public function that nothing calls)",
            )
            .into());
        }
        tqopt_interp::budget::checked_limit().map_err(Diagnostic::error)?;
        // Every entry point (a model's signatures) runs on the data set; a value's range
        // merges what every signature saw of it.
        let mut merged: HashMap<ValueId, Collector> = HashMap::new();
        let mut interps = Vec::new();
        let mut done = 0usize;
        for f in entries {
            let name = func::name(m, f).unwrap_or("main").to_string();
            let interp = Interpreter::new_partial(m, &name).map_err(|e| {
                Diagnostic::error(format!("cannot run the model to calibrate it: {e}"))
            })?;
            done += self.observe_function(m, f, &interp, data, &mut merged, cx)?;
            interps.push(interp);
        }
        cx.count(SAMPLES, done as u64);
        Ok((merged, interps, done as u64))
    }

    /// Turns collectors into ranges and attaches them; marks what the interpreters could not
    /// run.
    fn finish(
        &self,
        m: &mut Module,
        merged: &HashMap<ValueId, Collector>,
        interps: &[Interpreter],
        cx: &mut PassContext,
    ) -> Result<Changed, PassError> {
        let mut ranges = ranges(m, merged, self.method, cx)?;
        if self.tflite_inplace {
            tflite_inplace::widen(&mut ranges, &tflite_inplace::overwritten_by(m));
        }
        let calibrated = attach_stats(m, &ranges, merged);
        cx.count(CALIBRATED, calibrated);
        let mut marked = false;
        for interp in interps {
            marked |= mark_uncalibrated(m, interp, cx);
        }
        Ok(Changed::from(calibrated > 0 || marked))
    }
}

impl Calibrate {
    /// Runs entry function `f` on every sample of the data set and merges what it sees into
    /// `merged`. Returns the number of samples.
    fn observe_function(
        &self,
        m: &Module,
        f: OpId,
        interp: &Interpreter,
        data: &DataSource,
        merged: &mut HashMap<ValueId, Collector>,
        cx: &mut PassContext,
    ) -> Result<usize, PassError> {
        let specs = input_specs(m, f).map_err(Diagnostic::error)?;
        let mut dataset = data.open(&specs, self.scaling).map_err(Diagnostic::error)?;
        let place = data.describe();
        let total = dataset.len().min(self.max_samples);
        let started = Instant::now();
        let mut done = 0usize;
        let mut read = 0usize;
        let method = self.method;
        let folded = folded_values(m, f, interp);
        super::runner::run_ordered(
            self.threads,
            || {
                read += 1;
                if read > self.max_samples {
                    return None;
                }
                dataset.next()
            },
            |i, arrays| {
                observe_sample(interp, &arrays, &folded, method)
                    .map_err(|e| format!("{place}, sample {i}: {e}"))
            },
            |_, seen| {
                for (v, c) in seen {
                    match merged.get_mut(&v) {
                        Some(m) => m.merge(&c),
                        None => {
                            merged.insert(v, c);
                        }
                    }
                }
                done += 1;
                cx.progress(&Progress {
                    what: "calibrating",
                    unit: "samples",
                    done,
                    total,
                    elapsed: started.elapsed(),
                });
                Ok(())
            },
        )
        .map_err(Diagnostic::error)?;
        Ok(done)
    }
}

/// The float values of entry function `f` that the interpreter computed when it planned the
/// run, from float32, integer and bool constants only: ops on constants that
/// `fold-constant-ops` left as ops (a mask larger than it folds, or calibration run on its
/// own). A run never reports them, yet they are activations like any other: without a range
/// their ops would stay float. Values computed from quantized or float16 weights (a
/// `tfl.dequantize`, a `tfl.densify`) are weights, and are left out.
fn folded_values<'i>(m: &Module, f: OpId, interp: &'i Interpreter) -> Vec<(ValueId, &'i Tensor)> {
    use tqopt_ir::dialect::{tfl, Traits};
    let Some(body) = func::entry_block(m, f) else {
        return Vec::new();
    };
    let plain = |v: ValueId| {
        matches!(
            m.value_type(v).element_type(),
            Some(ElementType::Float(FloatKind::F32)) | Some(ElementType::Int(_))
        )
    };
    let mut from_plain_constants: HashSet<ValueId> = HashSet::new();
    let mut folded = Vec::new();
    for op in m.block_ops(body) {
        let data = m.op(op);
        let Some(def) = data.def() else { continue };
        if def.has_trait(Traits::CONSTANT_LIKE) {
            from_plain_constants.extend(data.results().iter().copied().filter(|&r| plain(r)));
            continue;
        }
        let weights = data.is(&tfl::DEQUANTIZE) || data.is(&tfl::DENSIFY);
        let operands_plain = data
            .operands()
            .iter()
            .all(|&v| matches!(m.value_type(v), Type::None) || from_plain_constants.contains(&v));
        if weights || !operands_plain || data.operands().is_empty() {
            continue;
        }
        for &r in data.results() {
            let Some(t) = interp.constant(r) else {
                continue;
            };
            from_plain_constants.insert(r);
            if t.as_slice::<f32>().is_some() {
                folded.push((r, t));
            }
        }
    }
    folded
}

/// Runs one sample and folds every float value it computes into a collector per value, with
/// the values `folded` the interpreter computed when it planned the run.
fn observe_sample(
    interp: &Interpreter,
    arrays: &[super::dataset::Array],
    folded: &[(ValueId, &Tensor)],
    method: Method,
) -> Result<HashMap<ValueId, Collector>, String> {
    let inputs: Vec<Tensor> = arrays
        .iter()
        .map(|a| Tensor::new(&a.shape, a.data.clone()).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let mut seen: HashMap<ValueId, Collector> = HashMap::new();
    let mut observer = |v: ValueId, t: &Tensor| {
        if let Some(values) = t.as_slice::<f32>() {
            seen.entry(v)
                .or_insert_with(|| Collector::new(method))
                .observe(values);
        }
    };
    for &(v, t) in folded {
        observer(v, t);
    }
    interp
        .run_partial_observed(&inputs, &mut observer)
        .map_err(|e| e.to_string())?;
    Ok(seen)
}

/// The range to record for every value with one; warns about non-finite values and values
/// that never held a finite one. A range whose width overflows float32 (or that is NaN) is an
/// error naming the tensor: no quantization scale can represent it.
fn ranges(
    m: &Module,
    collectors: &HashMap<ValueId, Collector>,
    method: Method,
    cx: &mut PassContext,
) -> Result<HashMap<ValueId, (f64, f64)>, PassError> {
    let mut out = HashMap::new();
    let mut values: Vec<ValueId> = collectors.keys().copied().collect();
    values.sort();
    for v in values {
        let c = &collectors[&v];
        let name = crate::quant::qdq::value_loc(m, v)
            .first_name()
            .map(|n| format!(" '{n}'"))
            .unwrap_or_default();
        if c.non_finite > 0 {
            cx.emit(Diagnostic::warning(format!(
                "{} NaN values were skipped in tensor{name}",
                c.non_finite
            )));
        }
        let Some((min, mut max)) = c.range() else {
            cx.emit(Diagnostic::warning(format!(
                "tensor{name} never held a value that is not NaN, infinite or a masking sentinel (magnitude >= 1e30): it gets no range"
            )));
            continue;
        };
        if c.sentinel_low + c.sentinel_high > 0 {
            cx.emit(Diagnostic::note(format!(
                "tensor{name} holds {} masking sentinels (infinite, or of magnitude >= 1e30, as attention masks use): they are left out of its range, which reaches past the real values ([{min:.4}, {max:.4}]) so that they saturate beyond all of them",
                c.sentinel_low + c.sentinel_high
            )));
        }
        if method == Method::MinMax {
            // TensorFlow's calibrator starts its maximum at FLT_MIN.
            max = max.max(f32::MIN_POSITIVE as f64);
        }
        check_range(m, v, min, max)?;
        out.insert(v, (min, max));
    }
    Ok(out)
}

/// Fails when `[min, max]`, as the float32 pair quantfork.stats holds (widened to include
/// zero, as quantization does), has a NaN bound or a width that is not a finite float32.
fn check_range(m: &Module, v: ValueId, min: f64, max: f64) -> Result<(), PassError> {
    let (lo, hi) = ((min as f32).min(0.0), (max as f32).max(0.0));
    let width = hi - lo;
    if lo.is_nan() || hi.is_nan() || !width.is_finite() || min > max {
        let loc = crate::quant::qdq::value_loc(m, v);
        let name = loc
            .first_name()
            .map(|n| format!("tensor '{n}'"))
            .unwrap_or_else(|| "a tensor".to_string());
        let pos = match m.value(v).def {
            tqopt_ir::ValueDef::Result { op, .. } => m.op(op).pos,
            tqopt_ir::ValueDef::BlockArg { .. } => None,
        };
        return Err(Diagnostic::error(format!(
            "{name} took values in [{:e}, {:e}], a range too wide for any quantization scale (its width is not a finite float32); check the calibration data, or keep the model float",
            min as f32, max as f32
        ))
        .at(pos)
        .with_loc(loc)
        .into());
    }
    Ok(())
}

/// Marks every op the interpreter left out (a custom op it has no kernel for, and the ops that
/// depend on its results, with the ops nested in them) with [`UNCALIBRATED`], and warns once,
/// naming the custom ops and how many float values got no range. Returns whether it marked any.
fn mark_uncalibrated(m: &mut Module, interp: &Interpreter, cx: &mut PassContext) -> bool {
    if interp.unrunnable().is_empty() {
        return false;
    }
    let mut ops: Vec<(OpId, String)> = Vec::new();
    let mut seen: HashSet<OpId> = HashSet::new();
    for (op, cause) in interp.skipped() {
        // The reason reads without quotes inside the attribute's string.
        let what = match m.op(cause.op).loc.first_name() {
            Some(at) => format!("{} (at {at})", cause.what()),
            None => cause.what(),
        };
        let reason = if op == cause.op {
            format!(
                "{what} has no kernel in tqopt's interpreter, so its results could not be calibrated"
            )
        } else {
            format!("depends on {what}, which tqopt cannot run")
        };
        for o in std::iter::once(op).chain(m.walk_nested(op)) {
            if seen.insert(o) {
                ops.push((o, reason.clone()));
            }
        }
    }
    let mut uncalibrated = 0usize;
    for (op, reason) in &ops {
        uncalibrated += m
            .results(*op)
            .iter()
            .filter(|&&r| m.value_type(r).element_type() == Some(&ElementType::F32))
            .count();
        m.op_mut(*op)
            .attributes
            .set(UNCALIBRATED, Attribute::string(reason));
    }
    // One entry per custom code, in order of appearance, with where its ops are.
    let mut by_code: Vec<(String, Vec<&str>)> = Vec::new();
    for u in interp.unrunnable() {
        let code = u.what();
        match by_code.iter_mut().find(|(c, _)| *c == code) {
            Some((_, locs)) => locs.push(&u.loc),
            None => by_code.push((code, vec![&u.loc])),
        }
    }
    let customs: Vec<String> = by_code
        .iter()
        .map(|(code, locs)| match &locs[..] {
            [one] => format!("{code} at {one}"),
            many => {
                let shown: Vec<&str> = many.iter().take(3).copied().collect();
                let more = if many.len() > 3 { ", ..." } else { "" };
                format!("{code} ({} ops: at {}{more})", many.len(), shown.join(", "))
            }
        })
        .collect();
    cx.emit(Diagnostic::warning(format!(
        "tqopt's interpreter cannot run {}: {uncalibrated} float value{} that depend{} on {} got no calibrated range, and the {} op{} computing them stay float (marked {UNCALIBRATED})",
        customs.join(", "),
        if uncalibrated == 1 { "" } else { "s" },
        if uncalibrated == 1 { "s" } else { "" },
        if interp.unrunnable().len() == 1 { "it" } else { "them" },
        ops.len(),
        if ops.len() == 1 { "" } else { "s" },
    )));
    true
}

/// Inserts a `quantfork.stats` after every value with a range, marked with
/// [`LOW_SENTINELS_ATTR`] where the value held negative sentinels; returns how many.
fn attach_stats(
    m: &mut Module,
    ranges: &HashMap<ValueId, (f64, f64)>,
    collectors: &HashMap<ValueId, Collector>,
) -> u64 {
    let mut values: Vec<ValueId> = ranges.keys().copied().collect();
    values.sort();
    let mut count = 0;
    for v in values {
        let Some(stats) = crate::quant::layer_stats::attach(m, v, ranges[&v]) else {
            continue;
        };
        if collectors.get(&v).is_some_and(|c| c.sentinel_low > 0) {
            m.op_mut(stats)
                .attributes
                .set(LOW_SENTINELS_ATTR, Attribute::Unit);
        }
        count += 1;
    }
    count
}
