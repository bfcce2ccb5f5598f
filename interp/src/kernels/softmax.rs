//! `tfl.softmax` (with `beta`) and `tfl.log_softmax`, along the last axis.

use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(1)?;
    let log = info.name() == "tfl.log_softmax";
    let beta = if log { 1.0 } else { info.attr_f32("beta")? };
    kernel(move |a: &mut Args<'_>| {
        let mut t = a.take(0)?;
        let depth = *t
            .shape()
            .last()
            .ok_or("the input must have rank 1 or more")?;
        let v = t.as_f32_mut().ok_or("the input must be f32")?;
        if depth > 0 {
            for row in v.chunks_exact_mut(depth) {
                let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                if log {
                    let sum: f32 = row.iter().map(|&x| (x - max).exp()).sum();
                    let ln = sum.ln();
                    row.iter_mut().for_each(|x| *x = *x - max - ln);
                } else {
                    let mut sum = 0.0f32;
                    for x in row.iter_mut() {
                        *x = ((*x - max) * beta).exp();
                        sum += *x;
                    }
                    let inv = 1.0 / sum;
                    row.iter_mut().for_each(|x| *x *= inv);
                }
            }
        }
        one(t)
    })
}
