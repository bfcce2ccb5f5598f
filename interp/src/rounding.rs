//! Round half to even for float32, without a call into libm.
//!
//! `f32::round_ties_even` compiles to a call of `rintf` on x86-64's baseline (SSE2 has no
//! rounding instruction): the precision search's fake-quant conversions spent 10% of their
//! time there. Adding and subtracting 2^23 rounds a smaller magnitude to an integer in the
//! default rounding mode (to nearest, ties to even), exactly as `rintf` does; larger
//! magnitudes (and infinities, NaN) are integral already or pass through.

/// `x.round_ties_even()`, bit for bit (signed zeros and NaN included).
#[inline(always)]
pub fn round_ties_even(x: f32) -> f32 {
    const TWO_23: f32 = 8_388_608.0;
    let a = x.abs();
    if a < TWO_23 {
        ((a + TWO_23) - TWO_23).copysign(x)
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::round_ties_even;

    #[test]
    fn agrees_with_the_standard_library_bit_for_bit() {
        let mut special = vec![
            0.0f32,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            -2.5,
            0.49999997,
            8_388_607.5,
            -8_388_607.5,
            8_388_608.0,
            16_777_217.0,
            1e-45,
            -1e-45,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            39.499996,
            39.5,
        ];
        let mut state = 0x1234_5678u32;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            special.push(f32::from_bits(state));
            special.push((state % 100_000) as f32 / 8.0 - 6_000.0);
        }
        for x in special {
            let (want, got) = (x.round_ties_even(), round_ties_even(x));
            assert!(
                want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
                "{x:e}: {want:e} vs {got:e}"
            );
        }
    }
}
