//! `round-weights`: rounds each quantized op's int8 weights so that its output, not each
//! weight, changes least on the calibration data ([`rounding`]), instead of rounding every
//! weight to nearest.
//!
//! It runs on the fake-quant form (after `legalize-opset`, before `fold-quant`): the scales
//! are fixed there, and which ops fold (and so read int8 weights) is known. For each such
//! conv_2d, depthwise_conv_2d and fully_connected whose weight is `dequantize(quantize(const))`
//! with a per-channel or per-tensor int8 type, it measures the second moments of the op's
//! input in the float model on the data ([`moments`]), rounds each output channel, and puts
//! the rounded values (`q · scale`, exact in float32 up to a relative 2^-24) in a new
//! constant in front of the quantize, so `fold-quant` (and the precision search's fast form)
//! quantizes them back to exactly `q`. Ops kept float keep their own float constants.
//!
//! Without data (ranges from `--statistics`) or with `mode=nearest` it changes nothing.

pub mod moments;
pub mod rounding;

use std::path::PathBuf;

use tqopt_ir::dialect::{quantfork, tfl, tfl_builders, QuantBehavior};
use tqopt_ir::{DenseElements, Diagnostic, ElementType, Module, OpId, QuantParams, ValueId};

use crate::calibration::dataset::PixelScaling;
use crate::folds::{const_f32_values, erase_dead_ops};
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::quant::legalize_opset::{float_reason, KEEP_FLOAT};
use crate::quant::qdq::{defined_by, quant_of};
use crate::quant::spec::{behavior, is_candidate};
use crate::registry::{PassInfo, PassTraits};
use moments::{Geometry, InputMoments, Target};

pub const ROUNDED: Statistic = Statistic {
    name: "num-weights-rounded-to-output",
    description: "weight tensors rounded for the least output error",
};
pub const MOVED: Statistic = Statistic {
    name: "num-weights-moved",
    description: "weights that took the other grid neighbour than round to nearest",
};

/// How weights are rounded to int8.
pub const MODES: &[&str] = &["output", "nearest"];

pub const MODE_OPTION: OptionInfo = OptionInfo {
    name: "weight-rounding",
    kind: OptionKind::Enum(MODES),
    default: "output",
    help: "output: round each channel's int8 weights for the least error in its output on the calibration data; nearest: each weight to nearest (TensorFlow's rounding)",
};

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
    OptionInfo {
        name: "input-range",
        kind: OptionKind::List(&OptionKind::Float),
        default: "0,1",
        help: "Image pixel range, e.g. -1,1",
    },
];

pub static INFO: PassInfo = PassInfo {
    argument: "round-weights",
    summary: "Round int8 weights for the least error in each op's output on the data (instead of to nearest)",
    description: "On the fake-quant form: for every conv_2d, depthwise_conv_2d and fully_connected \
        that folds to int8, measures the second moments of its input in the float model on data=, \
        and rounds each output channel's weights (each to its floor or ceil on the grid) to \
        minimise the channel's mean square output error, starting from round to nearest. Scales \
        do not change. Changes nothing without data or with mode=nearest.",
    options: OPTIONS,
    create,
    traits: PassTraits::NONE,
};

fn create(o: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let data = o.string("data")?;
    Ok(Box::new(RoundWeights {
        output: o.choice("mode")? == "output",
        data: (!data.is_empty()).then(|| PathBuf::from(data)),
        scaling: PixelScaling::parse_range(o.text("input-range")?)?,
    }))
}

pub struct RoundWeights {
    output: bool,
    data: Option<PathBuf>,
    scaling: PixelScaling,
}

impl Pass for RoundWeights {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let (true, Some(path)) = (self.output, &self.data) else {
            return Ok(Changed::No);
        };
        let targets = targets(m);
        if targets.is_empty() {
            return Ok(Changed::No);
        }
        let fail = |e: String| PassError::from(Diagnostic::error(format!("round-weights: {e}")));
        let float = float_view(m);
        let (entry, samples) =
            crate::quant::precision::data::load_samples(&float, path, self.scaling)
                .map_err(fail)?;
        let threads = tqopt_interp::parallel::default_threads();
        let moments =
            InputMoments::measure(&float, &entry, &samples, &targets, threads).map_err(fail)?;
        let (rounded, moved) = apply(m, &moments);
        cx.count(ROUNDED, rounded);
        cx.count(MOVED, moved);
        Ok(if rounded > 0 {
            Changed::Yes
        } else {
            Changed::No
        })
    }
}

/// The ops whose weights may be rounded, with their float input: conv, depthwise and fully
/// connected ops not kept float, in the float module or its fake-quant form ([`apply`] rounds
/// only those that fold).
pub fn targets(m: &Module) -> Vec<Target> {
    m.walk_nested(m.op)
        .filter(|&op| is_candidate(m, op) && !m.op(op).attributes.contains(KEEP_FLOAT))
        .filter_map(|op| {
            let geometry = Geometry::of(m, op)?;
            let input = float_root(m, *m.operands(op).first()?);
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
    let mut x = match m.operands(d).first() {
        Some(&x) => x,
        None => return v,
    };
    while let Some(q) = defined_by(m, x, &tfl::QUANTIZE) {
        match m.operands(q).first() {
            Some(&inner) => x = inner,
            None => return v,
        }
    }
    x
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

/// Rounds the weights of every target of `m` that `moments` measured; returns how many
/// weight tensors were rounded and how many weights moved off round-to-nearest.
pub fn apply(m: &mut Module, moments: &InputMoments) -> (u64, u64) {
    let ops: Vec<OpId> = m.walk_nested(m.op).filter(|&op| folds(m, op)).collect();
    let (mut rounded, mut moved) = (0, 0);
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
        if let Some(n) = round_op(m, op, &g, mo) {
            rounded += 1;
            moved += n;
        }
    }
    (rounded, moved)
}

/// Rounds one op's weight; `None` when its weight is not `dequantize(quantize(f32 const))`
/// read by this op alone, with one int8 scale per output channel or one for the tensor.
fn round_op(m: &mut Module, op: OpId, g: &Geometry, mo: &moments::Moments) -> Option<u64> {
    let QuantBehavior::Affine { weight, .. } = behavior(m, op) else {
        return None;
    };
    let v = *m.operands(op).get(weight as usize)?;
    let d = defined_by(m, v, &tfl::DEQUANTIZE)?;
    let q = defined_by(m, *m.operands(d).first()?, &tfl::QUANTIZE)?;
    let root = *m.operands(q).first()?;
    let root_op = m.defining_op(root)?;
    if m.uses(v).len() != 1 || m.uses(*m.results(q).first()?).len() != 1 {
        return None;
    }
    let ty = m.value_type(root).as_tensor()?.clone();
    if ty.elem != ElementType::F32 {
        return None;
    }
    let quant = quant_of(m, *m.results(q).first()?)?;
    if quant.storage_min != -127 || quant.storage_max != 127 {
        return None;
    }
    let w = const_f32_values(m, root_op)?;
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
    let mut out = w.clone();
    let mut moved = 0u64;
    let mut row = vec![0.0f32; n];
    for c in 0..channels {
        let (h, at): (&[f64], Box<dyn Fn(usize) -> usize>) = match g {
            Geometry::Depthwise { multiplier, .. } => (
                &mo.blocks[c / multiplier],
                Box::new(move |t| t * channels + c),
            ),
            _ => (&mo.blocks[0], Box::new(move |t| c * n + t)),
        };
        for (t, r) in row.iter_mut().enumerate() {
            *r = w[at(t)];
        }
        let s = scales[c];
        let ints = rounding::round_channel(&row, s, h);
        let nearest = rounding::round_channel(&row, s, &[]);
        moved += ints.iter().zip(&nearest).filter(|(a, b)| a != b).count() as u64;
        for (t, &qi) in ints.iter().enumerate() {
            out[at(t)] = (qi as f64 * s) as f32;
        }
    }
    let dense = DenseElements::from_f32(ty, &out)?;
    let c = m.create_op(tfl_builders::pseudo_const(dense));
    let loc = m.op(root_op).loc.clone();
    m.op_mut(c).loc = loc;
    m.insert_before(q, c).ok()?;
    let new = *m.results(c).first()?;
    m.set_operand(q, 0, new);
    if m.uses(root).is_empty() {
        let _ = m.erase_op(root_op);
    }
    Some(moved)
}

#[cfg(test)]
mod tests;
