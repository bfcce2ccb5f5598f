//! Indexing: `tfl.gather` (with `batch_dims`), `tfl.gather_nd` and `tfl.embedding_lookup`
//! (rows of a table; int8/uint8 quantized tables are dequantized into f32 results). Any element
//! type; an index out of range is an error.

use super::concat::axis_index;
use super::quant::Dequant;
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{format_shape, DType, Shape, Tensor, TensorData};

fn check_index(i: i64, size: usize) -> KResult<usize> {
    if i < 0 || i as usize >= size {
        return Err(format!("index {i} is out of range [0, {size})"));
    }
    Ok(i as usize)
}

pub(crate) fn build_gather(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    let axis = info.attr_int_or("axis", 0)?;
    let batch_dims = info.attr_int_or("batch_dims", 0)?;
    kernel(move |a: &mut Args<'_>| {
        let p = a.get(0)?;
        let idx = a.ints(1)?;
        let ishape = a.get(1)?.shape().to_vec();
        let ps = p.shape();
        let ax = axis_index(axis, p.rank())?;
        let bd = if batch_dims < 0 {
            batch_dims + ishape.len() as i64
        } else {
            batch_dims
        };
        if bd < 0 || bd as usize > ax || bd as usize > ishape.len() {
            return Err(format!("batch_dims {batch_dims} does not fit axis {axis}"));
        }
        let bd = bd as usize;
        if ps[..bd] != ishape[..bd] {
            return Err(format!(
                "the first {bd} dimensions of params {} and indices {} differ",
                format_shape(ps),
                format_shape(&ishape)
            ));
        }
        let batch: usize = ps[..bd].iter().product();
        let outer: usize = ps[bd..ax].iter().product();
        let n_idx: usize = ishape[bd..].iter().product();
        let inner: usize = ps[ax + 1..].iter().product();
        let size = ps[ax];
        let idx: Vec<usize> = idx
            .iter()
            .map(|&i| check_index(i, size))
            .collect::<KResult<_>>()?;
        let data = crate::map_data!(p.data(), v => {
            let mut out = Vec::with_capacity(batch * outer * n_idx * inner);
            for b in 0..batch {
                for o in 0..outer {
                    for &i in &idx[b * n_idx..(b + 1) * n_idx] {
                        let s = ((b * outer + o) * size + i) * inner;
                        out.extend_from_slice(&v[s..s + inner]);
                    }
                }
            }
            out
        });
        let shape: Shape = ps[..ax]
            .iter()
            .chain(&ishape[bd..])
            .chain(&ps[ax + 1..])
            .copied()
            .collect();
        one(Tensor::from_parts(shape, data))
    })
}

pub(crate) fn build_gather_nd(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    kernel(|a: &mut Args<'_>| {
        let p = a.get(0)?;
        let idx = a.ints(1)?;
        let ishape = a.get(1)?.shape().to_vec();
        let ps = p.shape();
        let depth = *ishape.last().ok_or("indices must have rank 1 or more")?;
        if depth > ps.len() {
            return Err(format!(
                "index depth {depth} exceeds the rank of params {}",
                format_shape(ps)
            ));
        }
        let inner: usize = ps[depth..].iter().product();
        let n: usize = ishape[..ishape.len() - 1].iter().product();
        let mut offsets = Vec::with_capacity(n);
        for k in 0..n {
            let mut off = 0usize;
            for d in 0..depth {
                off = off * ps[d] + check_index(idx[k * depth + d], ps[d])?;
            }
            offsets.push(off * inner);
        }
        let data = crate::map_data!(p.data(), v => {
            let mut out = Vec::with_capacity(n * inner);
            for &o in &offsets {
                out.extend_from_slice(&v[o..o + inner]);
            }
            out
        });
        let shape: Shape = ishape[..ishape.len() - 1]
            .iter()
            .chain(&ps[depth..])
            .copied()
            .collect();
        one(Tensor::from_parts(shape, data))
    })
}

pub(crate) fn build_embedding_lookup(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    let dequant = match (info.operand_elem(1), info.result_elem(0)) {
        (Some(v), Some(r)) if v.as_quant().is_some() && r.as_quant().is_none() => Some(
            Dequant::from_type(v.as_quant().ok_or("value must be quantized")?)?,
        ),
        _ => None,
    };
    kernel(move |a: &mut Args<'_>| {
        let ids = a.ints(0)?;
        let table = a.get(1)?;
        let ts = table.shape();
        let rows = *ts.first().ok_or("the table must have rank 1 or more")?;
        let width: usize = ts[1..].iter().product();
        let ids: Vec<usize> = ids
            .iter()
            .map(|&i| check_index(i, rows))
            .collect::<KResult<_>>()?;
        let mut shape: Shape = Shape::from_slice(&[ids.len()]);
        shape.extend_from_slice(&ts[1..]);
        let data = match &dequant {
            Some(dq) => {
                let f = dq.to_f32(table, 0)?;
                let mut out = Vec::with_capacity(ids.len() * width);
                for &i in &ids {
                    out.extend_from_slice(&f[i * width..(i + 1) * width]);
                }
                TensorData::F32(out)
            }
            None => crate::map_data!(table.data(), v => {
                let mut out = Vec::with_capacity(ids.len() * width);
                for &i in &ids {
                    out.extend_from_slice(&v[i * width..(i + 1) * width]);
                }
                out
            }),
        };
        let _ = DType::F32;
        one(Tensor::from_parts(shape, data))
    })
}
