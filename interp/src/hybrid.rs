//! Hybrid (dynamic-range) `tfl.fully_connected`, `tfl.conv_2d`, `tfl.transpose_conv` and
//! `tfl.batch_matmul` (a constant int8 right operand; each row of the left one quantized): float
//! input and result, constant int8 weights (zero point 0, per tensor or per output channel), as
//! LiteRT's default interpreter runs them: XNNPACK quantizes the input on the fly ("qd8") and
//! multiplies in integers. A fully connected layer quantizes each input row on its own, a
//! convolution each image (XNNPACK's one and three non-batch dimensions), except a 1x1
//! convolution with unit strides and no groups, which XNNPACK runs as a fully connected layer
//! over the pixels: each pixel on its own (measured: a hand-landmark model's 1x1 convolutions match
//! LiteRT to 5e-7 per pixel and miss by 2% per image).
//!
//! Per group of inputs, with `lo = min(0, min x)` and `hi = max(0, max x)` (f32): `s = 255 /
//! (hi - lo)` (1 when they are equal); the zero point is `-128 - lo · s` when `(-128 + lo · s) +
//! (127 + hi · s) > 0`, else `127 - hi · s`, clamped to [-128, 127] and rounded to an integer;
//! `q = round(x · s) + zp` (ties to even), clamped to int8. The op's float kernel then runs on
//! `q - zp` and the integer weights (its sums are the integer accumulator, or within a unit of
//! it), and each result is `fma(acc · (1 / s), w_scale[c], bias[c])` (one rounding for the
//! multiply-add, as XNNPACK's x86 AVX2 and AVX-512 kernels compute it: a separate multiply and
//! add differed from LiteRT by an ulp in 40% of a face-landmark model's first hybrid
//! convolution, and the ulps flipped later layers' input rounding), then the fused activation.
//!
//! A hybrid `tfl.depthwise_conv_2d` (TensorFlow's converter writes them; tqopt's own
//! dynamic-range pipeline does not) is one XNNPACK declines, so LiteRT runs its builtin kernel
//! in the NEON form that x86 builds translate to SSE: each image is quantized as
//! [`builtin_group_params`] says, `q = trunc(x · (1 / scale) ± 0.5) + zp` eight values at a
//! time and `round(x · (1 / scale)) + zp` (half away from zero) for the rest, clamped; each
//! result is `acc · w_scale[c] · scale + bias` for channels in whole groups of four and `acc ·
//! scale · w_scale[c] + bias` for the rest, every operation rounded. Computed as XNNPACK's
//! hybrid ops, tqopt eval differed from LiteRT by 0.85 dB on an EfficientNetV2's
//! dynamic-range model (measured 2026-12-07).
//!
//! Dequantizing the weights and computing in float (no input rounding) made `tqopt eval` more
//! optimistic than LiteRT on dynamic-range models: 1.65 dB on a transformer encoder's, 5.1 dB
//! on a U-Net's (measured 2026-12-06).

use std::sync::Arc;

use tqopt_ir::{ElementType, FloatKind, Module, OpId, ValueId};

use crate::error::KResult;
use crate::kernels::args::Arg;
use crate::kernels::attrs::Activation;
use crate::kernels::Args;
use crate::kernels::{BoxKernel, Kernel, Outputs};
use crate::quantized_acc::{is_int8, symmetric_scales};
use crate::tensor::{DType, Tensor, TensorData};

/// XNNPACK's dynamic quantization of one group of inputs: (multiplier `s`, zero point).
pub(crate) fn group_params(values: &[f32]) -> (f32, i32) {
    let (mut lo, mut hi) = (0.0f32, 0.0f32);
    for &x in values {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    let (qmin, qmax) = (-128.0f32, 127.0f32);
    let s = if lo == hi {
        1.0
    } else {
        (qmax - qmin) / (hi - lo)
    };
    let (lo_s, hi_s) = (lo * s, hi * s);
    let zp = if (qmin + lo_s) + (qmax + hi_s) > 0.0 {
        qmin - lo_s
    } else {
        qmax - hi_s
    };
    (s, zp.clamp(qmin, qmax).round_ties_even() as i32)
}

/// One result from its integer accumulator: `fma(acc · (1 / s), w_scale, bias)`.
fn dequantize_result(acc: f32, inv_input_scale: f32, weight_scale: f32, bias: f32) -> f32 {
    (acc * inv_input_scale).mul_add(weight_scale, bias)
}

/// LiteRT's builtin hybrid kernels' quantization of one group of inputs (TFLite's asymmetric
/// tensor-utility quantization, in its NEON form, which x86 builds run through an SSE
/// translation): (scale, zero point). The bounds take in 0 and are subtracted in f32; the scale
/// and zero point are chosen in f64. A group of zeros has scale 1 and zero point 0.
pub(crate) fn builtin_group_params(values: &[f32]) -> (f32, i32) {
    let (mut lo, mut hi) = (0.0f32, 0.0f32);
    for &x in values {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if lo == hi {
        return (1.0, 0);
    }
    let (qmin, qmax) = (-128.0f64, 127.0f64);
    let scale = f64::from(hi - lo) / (qmax - qmin);
    let (lo_s, hi_s) = (f64::from(lo) / scale, f64::from(hi) / scale);
    let zp = if qmin.abs() + lo_s.abs() < qmax.abs() + hi_s.abs() {
        qmin - lo_s
    } else {
        qmax - hi_s
    };
    let zp = if zp <= qmin {
        qmin
    } else if zp >= qmax {
        qmax
    } else {
        zp.round()
    };
    (scale as f32, zp as i32)
}

/// Values LiteRT's builtin hybrid quantization rounds eight at a time; the rest of a group
/// rounds one by one.
const BUILTIN_VECTOR: usize = 8;
/// Channels LiteRT's builtin hybrid depthwise kernel scales four at a time (per-channel scale
/// first); the rest scale one by one (input scale first).
const BUILTIN_CHANNEL_VECTOR: usize = 4;

/// How an op's input is quantized on the fly and its results scaled back: as XNNPACK does
/// (fully connected, convolutions, batch matmul), or as LiteRT's builtin kernel does (a
/// depthwise convolution, which XNNPACK declines with int8 weights and a float input).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Xnnpack,
    Builtin,
}

/// One group quantized by `scheme`: the values `q - zp` (as f32, what the float kernel
/// multiplies) appended to `out`, and the factor that scales the group's accumulators back.
fn quantize_group(scheme: Scheme, g: &[f32], out: &mut Vec<f32>) -> f32 {
    match scheme {
        Scheme::Xnnpack => {
            let (s, zp) = group_params(g);
            out.extend(g.iter().map(|&v| {
                ((crate::rounding::round_ties_even(v * s) as i32 + zp).clamp(-128, 127) - zp) as f32
            }));
            1.0 / s
        }
        Scheme::Builtin => {
            let (scale, zp) = builtin_group_params(g);
            // 1 / scale in f64, as the kernel computes it, then stored as f32.
            let inv = (1.0 / f64::from(scale)) as f32;
            let vectors = g.len() - g.len() % BUILTIN_VECTOR;
            let store = |q: i32| (q.clamp(-128, 127) - zp) as f32;
            // Vectors: x · (1 / scale) ± 0.5, truncated toward zero.
            out.extend(g[..vectors].iter().map(|&v| {
                let t = v * inv;
                store((t + if t < 0.0 { -0.5 } else { 0.5 }).trunc() as i32 + zp)
            }));
            // The rest: rounded half away from zero.
            out.extend(
                g[vectors..]
                    .iter()
                    .map(|&v| store((inv * v).round() as i32 + zp)),
            );
            scale
        }
    }
}

/// One result of `scheme` from its integer accumulator and its group's factor (see
/// [`quantize_group`]); `c` is its channel of `channels`.
fn scale_result(
    scheme: Scheme,
    acc: f32,
    factor: f32,
    weight_scale: f32,
    bias: f32,
    (c, channels): (usize, usize),
) -> f32 {
    match scheme {
        Scheme::Xnnpack => dequantize_result(acc, factor, weight_scale, bias),
        Scheme::Builtin if c < channels - channels % BUILTIN_CHANNEL_VECTOR => {
            acc * weight_scale * factor + bias
        }
        Scheme::Builtin => acc * factor * weight_scale + bias,
    }
}

/// How a hybrid op is run: which operands are what, and how its input is grouped.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    input: usize,
    weights: usize,
    bias: Option<usize>,
    /// Values quantized together: the last dimension (a row) or everything but the first (an
    /// image).
    per_row: bool,
    scheme: Scheme,
    scales: Vec<f32>,
    activation: Activation,
    /// The weights' storage integers as f32 ([`Plan::kernel_consts`]), handed to the float
    /// kernel at run time too (a batch matmul reads its right operand then).
    integer_weights: Option<Arc<Tensor>>,
}

/// Whether `op` (a conv_2d) is an ungrouped 1x1 convolution with unit strides, which XNNPACK
/// runs as a fully connected layer. A grouped one (the kernel reads fewer channels than the
/// input has) stays a convolution, quantized per image: an EfficientViT's grouped 1x1
/// convolutions, quantized per pixel, missed LiteRT by up to 1.3% of their largest result and
/// its dynamic-range model's eval by 0.10 dB (measured 2026-12-07).
fn is_pointwise(m: &Module, op: OpId) -> bool {
    let int = |name: &str| m.op(op).attr(name).and_then(|a| a.as_int());
    let unit_strides = int("stride_h") == Some(1) && int("stride_w") == Some(1);
    let shape = |k: usize| {
        m.operands(op)
            .get(k)
            .and_then(|&v| m.value_type(v).as_tensor())
            .map(|t| t.shape.clone())
    };
    let input_channels = shape(0).and_then(|s| s.last().copied());
    match shape(1).as_deref() {
        Some(&[_, 1, 1, kernel_channels]) => {
            unit_strides && input_channels == Some(kernel_channels)
        }
        _ => false,
    }
}

/// Whether a hybrid `tfl.batch_matmul` has the form XNNPACK takes: the left operand not
/// transposed, and per-channel weights quantized along the result's columns (the right
/// operand's last axis, or its second to last with `adj_y`).
fn batch_matmul_layout(m: &Module, op: OpId, wq: &tqopt_ir::UniformQuant) -> bool {
    // A malformed adj_x or adj_y is not this form.
    let data = m.op(op);
    let (Some(false), Some(adj_y)) = (data.flag("adj_x"), data.flag("adj_y")) else {
        return false;
    };
    match &wq.params {
        tqopt_ir::QuantParams::PerTensor { .. } => true,
        tqopt_ir::QuantParams::PerAxis { axis, .. } => {
            let rank = m
                .operands(op)
                .get(1)
                .and_then(|&w| m.value_type(w).as_tensor())
                .map_or(0, |t| t.shape.len() as i32);
            *axis == if adj_y { rank - 2 } else { rank - 1 }
        }
    }
}

fn is_f32(m: &Module, v: ValueId) -> bool {
    m.value_type(v).element_type() == Some(&ElementType::Float(FloatKind::F32))
}

/// The plan of `op` when it is a hybrid op covered here; `consts` are the plan's constants.
pub(crate) fn plan(m: &Module, op: OpId, consts: &[Option<&Tensor>]) -> Option<Plan> {
    let data = m.op(op);
    let (input, weights, bias, per_row, scheme) = match data.name.as_str() {
        "tfl.fully_connected" => (0, 1, 2, true, Scheme::Xnnpack),
        "tfl.conv_2d" => (0, 1, 2, is_pointwise(m, op), Scheme::Xnnpack),
        "tfl.depthwise_conv_2d" => (0, 1, 2, false, Scheme::Builtin),
        "tfl.transpose_conv" => (2, 1, 3, false, Scheme::Xnnpack),
        // No bias operand; XNNPACK quantizes each row of the left operand.
        "tfl.batch_matmul" => (0, 1, usize::MAX, true, Scheme::Xnnpack),
        _ => return None,
    };
    let operands = data.operands();
    let &[y] = data.results() else { return None };
    if !is_f32(m, *operands.get(input)?) || !is_f32(m, y) {
        return None;
    }
    let w = *operands.get(weights)?;
    if !is_int8(m, w) {
        return None;
    }
    let wq = m.value_type(w).element_type()?.as_quant()?;
    consts.get(weights).copied().flatten()?;
    let scales = symmetric_scales(wq)?;
    if data.name.as_str() == "tfl.batch_matmul" && !batch_matmul_layout(m, op, wq) {
        return None;
    }
    let bias = match operands.get(bias) {
        Some(&b) if !m.value_type(b).is_none() => {
            if !is_f32(m, b) {
                return None;
            }
            consts.get(bias).copied().flatten()?;
            Some(bias)
        }
        _ => None,
    };
    let activation = match data.attr("fused_activation_function") {
        None => Activation::None,
        Some(a) => Activation::parse(a.as_str()?).ok()?,
    };
    Some(Plan {
        input,
        weights,
        bias,
        per_row,
        scheme,
        scales,
        activation,
        integer_weights: None,
    })
}

impl Plan {
    /// The constants the float kernel is built with: the weights' storage integers as f32,
    /// and no bias (it is added after scaling). `float_consts` are the dequantized ones.
    pub fn kernel_consts(
        &mut self,
        consts: &[Option<&Tensor>],
        float_consts: &mut [Option<Arc<Tensor>>],
    ) {
        if let Some(w) = consts.get(self.weights).copied().flatten() {
            if let Some(v) = w.as_slice::<i8>() {
                let f: Vec<f32> = v.iter().map(|&q| q as f32).collect();
                if let Ok(t) = Tensor::from_f32(w.shape(), f) {
                    let t = Arc::new(t);
                    self.integer_weights = Some(t.clone());
                    float_consts[self.weights] = Some(t);
                }
            }
        }
        if let Some(b) = self.bias {
            let zeros = consts
                .get(b)
                .copied()
                .flatten()
                .map(|t| Arc::new(Tensor::zeros(DType::F32, t.shape())));
            float_consts[b] = zeros;
        }
    }

    /// The kernel: `inner` (the float kernel, built on [`Plan::kernel_consts`] and without its
    /// activation) around the quantization of the input.
    pub fn into_kernel(self, inner: BoxKernel, bias: Option<Vec<f32>>) -> BoxKernel {
        Box::new(Hybrid {
            plan: self,
            inner,
            bias,
        })
    }

    /// The bias values, when the op has one.
    pub fn bias_values(&self, consts: &[Option<&Tensor>]) -> Option<Vec<f32>> {
        let b = consts.get(self.bias?).copied().flatten()?;
        b.as_f32().map(<[f32]>::to_vec)
    }
}

struct Hybrid {
    plan: Plan,
    inner: BoxKernel,
    bias: Option<Vec<f32>>,
}

impl Kernel for Hybrid {
    fn run(&self, a: &mut Args<'_>) -> KResult<Outputs> {
        let p = &self.plan;
        let x = a.get(p.input)?;
        let xs = x
            .as_f32()
            .ok_or_else(|| format!("the input must be f32, got {}", x.dtype()))?;
        let group = if p.per_row {
            x.shape().last().copied().unwrap_or(1)
        } else {
            x.shape().iter().skip(1).product()
        }
        .max(1);
        if xs.len() % group != 0 {
            return Err("the input does not split into groups".into());
        }
        let mut q = Vec::with_capacity(xs.len());
        let dequant: Vec<f32> = xs
            .chunks_exact(group)
            .map(|g| quantize_group(p.scheme, g, &mut q))
            .collect();
        let quantized = Tensor::from_f32(x.shape(), q).map_err(|e| e.to_string())?;
        let n = a.len();
        let mut items: Vec<Arg<'_>> = Vec::with_capacity(n);
        let quantized = Arc::new(quantized);
        for i in 0..n {
            items.push(if i == p.input {
                Arg::Val(quantized.clone())
            } else if let (true, Some(w)) = (i == p.weights, &p.integer_weights) {
                Arg::Val(w.clone())
            } else if Some(i) == p.bias {
                // Added when the accumulators are scaled, not by the float kernel (kernels that
                // read their bias when they run would add it twice).
                Arg::Absent
            } else {
                match a.opt(i) {
                    Some(t) => Arg::Const(t),
                    None => Arg::Absent,
                }
            });
        }
        let mut outs = self.inner.run(&mut Args::new(items.into()))?;
        let acc = outs
            .first_mut()
            .ok_or("the float kernel computed no result")?;
        let shape = acc.shape().to_vec();
        let channels = shape.last().copied().unwrap_or(1).max(1);
        let per_group = acc.len() / dequant.len().max(1);
        let v = match acc.data_mut() {
            TensorData::F32(v) => v,
            _ => return Err("the float kernel computed no f32 accumulator".into()),
        };
        for (i, o) in v.iter_mut().enumerate() {
            let c = i % channels;
            let ws = p.scales[if p.scales.len() == 1 { 0 } else { c }];
            let b = self.bias.as_ref().map_or(0.0, |b| b[c]);
            *o = scale_result(
                p.scheme,
                *o,
                dequant[i / per_group.max(1)],
                ws,
                b,
                (c, channels),
            );
        }
        p.activation.apply(v);
        Ok(outs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group in [-1, 3]: 255 steps over 4, zero point -128 + 63.75 = -64.25, rounded to -64.
    #[test]
    fn a_result_is_one_fused_multiply_add() {
        // Values where a separate multiply and add round differently from the fused one
        // (XNNPACK's AVX2 and AVX-512 kernels fuse them).
        let (acc, inv, ws, b) = (
            21037.0f32,
            f32::from_bits(1018761697),
            f32::from_bits(984836102),
            f32::from_bits(3212282289),
        );
        assert_eq!(dequantize_result(acc, inv, ws, b).to_bits(), 3198288657);
        assert_eq!((acc * inv * ws + b).to_bits(), 3198288658);
    }

    #[test]
    fn groups_take_xnnpack_parameters() {
        let (s, zp) = group_params(&[-1.0, 0.5, 3.0]);
        assert_eq!(s, 255.0 / 4.0);
        assert_eq!(zp, -64);
        // An all-zero group: scale 1, and the zero point from the maximum's side.
        assert_eq!(group_params(&[0.0, 0.0]), (1.0, 127));
    }

    #[test]
    fn builtin_groups_take_the_nearer_bound_and_round_half_away() {
        // [-1, 3]: -128 + 63.75 is nearer than 127 - 191.25; -64.25 rounds to -64.
        assert_eq!(builtin_group_params(&[-1.0, 0.5, 3.0]), (4.0 / 255.0, -64));
        // [-3, 1]: 127 - 63.75 = 63.25, from the maximum's side.
        assert_eq!(builtin_group_params(&[-3.0, 1.0]), (4.0 / 255.0, 63));
        // Only positive values: the bounds take in 0, so the zero point is -128.
        assert_eq!(builtin_group_params(&[1.0, 2.0]).1, -128);
        // A group of zeros: scale 1, zero point 0 (XNNPACK's takes 127).
        assert_eq!(builtin_group_params(&[0.0, 0.0]), (1.0, 0));
    }

    #[test]
    fn builtin_quantization_truncates_vectors_and_rounds_the_rest() {
        // 9 values: one vector of eight, then one alone. 0.49999997 + 0.5 rounds to 1.0 in
        // f32, so a vector lane truncates it to 1 where the lone value rounds to 0.
        let t = 0.49999997f32;
        let g = [-128.0, 127.0, 2.5, -2.5, 0.0, 1.0, -1.0, t, t];
        assert_eq!(builtin_group_params(&g), (1.0, 0));
        let mut out = Vec::new();
        assert_eq!(quantize_group(Scheme::Builtin, &g, &mut out), 1.0);
        assert_eq!(out, [-128.0, 127.0, 3.0, -3.0, 0.0, 1.0, -1.0, 1.0, 0.0]);
    }
}
