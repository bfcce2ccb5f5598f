//! int16 `tfl.softmax` as LiteRT's `SoftmaxInt16` computes it (input and output zero point 0,
//! output scale 1/32768).
//!
//! Per row (the last axis): the differences to the row's maximum are rescaled so that
//! [-65535, 0] spans [-10, 0] (`MultiplyByQuantizedMultiplier` with the multiplier of
//! `s_in · beta / (10 / 65535)`), recentred and looked up in a 513-entry exp table; their sum's
//! reciprocal comes from a second table of `1 / (1 + x)` over [0, 1], after normalizing the sum
//! by its leading zeros; each exp is multiplied by it and shifted back. Both tables are built
//! as LiteRT's `LUTPopulate` builds them (in `double`: 512 samples, each corrected by half the
//! rounding error of linear interpolation at its midpoint) and read with its `LUTLookup` (9-bit
//! index, 7-bit interpolation).

use tqopt_ir::{Module, OpId};

use super::fixed_point::{multiply_by_quantized_multiplier, quantize_multiplier};
use super::{int16_slice, unary_scales};
use crate::error::KResult;
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{Tensor, TensorData};

/// LiteRT's int16 `LUTPopulate` (the `double` form) of `f` for inputs `scale · (q - zero)`
/// and outputs at scale `out_scale`.
fn lut(scale: f64, zero: i32, out_scale: f64, f: impl Fn(f64) -> f64) -> [i16; 513] {
    let input_min = scale * (i16::MIN as i32 - zero) as f64;
    let input_max = scale * (i16::MAX as i32 - zero) as f64;
    let output_min = out_scale * i16::MIN as f64;
    let output_max = out_scale * i16::MAX as f64;
    let steps = 512;
    let step = (input_max - input_min) / steps as f64;
    let half_step = step / 2.0;
    let inv = 65536.0 / (output_max - output_min);
    let clamp = |v: f64| v.clamp(i16::MIN as f64, i16::MAX as f64) as i16;
    let mut table = [0i16; 513];
    for (i, slot) in table.iter_mut().take(steps).enumerate() {
        let x = input_min + i as f64 * step;
        let (val, mid, next) = (f(x), f(x + half_step), f(input_min + (i + 1) as f64 * step));
        let sample = (val * inv).round();
        let interpolated = ((next * inv + (val * inv).round()) / 2.0).round();
        let bias = ((interpolated - (mid * inv).round()) / 2.0).round();
        *slot = clamp(sample - bias);
    }
    table[steps] = clamp((f(input_max) * inv).round());
    table
}

/// LiteRT's int16 `LUTLookup`.
fn lookup(value: i16, table: &[i16; 513]) -> i16 {
    let index = (256 + (value as i32 >> 7)) as usize;
    let offset = (value & 0x7f) as i32;
    let base = table[index] as i32;
    let slope = (table[index + 1] as i32 - base) as i16 as i32;
    (base + ((slope * offset + 64) >> 7)) as i16
}

struct Softmax {
    exp: [i16; 513],
    reciprocal: [i16; 513],
    multiplier: i32,
    shift: i32,
}

impl Softmax {
    fn new(input_scale: f32, beta: f32) -> Option<Softmax> {
        let range = (i16::MAX as i32 - i16::MIN as i32) as f64;
        let (multiplier, shift) =
            quantize_multiplier((input_scale * beta) as f64 / (10.0 / 65535.0))?;
        Some(Softmax {
            exp: lut(10.0 / range, i16::MAX as i32, 2.0 / range, f64::exp),
            reciprocal: lut(1.0 / range, i16::MIN as i32, 2.0 / range, |x| {
                1.0 / (1.0 + x)
            }),
            multiplier,
            shift,
        })
    }

    fn row(&self, x: &[i16], out: &mut [i16]) {
        let max = x.iter().copied().max().unwrap_or(i16::MIN) as i32;
        let mut sum: i32 = 0;
        for (o, &v) in out.iter_mut().zip(x) {
            let scaled =
                multiply_by_quantized_multiplier(v as i32 - max, self.multiplier, self.shift);
            let centred = scaled.saturating_add(32767).clamp(-32768, 32767) as i16;
            *o = lookup(centred, &self.exp);
            sum = sum.wrapping_add(*o as i32);
        }
        let headroom = (sum as u32).leading_zeros().clamp(1, 31);
        let shifted = (((sum as i64) << (headroom - 1)) + (1 << 13)) >> 14;
        let centred = (shifted - ((1 << 15) + (1 << 16))).clamp(-32768, 32767) as i16;
        let reciprocal = lookup(centred, &self.reciprocal) as i64;
        let right = 31 - headroom;
        let round = if right > 0 { 1i64 << (right - 1) } else { 0 };
        for o in out.iter_mut() {
            let r = ((*o as i64 * reciprocal + round) >> right) as i32;
            *o = r.clamp(0, 32767) as i16;
        }
    }
}

/// The kernel of `op` when it is an int16 SOFTMAX covered here.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let (sx, sy) = unary_scales(m, op)?;
    if (sy - 1.0 / 32768.0).abs() > 0.001 / 32768.0 {
        return None;
    }
    let beta = match data.attr("beta") {
        None => 1.0,
        Some(tqopt_ir::Attribute::Float { value, .. }) => *value as f32,
        Some(_) => return None,
    };
    let s = Softmax::new(sx, beta)?;
    Some(kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let v = int16_slice(t, "softmax")?;
        let depth = t.shape().last().copied().unwrap_or(1).max(1);
        let mut out = vec![0i16; v.len()];
        for (xr, or) in v.chunks(depth).zip(out.chunks_mut(depth)) {
            s.row(xr, or);
        }
        one(Tensor::from_parts(t.shape().into(), TensorData::I16(out)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_sum_to_one_and_follow_the_softmax() {
        let s = Softmax::new(1e-3, 1.0).unwrap();
        let x: Vec<i16> = vec![-2000, 0, 1500, 3000, -30000];
        let mut out = vec![0i16; x.len()];
        s.row(&x, &mut out);
        let e: Vec<f64> = x.iter().map(|&v| (v as f64 * 1e-3).exp()).collect();
        let total: f64 = e.iter().sum();
        for (o, e) in out.iter().zip(&e) {
            let got = *o as f64 / 32768.0;
            assert!((got - e / total).abs() < 2e-3, "{got} vs {}", e / total);
        }
        // The exp table: exp(0) at the top, exp(-10) at the bottom.
        assert!((s.exp[512] as i32 - 32767).abs() <= 1, "{}", s.exp[512]);
        assert!(s.exp[0].abs() <= 2, "{}", s.exp[0]);
    }
}
