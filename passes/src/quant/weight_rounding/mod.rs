//! `round-weights`: rounds each quantized op's int8 weights so that its output, not each
//! weight, changes least on the calibration data ([`rounding`]), instead of rounding every
//! weight to nearest.
//!
//! It runs on the fake-quant form (after `legalize-opset`, before `fold-quant`): the scales
//! are fixed there, and which ops fold (and so read int8 weights) is known. For each such
//! conv_2d, depthwise_conv_2d and fully_connected whose weight is `dequantize(quantize(const))`
//! with a per-channel or per-tensor int8 type, it measures the mean and second moments of
//! the op's input in the float model on the data ([`moments`]), rounds each output channel,
//! and puts the rounded values (`q · scale`, exact in float32 up to a relative 2^-24) in a
//! new constant in front of the quantize, so `fold-quant` (and the precision search's fast
//! form) quantizes them back to exactly `q`. Ops kept float keep their own float constants.
//!
//! **Bias correction.** When the op's bias is a constant behind its own fake-quant pair, the
//! bias then absorbs each channel's remaining mean error `e·E[x]`, so the op's output keeps
//! its float mean on the data. The rounding itself still minimises `eᵀ E[x xᵀ] e`, mean
//! included: rounding for the covariance alone and leaving the whole mean to the bias scored
//! higher on the calibration photos but lost more on held-out ones, where the input means
//! differ. Measured on the shared models in 16x8 with `weight-rounding=output` (calibration /
//! held-out photos, dB, without and with): pose_detection 24.86 / 24.77 and 25.72 / 25.25;
//! pose_landmark_lite 18.79 / 16.62 and 20.05 / 18.93; hand_landmark 26.77 / 24.66 and 30.20
//! / 24.72; face_detection_short_range 31.27 / 31.71 and 32.58 / 32.88. Models already far
//! above 40 dB can lose on held-out photos (face_landmark 50.30 / 55.61 and 52.41 / 47.84),
//! which `auto` weighs on the data.
//!
//! Each op's rounding is best for its own output given float inputs; through a deep int8
//! model, where the inputs themselves carry quantization error, that usually helps (16x8
//! hand_landmark: 12.7 to 26.8 dB in LiteRT) but not always (int8 hand_recrop loses 2.1 dB
//! on its calibration photos; `scripts/compare/weight_rounding.py`). `mode=auto` (the default) therefore keeps the rounding only when the
//! whole model's output SQNR on the data (the folded model, run by the interpreter's integer
//! kernels) is higher with it than with round to nearest; when
//! the precision search ran, it made that choice on its own scores and recorded it in its
//! summary ([`CHOICE`]), which `auto` follows, so what the search scored is what is written.
//!
//! Without data (ranges from `--statistics`) or with `mode=nearest` it changes nothing; when
//! the interpreter cannot run the float model (a custom op without a kernel) or the model
//! has several entry functions, it notes so and changes nothing.

pub mod moments;
pub mod rounding;

use std::path::PathBuf;

use tqopt_ir::dialect::tfl::operands::Weighted;
use tqopt_ir::dialect::{quantfork, tfl, tfl_builders};
use tqopt_ir::{DenseElements, Diagnostic, ElementType, Module, OpId, QuantParams, ValueId};

use crate::calibration::dataset::PixelScaling;
use crate::folds::{const_f32_values, erase_dead_ops};
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::quant::legalize_opset::{float_reason, KEEP_FLOAT};
use crate::quant::precision::evaluate::{fold_passes, Reference};
use crate::quant::qdq::{defined_by, quant_of, quantize_chain};
use crate::quant::spec::is_candidate;
use crate::registry::{PassInfo, PassTraits};
use moments::{Geometry, InputMoments, Target};

pub const ROUNDED: Statistic = Statistic {
    name: "num-weights-rounded-to-output",
    description: "weight tensors rounded for the least output error",
};
pub const BIASES_CORRECTED: Statistic = Statistic {
    name: "num-biases-corrected",
    description: "biases that absorbed the mean output error of their op's rounded weights",
};
pub const MOVED: Statistic = Statistic {
    name: "num-weights-moved",
    description: "weights that took the other grid neighbour than round to nearest",
};

/// How weights are rounded to int8.
pub const MODES: &[&str] = &["auto", "output", "nearest"];

/// `quantize-int8{weight-rounding=}` (TensorFlow's rounding by default: with int8
/// activations the error is mostly theirs, and on the shared models rounding for the output
/// gained -2.1 to +1.6 dB on the calibration photos and -2.2 to +4.5 dB on held-out ones).
pub const INT8_MODE_OPTION: OptionInfo = OptionInfo {
    default: "nearest",
    ..MODE_OPTION
};

/// `quantize-int16x8{weight-rounding=}` and `round-weights{mode=}`: with int16 activations
/// the weights are most of the error (auto on the shared models: see the module doc).
pub const MODE_OPTION: OptionInfo = OptionInfo {
    name: "weight-rounding",
    kind: OptionKind::Enum(MODES),
    default: "auto",
    help: "output: round each channel's int8 weights for the least error in its output on the calibration data, the bias absorbing the mean error that is left (without data, as with --statistics, they round to nearest); nearest: each weight to nearest (TensorFlow's rounding); auto: output when it gives the whole model a higher SQNR on the calibration data, else nearest",
};

/// The entry of the precision search's summary ([`crate::quant::precision::search::SUMMARY`])
/// that records its choice of rounding: `"output"` or `"nearest"`.
pub const CHOICE: &str = "weight_rounding";

/// A rounding mode.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Output,
    Nearest,
}

impl Mode {
    pub fn parse(text: &str) -> Mode {
        match text {
            "output" => Mode::Output,
            "nearest" => Mode::Nearest,
            _ => Mode::Auto,
        }
    }
}

/// The rounding the precision search chose for `m`, if it recorded one.
fn recorded_choice(m: &Module) -> Option<Mode> {
    let summary = m
        .op(m.op)
        .attributes
        .get(crate::quant::precision::search::SUMMARY)?
        .as_dict()?;
    Some(Mode::parse(summary.get(CHOICE)?.as_str()?))
}

pub static OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        name: "mode",
        ..MODE_OPTION
    },
    OptionInfo {
        name: "data",
        kind: OptionKind::String,
        default: "",
        help: "The data to measure op inputs on (a .npy, .npz or folder of images, as for calibration); empty: change nothing",
    },
    crate::calibration::calibrate::INPUT_RANGE_OPTION,
];

pub static INFO: PassInfo = PassInfo {
    argument: "round-weights",
    summary: "Round int8 weights for the least error in each op's output on the data (instead of to nearest)",
    description: "On the fake-quant form: for every conv_2d, depthwise_conv_2d and fully_connected \
        that folds to int8, measures the mean and second moments of its input in the float model on data=, \
        and rounds each output channel's weights (each to its floor or ceil on the grid) to \
        minimise the channel's mean square output error, starting from round to nearest; a \
        constant bias then absorbs each channel's mean output error on the data. Scales \
        do not change. mode=auto keeps that only when the quantized model's output SQNR on the data is \
        higher than with round to nearest (or as the precision search chose). Changes nothing \
        without data or with mode=nearest.",
    options: OPTIONS,
    create,
    traits: PassTraits::NONE,
};

fn create(o: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let data = o.string("data")?;
    Ok(Box::new(RoundWeights {
        mode: Mode::parse(o.choice("mode")?),
        data: (!data.is_empty()).then(|| PathBuf::from(data)),
        scaling: PixelScaling::parse_range(o.text("input-range")?)?,
    }))
}

pub struct RoundWeights {
    mode: Mode,
    data: Option<PathBuf>,
    scaling: PixelScaling,
}

impl Pass for RoundWeights {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let mode = match self.mode {
            Mode::Auto => recorded_choice(m).unwrap_or(Mode::Auto),
            other => other,
        };
        let (Mode::Auto | Mode::Output, Some(path)) = (mode, &self.data) else {
            return Ok(Changed::No);
        };
        let targets = targets(m);
        if targets.is_empty() {
            return Ok(Changed::No);
        }
        let float = float_view(m);
        let threads = tqopt_interp::parallel::default_threads();
        let nearest = |cx: &mut PassContext, why: String| {
            cx.emit(Diagnostic::note(format!(
                "round-weights: weights are rounded to nearest: {why}"
            )));
            Ok(Changed::No)
        };
        // Data that does not fit the model has already failed calibration; what is left here
        // (several entry functions, a custom op the interpreter cannot run, whose results
        // calibration has already reported) keeps round to nearest.
        let (entry, samples) = match crate::quant::precision::data::load_samples_of_only_entry(
            &float,
            path,
            self.scaling,
        ) {
            Ok(s) => s,
            Err(e) => return nearest(cx, e),
        };
        let moments = match InputMoments::measure(&float, &entry, &samples, &targets, threads) {
            Ok(moments) => moments,
            Err(e) => return nearest(cx, e),
        };
        let mut rounded_module = m.clone();
        let counts = apply(&mut rounded_module, &moments);
        if counts.rounded == 0 {
            return Ok(Changed::No);
        }
        if mode == Mode::Auto {
            // The folded quantized models, run by the interpreter's integer kernels, which
            // compute as LiteRT's do (the precision search's fast float form was 40 dB off on
            // 16x8 pose_detection).
            let scores = fold_passes().and_then(|fold| {
                let reference = Reference::run(&float, &entry, &samples, threads)?;
                Ok((
                    reference.sqnr_after(&fold, m)?,
                    reference.sqnr_after(&fold, &rounded_module)?,
                ))
            });
            match scores {
                Ok((near, out)) if out > near => cx.emit(Diagnostic::note(format!(
                    "round-weights: weights rounded for each op's output: output SQNR {out:.2} dB on the data, {near:.2} dB rounded to nearest"
                ))),
                Ok((near, out)) => {
                    return nearest(
                        cx,
                        format!("output SQNR {near:.2} dB on the data, {out:.2} dB rounded for each op's output"),
                    )
                }
                Err(e) => return nearest(cx, e),
            }
        }
        *m = rounded_module;
        cx.count(ROUNDED, counts.rounded);
        cx.count(MOVED, counts.moved);
        cx.count(BIASES_CORRECTED, counts.biases_corrected);
        Ok(Changed::Yes)
    }
}

/// The ops whose weights may be rounded, with their float input: every conv, depthwise and
/// fully connected op, in the float module or its fake-quant form ([`apply`] rounds only those
/// that fold). Ops kept float are listed too, so that the list, and with it which ops the
/// moments' budget admits, is the same before and after the precision search marks ops: the
/// search rounds what the pipeline rounds.
pub fn targets(m: &Module) -> Vec<Target> {
    m.walk_nested(m.op)
        .filter(|&op| is_candidate(m, op))
        .filter_map(|op| {
            let geometry = Geometry::of(m, op)?;
            let input = float_root(m, Weighted::of(m, op)?.input);
            Some(Target {
                op,
                input,
                geometry,
            })
        })
        .collect()
}

/// Whether `op` (in the fake-quant form) will read int8 weights: a candidate that stays
/// quantized.
fn folds(m: &Module, op: OpId) -> bool {
    is_candidate(m, op)
        && !m.op(op).attributes.contains(KEEP_FLOAT)
        && float_reason(m, op, None).is_none()
}

/// The float value a fake-quant chain `dequantize(quantize(..(x)))` or a statistics op
/// (`quantfork.stats`, which the interpreter does not report) starts from, or `v`.
fn float_root(m: &Module, v: ValueId) -> ValueId {
    if let Some(s) = defined_by(m, v, &quantfork::STATS) {
        return m.operands(s).first().copied().unwrap_or(v);
    }
    let Some(d) = defined_by(m, v, &tfl::DEQUANTIZE) else {
        return v;
    };
    match m.operands(d).first() {
        Some(&q) => quantize_chain(m, q).1,
        None => v,
    }
}

/// The float model a fake-quant module computes: every `dequantize(quantize(..(x)))` read as
/// `x` itself (values keep their ids).
pub fn float_view(m: &Module) -> Module {
    let mut f = m.clone();
    let dequantizes: Vec<OpId> = f
        .walk_nested(f.op)
        .filter(|&o| f.op(o).is(&tfl::DEQUANTIZE))
        .collect();
    for d in dequantizes {
        let Some(&out) = f.results(d).first() else {
            continue;
        };
        let root = float_root(&f, out);
        if root != out && f.value_type(root) == f.value_type(out) {
            f.replace_all_uses(out, root);
        }
    }
    erase_dead_ops(&mut f);
    f
}

/// What [`apply`] changed.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Weight tensors rounded.
    pub rounded: u64,
    /// Weights that moved off round to nearest.
    pub moved: u64,
    /// Biases corrected for the mean error.
    pub biases_corrected: u64,
}

/// Rounds the weights of every target of `m` that `moments` measured, correcting biases.
pub fn apply(m: &mut Module, moments: &InputMoments) -> Counts {
    let ops: Vec<OpId> = m.walk_nested(m.op).filter(|&op| folds(m, op)).collect();
    let mut counts = Counts::default();
    for op in ops {
        let Some(mo) = moments.by_op.get(&op) else {
            continue;
        };
        let Some(g) = Geometry::of(m, op) else {
            continue;
        };
        if g.row() != mo.n {
            continue;
        }
        if let Some((moved, corrected)) = round_op(m, op, &g, mo) {
            counts.rounded += 1;
            counts.moved += moved;
            counts.biases_corrected += u64::from(corrected);
        }
    }
    counts
}

/// A float constant that reaches its reader only through `dequantize(quantize(const))`,
/// read once: what `fold-quant` turns into the reader's stored integers.
struct FakeQuantConst {
    quantize: OpId,
    root: ValueId,
    root_op: OpId,
}

impl FakeQuantConst {
    /// The chain behind operand value `v`, or `None` when `v` is anything else.
    fn behind(m: &Module, v: ValueId) -> Option<FakeQuantConst> {
        let d = defined_by(m, v, &tfl::DEQUANTIZE)?;
        let quantize = defined_by(m, *m.operands(d).first()?, &tfl::QUANTIZE)?;
        let root = *m.operands(quantize).first()?;
        let root_op = m.defining_op(root)?;
        if m.uses(v).len() != 1 || m.uses(*m.results(quantize).first()?).len() != 1 {
            return None;
        }
        let f32 = m.value_type(root).as_tensor()?.elem == ElementType::F32;
        f32.then_some(FakeQuantConst {
            quantize,
            root,
            root_op,
        })
    }

    /// Puts `values` (of the constant's type) in a new constant in front of the quantize.
    fn replace(&self, m: &mut Module, values: &[f32]) -> Option<()> {
        let ty = m.value_type(self.root).as_tensor()?.clone();
        let dense = DenseElements::from_f32(ty, values)?;
        let c = m.create_op(tfl_builders::pseudo_const(dense));
        let loc = m.op(self.root_op).loc.clone();
        m.op_mut(c).loc = loc;
        m.insert_before(self.quantize, c).ok()?;
        let new = *m.results(c).first()?;
        m.set_operand(self.quantize, 0, new);
        if m.uses(self.root).is_empty() {
            let _ = m.erase_op(self.root_op);
        }
        Some(())
    }
}

/// Rounds one op's weight: how many weights moved off round to nearest and whether the bias
/// was corrected; `None` when its weight is not `dequantize(quantize(f32 const))` read by
/// this op alone, with one int8 scale per output channel or one for the tensor.
///
/// When the op's bias is such a constant too, it absorbs each channel's remaining mean error,
/// `−e·E[x]`: bias correction, exact for the mean on the data and free (the bias keeps its
/// scale).
fn round_op(m: &mut Module, op: OpId, g: &Geometry, mo: &moments::Moments) -> Option<(u64, bool)> {
    let operands = Weighted::of(m, op)?;
    let weight = FakeQuantConst::behind(m, operands.filter)?;
    let ty = m.value_type(weight.root).as_tensor()?.clone();
    let quant = quant_of(m, *m.results(weight.quantize).first()?)?;
    if quant.storage_min != -127 || quant.storage_max != 127 {
        return None;
    }
    let w = const_f32_values(m, weight.root_op)?;
    let channel_axis = match g {
        Geometry::Depthwise { .. } => 3,
        _ => 0,
    };
    let channels = *ty.shape.get(channel_axis)? as usize;
    let scales: Vec<f64> = match &quant.params {
        QuantParams::PerAxis { axis, scales, .. }
            if *axis as usize == channel_axis && scales.len() == channels =>
        {
            scales.clone()
        }
        QuantParams::PerTensor { scale, .. } => vec![*scale; channels],
        _ => return None,
    };
    let n = mo.n;
    if w.len() != channels * n {
        return None;
    }
    // The bias's values and the chain they replace, when it can absorb the mean error.
    let mut bias = operands
        .bias
        .and_then(|b| FakeQuantConst::behind(m, b))
        .and_then(|b| Some((const_f32_values(m, b.root_op)?, b)))
        .filter(|(values, _)| values.len() == channels);
    let mut out = w.clone();
    let mut moved = 0u64;
    let mut row = vec![0.0f32; n];
    // Where weight `t` of channel `c` is in the filter, and the moments it is rounded with.
    let depthwise = match g {
        Geometry::Depthwise { multiplier, .. } => Some(*multiplier),
        _ => None,
    };
    let at = |c: usize, t: usize| match depthwise {
        Some(_) => t * channels + c,
        None => c * n + t,
    };
    let block_of = |c: usize| depthwise.map_or(0, |multiplier| c / multiplier);
    for (c, &s) in scales.iter().enumerate() {
        let b = block_of(c);
        let h = &mo.blocks[b];
        for (t, r) in row.iter_mut().enumerate() {
            *r = w[at(c, t)];
        }
        let ints = rounding::round_channel(&row, s, h);
        let nearest = rounding::round_channel(&row, s, &[]);
        moved += ints.iter().zip(&nearest).filter(|(a, b)| a != b).count() as u64;
        let mut mean_error = 0.0f64;
        for (t, &qi) in ints.iter().enumerate() {
            let value = (qi as f64 * s) as f32;
            mean_error += (value as f64 - row[t] as f64) * mo.means[b][t];
            out[at(c, t)] = value;
        }
        if let Some((values, _)) = bias.as_mut() {
            // A mean that is not finite (an input that overflowed on the data) corrects
            // nothing.
            let value = (values[c] as f64 - mean_error) as f32;
            if value.is_finite() {
                values[c] = value;
            }
        }
    }
    weight.replace(m, &out)?;
    let corrected = bias.is_some_and(|(values, chain)| chain.replace(m, &values).is_some());
    Some((moved, corrected))
}

#[cfg(test)]
mod tests;
