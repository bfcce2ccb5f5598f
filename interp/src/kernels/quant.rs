//! `tfl.quantize` and `tfl.dequantize`, per-tensor and per-axis.
//!
//! `real = (q - zero_point) * scale`; quantizing rounds half away from zero (TFLite's
//! `TfLiteRound`) and clamps to the storage range. Requantizing (a quantized input to another
//! quantized type) goes through real values, which can differ from TFLite's fixed-point
//! requantization by one step. `tfl.dequantize` also widens float16 to f32.

use half::f16;
use tqopt_ir::{QuantParams, UniformQuant};

use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::consts::dtype_of;
use crate::error::KResult;
use crate::tensor::{DType, Tensor, TensorData};

/// Scales and zero points of a quantized type, ready to apply.
#[derive(Clone, Debug)]
pub(crate) struct Dequant {
    pub(crate) scales: Vec<f32>,
    pub(crate) zero_points: Vec<i64>,
    /// The quantized dimension, for per-axis types.
    pub(crate) axis: Option<usize>,
    pub min: i64,
    pub max: i64,
}

impl Dequant {
    pub fn from_type(q: &UniformQuant) -> KResult<Dequant> {
        let (scales, zero_points, axis) = match &q.params {
            QuantParams::PerTensor { scale, zero_point } => {
                (vec![*scale as f32], vec![*zero_point], None)
            }
            QuantParams::PerAxis {
                axis,
                scales,
                zero_points,
            } => {
                if *axis < 0 {
                    return Err(format!("quantized dimension {axis} is negative"));
                }
                (
                    scales.iter().map(|&s| s as f32).collect(),
                    zero_points.clone(),
                    Some(*axis as usize),
                )
            }
        };
        if scales.is_empty() || scales.len() != zero_points.len() {
            return Err("a quantized type needs as many scales as zero points".into());
        }
        Ok(Dequant {
            scales,
            zero_points,
            axis,
            min: q.storage_min,
            max: q.storage_max,
        })
    }

    /// How the `len` values of a tensor of `shape` share parameters: runs of `run` consecutive
    /// values, run `k` taking channel `k % channels` (per tensor: one run, one channel).
    fn channel_runs(&self, shape: &[usize], len: usize) -> KResult<(usize, usize)> {
        let Some(ax) = self.axis else {
            return Ok((len.max(1), 1));
        };
        let dim = *shape.get(ax).ok_or_else(|| {
            format!(
                "quantized dimension {ax} is outside a tensor of rank {}",
                shape.len()
            )
        })?;
        if dim != self.scales.len() {
            return Err(format!(
                "dimension {ax} has size {dim} but the type has {} scales",
                self.scales.len()
            ));
        }
        Ok((shape[ax + 1..].iter().product::<usize>().max(1), dim))
    }

    /// Dequantizes a tensor of storage integers.
    pub fn to_f32(&self, t: &Tensor, _unused: usize) -> KResult<Vec<f32>> {
        let (run, channels) = self.channel_runs(t.shape(), t.len())?;
        macro_rules! deq {
            ($v:expr) => {{
                let mut out = Vec::with_capacity($v.len());
                for (k, qs) in $v.chunks(run).enumerate() {
                    let c = k % channels;
                    let (zp, s) = (self.zero_points[c], self.scales[c]);
                    // Zero points are any i64 (MLIR's rule): saturate, never overflow.
                    out.extend(qs.iter().map(|&q| (q as i64).saturating_sub(zp) as f32 * s));
                }
                out
            }};
        }
        Ok(match t.data() {
            TensorData::I8(v) => deq!(v),
            TensorData::U8(v) => deq!(v),
            TensorData::I16(v) => deq!(v),
            TensorData::I32(v) => deq!(v),
            TensorData::I64(v) => deq!(v),
            other => return Err(format!("cannot dequantize {} storage", other.dtype())),
        })
    }

    /// Quantizes real values into storage integers of `dtype` (halves away from zero).
    pub fn quantize(&self, v: &[f32], shape: &[usize], dtype: DType) -> KResult<TensorData> {
        self.quantize_with(v, shape, dtype, |x, s| (x / s).round())
    }

    /// Real values into storage integers of `dtype`: `round(x, scale)` of the value's channel,
    /// plus its zero point, clamped to the storage range.
    pub(crate) fn quantize_with(
        &self,
        v: &[f32],
        shape: &[usize],
        dtype: DType,
        round: impl Fn(f32, f32) -> f32,
    ) -> KResult<TensorData> {
        let runs = self.channel_runs(shape, v.len())?;
        Ok(match dtype {
            DType::I8 => TensorData::I8(self.storage_ints(v, runs, &round, |x| x as i8)),
            DType::U8 => TensorData::U8(self.storage_ints(v, runs, &round, |x| x as u8)),
            DType::I16 => TensorData::I16(self.storage_ints(v, runs, &round, |x| x as i16)),
            DType::I32 => TensorData::I32(self.storage_ints(v, runs, &round, |x| x as i32)),
            DType::I64 => TensorData::I64(self.storage_ints(v, runs, &round, |x| x)),
            other => return Err(format!("cannot quantize into {other} storage")),
        })
    }

    /// [`Dequant::quantize_with`]'s integers, stored by `store`, for `(run, channels)` from
    /// [`Dequant::channel_runs`]: each run takes one scale and zero point.
    fn storage_ints<T>(
        &self,
        v: &[f32],
        (run, channels): (usize, usize),
        round: &impl Fn(f32, f32) -> f32,
        store: impl Fn(i64) -> T,
    ) -> Vec<T> {
        let mut out = Vec::with_capacity(v.len());
        for (k, xs) in v.chunks(run).enumerate() {
            let c = k % channels;
            let (s, zp) = (self.scales[c], self.zero_points[c]);
            // `as` saturates (NaN becomes 0); the zero point is any i64.
            out.extend(xs.iter().map(|&x| {
                store(
                    (round(x, s) as i64)
                        .saturating_add(zp)
                        .clamp(self.min, self.max),
                )
            }));
        }
        out
    }
}

pub(crate) fn build_quantize(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    let out_elem = info.result_elem(0).ok_or("the op has no result")?;
    let out_q = out_elem
        .as_quant()
        .ok_or_else(|| format!("the result type {out_elem} is not quantized"))?;
    let out = Dequant::from_type(out_q)?;
    let out_dtype = dtype_of(out_elem).ok_or("unsupported storage type")?;
    let input = match info.operand_elem(0).and_then(|e| e.as_quant()) {
        Some(q) => Some(Dequant::from_type(q)?),
        None => None,
    };
    kernel(move |a: &mut Args<'_>| {
        let t = a.get(0)?;
        let real;
        let v: &[f32] = match &input {
            Some(dq) => {
                real = dq.to_f32(t, 0)?;
                &real
            }
            None => a.f32(0)?,
        };
        let data = out.quantize(v, t.shape(), out_dtype)?;
        one(Tensor::from_parts(t.shape().into(), data))
    })
}

pub(crate) fn build_dequantize(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    let dq = match info.operand_elem(0).and_then(|e| e.as_quant()) {
        Some(q) => Some(Dequant::from_type(q)?),
        None => None,
    };
    kernel(move |a: &mut Args<'_>| {
        let t = a.get(0)?;
        let v = match (&dq, t.data()) {
            (_, TensorData::F16(v)) => v.iter().map(|x| f16::to_f32(*x)).collect(),
            (_, TensorData::F32(v)) => v.clone(),
            (Some(dq), _) => dq.to_f32(t, 0)?,
            (None, other) => {
                return Err(format!(
                    "cannot dequantize {} without a quantized type",
                    other.dtype()
                ))
            }
        };
        one(Tensor::from_parts(t.shape().into(), TensorData::F32(v)))
    })
}
