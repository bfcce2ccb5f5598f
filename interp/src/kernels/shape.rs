//! Ops that change only a tensor's shape or report it: `tfl.reshape`, `tfl.squeeze`,
//! `tfl.expand_dims`, `tfl.shape`, `tfl.broadcast_to`, and identities (`tfl.densify` of an
//! already dense tensor, `quantfork.stats`). Any element type; the buffer is moved, not copied,
//! when this op is the value's last use.

use tqopt_ir::Attribute;

use super::broadcast::broadcast_to;
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::consts::dtype_of;
use crate::error::KResult;
use crate::tensor::{format_shape, DType, Shape, Tensor, TensorData};

pub(crate) fn build_identity(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    kernel(|a: &mut Args<'_>| one(a.take(0)?))
}

/// Resolves a requested shape with at most one -1 against an element count.
pub(crate) fn resolve_shape(requested: &[i64], count: usize) -> KResult<Shape> {
    let mut unknown = None;
    let mut known = 1usize;
    for (i, &d) in requested.iter().enumerate() {
        if d == -1 {
            if unknown.replace(i).is_some() {
                return Err(format!("shape {requested:?} has more than one -1"));
            }
        } else if d < 0 {
            return Err(format!("shape {requested:?} has a negative dimension"));
        } else {
            known *= d as usize;
        }
    }
    let mut shape: Shape = requested.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(i) = unknown {
        if known == 0 || !count.is_multiple_of(known) {
            return Err(format!(
                "cannot reshape {count} elements into {requested:?}"
            ));
        }
        shape[i] = count / known;
    } else if known != count {
        return Err(format!(
            "cannot reshape {count} elements into {}",
            format_shape(&shape)
        ));
    }
    Ok(shape)
}

pub(crate) fn build_reshape(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    // Without a shape operand the result type gives the shape.
    let from_type: Option<Vec<i64>> = info
        .result_type(0)
        .and_then(|t| t.as_tensor())
        .map(|t| t.shape.to_vec());
    kernel(move |a: &mut Args<'_>| {
        let requested = match a.opt(1) {
            Some(s) => {
                if s.rank() > 1 {
                    return Err(format!(
                        "the shape operand must be 1-D, got shape {}",
                        format_shape(s.shape())
                    ));
                }
                a.ints(1)?
            }
            None => from_type
                .clone()
                .ok_or("no shape operand and no ranked result type")?,
        };
        let t = a.take(0)?;
        let shape = resolve_shape(&requested, t.len())?;
        one(t.reshape(&shape).map_err(|e| e.to_string())?)
    })
}

pub(crate) fn build_squeeze(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    let dims: Vec<i64> = match info.attr("squeeze_dims") {
        None => Vec::new(),
        Some(Attribute::Array(items)) => items.iter().filter_map(|a| a.as_int()).collect(),
        Some(Attribute::DenseArray {
            values: tqopt_ir::attributes::DenseArrayValues::Int(v),
            ..
        }) => v.clone(),
        Some(_) => return Err("attribute 'squeeze_dims' must be a list of integers".into()),
    };
    kernel(move |a: &mut Args<'_>| {
        let t = a.take(0)?;
        let rank = t.rank() as i64;
        let mut drop = vec![false; t.rank()];
        if dims.is_empty() {
            for (d, &s) in t.shape().iter().enumerate() {
                drop[d] = s == 1;
            }
        } else {
            for &d in &dims {
                if d < -rank || d >= rank {
                    return Err(format!(
                        "squeeze dimension {d} is out of range for rank {rank}"
                    ));
                }
                let d = ((d + rank) % rank) as usize;
                if t.shape()[d] != 1 {
                    return Err(format!(
                        "cannot squeeze dimension {d} of size {} (shape {})",
                        t.shape()[d],
                        format_shape(t.shape())
                    ));
                }
                drop[d] = true;
            }
        }
        let shape: Shape = t
            .shape()
            .iter()
            .zip(&drop)
            .filter(|(_, &x)| !x)
            .map(|(&s, _)| s)
            .collect();
        one(t.reshape(&shape).map_err(|e| e.to_string())?)
    })
}

pub(crate) fn build_expand_dims(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    kernel(|a: &mut Args<'_>| {
        let d = *a.ints(1)?.first().ok_or("the dim operand is empty")?;
        let t = a.take(0)?;
        let rank = t.rank() as i64;
        if d < -rank - 1 || d > rank {
            return Err(format!("dim {d} is out of range for rank {rank}"));
        }
        let at = if d < 0 { d + rank + 1 } else { d } as usize;
        let mut shape: Shape = t.shape().into();
        shape.insert(at, 1);
        one(t.reshape(&shape).map_err(|e| e.to_string())?)
    })
}

pub(crate) fn build_shape(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    let dtype = info.result_elem(0).and_then(dtype_of).unwrap_or(DType::I32);
    kernel(move |a: &mut Args<'_>| {
        let shape = a.get(0)?.shape();
        let n = shape.len();
        let data = match dtype {
            DType::I64 => TensorData::I64(shape.iter().map(|&d| d as i64).collect()),
            _ => TensorData::I32(shape.iter().map(|&d| d as i32).collect()),
        };
        one(Tensor::from_parts(Shape::from_slice(&[n]), data))
    })
}

pub(crate) fn build_broadcast_to(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    kernel(|a: &mut Args<'_>| {
        let dims = a.ints(1)?;
        if dims.iter().any(|&d| d < 0) {
            return Err(format!("shape {dims:?} has a negative dimension"));
        }
        let out: Shape = dims.iter().map(|&d| d as usize).collect();
        let t = a.get(0)?;
        let data = crate::map_data!(t.data(), v => broadcast_to(v, t.shape(), &out)?);
        one(Tensor::from_parts(out, data))
    })
}
