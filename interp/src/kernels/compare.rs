//! Comparisons (less, equal, ...) and boolean logic with broadcasting, and select_v2.
//! Comparisons take f32, f16, i8, u8, i16, i32, i64 and (for equality) booleans.

use super::broadcast::{binary, broadcast_shape, broadcast_to};
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{Tensor, TensorData};

#[derive(Copy, Clone, PartialEq)]
enum Cmp {
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
    And,
    Or,
}

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    let cmp = match info.name() {
        "tfl.less" => Cmp::Less,
        "tfl.less_equal" => Cmp::LessEqual,
        "tfl.greater" => Cmp::Greater,
        "tfl.greater_equal" => Cmp::GreaterEqual,
        "tfl.equal" => Cmp::Equal,
        "tfl.not_equal" => Cmp::NotEqual,
        "tfl.logical_and" => Cmp::And,
        "tfl.logical_or" => Cmp::Or,
        other => return Err(format!("'{other}' is not a comparison")),
    };
    // Quantized operands of one type compare as their storage integers, which orders them the
    // same way when the scales agree (TFLite requires equal scales for a plain comparison).
    if let (Some(a), Some(b)) = (info.operand_elem(0), info.operand_elem(1)) {
        if (a.as_quant().is_some() || b.as_quant().is_some()) && a != b {
            return Err("quantized operands with different types are not supported".into());
        }
    }
    kernel(move |a: &mut Args<'_>| {
        let (x, y) = (a.get(0)?, a.get(1)?);
        let (xs, ys) = (x.shape(), y.shape());
        macro_rules! cmp {
            ($p:expr, $q:expr) => {
                match cmp {
                    Cmp::Less => binary($p, xs, $q, ys, |a, b| a < b)?,
                    Cmp::LessEqual => binary($p, xs, $q, ys, |a, b| a <= b)?,
                    Cmp::Greater => binary($p, xs, $q, ys, |a, b| a > b)?,
                    Cmp::GreaterEqual => binary($p, xs, $q, ys, |a, b| a >= b)?,
                    Cmp::Equal => binary($p, xs, $q, ys, |a, b| a == b)?,
                    Cmp::NotEqual => binary($p, xs, $q, ys, |a, b| a != b)?,
                    Cmp::And | Cmp::Or => return Err("logical ops take boolean operands".into()),
                }
            };
        }
        let (shape, v) = match (x.data(), y.data()) {
            (TensorData::Bool(p), TensorData::Bool(q)) => match cmp {
                Cmp::And => binary(p, xs, q, ys, |a, b| a && b)?,
                Cmp::Or => binary(p, xs, q, ys, |a, b| a || b)?,
                Cmp::Equal => binary(p, xs, q, ys, |a, b| a == b)?,
                Cmp::NotEqual => binary(p, xs, q, ys, |a, b| a != b)?,
                _ => return Err("ordering comparisons do not take booleans".into()),
            },
            (TensorData::F32(p), TensorData::F32(q)) => cmp!(p, q),
            (TensorData::F16(p), TensorData::F16(q)) => cmp!(p, q),
            (TensorData::I8(p), TensorData::I8(q)) => cmp!(p, q),
            (TensorData::U8(p), TensorData::U8(q)) => cmp!(p, q),
            (TensorData::I16(p), TensorData::I16(q)) => cmp!(p, q),
            (TensorData::I32(p), TensorData::I32(q)) => cmp!(p, q),
            (TensorData::I64(p), TensorData::I64(q)) => cmp!(p, q),
            _ => {
                return Err(format!(
                    "operands of element types {} and {} are not supported",
                    x.dtype(),
                    y.dtype()
                ))
            }
        };
        one(Tensor::from_parts(shape, TensorData::Bool(v)))
    })
}

pub(crate) fn build_not(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    kernel(|a: &mut Args<'_>| {
        let mut t = a.take(0)?;
        let v = t
            .as_slice_mut::<bool>()
            .ok_or("logical_not takes a boolean operand")?;
        v.iter_mut().for_each(|b| *b = !*b);
        one(t)
    })
}

/// `select_v2(condition, x, y)`: x where the condition holds, y elsewhere; all three broadcast.
/// `tfl.select_v2` (broadcasting) and `tfl.select`, whose condition is either of the operands'
/// shape or a vector that picks whole rows of x and y (TensorFlow's Select).
pub(crate) fn build_select(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(3)?;
    let rows = info.name() == "tfl.select";
    kernel(move |a: &mut Args<'_>| {
        let (c, x, y) = (a.get(0)?, a.get(1)?, a.get(2)?);
        let cond = c
            .as_slice::<bool>()
            .ok_or("the condition must be boolean")?;
        let mut cshape: crate::tensor::Shape = c.shape().iter().copied().collect();
        if rows {
            if c.rank() == 1 && x.rank() > 1 {
                if c.shape()[0] != x.shape()[0] {
                    return Err(format!(
                        "a vector condition of {} elements does not pick rows of x with shape {}",
                        c.shape()[0],
                        crate::tensor::format_shape(x.shape())
                    ));
                }
                cshape.resize(x.rank(), 1);
            } else if c.shape() != x.shape() || x.shape() != y.shape() {
                return Err(format!(
                    "tfl.select needs condition, x and y of one shape (or a vector condition), not {}, {} and {}",
                    crate::tensor::format_shape(c.shape()),
                    crate::tensor::format_shape(x.shape()),
                    crate::tensor::format_shape(y.shape())
                ));
            }
        }
        let c_shape: &[usize] = &cshape;
        if x.dtype() != y.dtype() {
            return Err(format!(
                "x and y have different element types ({} and {})",
                x.dtype(),
                y.dtype()
            ));
        }
        let shape = broadcast_shape(&broadcast_shape(c_shape, x.shape())?, y.shape())?;
        let cond = broadcast_to(cond, c_shape, &shape)?;
        let data = match (x.data(), y.data()) {
            (TensorData::F32(p), TensorData::F32(q)) => {
                TensorData::F32(pick(&cond, p, x, q, y, &shape)?)
            }
            (TensorData::F16(p), TensorData::F16(q)) => {
                TensorData::F16(pick(&cond, p, x, q, y, &shape)?)
            }
            (TensorData::I8(p), TensorData::I8(q)) => {
                TensorData::I8(pick(&cond, p, x, q, y, &shape)?)
            }
            (TensorData::U8(p), TensorData::U8(q)) => {
                TensorData::U8(pick(&cond, p, x, q, y, &shape)?)
            }
            (TensorData::I16(p), TensorData::I16(q)) => {
                TensorData::I16(pick(&cond, p, x, q, y, &shape)?)
            }
            (TensorData::I32(p), TensorData::I32(q)) => {
                TensorData::I32(pick(&cond, p, x, q, y, &shape)?)
            }
            (TensorData::I64(p), TensorData::I64(q)) => {
                TensorData::I64(pick(&cond, p, x, q, y, &shape)?)
            }
            (TensorData::Bool(p), TensorData::Bool(q)) => {
                TensorData::Bool(pick(&cond, p, x, q, y, &shape)?)
            }
            _ => return Err("x and y have different element types".into()),
        };
        one(Tensor::from_parts(shape, data))
    })
}

fn pick<T: Copy>(
    cond: &[bool],
    p: &[T],
    x: &Tensor,
    q: &[T],
    y: &Tensor,
    shape: &[usize],
) -> KResult<Vec<T>> {
    let p = broadcast_to(p, x.shape(), shape)?;
    let q = broadcast_to(q, y.shape(), shape)?;
    Ok(cond
        .iter()
        .zip(p.iter().zip(&q))
        .map(|(&c, (&a, &b))| if c { a } else { b })
        .collect())
}
