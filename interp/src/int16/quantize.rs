//! `tfl.quantize` from f32 to per-tensor int16 as LiteRT's optimized `AffineQuantize` computes
//! it on x86 (its NEON code translated to SSE): blocks of 8 elements are multiplied by the
//! reciprocal of the scale (computed in `double`, rounded to f32) and rounded halves to even;
//! the remaining `n mod 8` elements are divided by the scale in `double` and rounded halves
//! away from zero. Both add the zero point and clamp to int16; a value beyond int32 (or NaN)
//! converts to `i32::MIN`, as x86's conversions do, before the clamp.
//!
//! int16 to int16 (a requantization, which ai-edge-quantizer's 16x8 models have), and int16 to
//! int8 or int8 to int16 (tqopt's mixed-precision conversions): LiteRT's builtin `Requantize`, `MultiplyByQuantizedMultiplier(q - in_zp)` with the multiplier of
//! `in_scale / out_scale` (in `double`), plus the output zero point, clamped. In float, one
//! value in a few thousand landed a step away (NASNet-Mobile's 16x8 model, 0.13 dB in tqopt
//! eval); an int16 constant 32767 at scale 1/32767 requantized to int8 at 1/127.5 was 126
//! where LiteRT's double rounding gives 127, which put a mixed-precision model 2.4 dB from
//! LiteRT in tqopt's figures.

use tqopt_ir::{Module, OpId};

use super::fixed_point::{multiply_by_quantized_multiplier, quantize_multiplier};
use super::int16_params;
use crate::error::KResult;
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{DType, Tensor, TensorData};

/// Elements per block of the vector loop.
const BLOCK: usize = 8;

/// x86's float-to-int32 conversion: out-of-range values and NaN become `i32::MIN`.
fn to_i32(v: f64) -> i32 {
    if v.is_finite() && v >= i32::MIN as f64 && v <= i32::MAX as f64 {
        v as i32
    } else {
        i32::MIN
    }
}

fn quantize(x: &[f32], scale: f32, zero_point: i32) -> Vec<i16> {
    let reciprocal = (1.0 / scale as f64) as f32;
    let body = x.len() - x.len() % BLOCK;
    x.iter()
        .enumerate()
        .map(|(i, &v)| {
            let q = if i < body {
                to_i32(crate::rounding::round_ties_even(v * reciprocal) as f64)
            } else {
                to_i32((v as f64 / scale as f64).round())
            };
            q.saturating_add(zero_point).clamp(-32768, 32767) as i16
        })
        .collect()
}

/// The kernel of `op` when it quantizes f32 into per-tensor int16.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let (&[x], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let from_f32 = m
        .value_type(x)
        .element_type()
        .and_then(crate::consts::dtype_of)
        == Some(crate::tensor::DType::F32);
    if !from_f32 {
        return requantize(m, x, y);
    }
    let (scale, zero_point) = int16_params(m, y)?;
    Some(kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let v = t
            .as_f32()
            .ok_or_else(|| format!("quantize: expected f32, got {}", t.dtype()))?;
        let out = quantize(v, scale, zero_point);
        one(Tensor::from_parts(t.shape().into(), TensorData::I16(out)))
    }))
}

/// The kernel of a QUANTIZE from int16 to int16, or between int8 and int16 (mixed precision's
/// conversions): LiteRT's builtin `Requantize` in each case.
fn requantize(
    m: &Module,
    x: tqopt_ir::ValueId,
    y: tqopt_ir::ValueId,
) -> Option<KResult<BoxKernel>> {
    let storages = [DType::I8, DType::I16];
    let (dx, si, zi) = crate::builtin8::per_tensor_params(m, x, &storages)?;
    let (dy, so, zo) = crate::builtin8::per_tensor_params(m, y, &storages)?;
    if dx != DType::I16 && dy != DType::I16 {
        return None; // 8-bit to 8-bit: crate::quantized_elementwise
    }
    let (mult, shift) = quantize_multiplier(si as f64 / so as f64)?;
    let (lo, hi) = crate::builtin8::storage_range(dy);
    let requantized =
        move |q: i32| (multiply_by_quantized_multiplier(q - zi, mult, shift) + zo).clamp(lo, hi);
    Some(kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let values = crate::builtin8::storage_values(t, "requantize")?;
        let out = values.into_iter().map(requantized);
        one(crate::builtin8::storage_tensor(t.shape().into(), dy, out))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_round_halves_to_even_and_the_tail_away_from_zero() {
        // 2.5 steps: the first 8 elements (a block) round to 2, the 9th (tail) to 3.
        let x = vec![1.25f32; 9];
        let q = quantize(&x, 0.5, 0);
        assert_eq!(&q[..8], &[2; 8]);
        assert_eq!(q[8], 3);
        assert_eq!(quantize(&[1e12, f32::NAN], 0.1, 0), [-32768, -32768]);
        assert_eq!(quantize(&[-1e6], 0.1, 5), [-32768]);
    }
}
