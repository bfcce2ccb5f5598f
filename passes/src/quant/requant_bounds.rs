//! Keeps every affine op's requantization scale inside what LiteRT's XNNPACK delegate takes.
//!
//! An int8 convolution, depthwise convolution, transposed convolution or fully connected layer
//! rescales its int32 accumulator by `input scale x weight scale / output scale`, per output
//! channel. XNNPACK refuses to create the operator when that ratio reaches 256 ("failed to
//! create XNNPACK runtime ... failed to prepare"), and it does not check this when it takes the
//! node, so LiteRT's default interpreter fails on the whole model. The ratio gets there when
//! calibration saw an output range far narrower than the op can produce: a layer whose outputs
//! were all zero on the calibration data (a ReLU after a large negative bias; a detection head
//! that never fired), whose range is then widened only to about 1e-6.
//!
//! [`widen_narrow_outputs`] runs before and after ranges are shared (`propagate-ranges`): where
//! an affine op's calibrated output range is narrower than `input scale x largest weight scale`
//! (the span at which the ratio is 255), it widens that range to the span, scaling it about
//! zero. The op's outputs then cost a little resolution that the data never used.

use tqopt_ir::dialect::quantfork;
use tqopt_ir::dialect::QuantBehavior;
use tqopt_ir::{Module, OpId, ValueId};

use super::layer_stats::{self, range, set_range};
use super::numerics::StorageRange;
use super::qdq::{defined_by, is_f32};
use super::spec::{affine, behavior, fixed_output, prefers_result_scale, QuantOptions};
use crate::folds::const_f32_values;

/// The largest requantization scale the ranges are widened for: XNNPACK refuses 256 and more.
pub const MAX_REQUANT_SCALE: f64 = 255.0;

/// Widens the calibrated output ranges of affine ops whose requantization scale would reach
/// XNNPACK's bound; returns how many it widened.
pub fn widen_narrow_outputs(m: &mut Module) -> u64 {
    let ops: Vec<OpId> = m.walk_nested(m.op).collect();
    let options = QuantOptions::default();
    let mut widened = 0;
    for op in ops {
        let Some(slots) = affine(m, op, &options) else {
            continue;
        };
        let Some(input) = slots.input.and_then(|i| m.operand(op, i)) else {
            continue;
        };
        let Some(in_range) = quantized_range(m, input) else {
            continue;
        };
        let Some(weights) = m
            .operand(op, slots.weight)
            .and_then(|w| m.defining_op(w))
            .and_then(|c| const_f32_values(m, c))
        else {
            continue;
        };
        let Some(&result) = m.results(op).first() else {
            continue;
        };
        let Some(out_stats) = layer_stats::stats_of(m, result) else {
            continue;
        };
        let Some(out_range) = range(m, out_stats) else {
            continue;
        };
        let in_scale = span(in_range) / 255.0;
        let weight_scale = weights.iter().fold(0f64, |a, &w| a.max((w as f64).abs())) / 127.0;
        let needed = in_scale * weight_scale * 255.0 / MAX_REQUANT_SCALE;
        if let Some(wider) = widened_range(out_range, needed) {
            set_range(m, out_stats, wider);
            widened += 1;
        }
    }
    widened
}

/// The most chained same-scale ops [`quantized_range`] follows back.
const MAX_CHAIN: usize = 64;

/// The range `value` will be quantized with: its own statistics; or, where a same-scale op
/// with one float operand (pooling, reshape, pad, ...) passes its input's range on (its own
/// statistics went in `propagate-ranges`), the range of that input; or the fixed range of a
/// fixed-output op (logistic, tanh, ...), whose statistics went too.
fn quantized_range(m: &Module, value: ValueId) -> Option<(f64, f64)> {
    let mut v = value;
    for _ in 0..MAX_CHAIN {
        if let Some(s) = defined_by(m, v, &quantfork::STATS) {
            return range(m, s);
        }
        let def = m.defining_op(v)?;
        match behavior(m, def) {
            QuantBehavior::FixedOutput(_) => {
                let p = fixed_output(m, def, StorageRange::INT8)?;
                let real = |q: i64| (q - p.zero_point) as f64 * p.scale;
                return Some((real(StorageRange::INT8.min), real(StorageRange::INT8.max)));
            }
            QuantBehavior::SameScale if !prefers_result_scale(m, def) => {
                v = *m.operands(def).iter().find(|&&o| is_f32(m, o))?;
            }
            _ => return None,
        }
    }
    None
}

/// The width of a range once it includes 0, as quantization makes it.
fn span((lo, hi): (f64, f64)) -> f64 {
    hi.max(0.0) - lo.min(0.0)
}

/// `range` scaled about zero to span at least `needed`; `None` when it already does.
fn widened_range(range: (f64, f64), needed: f64) -> Option<(f64, f64)> {
    let current = span(range);
    if !(needed.is_finite() && needed > 0.0) || current >= needed {
        return None;
    }
    let (lo, hi) = (range.0.min(0.0), range.1.max(0.0));
    if current == 0.0 {
        return Some((0.0, needed));
    }
    let factor = needed / current;
    Some((lo * factor, hi * factor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_ranges_widen_about_zero_and_wide_ones_stay() {
        assert_eq!(widened_range((0.0, 0.0), 2.0), Some((0.0, 2.0)));
        assert_eq!(widened_range((0.0, 1e-6), 2.0), Some((0.0, 2.0)));
        let (lo, hi) = widened_range((-1e-6, 3e-6), 2.0).unwrap();
        assert!(
            (lo + 0.5).abs() < 1e-9 && (hi - 1.5).abs() < 1e-9,
            "{lo} {hi}"
        );
        assert_eq!(widened_range((-3.0, 5.0), 2.0), None);
        assert_eq!(widened_range((0.0, 0.0), 0.0), None);
    }
}
