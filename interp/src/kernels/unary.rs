//! One-operand element-wise functions: activations (logistic, tanh, relu family, leaky_relu,
//! hard_swish, gelu, elu) and math (exp, log, sqrt, rsqrt, neg, abs, square, floor, ceil, round,
//! sin, cos, sign). f32; neg, abs and sign also take i32 (neg and abs i64 too). The operand's buffer is reused when this op is its last use.

use super::simd::multiversion;
use super::{kernel, one, xnnpack_math, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::TensorData;

#[derive(Copy, Clone, Debug, PartialEq)]
enum Func {
    Logistic,
    Tanh,
    Relu,
    Relu6,
    ReluN1To1,
    LeakyRelu(f32),
    HardSwish,
    Gelu {
        approximate: bool,
    },
    Elu,
    Exp,
    Log,
    Sqrt,
    Rsqrt,
    Neg,
    Abs,
    Square,
    Floor,
    Ceil,
    /// Halves to even, as TFLite's `RoundToNearest`.
    Round,
    Sin,
    Cos,
    Sign,
}

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(1)?;
    let f = match info.name() {
        "tfl.logistic" => Func::Logistic,
        "tfl.tanh" => Func::Tanh,
        "tfl.relu" => Func::Relu,
        "tfl.relu6" => Func::Relu6,
        "tfl.relu_n1_to_1" => Func::ReluN1To1,
        "tfl.leaky_relu" => Func::LeakyRelu(info.attr_f32("alpha")?),
        "tfl.hard_swish" => Func::HardSwish,
        "tfl.gelu" => Func::Gelu {
            approximate: info.attr_bool_or("approximate", false)?,
        },
        "tfl.elu" => Func::Elu,
        "tfl.exp" => Func::Exp,
        "tfl.log" => Func::Log,
        "tfl.sqrt" => Func::Sqrt,
        "tfl.rsqrt" => Func::Rsqrt,
        "tfl.neg" => Func::Neg,
        "tfl.abs" => Func::Abs,
        "tfl.square" => Func::Square,
        "tfl.floor" => Func::Floor,
        "tfl.ceil" => Func::Ceil,
        "tfl.round" => Func::Round,
        "tfl.sin" => Func::Sin,
        "tfl.cos" => Func::Cos,
        "tfl.sign" => Func::Sign,
        other => return Err(format!("'{other}' is not an element-wise function")),
    };
    kernel(move |a: &mut Args<'_>| {
        let mut t = a.take(0)?;
        match t.data_mut() {
            TensorData::F32(v) => apply(f, v),
            TensorData::I32(v) if matches!(f, Func::Neg | Func::Abs) => {
                v.iter_mut().for_each(|x| {
                    *x = if f == Func::Neg {
                        x.wrapping_neg()
                    } else {
                        x.wrapping_abs()
                    }
                })
            }
            TensorData::I32(v) if f == Func::Sign => v.iter_mut().for_each(|x| *x = x.signum()),
            TensorData::I64(v) if matches!(f, Func::Neg | Func::Abs) => {
                v.iter_mut().for_each(|x| {
                    *x = if f == Func::Neg {
                        x.wrapping_neg()
                    } else {
                        x.wrapping_abs()
                    }
                })
            }
            other => {
                return Err(format!(
                    "operand of element type {} is not supported",
                    other.dtype()
                ))
            }
        }
        one(t)
    })
}

fn apply(f: Func, v: &mut [f32]) {
    match f {
        Func::Logistic => xnnpack_math::sigmoid(v),
        Func::Tanh => xnnpack_math::tanh(v),
        Func::Relu => super::simd::clamp(v, 0.0, f32::INFINITY),
        Func::Relu6 => super::simd::clamp(v, 0.0, 6.0),
        Func::ReluN1To1 => super::simd::clamp(v, -1.0, 1.0),
        Func::LeakyRelu(alpha) => leaky_relu(v, alpha),
        Func::HardSwish => hard_swish(v),
        Func::Gelu { approximate } => xnnpack_math::gelu(v, approximate),
        Func::Elu => v
            .iter_mut()
            .for_each(|x| *x = if *x < 0.0 { x.exp_m1() } else { *x }),
        Func::Exp => v.iter_mut().for_each(|x| *x = x.exp()),
        Func::Log => v.iter_mut().for_each(|x| *x = x.ln()),
        Func::Sqrt => v.iter_mut().for_each(|x| *x = x.sqrt()),
        Func::Rsqrt => xnnpack_math::rsqrt(v),
        Func::Neg => v.iter_mut().for_each(|x| *x = -*x),
        Func::Abs => v.iter_mut().for_each(|x| *x = x.abs()),
        Func::Square => v.iter_mut().for_each(|x| *x *= *x),
        Func::Floor => v.iter_mut().for_each(|x| *x = x.floor()),
        Func::Ceil => v.iter_mut().for_each(|x| *x = x.ceil()),
        Func::Round => v
            .iter_mut()
            .for_each(|x| *x = crate::rounding::round_ties_even(*x)),
        Func::Sin => v.iter_mut().for_each(|x| *x = x.sin()),
        Func::Cos => v.iter_mut().for_each(|x| *x = x.cos()),
        // (x > 0) - (x < 0): 0 for zeros of both signs, NaN stays NaN.
        Func::Sign => v.iter_mut().for_each(|x| {
            if !x.is_nan() {
                *x = f32::from(*x > 0.0) - f32::from(*x < 0.0)
            }
        }),
    }
}

/// 1 / (1 + e^-x) in XNNPACK's form with std's `exp` ([`xnnpack_math::sigmoid_portable`]),
/// for the LSTM kernels' gates.
pub(crate) fn logistic(v: &mut [f32]) {
    v.iter_mut()
        .for_each(|x| *x = xnnpack_math::sigmoid_portable(*x));
}

multiversion! {
    fn leaky_relu(v: &mut [f32], alpha: f32) {
        for x in v.iter_mut() {
            *x = if *x >= 0.0 { *x } else { *x * alpha };
        }
    }
}

multiversion! {
    /// x * relu6(x + 3) / 6, computed as XNNPACK does (LiteRT's default path), so float
    /// results match it bit for bit: x * clamp(fma(x, 1/6, 1/2), 0, 1) (measured against
    /// LiteRT on selfie_segmentation, 2026-12-06: every element equal; x * r / 6 differed in 44%).
    pub(crate) fn hard_swish(v: &mut [f32]) {
        for x in v.iter_mut() {
            let r = x.mul_add(1.0 / 6.0, 0.5).clamp(0.0, 1.0);
            *x *= r;
        }
    }
}

/// The error function, to about 1e-15: its Maclaurin series below 2.5, erfc's continued
/// fraction above.
pub(crate) fn erf(x: f64) -> f64 {
    let ax = x.abs();
    let r = if ax < 2.5 {
        // Maclaurin series: 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
        let mut term = ax;
        let mut sum = ax;
        let x2 = ax * ax;
        let mut n = 0.0;
        loop {
            n += 1.0;
            term *= -x2 / n;
            let add = term / (2.0 * n + 1.0);
            sum += add;
            if add.abs() <= 1e-17 * sum.abs() || n > 200.0 {
                break;
            }
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    } else {
        // erfc by its continued fraction (Lentz), accurate for x >= 2.5.
        let mut f = ax;
        let mut c = ax;
        let mut d = 0.0;
        for k in 1..200 {
            let an = k as f64 / 2.0;
            d = ax + an * d;
            d = if d == 0.0 { 1e-300 } else { 1.0 / d };
            c = ax + an / c;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        1.0 - (-ax * ax).exp() / (f * std::f64::consts::PI.sqrt())
    };
    if x < 0.0 {
        -r
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_known_values() {
        for (x, e) in [
            (0.0, 0.0),
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (3.0, 0.999_977_909_503_001_4),
            (-1.5, -0.966_105_146_475_310_7),
        ] {
            assert!((erf(x) - e).abs() < 1e-12, "erf({x}) = {} != {e}", erf(x));
        }
    }

    /// XNNPACK's rounding (x * clamp(fma(x, 1/6, 1/2), 0, 1)), not x * relu6(x + 3) / 6's:
    /// the expected values are numpy's float32 evaluation of XNNPACK's formula, each one ulp
    /// or more away from the other formula's (0.05166667, 0.7516667, -0.36833334, 2.851667).
    #[test]
    fn hard_swish_rounds_as_xnnpack() {
        let mut v = [0.1f32, 1.1, -1.3, 2.9, -4.0, 5.0];
        hard_swish(&mut v);
        assert_eq!(
            v,
            [0.051666666, 0.75166667, -0.3683333, 2.8516667, -0.0, 5.0]
        );
    }

    #[test]
    fn logistic_is_stable() {
        let mut v = [-100.0f32, 0.0, 100.0, 1.0];
        logistic(&mut v);
        assert_eq!(v[0], 0.0);
        assert_eq!(v[1], 0.5);
        assert_eq!(v[2], 1.0);
        assert!((v[3] - 0.731_058_6).abs() < 1e-6);
    }

    /// Small results keep their relative precision: 1 / (1 + e^13) = 2.2603242e-6, where
    /// 1 - 1 / (1 + e^-13) is off by 1.5% (38 multiples of 2^-24).
    #[test]
    fn logistic_of_negative_inputs_is_relatively_exact() {
        for (x, want) in [
            (-13.0f32, 2.260_324_2e-6f64),
            (-30.0, 9.357_623e-14),
            (-80.0, 1.804_851_4e-35),
        ] {
            let mut v = [x];
            logistic(&mut v);
            let rel = (v[0] as f64 - want).abs() / want;
            assert!(
                rel < 1e-5,
                "logistic({x}) = {} (want {want}, relative error {rel})",
                v[0]
            );
        }
    }
}
