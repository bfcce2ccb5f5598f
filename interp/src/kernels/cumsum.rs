//! `tfl.cumsum` along one axis, optionally exclusive and/or reversed. f32, i32, i64.

use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::TensorData;

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(2)?;
    let exclusive = info.attr_bool_or("exclusive", false)?;
    let reverse = info.attr_bool_or("reverse", false)?;
    kernel(move |a: &mut Args<'_>| {
        let axis = *a.ints(1)?.first().ok_or("the axis is empty")?;
        let mut t = a.take(0)?;
        let shape = t.shape().to_vec();
        let rank = shape.len() as i64;
        if axis < -rank || axis >= rank {
            return Err(format!("axis {axis} is out of range for rank {rank}"));
        }
        let ax = ((axis + rank) % rank) as usize;
        let outer: usize = shape[..ax].iter().product();
        let len = shape[ax];
        let inner: usize = shape[ax + 1..].iter().product();
        macro_rules! scan {
            ($v:expr, $zero:expr) => {{
                let v = $v;
                for o in 0..outer {
                    for i in 0..inner {
                        let mut acc = $zero;
                        for step in 0..len {
                            let j = if reverse { len - 1 - step } else { step };
                            let at = (o * len + j) * inner + i;
                            let x = v[at];
                            if exclusive {
                                v[at] = acc;
                                acc += x;
                            } else {
                                acc += x;
                                v[at] = acc;
                            }
                        }
                    }
                }
            }};
        }
        match t.data_mut() {
            TensorData::F32(v) => scan!(v, 0.0f32),
            TensorData::I32(v) => scan!(v, 0i32),
            TensorData::I64(v) => scan!(v, 0i64),
            other => return Err(format!("element type {} is not supported", other.dtype())),
        }
        one(t)
    })
}
