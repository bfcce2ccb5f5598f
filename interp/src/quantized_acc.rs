//! int8 convolutions and fully connected layers as LiteRT's default interpreter (XNNPACK's
//! `qs8`/`qs8_qc8w` kernels) computes them: an exact integer accumulator requantized with one
//! f32 multiply, not real values computed in f32 and divided by the output scale.
//!
//! XNNPACK computes `acc = Σ (x - x_zp) · w + bias` in int32 (weights symmetric, zero point
//! 0), then `out = round_ties_even(acc as f32 · scale[c]) + out_zp` with, per output channel
//! `c`, `scale[c] = input_scale · weight_scale[c] / output_scale` evaluated in f32 in that
//! order, clamped to the fused activation's range quantized as
//! `round_ties_even(clamp(bound / output_scale + out_zp, storage range))`.
//!
//! The emulation runs the op's float kernel on integer-valued operands (`x - x_zp`, `w`,
//! `bias` as f32, the activation left out): its sums are the integer accumulator exactly while
//! they stay under 2^24 in magnitude (a 1x1 convolution over 96 channels stays under 2^22
//! even at full scale), and a sum beyond that is off by a few units of `acc`, far below one
//! output step. Float emulation (real values, f32 sums, divide, round) was 1 LSB off on near
//! ties: two values of selfie_segmentation's convolutions, which that model amplifies
//! (measured against LiteRT 2026-12-05).
//!
//! Applies to `tfl.conv_2d`, `tfl.depthwise_conv_2d` and `tfl.fully_connected` with per-tensor
//! int8 input and result, constant int8 weights with zero points 0 (per tensor or per output
//! channel), a constant int32 bias or none, and a fused activation XNNPACK takes. int16
//! activations have their own exact path (`crate::int16::affine`); other forms (uint8, weights
//! computed at run time) keep float emulation.

use tqopt_ir::{ElementType, Module, OpId, QuantParams, UniformQuant, ValueId};

use crate::tensor::{DType, Tensor};

/// How results are requantized from the integer accumulator.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Rounding {
    /// XNNPACK's: per output channel (last axis of the result), or one for every channel, the
    /// f32 scale, rounded half to even.
    Xnnpack(Vec<f32>),
    /// LiteRT's builtin kernels': the 31-bit multiplier and shift of
    /// `MultiplyByQuantizedMultiplier` (gemmlowp's double rounding).
    Builtin(i32, i32),
}

/// The requantization of an op's accumulator into its result.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Requant {
    pub rounding: Rounding,
    pub zero_point: i64,
    /// The result's bounds: the storage range narrowed by the fused activation.
    pub lo: i64,
    pub hi: i64,
}

impl Requant {
    /// The requantized results, clamped, each stored by `store` (the output's storage type);
    /// `acc` in row-major order with the channel last.
    pub fn apply_with<T>(&self, acc: &[f32], channels: usize, store: impl Fn(i64) -> T) -> Vec<T> {
        let finish = |r: i64| store(r.saturating_add(self.zero_point).clamp(self.lo, self.hi));
        match &self.rounding {
            Rounding::Xnnpack(scales) => match self.small_bounds() {
                Some((zp, lo, hi)) => scaled(acc, scales, channels, |x| {
                    store(small_requant(x, zp, lo, hi) as i64)
                }),
                None => scaled(acc, scales, channels, |x| {
                    finish(crate::rounding::round_ties_even(x) as i64)
                }),
            },
            Rounding::Builtin(m, shift) => acc
                .iter()
                .map(|&a| {
                    finish(crate::int16::fixed_point::multiply_by_quantized_multiplier(
                        a as i32, *m, *shift,
                    ) as i64)
                })
                .collect(),
        }
    }

    /// The zero point and bounds as f32 when all three are within ±2^20, where
    /// [`small_requant`] computes exactly what the i64 form does.
    fn small_bounds(&self) -> Option<(f32, f32, f32)> {
        let small = |v: i64| (v.abs() <= 1 << 20).then_some(v as f32);
        Some((small(self.zero_point)?, small(self.lo)?, small(self.hi)?))
    }
}

/// `f(a · s)` for each accumulator `a` and its channel's scale `s`: one scale for all, or
/// `scales` in turn along each row of `channels` values.
fn scaled<T>(acc: &[f32], scales: &[f32], channels: usize, f: impl Fn(f32) -> T) -> Vec<T> {
    let run = if scales.len() == 1 {
        acc.len().max(1)
    } else {
        channels.max(1)
    };
    let mut out = Vec::with_capacity(acc.len());
    for row in acc.chunks(run) {
        out.extend(
            row.iter()
                .zip(scales.iter().cycle())
                .map(|(&a, &s)| f(a * s)),
        );
    }
    out
}

/// `round_ties_even(x) + zp` clamped to `[lo, hi]`, in f32: exact while `|round(x)| < 2^24`
/// (the sum of two integers below 2^24 and 2^20 is exact or lands beyond the bounds, which are
/// within 2^20, on the same side); NaN counts as 0, as the saturating `as i64` makes it.
#[inline(always)]
fn small_requant(x: f32, zp: f32, lo: f32, hi: f32) -> i32 {
    let r = crate::rounding::round_ties_even(x);
    let r = if r.is_nan() { 0.0 } else { r };
    let v = (r + zp).max(lo).min(hi);
    v as i32
}

fn quant_of(m: &Module, v: ValueId) -> Option<&UniformQuant> {
    m.value_type(v)
        .element_type()
        .and_then(ElementType::as_quant)
}

/// Whether `v` is stored as int8 (a quantized int8 type, or plain i8).
pub(crate) fn is_int8(m: &Module, v: ValueId) -> bool {
    m.value_type(v)
        .element_type()
        .and_then(crate::consts::dtype_of)
        == Some(DType::I8)
}

fn per_tensor(q: &UniformQuant) -> Option<(f32, i64)> {
    match q.params {
        QuantParams::PerTensor { scale, zero_point } => Some((scale as f32, zero_point)),
        QuantParams::PerAxis { .. } => None,
    }
}

/// The scales (as the model's f32) of symmetric weights: one per tensor or one per channel;
/// `None` when a zero point is not 0.
pub(crate) fn symmetric_scales(q: &UniformQuant) -> Option<Vec<f32>> {
    match &q.params {
        QuantParams::PerTensor { scale, zero_point } => {
            (*zero_point == 0).then(|| vec![*scale as f32])
        }
        QuantParams::PerAxis {
            scales,
            zero_points,
            ..
        } => zero_points
            .iter()
            .all(|&z| z == 0)
            .then(|| scales.iter().map(|&s| s as f32).collect()),
    }
}

/// The fused activation's real range, for the activations XNNPACK takes.
fn activation_range(name: &str) -> Option<(f32, f32)> {
    match name {
        "NONE" => Some((f32::NEG_INFINITY, f32::INFINITY)),
        "RELU" => Some((0.0, f32::INFINITY)),
        "RELU6" => Some((0.0, 6.0)),
        "RELU_N1_TO_1" => Some((-1.0, 1.0)),
        _ => None,
    }
}

/// The requantization of `op`, when it runs on an integer accumulator (see the module
/// comment); `consts` are the plan's constant operands.
pub(crate) fn plan(m: &Module, op: OpId, consts: &[Option<&Tensor>]) -> Option<Requant> {
    let data = m.op(op);
    let name = data.name.as_str();
    if !matches!(
        name,
        "tfl.conv_2d" | "tfl.depthwise_conv_2d" | "tfl.fully_connected"
    ) {
        return None;
    }
    let operands = data.operands();
    let (&x, &w) = (operands.first()?, operands.get(1)?);
    let &y = data.results().first()?;
    if data.results().len() != 1 || !is_int8(m, x) || !is_int8(m, w) || !is_int8(m, y) {
        return None;
    }
    let (sx, _) = per_tensor(quant_of(m, x)?)?;
    let (sy, zy) = per_tensor(quant_of(m, y)?)?;
    // Constant weights (and bias) only: XNNPACK packs them when the model is prepared.
    consts.get(1).copied().flatten()?;
    let weight_scales = symmetric_scales(quant_of(m, w)?)?;
    if let Some(&b) = operands.get(2) {
        if !m.value_type(b).is_none() {
            consts.get(2).copied().flatten()?;
            let storage = m
                .value_type(b)
                .element_type()
                .and_then(crate::consts::dtype_of);
            if quant_of(m, b).is_none() || storage != Some(DType::I32) {
                return None;
            }
        }
    }
    let activation = match data.attr("fused_activation_function") {
        None => "NONE",
        Some(a) => a.as_str()?,
    };
    let storage = quant_of(m, y)?;
    let (lo, hi) = bounds(activation, sy, zy, storage.storage_min, storage.storage_max)?;
    Some(Requant {
        rounding: Rounding::Xnnpack(weight_scales.iter().map(|&sw| sx * sw / sy).collect()),
        zero_point: zy,
        lo,
        hi,
    })
}

/// The requantization of an int8 `tfl.batch_matmul`. LiteRT's default interpreter gives it to
/// XNNPACK when the right operand's zero point is 0 (per tensor, or per column of the right
/// operand): then as for convolutions, `round_ties_even(acc · f32(lhs_scale · rhs_scale /
/// out_scale))`. Otherwise its builtin kernel runs: `MultiplyByQuantizedMultiplier(acc, M,
/// shift)` with `M · 2^shift` the 31-bit quantization of `f32(lhs_scale · rhs_scale) /
/// out_scale` in f64 (`GetQuantizedConvolutionMultipler`). Either way plus the output zero
/// point, clamped to int8 (no fused activation). Float emulation was 1 LSB off on 6% of an
/// attention's values (measured against LiteRT 2026-12-06).
pub(crate) fn plan_batch_matmul(m: &Module, op: OpId) -> Option<Requant> {
    let data = m.op(op);
    if data.name.as_str() != "tfl.batch_matmul" {
        return None;
    }
    let (&[x, w], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    if !is_int8(m, x) || !is_int8(m, w) || !is_int8(m, y) {
        return None;
    }
    let (sx, _) = per_tensor(quant_of(m, x)?)?;
    let (sy, zy) = per_tensor(quant_of(m, y)?)?;
    let adj_y = data.flag("adj_y")?;
    let rounding = match symmetric_scales(quant_of(m, w)?) {
        // Per column of the result (the rhs's last axis when it is not transposed).
        Some(scales) if scales.len() == 1 || !adj_y => {
            Rounding::Xnnpack(scales.iter().map(|&sw| sx * sw / sy).collect())
        }
        Some(_) => return None,
        None => {
            let (sw, _) = per_tensor(quant_of(m, w)?)?;
            let (mult, shift) =
                crate::int16::fixed_point::quantize_multiplier((sx * sw) as f64 / sy as f64)?;
            Rounding::Builtin(mult, shift)
        }
    };
    Some(Requant {
        rounding,
        zero_point: zy,
        lo: -128,
        hi: 127,
    })
}

/// The result's bounds under the fused activation `activation` (a name XNNPACK takes, else
/// `None`), as XNNPACK quantizes them: `round_ties_even(clamp(bound / scale + zero_point,
/// storage range))`.
pub(crate) fn bounds(
    activation: &str,
    scale: f32,
    zero_point: i64,
    storage_min: i64,
    storage_max: i64,
) -> Option<(i64, i64)> {
    let (amin, amax) = activation_range(activation)?;
    let (smin, smax) = (storage_min as f32, storage_max as f32);
    let bound = |v: f32| {
        (v / scale + zero_point as f32)
            .clamp(smin, smax)
            .round_ties_even() as i64
    };
    Some((bound(amin), bound(amax)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requantizes_per_channel_with_ties_to_even_and_bounds() {
        let r = Requant {
            rounding: Rounding::Xnnpack(vec![0.5, 0.25]),
            zero_point: -3,
            lo: -3,
            hi: 100,
        };
        // 5*0.5 = 2.5 -> 2; 6*0.25 = 1.5 -> 2; -20*0.5 -> -10 -> clamped to the bound -3.
        assert_eq!(
            r.apply_with(&[5.0, 6.0, -20.0, 1000.0], 2, |x| x),
            [-1, -1, -3, 100]
        );
    }

    /// The f32 form gives the i64 form's integers: ties, values far beyond the bounds, NaN and
    /// infinities, per tensor and per channel.
    #[test]
    fn the_f32_form_matches_the_integer_form() {
        let mut values = vec![
            0.5f32,
            -0.5,
            1.5,
            -1.5,
            2.5,
            126.5,
            127.5,
            -128.5,
            -129.5,
            1e9,
            -1e9,
            3e38,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            16_777_215.0,
            -16_777_217.0,
        ];
        let mut state = 0x2545_f491u32;
        for _ in 0..4000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            values.push((state as i32) as f32 / 65_536.0);
        }
        for (scales, zp, lo, hi) in [
            (vec![1.0f32], -3i64, -128i64, 127i64),
            (vec![0.37, 1.0, 2.0e-3], 5, -128, 127),
            (vec![1.0], 0, -32768, 32767),
            (vec![0.5], 128, 0, 255),
        ] {
            let r = Requant {
                rounding: Rounding::Xnnpack(scales.clone()),
                zero_point: zp,
                lo,
                hi,
            };
            let channels = scales.len();
            let n = values.len() / channels * channels;
            let got = r.apply_with(&values[..n], channels, |x| x);
            let expected: Vec<i64> = values[..n]
                .iter()
                .enumerate()
                .map(|(i, &a)| {
                    let s = scales[i % channels];
                    (crate::rounding::round_ties_even(a * s) as i64)
                        .saturating_add(zp)
                        .clamp(lo, hi)
                })
                .collect();
            assert_eq!(got, expected, "scales {scales:?} zp {zp}");
        }
    }

    /// LiteRT's builtin kernels round twice: 5 x 0.25 = 1.25 becomes 2 (the doubling high
    /// multiply rounds 2.5 up to 3, the shift by one rounds 1.5 up to 2), where XNNPACK gives 1.
    #[test]
    fn builtin_kernels_round_twice() {
        let (m, shift) = crate::int16::fixed_point::quantize_multiplier(0.25).unwrap();
        let requant = |rounding| Requant {
            rounding,
            zero_point: 0,
            lo: -128,
            hi: 127,
        };
        assert_eq!(
            requant(Rounding::Builtin(m, shift)).apply_with(&[5.0], 1, |x| x),
            [2]
        );
        assert_eq!(
            requant(Rounding::Xnnpack(vec![0.25])).apply_with(&[5.0], 1, |x| x),
            [1]
        );
    }
}
