//! `tfl.l2_normalization`: each vector along the last axis divided by its L2 norm, the norm
//! floored at 1e-6 as TFLite's reference kernel does, then the fused activation.
//! `tfl.local_response_normalization`: x * (bias + alpha * sum of x^2 over [d - radius,
//! d + radius] of the last axis)^-beta, in f32 in the order LiteRT's optimized kernel sums.

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

pub(crate) fn build_lrn(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(1)?;
    let radius = info.attr_int("radius")?;
    if radius < 0 {
        return Err(format!("radius {radius} is negative"));
    }
    let radius = radius as usize;
    let (bias, alpha, beta) = (
        info.attr_f32("bias")?,
        info.attr_f32("alpha")?,
        info.attr_f32("beta")?,
    );
    kernel(move |a: &mut Args<'_>| {
        let x = a.get(0)?;
        let depth = *x
            .shape()
            .last()
            .ok_or("the input must have rank 1 or more")?;
        let v = x.as_f32().ok_or("the input must be f32")?;
        let mut out = Vec::with_capacity(v.len());
        // As LiteRT's optimized kernel: squares times alpha, zero-padded by the radius, summed
        // by a sliding window (add the entering term, then drop the leaving one).
        let mut padded = vec![0f32; depth + 2 * radius];
        if depth > 0 {
            for row in v.chunks_exact(depth) {
                for (p, x) in padded[radius..radius + depth].iter_mut().zip(row) {
                    *p = x * x * alpha;
                }
                let mut acc: f32 = padded[..2 * radius].iter().sum();
                for (d, &x) in row.iter().enumerate() {
                    acc += padded[d + 2 * radius];
                    let scale = bias + acc;
                    acc -= padded[d];
                    out.push(if beta == 1.0 {
                        x * (1.0 / scale)
                    } else if beta == 0.5 {
                        x * (1.0 / scale.sqrt())
                    } else {
                        x * scale.powf(-beta)
                    });
                }
            }
        }
        one(crate::tensor::Tensor::from_parts(
            x.shape().iter().copied().collect(),
            crate::tensor::TensorData::F32(out),
        ))
    })
}
