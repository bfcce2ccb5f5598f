//! Quantized `tfl.relu`, `tfl.relu6` and `tfl.relu_n1_to_1` (int8, uint8 or int16 on both
//! sides) as LiteRT's builtin kernel computes them (`ReluX`): each value less the input zero
//! point is requantized with `MultiplyByQuantizedMultiplier` (the multiplier of `in_scale /
//! out_scale`, divided in f32 as LiteRT's Prepare does, then quantized in `double`), the output
//! zero point added, then clamped to the activation's bounds, `zp + roundf(bound / out_scale)`
//! (halves away from zero, in f32) within the storage range. ai-edge-quantizer gives a ReLU an
//! output scale of its own; in float, values landed a step away (NASNet-Mobile's 16x8 model; an
//! int8 ReLU from scale 0.05 to 0.04: 8 of the 256 inputs). With one scale on both sides the
//! op is a clamp, whoever runs it.
//!
//! An int16 `tfl.leaky_relu` (XNNPACK takes the 8-bit ones) is LiteRT's `QuantizeLeakyRelu`:
//! `q - in_zp` requantized with the multiplier of `in_scale / out_scale` where it is
//! non-negative and of `in_scale · alpha / out_scale` below (both computed in f32), plus the
//! output zero point, clamped to int16. In float, a rescaling one was 18 of 256 values off.

use tqopt_ir::{Module, OpId};

use crate::builtin8::{map_storage, per_tensor_params, storage_range};
use crate::error::KResult;
use crate::int16::fixed_point::{multiply_by_quantized_multiplier, quantize_multiplier};
use crate::kernels::BoxKernel;
use crate::tensor::DType;

/// The activation's real bounds (`None` above: unbounded).
fn bounds(op: &str) -> Option<(f32, Option<f32>)> {
    match op {
        "tfl.relu" => Some((0.0, None)),
        "tfl.relu6" => Some((0.0, Some(6.0))),
        "tfl.relu_n1_to_1" => Some((-1.0, Some(1.0))),
        _ => None,
    }
}

/// The quantized bounds of `[lo, hi]` for an output of `scale` and `zero_point`, within the
/// storage range `[smin, smax]`.
fn quantized_bounds(
    (lo, hi): (f32, Option<f32>),
    scale: f32,
    zero_point: i32,
    (smin, smax): (i32, i32),
) -> (i32, i32) {
    let q = |b: f32| zero_point + (b / scale).round() as i32;
    (q(lo).max(smin), hi.map_or(smax, |h| q(h).min(smax)))
}

/// The kernel of an int16 LEAKY_RELU.
fn leaky_relu(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let (&[x], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let alpha = data.attr("alpha")?.as_float()? as f32;
    let (_, si, zi) = per_tensor_params(m, x, &[DType::I16])?;
    let (_, so, zo) = per_tensor_params(m, y, &[DType::I16])?;
    let (mi, shi) = quantize_multiplier(f64::from(si / so))?;
    let (ma, sha) = quantize_multiplier(f64::from(si * alpha / so))?;
    Some(map_storage(DType::I16, "leaky_relu", move |q| {
        let d = q - zi;
        let r = zo
            + if d >= 0 {
                multiply_by_quantized_multiplier(d, mi, shi)
            } else {
                multiply_by_quantized_multiplier(d, ma, sha)
            };
        r.clamp(-32768, 32767)
    }))
}

/// The kernel of a quantized RELU, RELU6 or RELU_N1_TO_1, or of an int16 LEAKY_RELU.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    if data.name.as_str() == "tfl.leaky_relu" {
        return leaky_relu(m, op);
    }
    let activation = bounds(data.name.as_str())?;
    let (&[x], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let storages = [DType::I8, DType::U8, DType::I16];
    let (tx, si, zi) = per_tensor_params(m, x, &storages)?;
    let (ty, so, zo) = per_tensor_params(m, y, &storages)?;
    if tx != ty {
        return None;
    }
    // In f32: LiteRT divides the two float scales before widening (unlike QUANTIZE's Prepare).
    let (mult, shift) = quantize_multiplier(f64::from(si / so))?;
    let (min, max) = quantized_bounds(activation, so, zo, storage_range(tx));
    Some(map_storage(tx, "relu", move |q| {
        (zo + multiply_by_quantized_multiplier(q - zi, mult, shift)).clamp(min, max)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_round_halves_away_from_zero_within_the_storage() {
        let int16 = (-32768, 32767);
        assert_eq!(quantized_bounds((0.0, None), 0.5, 0, int16), (0, 32767));
        // 6 / 0.0004 = 15000; -1 / 0.08 = -12.5 -> -13, 1 / 0.08 = 12.5 -> 13.
        assert_eq!(
            quantized_bounds((0.0, Some(6.0)), 0.0004, 0, int16),
            (0, 15000)
        );
        assert_eq!(
            quantized_bounds((-1.0, Some(1.0)), 0.08, 0, int16),
            (-13, 13)
        );
        assert_eq!(
            quantized_bounds((0.0, Some(6.0)), 1e-6, 0, int16),
            (0, 32767)
        );
        // int8 with a zero point: 0 -> -100, 6 / 0.04 = 150 -> 50, within [-128, 127].
        assert_eq!(
            quantized_bounds((0.0, Some(6.0)), 0.04, -100, (-128, 127)),
            (-100, 50)
        );
    }
}
