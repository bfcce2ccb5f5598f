//! `calibrate{data=PATH method=...}`: runs the float function over a data set and attaches
//! `quantfork.stats` (the range of the values seen) to every float activation: the inputs,
//! every op result, and values inside regions — what TensorFlow's calibrator records.
//!
//! Samples run in parallel on all cores (worker threads that live for the whole data set, see
//! [`super::runner`]); what each sample shows is merged in sample order, so the result does not
//! depend on scheduling. The data set is read a few samples ahead and the interpreter frees
//! every intermediate after its last use, so memory stays bounded.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use tqopt_interp::{Interpreter, Tensor};
use tqopt_ir::dialect::{func, quantfork};
use tqopt_ir::{
    Attribute, DenseElements, Diagnostic, ElementType, Module, OpId, OpSpec, TensorType, Type,
    ValueId,
};

use super::collectors::{Collector, Method};
use super::dataset::{Dataset, InputSpec, PixelScaling};
use super::tflite_inplace;
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Progress, Statistic};
use crate::registry::PassInfo;

pub const CALIBRATED: Statistic = Statistic {
    name: "num-calibrated",
    description: "values given a calibrated range",
};
pub const SAMPLES: Statistic = Statistic {
    name: "num-samples",
    description: "samples run",
};

pub static OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        name: "data",
        kind: OptionKind::String,
        default: "",
        help: "The data set: a .npy (one input), a .npz (an array per input) or a folder of images",
    },
    OptionInfo {
        name: "method",
        kind: OptionKind::Enum(Method::NAMES),
        default: "minmax",
        help: "How values become a range: minmax (TensorFlow's), moving-average (the mean of each sample's min and max), percentile or mse",
    },
    OptionInfo {
        name: "input-range",
        kind: OptionKind::String,
        default: "0,1",
        help: "The range image pixels are scaled to, e.g. -1,1",
    },
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
        help: "Threads running samples (0: one per core)",
    },
];

pub static INFO: PassInfo = PassInfo {
    argument: "calibrate",
    summary:
        "Run the float model on a data set and attach quantfork.stats ranges to every activation",
    description: "Runs the entry function on every sample of the data set with the reference \
        interpreter (in parallel), and records for each float value it computes the range of \
        values seen (minmax: TensorFlow's global min/max; NaNs are skipped and counted) as a \
        quantfork.stats op.",
    options: OPTIONS,
    create,
};

fn create(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let method = Method::parse(options.str("method")).ok_or("unknown calibration method")?;
    let scaling = PixelScaling::parse_range(options.str("input-range"))?;
    let threads = match options.int("threads") {
        n if n < 0 => return Err("threads must be 0 (one per core) or more".into()),
        0 => tqopt_interp::parallel::default_threads(),
        n => n as usize,
    };
    let data = options.str("data");
    Ok(Box::new(Calibrate {
        data: (!data.is_empty()).then(|| PathBuf::from(data)),
        method,
        scaling,
        if_missing: options.bool("if-missing"),
        tflite_inplace: options.bool("tflite-inplace"),
        threads,
    }))
}

pub struct Calibrate {
    data: Option<PathBuf>,
    method: Method,
    scaling: PixelScaling,
    if_missing: bool,
    tflite_inplace: bool,
    threads: usize,
}

/// The entry function: `main`, or the only function.
pub fn entry_function(m: &Module) -> Option<OpId> {
    let funcs: Vec<OpId> = m
        .funcs()
        .into_iter()
        .filter(|&f| func::entry_block(m, f).is_some())
        .collect();
    funcs
        .iter()
        .copied()
        .find(|&f| func::name(m, f) == Some("main"))
        .or_else(|| (funcs.len() == 1).then(|| funcs[0]))
}

/// How calibration sees the entry function's inputs: their signature names (from
/// `tf.entry_function`), tensor names (locations) and shapes.
pub fn input_specs(m: &Module, f: OpId) -> Vec<InputSpec> {
    let Some(entry) = func::entry_block(m, f) else {
        return Vec::new();
    };
    let signature: Vec<String> = m
        .op(f)
        .attr("tf.entry_function")
        .and_then(Attribute::as_dict)
        .and_then(|d| d.get("inputs"))
        .and_then(Attribute::as_str)
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect())
        .unwrap_or_default();
    m.block(entry)
        .args()
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            let tensor_name = m.value(a).loc.first_name().map(str::to_string);
            let name = signature
                .get(i)
                .cloned()
                .or_else(|| tensor_name.clone())
                .unwrap_or_else(|| format!("arg{i}"));
            let aliases = tensor_name.into_iter().filter(|t| *t != name).collect();
            let shape = m
                .value_type(a)
                .as_tensor()
                .map(|t| t.shape.to_vec())
                .unwrap_or_default();
            InputSpec {
                name,
                aliases,
                shape,
            }
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
        let f = entry_function(m).ok_or_else(|| {
            Diagnostic::error("calibration needs a 'main' function (or a single function) to run")
        })?;
        let name = func::name(m, f).unwrap_or("main").to_string();
        let specs = input_specs(m, f);
        for (i, s) in specs.iter().enumerate() {
            let arg = func::entry_block(m, f).map(|b| m.block(b).args()[i]);
            if arg.is_some_and(|a| m.value_type(a).element_type() != Some(&ElementType::F32)) {
                return Err(Diagnostic::error(format!(
                    "input '{}' is not float32: calibration feeds float inputs only",
                    s.name
                ))
                .into());
            }
        }
        let interp = Interpreter::new(m, &name)
            .map_err(|e| Diagnostic::error(format!("cannot run the model to calibrate it: {e}")))?;
        let mut dataset = Dataset::open(data, &specs, self.scaling).map_err(Diagnostic::error)?;
        let total = dataset.len();
        let mut merged: HashMap<ValueId, Collector> = HashMap::new();
        let started = Instant::now();
        let mut done = 0usize;
        let method = self.method;
        super::runner::run_ordered(
            self.threads,
            || dataset.next(),
            |i, arrays| {
                observe_sample(&interp, &arrays, method).map_err(|e| format!("sample {i}: {e}"))
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
                    done,
                    total,
                    elapsed: started.elapsed(),
                });
                Ok(())
            },
        )
        .map_err(Diagnostic::error)?;
        cx.count(SAMPLES, done as u64);
        let mut ranges = ranges(m, &merged, self.method, cx);
        if self.tflite_inplace {
            tflite_inplace::widen(&mut ranges, &tflite_inplace::overwritten_by(m));
        }
        let calibrated = attach_stats(m, &ranges);
        cx.count(CALIBRATED, calibrated);
        Ok(Changed::from(calibrated > 0))
    }
}

/// Runs one sample and folds every float value it computes into a collector per value.
fn observe_sample(
    interp: &Interpreter,
    arrays: &[super::dataset::Array],
    method: Method,
) -> Result<HashMap<ValueId, Collector>, String> {
    let inputs: Vec<Tensor> = arrays
        .iter()
        .map(|a| Tensor::from_f32(&a.shape, a.data.clone()).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let mut seen: HashMap<ValueId, Collector> = HashMap::new();
    let mut observer = |v: ValueId, t: &Tensor| {
        if let Some(values) = t.as_slice::<f32>() {
            seen.entry(v)
                .or_insert_with(|| Collector::new(method))
                .observe(values);
        }
    };
    interp
        .run_observed(&inputs, &mut observer)
        .map_err(|e| e.to_string())?;
    Ok(seen)
}

/// The range to record for every value with one; warns about non-finite values and values
/// that never held a finite one.
fn ranges(
    m: &Module,
    collectors: &HashMap<ValueId, Collector>,
    method: Method,
    cx: &mut PassContext,
) -> HashMap<ValueId, (f64, f64)> {
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
                "{} non-finite values (NaN or infinity) were skipped in tensor{name}",
                c.non_finite
            )));
        }
        let Some((min, mut max)) = c.range() else {
            cx.emit(Diagnostic::warning(format!(
                "tensor{name} never held a finite value: it gets no range"
            )));
            continue;
        };
        if method == Method::MinMax {
            // TensorFlow's calibrator starts its maximum at FLT_MIN.
            max = max.max(f32::MIN_POSITIVE as f64);
        }
        out.insert(v, (min, max));
    }
    out
}

/// Inserts a `quantfork.stats` after every value with a range; returns how many.
fn attach_stats(m: &mut Module, ranges: &HashMap<ValueId, (f64, f64)>) -> u64 {
    let mut values: Vec<ValueId> = ranges.keys().copied().collect();
    values.sort();
    let mut count = 0;
    for v in values {
        let (min, max) = ranges[&v];
        let stats = DenseElements::from_f32(
            TensorType::new(&[2], ElementType::F32),
            &[min as f32, max as f32],
        );
        let Some(stats) = stats else { continue };
        let ty = m.value_type(v).clone();
        if !matches!(ty, Type::Tensor(_)) {
            continue;
        }
        let mut spec = OpSpec::of(&quantfork::STATS)
            .operands(&[v])
            .results([ty])
            .loc(crate::quant::qdq::value_loc(m, v));
        spec.attributes.set("layerStats", Attribute::Dense(stats));
        let op = m.create_op(spec);
        crate::quant::qdq::insert_after_def(m, v, op);
        let s = m.results(op)[0];
        m.replace_uses_where(v, s, |u| u.op != op);
        count += 1;
    }
    count
}
