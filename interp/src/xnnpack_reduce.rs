//! int8 and uint8 `tfl.mean` and `tfl.sum` as LiteRT's default interpreter computes them:
//! its XNNPACK delegate takes every 8-bit per-tensor MEAN and SUM with constant axes, and
//! XNNPACK reduces the storage integers, then converts the int32 sum in f32.
//!
//! With `n` values per result, `r = in_scale / out_scale` and, for a mean, `r = r · (1 / n)`
//! (each rounded to f32), XNNPACK folds the input zero point into the output's:
//! `zp = out_zp - (n · in_zp) · r` (f32), then `out = round_ties_even(sum · r + zp)`, clamped
//! to the storage range (`sum` is the plain sum of the storage integers, zero points
//! included).
//!
//! Float emulation (dequantize, reduce, quantize) and LiteRT's builtin formula (zero points
//! taken out first, halves rounded away from zero) each missed near ties: a RegNet's
//! squeeze-and-excitation means were 1 step off on 1 to 3 values of 208 on some photos, and
//! the builtin formula differed from LiteRT on 25 of 72 one-op cases where this one differed
//! on none (measured against ai-edge-litert 2.3.0, 2026-12-07).

use tqopt_ir::{Module, OpId};

use crate::builtin8::{eight_bit_params, eight_bit_values};
use crate::error::KResult;
use crate::kernels::reduce::{reduce, reduced_axes, reduced_count, reduced_shape, Red};
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{DType, Tensor, TensorData};

/// The f32 multiplier and zero point XNNPACK converts a reduction's int32 sum with.
fn conversion(mean: bool, count: usize, in_params: (f32, i32), out_zp: i32) -> (f32, f32) {
    let (ratio, in_zp) = in_params;
    let ratio = if mean {
        ratio * (1.0f32 / count as f32)
    } else {
        ratio
    };
    let zero_point = out_zp as f32 - (count as f32 * in_zp as f32) * ratio;
    (ratio, zero_point)
}

/// The kernel of `op` when it is an 8-bit MEAN or SUM with constant axes whose input and
/// result share a storage type.
pub(crate) fn build(
    m: &Module,
    op: OpId,
    consts: &[Option<&Tensor>],
) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let mean = match data.name.as_str() {
        "tfl.mean" => true,
        "tfl.sum" => false,
        _ => return None,
    };
    let (&[x, _], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    consts.get(1).copied().flatten()?;
    let (dx, sx, zx) = eight_bit_params(m, x)?;
    let (dy, sy, zy) = eight_bit_params(m, y)?;
    if dx != dy {
        return None;
    }
    let keep = data.flag("keep_dims")?;
    let ratio = sx / sy;
    let name = data.name.as_str().to_owned();
    Some(kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let wide = eight_bit_values(t, &name)?;
        let reduced = reduced_axes(&args.ints(1)?, t.rank())?;
        let count = reduced_count(t.shape(), &reduced);
        let (scale, zero_point) = conversion(mean, count, (ratio, zx), zy);
        let sums = reduce(Red::Sum, &wide, t.shape(), &reduced);
        let values = sums
            .into_iter()
            .map(|s| crate::rounding::round_ties_even(s as f32 * scale + zero_point) as i32);
        let out = match dx {
            DType::U8 => TensorData::U8(values.map(|v| v.clamp(0, 255) as u8).collect()),
            _ => TensorData::I8(values.map(|v| v.clamp(-128, 127) as i8).collect()),
        };
        let shape = reduced_shape(t.shape(), &reduced, keep);
        one(Tensor::from_parts(shape, out))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(mean: bool, sum: i32, count: usize, in_params: (f32, i32), out_zp: i32) -> i32 {
        let (scale, zp) = conversion(mean, count, in_params, out_zp);
        crate::rounding::round_ties_even(sum as f32 * scale + zp) as i32
    }

    /// The BERT mask case: 8 ones (127) and 8 zeros (-128) at scale 1/255, zero point -128,
    /// summed to scale 16/255, zero point -128: 127.5 steps above the zero point, which ties
    /// to the even 128.
    #[test]
    fn a_half_step_rounds_to_even() {
        let ratio = (1.0f32 / 255.0) / (16.0f32 / 255.0);
        assert_eq!(
            convert(false, 8 * 127 + 8 * -128, 16, (ratio, -128), -128),
            0
        );
    }

    /// A mean of equal values at equal parameters is that value, whatever the count.
    #[test]
    fn the_mean_of_a_constant_is_itself() {
        for count in [1usize, 7, 63, 208, 4096] {
            for q in [-128i32, -5, 0, 3, 127] {
                let got = convert(true, q * count as i32, count, (1.0, 3), 3);
                assert_eq!(got, q, "count {count}, value {q}");
            }
        }
    }
}
