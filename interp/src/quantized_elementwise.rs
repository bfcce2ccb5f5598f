//! int8 `tfl.add` and `tfl.mul` as LiteRT's default interpreter (XNNPACK's `qs8_vadd` and
//! `qs8_vmul` kernels) computes them, on the storage integers.
//!
//! - ADD: with `ra = a_scale / out_scale`, `rb = b_scale / out_scale` (f32) and `shift = 20 -
//!   exponent(max(ra, rb))`, the multipliers are `round_ties_even(ra · 2^shift)` and
//!   `round_ties_even(rb · 2^shift)`; then `acc = a·ma + b·mb + 2^(shift-1) - a_zp·ma -
//!   b_zp·mb` and `out = (acc >> shift) + out_zp` (arithmetic shift), clamped.
//! - SUB: as ADD with `rb` negated (XNNPACK's `qs8_vadd` with a negative multiplier for b).
//! - MUL: `out = round_ties_even(((a - a_zp)·(b - b_zp)) as f32 · scale) + out_zp`, clamped,
//!   with `scale = a_scale · b_scale / out_scale` in f32.
//!
//! - LEAKY_RELU: with `rp = in_scale / out_scale` and `rn = rp · alpha` (f32), the 8-bit
//!   fraction multipliers `mp = round_ties_even(256 · rp)` and `mn = round_ties_even(256 ·
//!   rn)`; then `d = x - in_zp`, `out = ((out_zp << 8) + 128 + d · (d >= 0 ? mp : mn)) >> 8`
//!   (arithmetic shift), clamped to int8. XNNPACK takes it when `rp` is in [2^-8, 2^7] and
//!   `rn` in [-127.99609375, 2^7] with `|rn| >= 2^-8`. Float emulation was 1 LSB off on 2% of
//!   a Conv1D network's values (measured against LiteRT 2026-12-06).
//!
//! - QUANTIZE from int8 to int8 or uint8 to uint8 (a requantization): the same 8-bit fixed
//!   point with `m = round_ties_even(256 · in_scale / out_scale)`: `out = ((out_zp << 8) + 128 +
//!   (x - in_zp) · m) >> 8`, clamped. XNNPACK takes it when the ratio is in [2^-8, 2^7]; other
//!   8-bit requantizations run LiteRT's builtin double-rounding multiplier. Float emulation
//!   differed on 20 of the 256 inputs of a tanh output (scale 1/128) requantized to scale
//!   0.00758, and on 1 to 11 of 256 in each uint8 case measured (against LiteRT 2026-12-06).
//!
//! ADD and MUL clamp to the fused activation's range quantized as for convolutions
//! ([`crate::quantized_acc::bounds`]). XNNPACK takes an op only when its scale ratios are in
//! range (ADD: each ratio in [2^-10, 2^8); MUL: [2^-16, 2^8)); otherwise LiteRT runs its
//! builtin kernel, and so the op stays emulated in float here. Float emulation was 1 LSB off
//! on near ties (one value of face_detection_short_range's adds, measured against LiteRT
//! 2026-12-05).

use tqopt_ir::{Module, OpId};

use std::sync::Arc;

use crate::builtin8::{eight_bit_params, eight_bit_values, int8_binary, int8_params, int8_unary};
use crate::error::KResult;
use crate::int16::fixed_point::{multiply_by_quantized_multiplier, quantize_multiplier};
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::quantized_acc::bounds;
use crate::tensor::{DType, Tensor, TensorData};

/// The fixed-point form of `a + b` (see the module comment): (ma, mb, shift, bias). A
/// subtraction is `a + b` with `rb` negated: the multiplier of `|rb|`, negated.
fn add_params(ra: f32, rb: f32, za: i32, zb: i32) -> Option<(i32, i32, u32, i32)> {
    let lo = 2f32.powi(-10);
    let hi = 2f32.powi(8);
    if !(lo..hi).contains(&ra.abs()) || !(lo..hi).contains(&rb.abs()) {
        return None;
    }
    let exponent = (ra.abs().max(rb.abs()).to_bits() >> 23) as i32 - 127;
    let shift = (20 - exponent) as u32;
    let scaled = |r: f32| {
        let m = f32::from_bits(r.abs().to_bits() + (shift << 23)).round_ties_even() as i32;
        if r.is_sign_negative() {
            -m
        } else {
            m
        }
    };
    let (ma, mb) = (scaled(ra), scaled(rb));
    let bias = (1i32 << (shift - 1)) - ma * za - mb * zb;
    Some((ma, mb, shift, bias))
}

/// The 8-bit fixed-point multipliers of an int8 LEAKY_RELU (see the module comment), when
/// XNNPACK takes it.
fn leaky_relu_multipliers(ratio: f32, alpha: f32) -> Option<(i32, i32)> {
    let negative = ratio * alpha;
    let low = 2f32.powi(-8);
    if !(low..=2f32.powi(7)).contains(&ratio)
        || !(-127.996_09..=2f32.powi(7)).contains(&negative)
        || negative.abs() < low
    {
        return None;
    }
    Some((q8_multiplier(ratio), q8_multiplier(negative)))
}

/// XNNPACK's 8-bit fraction multiplier of a scale ratio: `round_ties_even(256 · r)`.
fn q8_multiplier(ratio: f32) -> i32 {
    (256.0 * ratio).round_ties_even() as i32
}

/// XNNPACK's 8-bit fixed point: `d` (an input less its zero point) times `multiplier / 256`,
/// rounded half up, plus the output zero point `zo` (not clamped).
fn q8_rescale(d: i32, multiplier: i32, zo: i32) -> i32 {
    ((zo << 8) + 0x80 + d * multiplier) >> 8
}

/// The kernel of an 8-bit to 8-bit QUANTIZE (a requantization; int8 or uint8 each side). XNNPACK
/// takes it when both sides have one type and `in_scale / out_scale` is in [2^-8, 2^7]: its
/// 8-bit fixed point. Otherwise LiteRT's builtin kernel: `MultiplyByQuantizedMultiplier(x -
/// in_zp)` (double rounding, the multiplier of the ratio in `double`) plus the output zero
/// point. Both clamp to the result's storage range.
fn requantize(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let (&[x], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let (ti, si, zi) = eight_bit_params(m, x)?;
    let (to, so, zo) = eight_bit_params(m, y)?;
    let ratio = si / so;
    let (lo, hi) = if to == DType::I8 {
        (-128, 127)
    } else {
        (0, 255)
    };
    let map: Arc<dyn Fn(i32) -> i32 + Send + Sync> =
        if ti == to && (2f32.powi(-8)..=2f32.powi(7)).contains(&ratio) {
            let multiplier = q8_multiplier(ratio);
            Arc::new(move |q| q8_rescale(q - zi, multiplier, zo).clamp(lo, hi))
        } else {
            let (mult, shift) = quantize_multiplier(si as f64 / so as f64)?;
            Arc::new(move |q| {
                (multiply_by_quantized_multiplier(q - zi, mult, shift) + zo).clamp(lo, hi)
            })
        };
    Some(kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let values = eight_bit_values(t, "requantize")?;
        let out = match to {
            DType::I8 => TensorData::I8(values.iter().map(|&q| map(q) as i8).collect()),
            _ => TensorData::U8(values.iter().map(|&q| map(q) as u8).collect()),
        };
        one(Tensor::from_parts(t.shape().into(), out))
    }))
}

/// The kernel of an int8 LEAKY_RELU that XNNPACK takes.
fn leaky_relu(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let (&[x], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let (si, zi) = int8_params(m, x)?;
    let (so, zo) = int8_params(m, y)?;
    let alpha = match data.attr("alpha") {
        Some(a) => a.as_float()? as f32,
        None => return None,
    };
    let (mp, mn) = leaky_relu_multipliers(si / so, alpha)?;
    Some(int8_unary(move |q| {
        let d = q as i32 - zi;
        let out = q8_rescale(d, if d >= 0 { mp } else { mn }, zo);
        Ok(out.clamp(-128, 127) as i8)
    }))
}

/// The kernel of `op`, when it is an int8 ADD, MUL or LEAKY_RELU that XNNPACK takes, or an 8-bit
/// requantization.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let name = data.name.as_str();
    if name == "tfl.leaky_relu" {
        return leaky_relu(m, op);
    }
    if name == "tfl.quantize" {
        return requantize(m, op);
    }
    if !matches!(name, "tfl.add" | "tfl.sub" | "tfl.mul") || data.results().len() != 1 {
        return None;
    }
    let [x, y] = data.operands() else {
        return None;
    };
    let (sa, za) = int8_params(m, *x)?;
    let (sb, zb) = int8_params(m, *y)?;
    let (so, zo) = int8_params(m, data.results()[0])?;
    let activation = match data.attr("fused_activation_function") {
        None => "NONE",
        Some(a) => a.as_str()?,
    };
    let (lo, hi) = bounds(activation, so, zo as i64, -128, 127)?;
    let (lo, hi) = (lo as i32, hi as i32);
    let f: Box<dyn Fn(i8, i8) -> i8 + Send + Sync> = if name != "tfl.mul" {
        let rb = if name == "tfl.sub" { -sb / so } else { sb / so };
        let (ma, mb, shift, bias) = add_params(sa / so, rb, za, zb)?;
        Box::new(move |a: i8, b: i8| {
            let acc = bias + a as i32 * ma + b as i32 * mb;
            ((acc >> shift) + zo).clamp(lo, hi) as i8
        })
    } else {
        let scale = sa * sb / so;
        if !(2f32.powi(-16)..2f32.powi(8)).contains(&scale) {
            return None;
        }
        Box::new(move |a: i8, b: i8| {
            let acc = (a as i32 - za) * (b as i32 - zb);
            let r = crate::rounding::round_ties_even(acc as f32 * scale) as i32;
            (r + zo).clamp(lo, hi) as i8
        })
    };
    Some(int8_binary(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_multipliers_follow_xnnpack() {
        // ra = 0.75 (exponent -1): shift 21, ma = 0.75 * 2^21, mb = 0.5 * 2^21.
        let (ma, mb, shift, bias) = add_params(0.75, 0.5, 1, -2).unwrap();
        assert_eq!((ma, mb, shift), (1572864, 1048576, 21));
        assert_eq!(bias, (1 << 20) - 1572864 + 2 * 1048576);
        assert!(add_params(0.0001, 0.5, 0, 0).is_none());
    }

    #[test]
    fn requantization_is_xnnpacks_8_bit_fixed_point() {
        // A tanh output (scale 1/128, zero point 0) requantized to scale 0.0075845905, zero
        // point -2. LiteRT gives these (ai-edge-litert 2.3.0); rounding x · ratio gives one
        // more for each.
        let ratio = 0.0078125f32 / 0.007_584_590_5;
        let multiplier = q8_multiplier(ratio);
        assert_eq!(multiplier, 264);
        for (x, litert) in [(-116, -122), (-115, -121), (-83, -88), (-82, -87)] {
            assert_eq!(q8_rescale(x, multiplier, -2), litert, "x = {x}");
            assert_eq!((x as f32 * ratio).round_ties_even() as i32 - 2, litert + 1);
        }
    }

    #[test]
    fn leaky_relu_multipliers_follow_xnnpack() {
        // rp = 0.3: 76.8 -> 77; rn = 0.03: 7.68 -> 8.
        assert_eq!(leaky_relu_multipliers(0.3, 0.1), Some((77, 8)));
        // A negative slope too small for XNNPACK's 8-bit fraction: left to LiteRT's builtin.
        assert_eq!(leaky_relu_multipliers(0.3, 0.001), None);
        assert_eq!(leaky_relu_multipliers(0.001, 0.5), None);
    }
}
