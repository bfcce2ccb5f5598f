//! PReLU: `x` where `x >= 0`, `alpha * x` elsewhere, with `alpha` broadcast against `x`.
//!
//! The common case, a per-channel alpha over an NHWC tensor, runs as a tight loop over
//! channel rows; other broadcasts go through the generic broadcasting path.

use super::broadcast::binary;
use super::simd::multiversion;
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{Tensor, TensorData};

pub(crate) fn build_prelu(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(2)?;
    kernel(|a: &mut Args<'_>| {
        let alpha_shape = a.get(1)?.shape().to_vec();
        let x_shape = a.get(0)?.shape().to_vec();
        a.f32(0)?;
        a.f32(1)?;
        // alpha covers only the last dimension (all others 1): per-channel rows.
        let channels = *x_shape.last().unwrap_or(&1);
        let per_channel = alpha_shape.len() <= x_shape.len()
            && alpha_shape.last().copied().unwrap_or(1) == channels
            && alpha_shape.iter().rev().skip(1).all(|&d| d == 1)
            && channels > 0;
        if per_channel {
            let mut x = a.take(0)?;
            let alpha = a.f32(1)?;
            if let Some(v) = x.as_f32_mut() {
                prelu_rows(v, alpha, channels);
            }
            return one(x);
        }
        let (shape, v) = binary(a.f32(0)?, &x_shape, a.f32(1)?, &alpha_shape, |x, al| {
            if x >= 0.0 {
                x
            } else {
                x * al
            }
        })?;
        one(Tensor::from_parts(shape, TensorData::F32(v)))
    })
}

multiversion! {
    /// PReLU over rows of `channels` elements, `alpha` per channel.
    fn prelu_rows(v: &mut [f32], alpha: &[f32], channels: usize) {
        let alpha = &alpha[..channels.min(alpha.len())];
        for row in v.chunks_exact_mut(channels) {
            for (x, &a) in row.iter_mut().zip(alpha) {
                *x = if *x >= 0.0 { *x } else { *x * a };
            }
        }
    }
}
