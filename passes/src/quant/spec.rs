//! How each op takes part in quantization, read from the op table (the one place it is
//! declared), plus the options the quantization passes share.

use tqopt_ir::dialect::{func, quantfork, tfl, FixedRange, QuantBehavior};
use tqopt_ir::{Attribute, Module, OpId, ValueId};

use super::legalize_opset::{FLOAT_REASON, KEEP_FLOAT};
use super::numerics::{QParams, StorageRange};
use super::qdq::is_f32;

/// The op's quantization behaviour; ops of other dialects are not quantizable. An
/// integer-valued op (a cast to float) is quantizable only from integer or bool operands, and
/// only while `propagate-ranges` has not found calibrated values its storage cannot hold (it
/// then says why in [`FLOAT_REASON`]).
pub fn behavior(m: &Module, op: OpId) -> QuantBehavior {
    let data = m.op(op);
    let quant = data
        .def()
        .map(|d| d.quant)
        .unwrap_or(QuantBehavior::NotQuantizable);
    if quant == QuantBehavior::IntegerValued {
        let integer = |v: &tqopt_ir::ValueId| {
            m.value_type(*v)
                .element_type()
                .is_some_and(|e| matches!(e, tqopt_ir::ElementType::Int(t) if t.width != 4))
        };
        if !m.operands(op).iter().all(integer) || data.attributes.contains(FLOAT_REASON) {
            return QuantBehavior::NotQuantizable;
        }
    }
    quant
}

pub fn is_quantizable(m: &Module, op: OpId) -> bool {
    behavior(m, op) != QuantBehavior::NotQuantizable
}

/// True for an op that quantization is about: a computation (not a constant, a
/// quantize/dequantize, a statistic or an op that only routes values between functions, see
/// [`super::control_flow::is_structure`]) that reads or writes a float (or already quantized)
/// tensor. Ops on integer and boolean tensors only (loop counters, shape arithmetic,
/// comparisons of indices) are not candidates: strict int8 asks only that every float
/// computation become integer, as TensorFlow's does.
pub fn is_candidate(m: &Module, op: OpId) -> bool {
    let data = m.op(op);
    let skip = data.is(&tfl::QUANTIZE)
        || data.is(&tfl::DEQUANTIZE)
        || data.is(&func::FUNC)
        || data.is(&tqopt_ir::dialect::builtin::MODULE)
        || data.is(&quantfork::STATS)
        || super::control_flow::is_structure(m, op)
        || data
            .def()
            .is_some_and(|d| d.has_trait(tqopt_ir::dialect::Traits::CONSTANT_LIKE));
    if skip {
        return false;
    }
    let floating = |v: &tqopt_ir::ValueId| {
        m.value_type(*v)
            .element_type()
            .is_some_and(|e| e.as_float().is_some() || e.as_quant().is_some())
    };
    m.operands(op).iter().any(floating) || m.results(op).iter().any(floating)
}

/// A same-scale op that shares one scale between its operands and results. One already marked
/// to stay float ([`KEEP_FLOAT`]: denied, kept by the precision search, or by a guard) shares
/// none: its operands keep their own ranges and are dequantized each with its own scale, which
/// is the point of keeping a concatenation of far-apart ranges float.
pub fn is_same_scale(m: &Module, op: OpId) -> bool {
    behavior(m, op) == QuantBehavior::SameScale && !m.op(op).attributes.contains(KEEP_FLOAT)
}

/// A same-scale op with more than one float operand (concatenation, maximum, ...) takes its
/// result's scale for its operands, rather than the other way round.
pub fn prefers_result_scale(m: &Module, op: OpId) -> bool {
    m.operands(op).iter().filter(|&&v| is_f32(m, v)).count() > 1
}

/// An op that stays float in every mode, strict OpsSets included, with float results that are
/// only model outputs (read by the return, or by the statistics calibration put there): the
/// detection post-processing ops, which decode and select boxes rather than compute features.
/// - TensorFlow's SSD post-processing (`TFLite_Detection_PostProcess`): LiteRT's kernel works
///   in float (from float or uint8 inputs, no int8), and TensorFlow's integer detectors and the
///   Edge TPU keep it so, with everything before it integer.
/// - `tfl.non_max_suppression_v4` and `_v5` (TensorFlow's `tf.image.non_max_suppression`):
///   float-only kernels whose selected indices are integers anyway; V5's selected scores stay
///   float.
pub fn float_by_design(m: &Module, op: OpId) -> bool {
    let reaches_return_only = |r: &ValueId| {
        super::layer_stats::readers_past_stats(m, *r)
            .iter()
            .all(|&(user, _)| m.op(user).is(&func::RETURN))
    };
    post_processing_name(m, op).is_some()
        && m.results(op)
            .iter()
            .filter(|&&r| is_f32(m, r))
            .all(reaches_return_only)
}

/// The TFLite name of a detection post-processing op (see [`float_by_design`]), or `None`.
pub fn post_processing_name(m: &Module, op: OpId) -> Option<&'static str> {
    let data = m.op(op);
    let custom = data.attr("custom_code").and_then(Attribute::as_str);
    if data.is(&tfl::CUSTOM) && custom == Some(tqopt_tflite::ops::custom::DETECTION_POSTPROCESS) {
        return Some(tqopt_tflite::ops::custom::DETECTION_POSTPROCESS);
    }
    [&tfl::NON_MAX_SUPPRESSION_V4, &tfl::NON_MAX_SUPPRESSION_V5]
        .into_iter()
        .find(|def| data.is(def))
        .and_then(|def| def.tflite)
        .map(|t| t.name)
}

/// The parameters of an integer-valued result: the stored integers are the values.
const INTEGERS: FixedRange = FixedRange {
    int8: (1.0, 0),
    uint8: (1.0, 0),
    int16: (1.0, 0),
};

/// The fixed output parameters of an op like softmax (or an integer-valued op), for `range`'s
/// storage.
pub fn fixed_output(m: &Module, op: OpId, range: StorageRange) -> Option<QParams> {
    let FixedRange { int8, uint8, int16 } = match behavior(m, op) {
        QuantBehavior::FixedOutput(range) => range,
        QuantBehavior::IntegerValued => INTEGERS,
        _ => return None,
    };
    let (scale, zero_point) = match range {
        StorageRange::UINT8 => uint8,
        r if r.is_16bit() => int16,
        _ => int8,
    };
    Some(QParams { scale, zero_point })
}

/// Where an affine op's weight, bias and (float) input are.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct AffineSlots {
    pub weight: usize,
    /// The per-channel axis of the weight; `None` when per tensor.
    pub axis: Option<usize>,
    pub bias: Option<usize>,
    /// The activation operand (the first float operand that is neither weight nor bias).
    pub input: Option<usize>,
}

pub fn affine(m: &Module, op: OpId, options: &QuantOptions) -> Option<AffineSlots> {
    let QuantBehavior::Affine { weight, axis, bias } = behavior(m, op) else {
        return None;
    };
    let (weight, bias) = (weight as usize, bias.map(|b| b as usize));
    let dense = m.op(op).is(&tqopt_ir::dialect::tfl::FULLY_CONNECTED);
    let per_channel = options.per_channel && (!dense || options.per_channel_dense);
    let input = m
        .operands(op)
        .iter()
        .enumerate()
        .position(|(i, &v)| i != weight && Some(i) != bias && is_f32(m, v));
    Some(AffineSlots {
        weight,
        axis: axis.map(|a| a as usize).filter(|_| per_channel),
        bias,
        input,
    })
}

/// Options shared by the quantization passes.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantOptions {
    /// Quantize weights per output channel where the op allows it.
    pub per_channel: bool,
    /// Per channel for fully_connected weights too.
    pub per_channel_dense: bool,
    /// The activation storage: int8 ([-128, 127]), or int16 ([-32767, 32767], 16x8 mode).
    pub activations: StorageRange,
    /// The bias storage: int32, or int64 (16x8 mode's default).
    pub bias: StorageRange,
}

impl Default for QuantOptions {
    fn default() -> Self {
        QuantOptions {
            per_channel: true,
            per_channel_dense: true,
            activations: StorageRange::INT8,
            bias: StorageRange::INT32,
        }
    }
}
