//! Joining and splitting along an axis: `tfl.concatenation` (with its fused activation on
//! floats), `tfl.pack`, `tfl.unpack`, `tfl.split`, `tfl.split_v`. Any element type.

use super::attrs::Activation;
use super::{kernel, Args, BoxKernel, OpInfo, Outputs};
use crate::error::KResult;
use crate::tensor::{format_shape, Shape, Tensor, TensorData};

/// Normalises a possibly negative axis for a tensor of `rank` dimensions.
pub(crate) fn axis_index(axis: i64, rank: usize) -> KResult<usize> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return Err(format!("axis {axis} is out of range for rank {rank}"));
    }
    Ok(((axis + r) % r) as usize)
}

/// Concatenates tensors of one element type along `ax`.
fn concat(parts: &[&Tensor], ax: usize) -> KResult<Tensor> {
    let first = parts.first().ok_or("nothing to concatenate")?;
    let rank = first.rank();
    let dtype = first.dtype();
    let mut shape: Shape = first.shape().into();
    shape[ax] = 0;
    for p in parts {
        if p.dtype() != dtype || p.rank() != rank {
            return Err(format!("cannot concatenate {:?} with {:?}", first, p));
        }
        for d in 0..rank {
            if d != ax && p.shape()[d] != first.shape()[d] {
                return Err(format!(
                    "cannot concatenate shapes {} and {} along axis {ax}",
                    format_shape(first.shape()),
                    format_shape(p.shape())
                ));
            }
        }
        shape[ax] += p.shape()[ax];
    }
    let outer: usize = shape[..ax].iter().product();
    let total: usize = shape.iter().product();
    let inner: usize = shape[ax + 1..].iter().product();
    let data = crate::map_data!(first.data(), _unused => {
        let _ = _unused;
        let mut out = Vec::with_capacity(total);
        for o in 0..outer {
            for p in parts {
                let chunk = p.shape()[ax] * inner;
                let src = crate::tensor::Element::slice(p.data()).unwrap_or(&[]);
                out.extend_from_slice(&src[o * chunk..(o + 1) * chunk]);
            }
        }
        out
    });
    Ok(Tensor::from_parts(shape, data))
}

/// Joining quantized tensors copies storage integers, which is right only when every operand
/// has the result's scale and zero point (TFLite would requantize the others).
fn require_one_quant_type(info: &OpInfo<'_>) -> KResult<()> {
    let result = info.result_elem(0).and_then(|e| e.as_quant());
    for i in 0..info.num_operands() {
        let q = info.operand_elem(i).and_then(|e| e.as_quant());
        if q != result {
            return Err(
                "quantized operands with different scales or zero points are not supported".into(),
            );
        }
    }
    Ok(())
}

pub(crate) fn build_concat(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    require_one_quant_type(info)?;
    let axis = info.attr_int("axis")?;
    let act = info.activation()?;
    kernel(move |a: &mut Args<'_>| {
        let parts: Vec<&Tensor> = (0..a.len()).map(|i| a.get(i)).collect::<KResult<_>>()?;
        let ax = axis_index(axis, parts[0].rank())?;
        let mut t = concat(&parts, ax)?;
        if act != Activation::None {
            if let TensorData::F32(v) = t.data_mut() {
                act.apply(v);
            }
        }
        Ok(smallvec::smallvec![t])
    })
}

pub(crate) fn build_pack(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    require_one_quant_type(info)?;
    let axis = info.attr_int("axis")?;
    kernel(move |a: &mut Args<'_>| {
        let parts: Vec<&Tensor> = (0..a.len()).map(|i| a.get(i)).collect::<KResult<_>>()?;
        let rank = parts[0].rank();
        let ax = axis_index(axis, rank + 1)?;
        // Stacking is concatenating tensors that each got a new axis of size 1.
        let expanded: Vec<Tensor> = parts
            .iter()
            .map(|p| {
                let mut s: Shape = p.shape().into();
                s.insert(ax, 1);
                Tensor::from_parts(s, p.data().clone())
            })
            .collect();
        let refs: Vec<&Tensor> = expanded.iter().collect();
        Ok(smallvec::smallvec![concat(&refs, ax)?])
    })
}

/// Splits `t` along `ax` into pieces of the given sizes.
fn split(t: &Tensor, ax: usize, sizes: &[usize]) -> KResult<Outputs> {
    let shape = t.shape();
    if sizes.iter().sum::<usize>() != shape[ax] {
        return Err(format!(
            "split sizes {sizes:?} do not add up to dimension {ax} of shape {}",
            format_shape(shape)
        ));
    }
    let outer: usize = shape[..ax].iter().product();
    let inner: usize = shape[ax + 1..].iter().product();
    let mut outs = Outputs::new();
    let mut start = 0;
    for &s in sizes {
        let mut os: Shape = shape.into();
        os[ax] = s;
        let data = crate::map_data!(t.data(), v => {
            let mut out = Vec::with_capacity(outer * s * inner);
            for o in 0..outer {
                let base = (o * shape[ax] + start) * inner;
                out.extend_from_slice(&v[base..base + s * inner]);
            }
            out
        });
        outs.push(Tensor::from_parts(os, data));
        start += s;
    }
    Ok(outs)
}

pub(crate) fn build_unpack(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    let axis = info.attr_int("axis")?;
    let num = info.attr_int("num")?;
    kernel(move |a: &mut Args<'_>| {
        let t = a.get(0)?;
        let ax = axis_index(axis, t.rank())?;
        let n = t.shape()[ax];
        if n as i64 != num {
            return Err(format!("num is {num} but dimension {ax} has size {n}"));
        }
        let pieces = split(t, ax, &vec![1; n])?;
        pieces
            .into_iter()
            .map(|p| {
                let mut s: Shape = p.shape().into();
                s.remove(ax);
                p.reshape(&s).map_err(|e| e.to_string())
            })
            .collect()
    })
}

pub(crate) fn build_split(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    let num = info.attr_positive("num_splits")?;
    kernel(move |a: &mut Args<'_>| {
        let axis = *a.ints(0)?.first().ok_or("split_dim is empty")?;
        let t = a.get(1)?;
        let ax = axis_index(axis, t.rank())?;
        let d = t.shape()[ax];
        if d % num != 0 {
            return Err(format!(
                "dimension {ax} of size {d} does not split into {num} parts"
            ));
        }
        split(t, ax, &vec![d / num; num])
    })
}

pub(crate) fn build_split_v(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(3)?;
    kernel(|a: &mut Args<'_>| {
        let sizes = a.ints(1)?;
        let axis = *a.ints(2)?.first().ok_or("split_dim is empty")?;
        let t = a.get(0)?;
        let ax = axis_index(axis, t.rank())?;
        let d = t.shape()[ax] as i64;
        let unknown = sizes.iter().filter(|&&s| s == -1).count();
        let known: i64 = sizes.iter().filter(|&&s| s != -1).sum();
        if unknown > 1 || sizes.iter().any(|&s| s < -1) || known > d {
            return Err(format!(
                "size_splits {sizes:?} do not fit dimension size {d}"
            ));
        }
        let sizes: Vec<usize> = sizes
            .iter()
            .map(|&s| {
                if s == -1 {
                    (d - known) as usize
                } else {
                    s as usize
                }
            })
            .collect();
        split(t, ax, &sizes)
    })
}
