//! int16 `tfl.relu` and `tfl.relu6` as LiteRT's builtin kernel computes them
//! (`ReluX`): each value less the input zero point is requantized with
//! `MultiplyByQuantizedMultiplier` (the multiplier of `in_scale / out_scale`, divided in f32 as
//! LiteRT's Prepare does, then quantized in `double`), the
//! output zero point added, then clamped to the activation's bounds, `zp + roundf(bound /
//! out_scale)` (halves away from zero, in f32) within int16. ai-edge-quantizer gives a RELU its
//! own output scale; in float, values landed a step away (NASNet-Mobile's 16x8 model).

use tqopt_ir::{Module, OpId};

use super::fixed_point::{multiply_by_quantized_multiplier, quantize_multiplier};
use super::{int16_params, int16_slice};
use crate::error::KResult;
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{Tensor, TensorData};

/// The activation's real bounds (`None` above: unbounded).
fn bounds(op: &str) -> Option<(f32, Option<f32>)> {
    match op {
        "tfl.relu" => Some((0.0, None)),
        "tfl.relu6" => Some((0.0, Some(6.0))),
        _ => None,
    }
}

/// The quantized bounds of `[lo, hi]` for an output of `scale` and `zero_point`.
fn quantized_bounds(lo: f32, hi: Option<f32>, scale: f32, zero_point: i32) -> (i32, i32) {
    let q = |b: f32| zero_point + (b / scale).round() as i32;
    let min = q(lo).max(-32768);
    let max = hi.map_or(32767, |h| q(h).min(32767));
    (min, max)
}

/// The kernel of an int16 RELU or RELU6.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let (lo, hi) = bounds(data.name.as_str())?;
    let (&[x], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let (si, zi) = int16_params(m, x)?;
    let (so, zo) = int16_params(m, y)?;
    // In f32: LiteRT divides the two float scales before widening (unlike QUANTIZE's Prepare).
    let (mult, shift) = quantize_multiplier(f64::from(si / so))?;
    let (min, max) = quantized_bounds(lo, hi, so, zo);
    Some(kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let out = int16_slice(t, "relu")?
            .iter()
            .map(|&q| {
                let r = zo + multiply_by_quantized_multiplier(q as i32 - zi, mult, shift);
                r.clamp(min, max) as i16
            })
            .collect();
        one(Tensor::from_parts(t.shape().into(), TensorData::I16(out)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_round_halves_away_from_zero_within_int16() {
        assert_eq!(quantized_bounds(0.0, None, 0.5, 0), (0, 32767));
        // 6 / 0.0004 = 15000; -1 / 0.08 = -12.5 -> -13, 1 / 0.08 = 12.5 -> 13.
        assert_eq!(quantized_bounds(0.0, Some(6.0), 0.0004, 0), (0, 15000));
        assert_eq!(quantized_bounds(-1.0, Some(1.0), 0.08, 0), (-13, 13));
        assert_eq!(quantized_bounds(0.0, Some(6.0), 1e-6, 0), (0, 32767));
    }
}
