//! 16x8 `tfl.conv_2d`, `tfl.depthwise_conv_2d`, `tfl.transpose_conv` and
//! `tfl.fully_connected` (int16 input and result with zero point 0, constant int8 weights with
//! zero points 0, a constant int64 or int32 bias or none) as LiteRT's builtin kernels compute them.
//!
//! LiteRT accumulates `Σ w · x + bias` exactly in int64, then requantizes:
//! - convolutions (all three): `MultiplyByQuantizedMultiplier` for int64, whose multiplier
//!   (of `s_in · s_w[c] / s_out`, in `double`) is reduced to 15 bits and whose halves round up;
//! - fully connected with an int64 bias: `round(acc · (s_in · s_w[c] / s_out))` in `double`,
//!   halves away from zero (the reference kernel);
//! - fully connected without a bias, and every op with an int32 bias (which LiteRT reads only
//!   when the options' `quantized_bias_type` says so): LiteRT's optimized kernels (ruy), on an
//!   int32 accumulator: with the 31-bit multiplier `m` and shift `e` of the same scale,
//!   `h = ((acc << max(e, 0)) · m + 2^30) >> 31`, then `(h + 2^(r-1)) >> r` with `r = max(-e,
//!   0)`: two roundings, halves up. The double form missed one value in 384 of a bias-less
//!   16x8 Dense layer (measured against LiteRT 2026-12-06).
//!
//! Both clamp to the fused activation's range.
//!
//! The exact accumulator comes from the op's own float kernel (its geometry: padding, strides,
//! dilation, groups, depth multiplier, output shape), run on integer-valued operands: the int16
//! input split into digits of `bits` bits, each digit's convolution an exact f32 integer
//! because every partial sum stays within 2^24 (`K · 128 · 2^bits <= 2^24`, K the weights per
//! output channel), and the digit results shifted and added in int64 with the bias. Two digits
//! cover K <= 512, three K <= 2048; an op with K > 2^16 keeps float emulation. Bias and
//! activation are left out of the float kernel and applied here.

use std::sync::Arc;

use smallvec::SmallVec;
use tqopt_ir::dialect::QuantBehavior;
use tqopt_ir::{ElementType, Module, OpId};

use super::fixed_point::{
    activation_range, multiply_by_quantized_multiplier_64, quantize_multiplier, round_half_away,
};
use super::{activation_name, int16_params, int16_slice};
use crate::error::KResult;
use crate::kernels::args::Arg;
use crate::kernels::{Args, BoxKernel, Kernel, Outputs};
use crate::tensor::{DType, Tensor, TensorData};

/// How the int64 accumulator of output channel `c` becomes a result step.
#[derive(Clone, Debug, PartialEq)]
enum Requant {
    /// (31-bit multiplier, shift) per channel, applied with the 15-bit reduced multiplier.
    Reduced(Vec<(i32, i32)>),
    /// The real multiplier per channel, applied in `double`.
    Double(Vec<f64>),
    /// (31-bit multiplier, shift) per channel, applied to the int32 accumulator in two
    /// roundings, as LiteRT's optimized fully connected kernel does.
    Optimized(Vec<(i32, i32)>),
}

impl Requant {
    fn apply(&self, acc: i64, c: usize) -> i64 {
        match self {
            Requant::Reduced(m) => {
                let (mult, shift) = m[c % m.len()];
                multiply_by_quantized_multiplier_64(acc, mult, shift)
            }
            Requant::Double(s) => round_half_away(acc as f64 * s[c % s.len()]) as i64,
            Requant::Optimized(m) => {
                let (mult, shift) = m[c % m.len()];
                let x = (acc as i32 as i64) << shift.max(0);
                let high = (x * mult as i64 + (1 << 30)) >> 31;
                let right = (-shift).max(0);
                if right > 0 {
                    (high + (1 << (right - 1))) >> right
                } else {
                    high
                }
            }
        }
    }
}

/// What [`plan`] finds out about a 16x8 accumulating op at plan time.
pub(crate) struct AffinePlan {
    /// Operand index of the int16 activation, of the weights and of the bias.
    input: usize,
    bias: Option<usize>,
    /// The bias per output channel.
    bias_values: Option<Vec<i64>>,
    requant: Requant,
    lo: i64,
    hi: i64,
    /// Bits per digit of the split input, and the number of digits.
    bits: u32,
    digits: u32,
}

/// The 16x8 plan of `op` (see the module comment); `None` for any other op or form.
pub(crate) fn plan(m: &Module, op: OpId, consts: &[Option<&Tensor>]) -> Option<AffinePlan> {
    let data = m.op(op);
    let name = data.name.as_str();
    let reduced = match name {
        "tfl.conv_2d" | "tfl.depthwise_conv_2d" | "tfl.transpose_conv" => true,
        "tfl.fully_connected" => false,
        _ => return None,
    };
    let QuantBehavior::Affine { weight, bias, .. } = data.def()?.quant else {
        return None;
    };
    let (weight, bias) = (weight as usize, bias.map(|b| b as usize));
    let operands = data.operands();
    let quant = |i: usize| {
        m.value_type(*operands.get(i)?)
            .element_type()
            .and_then(ElementType::as_quant)
    };
    let input =
        (0..operands.len()).find(|&i| i != weight && Some(i) != bias && quant(i).is_some())?;
    let &[result] = data.results() else {
        return None;
    };
    let (s_in, z_in) = int16_params(m, operands[input])?;
    let (s_out, z_out) = int16_params(m, result)?;
    if z_in != 0 || z_out != 0 {
        return None;
    }
    let w = consts.get(weight).copied().flatten()?;
    if w.dtype() != DType::I8 {
        return None;
    }
    let w_scales = crate::quantized_acc::symmetric_scales(quant(weight)?)?;
    let channels = *m.value_type(result).as_tensor()?.shape.last()?;
    let channels = usize::try_from(channels).ok().filter(|&c| c > 0)?;
    if w_scales.len() != 1 && w_scales.len() != channels {
        return None;
    }
    // The bias: a constant int64 or int32 tensor, one value per output channel. An int32 one
    // (whose op's options say so, as tqopt writes them) takes LiteRT's optimized kernels.
    let bias_present =
        bias.filter(|&b| operands.get(b).is_some_and(|&v| !m.value_type(v).is_none()));
    let mut int64_bias = false;
    let mut int32_bias = false;
    let bias_values = match bias_present {
        None => None,
        Some(b) => {
            let t = consts.get(b).copied().flatten()?;
            if !matches!(t.dtype(), DType::I64 | DType::I32) || t.len() != channels {
                return None;
            }
            int64_bias = t.dtype() == DType::I64;
            int32_bias = t.dtype() == DType::I32;
            Some(t.to_i64_vec())
        }
    };
    let real = |sw: f32| s_in as f64 * sw as f64 / s_out as f64;
    let multipliers = || {
        w_scales
            .iter()
            .map(|&sw| quantize_multiplier(real(sw)).filter(|&(_, s)| (-31..8).contains(&s)))
            .collect::<Option<Vec<_>>>()
    };
    let requant = if int32_bias || (!reduced && !int64_bias) {
        Requant::Optimized(multipliers()?)
    } else if reduced {
        Requant::Reduced(multipliers()?)
    } else {
        Requant::Double(w_scales.iter().map(|&sw| real(sw)).collect())
    };
    let (lo, hi) = activation_range(activation_name(m, op)?, s_out, 0, (-32768, 32767))?;
    let per_channel = (w.len() / channels).max(1);
    let bits = digit_bits(per_channel)?;
    Some(AffinePlan {
        input,
        bias: bias_present,
        bias_values,
        requant,
        lo: lo as i64,
        hi: hi as i64,
        bits,
        digits: 16u32.div_ceil(bits),
    })
}

/// Bits per input digit that keep every partial sum of `k` products of an int8 weight and a
/// digit within f32's 24 exact bits; `None` when even one bit is too many.
fn digit_bits(k: usize) -> Option<u32> {
    // k · 2^7 · 2^bits <= 2^24.
    let room = 17u32.checked_sub(k.next_power_of_two().ilog2())?;
    (room >= 1).then_some(room.min(16))
}

/// Digit `p` of `x` (unsigned `bits`-bit digits; the last one signed and holding the rest).
fn digit(x: i16, p: u32, bits: u32, digits: u32) -> f32 {
    let shifted = (x as i32) >> (bits * p);
    if p + 1 == digits {
        shifted as f32
    } else {
        (shifted & ((1 << bits) - 1)) as f32
    }
}

impl AffinePlan {
    /// The operand whose float constant must be zeros in the float kernel (the bias is added
    /// here, in int64).
    pub fn bias_operand(&self) -> Option<usize> {
        self.bias
    }

    /// The kernel: `inner` is the op's float kernel without activation, `float_consts` its
    /// constant operands as integer-valued f32 (weights at unit scale, the bias zeroed).
    pub fn into_kernel(
        self,
        inner: BoxKernel,
        float_consts: Vec<Option<Arc<Tensor>>>,
    ) -> BoxKernel {
        Box::new(Accumulating {
            plan: self,
            inner,
            float_consts,
        })
    }
}

struct Accumulating {
    plan: AffinePlan,
    inner: BoxKernel,
    float_consts: Vec<Option<Arc<Tensor>>>,
}

impl Kernel for Accumulating {
    fn run(&self, a: &mut Args<'_>) -> KResult<Outputs> {
        let p = &self.plan;
        let x = a.get(p.input)?;
        let xs = int16_slice(x, "the activation operand")?;
        let mut acc: Vec<i64> = Vec::new();
        let mut shape: SmallVec<[usize; 4]> = SmallVec::new();
        for d in 0..p.digits {
            let part: Vec<f32> = xs.iter().map(|&v| digit(v, d, p.bits, p.digits)).collect();
            let part = Tensor::from_f32(x.shape(), part).map_err(|e| e.to_string())?;
            let mut items: SmallVec<[Arg<'_>; 4]> = SmallVec::new();
            let mut part = Some(part);
            for i in 0..a.len() {
                items.push(if i == p.input {
                    Arg::Val(Arc::new(
                        part.take().ok_or("the activation operand repeats")?,
                    ))
                } else if let Some(c) = self.float_consts.get(i).and_then(Option::as_deref) {
                    Arg::Const(c)
                } else {
                    match a.opt(i) {
                        Some(t) => Arg::Const(t),
                        None => Arg::Absent,
                    }
                });
            }
            let outs = self.inner.run(&mut Args::new(items))?;
            let out = outs.first().ok_or("the float kernel returned no result")?;
            let v = out
                .as_f32()
                .ok_or("the float kernel computed no f32 accumulator")?;
            if d == 0 {
                acc = vec![0; v.len()];
                shape = out.shape().into();
            }
            let shift = p.bits * d;
            for (s, &f) in acc.iter_mut().zip(v) {
                *s += (f as i64) << shift;
            }
        }
        let channels = shape.last().copied().unwrap_or(1).max(1);
        let out: Vec<i16> = acc
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let c = i % channels;
                let s = s + p.bias_values.as_ref().map_or(0, |b| b[c % b.len()]);
                p.requant.apply(s, c).clamp(p.lo, p.hi) as i16
            })
            .collect();
        let mut result = Outputs::new();
        result.push(Tensor::new(&shape, TensorData::I16(out)).map_err(|e| e.to_string())?);
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_recompose_the_input_and_stay_small() {
        for bits in [4u32, 6, 8] {
            let digits = 16u32.div_ceil(bits);
            for x in [-32768i16, -12345, -1, 0, 1, 255, 256, 32767] {
                let mut sum = 0i64;
                for p in 0..digits {
                    let d = digit(x, p, bits, digits);
                    assert!(d.abs() <= (1 << bits) as f32, "{x} {bits} {p}: {d}");
                    sum += (d as i64) << (bits * p);
                }
                assert_eq!(sum, x as i64, "bits {bits}");
            }
        }
    }

    #[test]
    fn digit_width_keeps_sums_exact_in_f32() {
        assert_eq!(digit_bits(9), Some(13)); // 3x3 depthwise: two digits
        assert_eq!(digit_bits(512), Some(8));
        assert_eq!(digit_bits(1152), Some(6)); // 3x3x128: three digits
        assert_eq!(digit_bits(1 << 16), Some(1));
        assert_eq!(digit_bits((1 << 16) + 1), None);
        for k in [1usize, 9, 100, 1152, 5000] {
            let b = digit_bits(k).unwrap();
            assert!((k as u64) * 128 * (1u64 << b) <= 1 << 24, "{k}");
        }
    }

    #[test]
    fn requantization_follows_litert() {
        let r = Requant::Reduced(vec![quantize_multiplier(0.5).unwrap()]);
        assert_eq!(r.apply(3, 0), 2);
        assert_eq!(r.apply(-3, 0), -1);
        let r = Requant::Double(vec![0.5]);
        assert_eq!(r.apply(3, 0), 2);
        assert_eq!(r.apply(-3, 0), -2);
    }
}
