//! Index-producing and index-driven ops: `tfl.dynamic_update_slice` (writes an update into a
//! copy of the operand at start indices clamped so the update fits, as TFLite does),
//! `tfl.where` (the coordinates of the non-zero elements, i64, one row per element, row-major
//! order) and `tfl.broadcast_args` (the broadcast of two shapes, in their integer type).

use smallvec::SmallVec;

use super::broadcast::broadcast_shape;
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{format_shape, Shape, Tensor, TensorData};

/// Row-major strides of `shape`.
fn strides(shape: &[usize]) -> SmallVec<[usize; 6]> {
    let mut s: SmallVec<[usize; 6]> = SmallVec::from_elem(1, shape.len());
    for d in (0..shape.len().saturating_sub(1)).rev() {
        s[d] = s[d + 1] * shape[d + 1];
    }
    s
}

/// Copies `update` into `dst` (of `shape`) at `start`.
fn write_box<T: Copy>(
    dst: &mut [T],
    shape: &[usize],
    update: &[T],
    ushape: &[usize],
    start: &[usize],
) {
    let st = strides(shape);
    let mut idx: SmallVec<[usize; 6]> = SmallVec::from_elem(0, ushape.len());
    for &v in update {
        let at: usize = idx
            .iter()
            .zip(start)
            .zip(&st)
            .map(|((i, s), t)| (i + s) * t)
            .sum();
        dst[at] = v;
        for d in (0..ushape.len()).rev() {
            idx[d] += 1;
            if idx[d] < ushape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

pub(crate) fn build_dynamic_update_slice(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(3)?;
    kernel(|a: &mut Args<'_>| {
        let starts = a.ints(2)?;
        let mut t = a.take(0)?;
        let u = a.get(1)?;
        let shape: Shape = t.shape().iter().copied().collect();
        if u.rank() != shape.len() || starts.len() != shape.len() {
            return Err(format!(
                "operand {}, update {} and {} start indices do not agree in rank",
                format_shape(&shape),
                format_shape(u.shape()),
                starts.len()
            ));
        }
        let mut start = Vec::with_capacity(shape.len());
        for (d, (&s, (&n, &m))) in starts.iter().zip(shape.iter().zip(u.shape())).enumerate() {
            if m > n {
                return Err(format!(
                    "update dimension {d} ({m}) is larger than the operand's ({n})"
                ));
            }
            start.push(s.clamp(0, (n - m) as i64) as usize);
        }
        let ushape: Shape = u.shape().iter().copied().collect();
        macro_rules! put {
            ($($v:ident),*) => {
                match (t.data_mut(), u.data()) {
                    $((TensorData::$v(d), TensorData::$v(s)) => write_box(d, &shape, s, &ushape, &start),)*
                    (d, s) => {
                        return Err(format!(
                            "operand of element type {} and update of {} differ",
                            d.dtype(),
                            s.dtype()
                        ))
                    }
                }
            };
        }
        put!(F32, F16, I8, U8, I16, I32, I64, Bool);
        one(t)
    })
}

pub(crate) fn build_where(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    kernel(|a: &mut Args<'_>| {
        let c = a.get(0)?;
        let shape = c.shape();
        let nonzero: Vec<bool> = match c.data() {
            TensorData::Bool(v) => v.clone(),
            other => {
                crate::with_data!(other, v => v.iter().map(|x| crate::tensor::Element::to_f64(*x) != 0.0).collect())
            }
        };
        let st = strides(shape);
        let rank = shape.len();
        let mut out: Vec<i64> = Vec::new();
        let mut rows = 0;
        for (i, &nz) in nonzero.iter().enumerate() {
            if nz {
                rows += 1;
                let mut rem = i;
                for &s in &st {
                    out.push((rem / s) as i64);
                    rem %= s;
                }
            }
        }
        one(Tensor::from_parts(
            smallvec::smallvec![rows, rank],
            TensorData::I64(out),
        ))
    })
}

pub(crate) fn build_broadcast_args(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    kernel(|a: &mut Args<'_>| {
        let (s0, s1) = (a.ints(0)?, a.ints(1)?);
        let dims = |s: &[i64]| -> KResult<Vec<usize>> {
            s.iter()
                .map(|&d| {
                    usize::try_from(d).map_err(|_| format!("shape {s:?} has a negative dimension"))
                })
                .collect()
        };
        let shape = broadcast_shape(&dims(&s0)?, &dims(&s1)?)?;
        let n = shape.len();
        let data = match a.get(0)?.data() {
            TensorData::I64(_) => TensorData::I64(shape.iter().map(|&d| d as i64).collect()),
            _ => TensorData::I32(shape.iter().map(|&d| d as i32).collect()),
        };
        one(Tensor::from_parts(smallvec::smallvec![n], data))
    })
}
