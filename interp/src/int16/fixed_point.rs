//! The fixed-point arithmetic of LiteRT's builtin integer kernels (double-rounding build, the
//! one `ai-edge-litert` ships): multipliers quantized to 31 bits, the rounding high multiply
//! and power-of-two divide of gemmlowp, the 64-bit accumulator requantization with its
//! multiplier reduced to 15 bits, and the fused activation's integer range.
//!
//! Every function is exact integer arithmetic (or, where LiteRT computes in `double`, the same
//! `f64` operations), so the kernels built on them are bit-exact, not within a step.

/// `real = multiplier · 2^(shift - 31)`: LiteRT's `QuantizeMultiplier` (frexp, the fraction
/// rounded half away from zero to 31 bits, a fraction of 1 renormalized, shifts below -31
/// flushed to zero). `(0, 0)` for zero; `None` for a negative, NaN or infinite `real`.
pub(crate) fn quantize_multiplier(real: f64) -> Option<(i32, i32)> {
    if real == 0.0 {
        return Some((0, 0));
    }
    if !(real.is_finite() && real > 0.0) {
        return None;
    }
    let (fraction, mut shift) = frexp(real);
    let mut q = (fraction * 2f64.powi(31)).round() as i64;
    if q == 1 << 31 {
        q /= 2;
        shift += 1;
    }
    if shift < -31 {
        return Some((0, 0));
    }
    Some((i32::try_from(q).ok()?, shift))
}

/// `x = fraction · 2^exponent` with `fraction` in [0.5, 1), for finite positive `x`.
fn frexp(x: f64) -> (f64, i32) {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: scale into the normal range first.
        let (f, e) = frexp(x * 2f64.powi(64));
        return (f, e - 64);
    }
    let fraction = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (fraction, biased - 1022)
}

/// gemmlowp's `SaturatingRoundingDoublingHighMul`: `round(a · b / 2^31)`, halves away from
/// zero, saturating the one overflowing case.
pub(crate) fn rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    let nudge = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // Division truncating toward zero, as C++'s.
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// gemmlowp's `RoundingDivideByPOT`: `x / 2^exponent` rounded half away from zero.
pub(crate) fn rounding_divide_by_pot(x: i32, exponent: u32) -> i32 {
    if exponent == 0 {
        return x;
    }
    let exponent = exponent.min(31);
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
}

/// LiteRT's 32-bit `MultiplyByQuantizedMultiplier` (double rounding): a left shift for a
/// positive `shift`, the rounding high multiply, then a rounding right shift.
pub(crate) fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left = shift.max(0) as u32;
    let right = (-shift).max(0) as u32;
    rounding_divide_by_pot(
        rounding_doubling_high_mul(x.wrapping_shl(left), multiplier),
        right,
    )
}

/// LiteRT's `MultiplyByQuantizedMultiplier` for a 64-bit accumulator: the multiplier reduced
/// to 15 bits (`(m + 2^15) >> 16`, saturated at `0x7FFF`), then `(x · m + 2^(s-1)) >> s` with
/// `s = 15 - shift` (halves rounded up).
pub(crate) fn multiply_by_quantized_multiplier_64(x: i64, multiplier: i32, shift: i32) -> i64 {
    let reduced = if multiplier < 0x7FFF_0000 {
        (multiplier as i64 + (1 << 15)) >> 16
    } else {
        0x7FFF
    };
    let total_shift = (15 - shift).clamp(1, 62) as u32;
    let round = 1i64 << (total_shift - 1);
    x.wrapping_mul(reduced).wrapping_add(round) >> total_shift
}

/// `round(x)` with halves away from zero (C's `round`, LiteRT's `TfLiteRound`).
pub(crate) fn round_half_away(x: f64) -> f64 {
    x.round()
}

/// The quantized range of a fused activation, as LiteRT's
/// `CalculateActivationRangeQuantized` computes it: each bound `zero_point + round(bound /
/// scale)` in f32 (halves away from zero), intersected with the storage range; `None` for an
/// activation LiteRT does not fuse into integer kernels.
pub(crate) fn activation_range(
    activation: &str,
    scale: f32,
    zero_point: i32,
    storage: (i32, i32),
) -> Option<(i32, i32)> {
    let q = |f: f32| zero_point.saturating_add((f / scale).round() as i32);
    let (lo, hi) = storage;
    match activation {
        "NONE" => Some((lo, hi)),
        "RELU" => Some((q(0.0).max(lo), hi)),
        "RELU6" => Some((q(0.0).max(lo), q(6.0).min(hi))),
        "RELU_N1_TO_1" => Some((q(-1.0).max(lo), q(1.0).min(hi))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipliers_have_31_bit_fractions() {
        // 0.3 = 0.6 · 2^-1; 0.6 · 2^31 = 1288490188.8 -> 1288490189.
        assert_eq!(quantize_multiplier(0.3), Some((1288490189, -1)));
        assert_eq!(quantize_multiplier(1.0), Some((1 << 30, 1)));
        assert_eq!(quantize_multiplier(0.0), Some((0, 0)));
        assert_eq!(quantize_multiplier(1e-12), Some((0, 0)));
        assert_eq!(quantize_multiplier(-1.0), None);
        // A fraction that rounds up to 1 is renormalized.
        let just_below_one = 1.0 - 2f64.powi(-40);
        assert_eq!(quantize_multiplier(just_below_one), Some((1 << 30, 1)));
    }

    #[test]
    fn rounding_follows_gemmlowp() {
        assert_eq!(rounding_divide_by_pot(5, 1), 3); // 2.5 -> 3
        assert_eq!(rounding_divide_by_pot(-5, 1), -3); // -2.5 -> -3
        assert_eq!(rounding_divide_by_pot(-4, 1), -2);
        assert_eq!(rounding_divide_by_pot(7, 2), 2); // 1.75 -> 2
        assert_eq!(rounding_doubling_high_mul(i32::MIN, i32::MIN), i32::MAX);
        // 3 · 2^30 / 2^31 = 1.5 -> 2; -1.5 -> -1 (gemmlowp's nudge rounds negative halves up,
        // as NEON's vqrdmulh does).
        assert_eq!(rounding_doubling_high_mul(3, 1 << 30), 2);
        assert_eq!(rounding_doubling_high_mul(-3, 1 << 30), -1);
        assert_eq!(rounding_doubling_high_mul(-5, 1 << 30), -2);
        // x · 0.3: 1000 · 0.3 = 300.
        let (m, s) = quantize_multiplier(0.3).unwrap();
        assert_eq!(multiply_by_quantized_multiplier(1000, m, s), 300);
        assert_eq!(multiply_by_quantized_multiplier(-1000, m, s), -300);
    }

    #[test]
    fn the_64_bit_requantization_rounds_halves_up_with_15_bits() {
        let (m, s) = quantize_multiplier(0.5).unwrap();
        assert_eq!(multiply_by_quantized_multiplier_64(3, m, s), 2); // 1.5 -> 2
        assert_eq!(multiply_by_quantized_multiplier_64(-3, m, s), -1); // -1.5 -> -1
                                                                       // 0.3 reduced to 19661 / 2^16: 10^6 · 0.300003 = 300003.
        let (m, s) = quantize_multiplier(0.3).unwrap();
        assert_eq!(
            multiply_by_quantized_multiplier_64(1_000_000, m, s),
            300_003
        );
    }

    #[test]
    fn activation_ranges_round_halves_away() {
        assert_eq!(
            activation_range("RELU6", 0.4, 0, (-32768, 32767)),
            Some((0, 15))
        );
        assert_eq!(
            activation_range("RELU_N1_TO_1", 1e-5, 0, (-32768, 32767)),
            Some((-32768, 32767))
        );
        assert_eq!(activation_range("TANH", 1.0, 0, (-1, 1)), None);
    }
}
