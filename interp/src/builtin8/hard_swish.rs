//! int8 and uint8 `tfl.hard_swish` as LiteRT's builtin kernel computes it (XNNPACK does not
//! take it quantized): 16-bit fixed point on the storage integers.
//!
//! With `hires = in_scale / 128`, two multipliers are quantized to 31 bits and rounded down to
//! 15 (`(m + 2^15) >> 16`, saturated): `hires / out_scale` (exponent `eo <= 0`) and `hires /
//! (3 / 32768)` (exponent `er`). Per value, `d = (x - in_zp) · 128`; `p = srdhm16(d, mo)`; the
//! "relu-ish" factor `r` is `d` shifted left by `er - 1` (saturating), `srdhm16` by `mr`, shifted
//! left by one more (saturating) or right by `-er` (rounding), then mapped from [-1, 1] to
//! [0, 1] as `(r + 2^15) >> 1`; the result is `rdbpot(dhm16(r, p), -eo) + out_zp`, clamped.
//! `srdhm16` is gemmlowp's rounding doubling high multiply on int16, `dhm16` the same without
//! rounding (truncating toward zero).
//!
//! Float emulation was 1 LSB off on 2% of a hard-swish network's values (measured against
//! LiteRT 2026-12-06); MobileNetV3 has one after nearly every convolution.

use tqopt_ir::{Module, OpId};

use super::eight_bit_params;

use crate::error::KResult;
use crate::int16::fixed_point::{quantize_multiplier, rounding_divide_by_pot};
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{Shape, Tensor, TensorData};

/// A 31-bit multiplier rounded to 15 bits (LiteRT's `DownScaleInt32ToInt16Multiplier`).
fn down_scale(m: i32) -> i16 {
    if m >= i32::MAX - (1 << 15) {
        return i16::MAX;
    }
    ((m + (1 << 15)) >> 16) as i16
}

/// gemmlowp's `SaturatingRoundingDoublingHighMul` on int16.
fn srdhm16(a: i16, b: i16) -> i16 {
    if a == b && a == i16::MIN {
        return i16::MAX;
    }
    let ab = a as i32 * b as i32;
    let nudge = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    ((ab + nudge) / (1 << 15)) as i16
}

/// The same without rounding (LiteRT's `SaturatingDoublingHighMul`).
fn dhm16(a: i16, b: i16) -> i16 {
    if a == b && a == i16::MIN {
        return i16::MAX;
    }
    ((a as i32 * b as i32) / (1 << 15)) as i16
}

/// gemmlowp's `RoundingDivideByPOT` on int16: the int32 one gives the same result on the
/// sign-extended value (its mask, remainder and threshold see the same low bits).
fn rdbpot16(x: i16, exponent: i32) -> i16 {
    rounding_divide_by_pot(x as i32, exponent.clamp(0, 15) as u32) as i16
}

fn saturating_left_shift(x: i16, amount: i32) -> i16 {
    ((x as i64) << amount.clamp(0, 31)).clamp(i16::MIN as i64, i16::MAX as i64) as i16
}

/// The kernel's fixed-point parameters.
#[derive(Copy, Clone, Debug, PartialEq)]
struct Params {
    input_zp: i32,
    output_zp: i32,
    output_multiplier: i16,
    output_exponent: i32,
    reluish_multiplier: i16,
    reluish_exponent: i32,
}

impl Params {
    fn new(si: f32, zi: i32, so: f32, zo: i32) -> Option<Params> {
        let hires = (1.0f32 / 128.0) * si;
        let (mo, eo) = quantize_multiplier((hires / so) as f64)?;
        let (mr, er) = quantize_multiplier((hires / (3.0f32 / 32768.0)) as f64)?;
        // LiteRT refuses the model otherwise.
        if eo > 0 {
            return None;
        }
        Some(Params {
            input_zp: zi,
            output_zp: zo,
            output_multiplier: down_scale(mo),
            output_exponent: eo,
            reluish_multiplier: down_scale(mr),
            reluish_exponent: er,
        })
    }

    /// One value (a storage integer) through the kernel, before the storage range's clamp.
    fn apply(&self, q: i32) -> i32 {
        let hires = ((q - self.input_zp) * 128) as i16;
        let preshift = srdhm16(hires, self.output_multiplier);
        let mut r = hires;
        if self.reluish_exponent > 0 {
            r = saturating_left_shift(r, self.reluish_exponent - 1);
        }
        r = srdhm16(r, self.reluish_multiplier);
        if self.reluish_exponent > 0 {
            r = saturating_left_shift(r, 1);
        }
        if self.reluish_exponent < 0 {
            r = rdbpot16(r, -self.reluish_exponent);
        }
        let r = ((r as i32 + (1 << 15)) >> 1) as i16;
        let out = rdbpot16(dhm16(r, preshift), -self.output_exponent);
        out as i32 + self.output_zp
    }
}

/// The kernel of `op` when it is an int8 or uint8 HARD_SWISH.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    if data.name.as_str() != "tfl.hard_swish" {
        return None;
    }
    let (&[x], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let (dx, si, zi) = eight_bit_params(m, x)?;
    let (dy, so, zo) = eight_bit_params(m, y)?;
    if dx != dy {
        return None;
    }
    let p = Params::new(si, zi, so, zo)?;
    Some(kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let shape = Shape::from_slice(t.shape());
        let out = match t.data() {
            TensorData::I8(v) => TensorData::I8(
                v.iter()
                    .map(|&q| p.apply(q as i32).clamp(-128, 127) as i8)
                    .collect(),
            ),
            TensorData::U8(v) => TensorData::U8(
                v.iter()
                    .map(|&q| p.apply(q as i32).clamp(0, 255) as u8)
                    .collect(),
            ),
            _ => {
                return Err(format!(
                    "hard_swish: expected {dx} storage, got {}",
                    t.dtype()
                ))
            }
        };
        one(Tensor::from_parts(shape, out))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// hard_swish(x) = x · relu6(x + 3) / 6 within a step everywhere, exactly 0 at 0 and at
    /// and below -3, and x itself from +3 up.
    #[test]
    fn follows_the_real_function_within_a_step() {
        let (si, zi, so, zo) = (0.05f32, 10, 0.04f32, -50);
        let p = Params::new(si, zi, so, zo).unwrap();
        for q in -128..=127 {
            let x = (q - zi) as f32 * si;
            let want = x * (x + 3.0).clamp(0.0, 6.0) / 6.0;
            let got = (p.apply(q).clamp(-128, 127) - zo) as f32 * so;
            assert!((got - want).abs() <= so * 1.01, "x={x}: {got} vs {want}");
        }
        assert_eq!(p.apply(zi), zo);
    }

    #[test]
    fn int16_helpers_round_as_gemmlowp() {
        assert_eq!(srdhm16(16384, 16384), 8192);
        assert_eq!(srdhm16(3, 16384), 2); // 1.5 rounds away from zero
        assert_eq!(dhm16(3, 16384), 1);
        assert_eq!(rdbpot16(5, 1), 3);
        assert_eq!(rdbpot16(-5, 1), -3);
        assert_eq!(down_scale(i32::MAX), i16::MAX);
    }
}
