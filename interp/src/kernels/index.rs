//! `tfl.arg_max` and `tfl.arg_min`: the index of the first extreme value along an axis, as
//! i32 or i64 (the result's type).

use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::consts::dtype_of;
use crate::error::KResult;
use crate::tensor::{DType, Element, Shape, Tensor, TensorData};

pub(crate) fn build_arg(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    let is_max = info.name() == "tfl.arg_max";
    let out_type = info.result_elem(0).and_then(dtype_of).unwrap_or(DType::I64);
    if !matches!(out_type, DType::I32 | DType::I64) {
        return Err(format!("the result must be i32 or i64, not {out_type}"));
    }
    kernel(move |a: &mut Args<'_>| {
        let x = a.get(0)?;
        let axis = *a.ints(1)?.first().ok_or("the axis is empty")?;
        let rank = x.rank() as i64;
        if axis < -rank || axis >= rank {
            return Err(format!("axis {axis} is out of range for rank {rank}"));
        }
        let ax = ((axis + rank) % rank) as usize;
        let shape = x.shape();
        let outer: usize = shape[..ax].iter().product();
        let len = shape[ax];
        let inner: usize = shape[ax + 1..].iter().product();
        if len == 0 {
            return Err("cannot take the arg max/min of an empty axis".into());
        }
        let idx = match x.data() {
            TensorData::F32(v) => arg(v, outer, len, inner, is_max),
            TensorData::I8(v) => arg(v, outer, len, inner, is_max),
            TensorData::U8(v) => arg(v, outer, len, inner, is_max),
            TensorData::I16(v) => arg(v, outer, len, inner, is_max),
            TensorData::I32(v) => arg(v, outer, len, inner, is_max),
            TensorData::I64(v) => arg(v, outer, len, inner, is_max),
            TensorData::Bool(v) => arg(v, outer, len, inner, is_max),
            other => return Err(format!("element type {} is not supported", other.dtype())),
        };
        let out_shape: Shape = shape
            .iter()
            .enumerate()
            .filter(|&(d, _)| d != ax)
            .map(|(_, &s)| s)
            .collect();
        let data = match out_type {
            DType::I32 => TensorData::I32(idx.into_iter().map(|i| i as i32).collect()),
            _ => TensorData::I64(idx.into_iter().map(|i| i as i64).collect()),
        };
        one(Tensor::from_parts(out_shape, data))
    })
}

fn arg<T: Element + PartialOrd>(
    v: &[T],
    outer: usize,
    len: usize,
    inner: usize,
    is_max: bool,
) -> Vec<usize> {
    let mut out = Vec::with_capacity(outer * inner);
    for o in 0..outer {
        for i in 0..inner {
            let mut best = 0;
            let mut best_v = v[o * len * inner + i];
            for j in 1..len {
                let x = v[(o * len + j) * inner + i];
                let better = if is_max { x > best_v } else { x < best_v };
                if better {
                    best = j;
                    best_v = x;
                }
            }
            out.push(best);
        }
    }
    out
}
