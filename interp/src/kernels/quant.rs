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

    /// The channel of each element of a tensor of `shape`, as (count, inner) of the axis.
    fn layout(&self, shape: &[usize]) -> KResult<(usize, usize)> {
        match self.axis {
            None => Ok((1, usize::MAX)),
            Some(ax) => {
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
                Ok((dim, shape[ax + 1..].iter().product()))
            }
        }
    }

    #[inline]
    fn channel(&self, i: usize, dim: usize, inner: usize) -> usize {
        if self.axis.is_none() {
            0
        } else {
            (i / inner.max(1)) % dim
        }
    }

    /// Dequantizes a tensor of storage integers.
    pub fn to_f32(&self, t: &Tensor, _unused: usize) -> KResult<Vec<f32>> {
        let (dim, inner) = self.layout(t.shape())?;
        // Runs of values that share a channel: all of them per tensor, `inner` per axis.
        let per_tensor = self.axis.is_none();
        let run = |len: usize| if per_tensor { len.max(1) } else { inner.max(1) };
        macro_rules! deq {
            ($v:expr) => {{
                let mut out = Vec::with_capacity($v.len());
                for (k, qs) in $v.chunks(run($v.len())).enumerate() {
                    let c = if per_tensor { 0 } else { k % dim };
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

    /// Quantizes real values into storage integers of `dtype`.
    pub fn quantize(&self, v: &[f32], shape: &[usize], dtype: DType) -> KResult<TensorData> {
        let (dim, inner) = self.layout(shape)?;
        let q = v.iter().enumerate().map(|(i, &x)| {
            let c = self.channel(i, dim, inner);
            let r = ((x / self.scales[c]).round() as i64).saturating_add(self.zero_points[c]);
            r.clamp(self.min, self.max)
        });
        Ok(match dtype {
            DType::I8 => TensorData::I8(q.map(|x| x as i8).collect()),
            DType::U8 => TensorData::U8(q.map(|x| x as u8).collect()),
            DType::I16 => TensorData::I16(q.map(|x| x as i16).collect()),
            DType::I32 => TensorData::I32(q.map(|x| x as i32).collect()),
            DType::I64 => TensorData::I64(q.collect()),
            other => return Err(format!("cannot quantize into {other} storage")),
        })
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
