//! `equalize-channels`: rescales the channels between two weighted ops so that one wide channel
//! no longer takes the resolution of a whole int8 tensor.
//!
//! An int8 activation has one scale for all its channels. In MediaPipe's detectors a depthwise
//! convolution's output often has one channel a hundred times wider than the median (palm
//! detection: a channel to 23,300 where most end near 230), so most channels keep a level or
//! two. Between a depthwise convolution and the 1x1 convolution after it (and any pair of
//! weighted ops joined by relu, prelu or leaky_relu, see [`pairs`]) each channel can be divided
//! by its own factor and the next op's weights multiplied by it: the float model computes the
//! same, the tensor's channels get comparable ranges, and the next op's weights, which are
//! quantized per output channel, absorb the factors. [`scales`] picks the factors by a model of
//! the int8 noise at the consumer's output, from the channels' ranges and mean squares on the
//! calibration data, and keeps the model as it is where no rescaling models less noise.
//!
//! It runs on the float model before calibration (the ranges calibration then measures are the
//! rescaled tensors'). `mode=auto` (quantize-int8's default) then calibrates and quantizes the
//! model both ways, as the pipeline will, and keeps the rescaling only when the quantized
//! model's output SQNR on the data is higher with it by more than [`MIN_GAIN_DB`]; it says
//! which in a note. A noise model that sees one op pair cannot see everything downstream (on
//! hand_landmark it rescaled a pair where the whole model then lost 1.6 dB). `mode=always`
//! keeps what the noise model chose. Without data, or when the IR already holds statistics
//! (they describe the tensors as they were), it changes nothing.

pub mod pairs;
pub mod scales;

use std::collections::HashMap;
use std::path::PathBuf;

use tqopt_interp::Tensor;
use tqopt_ir::dialect::quantfork;
use tqopt_ir::{Diagnostic, Module, ValueId};

use crate::calibration::dataset::PixelScaling;
use crate::folds::erase_dead_ops;
use crate::manager::PassManager;
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::quant::precision::data::{observe_samples, MAX_SAMPLES};
use crate::quant::precision::evaluate::{fold_specs, qdq_specs, spec, Reference, Storage};
use crate::registry::{PassInfo, PassTraits};
use pairs::Pair;
use scales::TensorStats;

/// mode=auto keeps the rescaling when it raises the output SQNR on the data by more than this
/// (dB): less is within what a few samples' noise moves it.
const MIN_GAIN_DB: f64 = 0.3;

pub const EQUALIZED: Statistic = Statistic {
    name: "num-pairs-equalized",
    description: "producer/consumer pairs whose channels were rescaled",
};

/// When channels are rescaled.
pub const MODES: &[&str] = &["auto", "always", "never"];

/// `quantize-int8{equalize=}`.
pub const PIPELINE_OPTION: OptionInfo = OptionInfo {
    name: "equalize",
    kind: OptionKind::Enum(MODES),
    default: "auto",
    help: "Before calibrating, rescale the channels between two weighted ops (a depthwise convolution and the 1x1 convolution after it, ...) where a model of the int8 noise on the calibration data says one wide channel wastes the tensor's resolution (exact in float). always: wherever the noise model says so; auto: only when the quantized model then scores a higher output SQNR on the calibration data; never",
};

pub static OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        name: "mode",
        ..PIPELINE_OPTION
    },
    OptionInfo {
        name: "data",
        kind: OptionKind::String,
        default: "",
        help: "The data to measure the channels on (a .npy, .npz or folder of images, as for calibration); empty: change nothing",
    },
    crate::calibration::calibrate::INPUT_RANGE_OPTION,
    // With mode=auto, the options of the quantization the two models are compared under.
    OptionInfo {
        name: "method",
        kind: OptionKind::Enum(crate::calibration::collectors::Method::NAMES),
        default: "minmax",
        help: "mode=auto: the calibration method of the comparison",
    },
    OptionInfo {
        name: "per-channel",
        kind: OptionKind::Bool,
        default: "true",
        help: "mode=auto: per-channel weights in the comparison",
    },
    OptionInfo {
        name: "per-channel-dense",
        kind: OptionKind::Bool,
        default: "true",
        help: "mode=auto: per-channel fully_connected weights in the comparison",
    },
    OptionInfo {
        name: "deny",
        kind: OptionKind::String,
        default: "",
        help: "mode=auto: ops kept float in the comparison (legalize-opset's deny=)",
    },
    OptionInfo {
        name: "target",
        kind: OptionKind::Enum(crate::quant::target::TARGETS),
        default: "xnnpack",
        help: "mode=auto: legalize-opset's target= in the comparison",
    },
];

pub static INFO: PassInfo = PassInfo {
    argument: "equalize-channels",
    summary: "Rescale the channels between two weighted ops so that an int8 tensor's channels have comparable ranges (exact in float)",
    description: "For each conv_2d, depthwise_conv_2d or fully_connected whose result reaches one \
        such op through relu, prelu or leaky_relu only, measures each channel's range and mean \
        square on data=, and divides the channels by the factors that a model of the int8 noise \
        (per-tensor activations, per-channel weights) says leave the least error at the second \
        op's output; the second op's weights take the factors back. The rescaled tensors are \
        renamed NAME/equalized. mode=auto keeps that only when the quantized model scores a \
        higher output SQNR on the data. Changes nothing without data or when the IR holds \
        statistics.",
    options: OPTIONS,
    create,
    traits: PassTraits::NONE,
};

fn create(o: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let data = o.string("data")?;
    let mode = o.choice("mode")?;
    let comparison = (mode == "auto" && !data.is_empty())
        .then(|| {
            let mut specs = vec![
                spec(
                    "calibrate",
                    &[
                        ("data", data),
                        ("method", o.choice("method")?),
                        ("input-range", o.text("input-range")?),
                        // The samples the comparison scores on: a large data set is read
                        // in full once, by the pipeline's own calibration.
                        ("max-samples", &MAX_SAMPLES.to_string()),
                    ],
                ),
                spec("fold-constants", &[]),
            ];
            specs.extend(qdq_specs(
                o.text("per-channel")?,
                o.text("per-channel-dense")?,
                o.string("deny")?,
                o.choice("target")?,
                &Storage::default(),
            ));
            specs.extend(fold_specs(false));
            PassManager::new(&specs)
        })
        .transpose()?;
    Ok(Box::new(EqualizeChannels {
        data: (!data.is_empty() && mode != "never").then(|| PathBuf::from(data)),
        scaling: PixelScaling::parse_range(o.text("input-range")?)?,
        comparison,
    }))
}

pub struct EqualizeChannels {
    data: Option<PathBuf>,
    scaling: PixelScaling,
    /// mode=auto: the quantization both models go through before they are compared.
    comparison: Option<PassManager>,
}

impl Pass for EqualizeChannels {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let Some(path) = &self.data else {
            return Ok(Changed::No);
        };
        if m.walk_nested(m.op).any(|op| m.op(op).is(&quantfork::STATS)) {
            return Ok(Changed::No);
        }
        let found = pairs::find(m);
        if found.is_empty() {
            return Ok(Changed::No);
        }
        // Data that does not fit the model fails calibration, which says why; the model is
        // left as it is here.
        let Ok((entry, samples)) =
            crate::quant::precision::data::load_samples_of_only_entry(m, path, self.scaling)
        else {
            return Ok(Changed::No);
        };
        let threads = tqopt_interp::parallel::default_threads();
        let (stats, outputs) = match measure(m, &entry, &samples, &found, threads) {
            Ok(measured) => measured,
            Err(e) => {
                cx.emit(Diagnostic::note(format!(
                    "equalize-channels: channels left as they are: {e}"
                )));
                return Ok(Changed::No);
            }
        };
        let original = self.comparison.is_some().then(|| m.clone());
        let mut equalized = 0u64;
        for (pair, stats) in found.iter().zip(&stats) {
            let Some(stats) = stats else { continue };
            let Some(weights) = pairs::consumer_weights(m, pair) else {
                continue;
            };
            let Some(s) = scales::choose(stats, &weights) else {
                continue;
            };
            if pairs::rescale(m, pair, &s).is_some() {
                equalized += 1;
            }
        }
        if equalized == 0 {
            return Ok(Changed::No);
        }
        erase_dead_ops(m);
        if let (Some(pm), Some(original)) = (&self.comparison, original) {
            // The float model's outputs are the ones the measuring run computed.
            let reference = Reference::of_outputs(&entry, &samples, outputs, threads);
            let scores = reference
                .sqnr_after(pm, &original)
                .and_then(|before| Ok((before, reference.sqnr_after(pm, m)?)));
            match scores {
                Ok((before, after)) if after > before + MIN_GAIN_DB => {
                    cx.emit(Diagnostic::note(format!(
                        "equalize-channels: channels rescaled between {}: output SQNR \
                     {after:.2} dB on the data, {before:.2} dB without",
                        pairs_of_ops(equalized)
                    )))
                }
                Ok((before, after)) => {
                    cx.emit(Diagnostic::note(format!(
                        "equalize-channels: channels left as they are: output SQNR {before:.2} dB \
                         on the data, {after:.2} dB with {} rescaled",
                        pairs_of_ops(equalized)
                    )));
                    *m = original;
                    return Ok(Changed::No);
                }
                Err(e) => {
                    cx.emit(Diagnostic::note(format!(
                        "equalize-channels: channels left as they are: {e}"
                    )));
                    *m = original;
                    return Ok(Changed::No);
                }
            }
        }
        cx.count(EQUALIZED, equalized);
        Ok(Changed::Yes)
    }
}

fn pairs_of_ops(n: u64) -> String {
    match n {
        1 => "1 pair of ops".into(),
        n => format!("{n} pairs of ops"),
    }
}

/// Per channel of one observed tensor: min, max, sum of squares, and the values seen per
/// channel.
#[derive(Clone, Debug)]
struct Accumulator {
    min: Vec<f32>,
    max: Vec<f32>,
    sum_sq: Vec<f64>,
    count: u64,
}

impl Accumulator {
    fn new(channels: usize) -> Self {
        Accumulator {
            min: vec![f32::INFINITY; channels],
            max: vec![f32::NEG_INFINITY; channels],
            sum_sq: vec![0.0; channels],
            count: 0,
        }
    }

    fn add(&mut self, values: &[f32]) {
        let channels = self.min.len();
        for row in values.chunks_exact(channels) {
            for (c, &x) in row.iter().enumerate() {
                if !x.is_finite() {
                    continue;
                }
                self.min[c] = self.min[c].min(x);
                self.max[c] = self.max[c].max(x);
                self.sum_sq[c] += (x as f64) * (x as f64);
            }
        }
        self.count += (values.len() / channels) as u64;
    }

    fn merge(&mut self, other: &Accumulator) {
        for c in 0..self.min.len() {
            self.min[c] = self.min[c].min(other.min[c]);
            self.max[c] = self.max[c].max(other.max[c]);
            self.sum_sq[c] += other.sum_sq[c];
        }
        self.count += other.count;
    }

    fn ranges(&self) -> Vec<scales::Range> {
        self.min
            .iter()
            .zip(&self.max)
            .map(|(&lo, &hi)| {
                if lo <= hi {
                    (lo as f64, hi as f64)
                } else {
                    (0.0, 0.0)
                }
            })
            .collect()
    }
}

/// What the float model's tensors between the ops of each pair took on the samples (`None`
/// when a tensor was never seen, e.g. inside a branch the data never took).
type PairStats = Vec<Option<TensorStats>>;

/// Runs the float model on every sample; returns, per pair, what its tensors took, and the
/// model's outputs per sample.
fn measure(
    m: &Module,
    entry: &str,
    samples: &[Vec<Tensor>],
    found: &[Pair],
    threads: usize,
) -> Result<(PairStats, Vec<Vec<Tensor>>), String> {
    let interp = tqopt_interp::Interpreter::new(m, entry).map_err(|e| e.to_string())?;
    let mut watch: HashMap<ValueId, Vec<usize>> = HashMap::new();
    let mut channels = Vec::new();
    for pair in found {
        for &v in &pair.between {
            watch.entry(v).or_default().push(channels.len());
            channels.push(pair.channels);
        }
    }
    let runs = observe_samples(
        &interp,
        samples,
        threads,
        &watch,
        channels.len(),
        |k, _, values, acc: &mut Option<Accumulator>| {
            if values.len() % channels[k] == 0 {
                acc.get_or_insert_with(|| Accumulator::new(channels[k]))
                    .add(values);
            }
        },
    )?;
    let mut merged: Vec<Option<Accumulator>> = vec![None; channels.len()];
    let mut outputs = Vec::with_capacity(samples.len());
    for (acc, out) in runs {
        outputs.push(out);
        for (slot, a) in merged.iter_mut().zip(acc) {
            let Some(a) = a else { continue };
            match slot {
                Some(s) => s.merge(&a),
                None => *slot = Some(a),
            }
        }
    }
    let mut next = 0;
    let stats = found
        .iter()
        .map(|pair| {
            let accs = &merged[next..next + pair.between.len()];
            next += pair.between.len();
            let accs: Vec<&Accumulator> = accs.iter().map(Option::as_ref).collect::<Option<_>>()?;
            let last = accs.last()?;
            if last.count == 0 {
                return None;
            }
            Some(TensorStats {
                ranges: accs.iter().map(|a| a.ranges()).collect(),
                mean_square: last.sum_sq.iter().map(|s| s / last.count as f64).collect(),
            })
        })
        .collect();
    Ok((stats, outputs))
}

#[cfg(test)]
mod tests;
