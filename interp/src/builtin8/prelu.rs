//! int8 `tfl.prelu` as LiteRT's builtin kernel computes it, on the storage integers (XNNPACK
//! takes PRELU only in float, so the quantized op always runs there).
//!
//! With `d = x - x_zp`: when `d >= 0`, `out = MultiplyByQuantizedMultiplier(d, M1, s1)`, else
//! `out = MultiplyByQuantizedMultiplier(d · (alpha - alpha_zp), M2, s2)`; then plus the output
//! zero point, clamped to int8. `M1 · 2^s1` quantizes `x_scale / out_scale` and `M2 · 2^s2`
//! quantizes `x_scale · alpha_scale / out_scale`, both ratios computed in f32 as the kernel's
//! `Prepare` does. Float emulation was 1 LSB off on up to 0.7% of the values of each PReLU of
//! MediaPipe's palm_detection_full in `target=strict` (measured against LiteRT 2026-12-06).

use tqopt_ir::{Module, OpId};

use super::{int8_binary, int8_params};

use crate::error::KResult;
use crate::int16::fixed_point::{multiply_by_quantized_multiplier, quantize_multiplier};
use crate::kernels::BoxKernel;

/// The fixed-point parameters of one int8 PReLU.
#[derive(Copy, Clone, Debug, PartialEq)]
struct Params {
    input_zero_point: i32,
    alpha_zero_point: i32,
    output_zero_point: i32,
    positive: (i32, i32),
    negative: (i32, i32),
}

impl Params {
    fn new((sx, zx): (f32, i32), (sa, za): (f32, i32), (so, zo): (f32, i32)) -> Option<Params> {
        Some(Params {
            input_zero_point: zx,
            alpha_zero_point: za,
            output_zero_point: zo,
            positive: quantize_multiplier((sx / so) as f64)?,
            negative: quantize_multiplier((sx * sa / so) as f64)?,
        })
    }

    fn apply(&self, x: i8, alpha: i8) -> i8 {
        let d = x as i32 - self.input_zero_point;
        let out = if d >= 0 {
            let (m, s) = self.positive;
            multiply_by_quantized_multiplier(d, m, s)
        } else {
            let (m, s) = self.negative;
            multiply_by_quantized_multiplier(d * (alpha as i32 - self.alpha_zero_point), m, s)
        };
        (out + self.output_zero_point).clamp(-128, 127) as i8
    }
}

/// The kernel of `op` when it is an int8 PRELU with per-tensor parameters.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    if data.name.as_str() != "tfl.prelu" {
        return None;
    }
    let (&[x, alpha], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let p = Params::new(
        int8_params(m, x)?,
        int8_params(m, alpha)?,
        int8_params(m, y)?,
    )?;
    Some(int8_binary(move |x: i8, alpha: i8| p.apply(x, alpha)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// LiteRT's values (ai-edge-litert 2.3.0) for palm_detection_full's first PReLU in
    /// `target=strict`: input scale 0.09666226 zero point 6, alpha scale 0.02417569 zero point
    /// 0, output scale 0.10038568 zero point 11. The float form rounds (x - 6) · 0.0966 · a ·
    /// 0.0242 / 0.1004 to nearest, and differs where LiteRT's double rounding does.
    #[test]
    fn matches_litert_fixed_point() {
        let p = Params::new((0.096_662_26, 6), (0.024_175_69, 0), (0.100_385_68, 11)).unwrap();
        // Non-negative side: (x - 6) · 0.9629 + 11.
        assert_eq!(p.apply(6, 65), 11);
        assert_eq!(p.apply(127, 65), 127);
        assert_eq!(
            p.apply(50, 65),
            (44.0f32 * 0.096_662_26 / 0.100_385_68).round() as i8 + 11
        );
        // Where LiteRT and float emulation differ: (x, alpha, LiteRT's output).
        for (x, a, litert) in [
            (3, 50, 7),
            (-14, 44, -10),
            (-2, -8, 13),
            (-7, -38, 23),
            (5, 21, 10),
        ] {
            assert_eq!(p.apply(x, a), litert, "x {x} alpha {a}");
        }
        // Negative side, every input and alpha: within one step of the real value.
        for x in -128i32..6 {
            for a in [-128i32, -14, 0, 20, 65, 127] {
                let real = (x - 6) as f32 * 0.096_662_26 * a as f32 * 0.024_175_69 / 0.100_385_68;
                let got = p.apply(x as i8, a as i8) as i32 - 11;
                let want = real.round().clamp(-139.0, 116.0) as i32;
                assert!((got - want).abs() <= 1, "x {x} alpha {a}: {got} vs {want}");
            }
        }
    }
}
