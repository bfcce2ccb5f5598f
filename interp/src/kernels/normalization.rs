//! `tfl.l2_normalization`: each vector along the last axis divided by its L2 norm, the norm
//! floored at 1e-6 as TFLite's reference kernel does, then the fused activation.

use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;

pub(crate) fn build_l2(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(1)?;
    let act = info.activation()?;
    kernel(move |a: &mut Args<'_>| {
        let mut t = a.take(0)?;
        let depth = *t
            .shape()
            .last()
            .ok_or("the input must have rank 1 or more")?;
        let v = t.as_f32_mut().ok_or("the input must be f32")?;
        if depth > 0 {
            for row in v.chunks_exact_mut(depth) {
                let sq: f32 = row.iter().map(|x| x * x).sum();
                let norm = sq.sqrt().max(1e-6);
                row.iter_mut().for_each(|x| *x /= norm);
            }
        }
        act.apply(v);
        one(t)
    })
}
