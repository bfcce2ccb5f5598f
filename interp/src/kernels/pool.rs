//! `tfl.average_pool_2d` and `tfl.max_pool_2d` over NHWC f32, with TFLite's rules: windows
//! clipped to the image (padding never counts: an average divides by the number of pixels
//! inside the image), then the fused activation.

use super::attrs::{Activation, Padding};
use super::conv::Geom;
use super::simd::multiversion;
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::Tensor;

#[derive(Copy, Clone)]
struct Pool {
    max: bool,
    fh: usize,
    fw: usize,
    stride: (usize, usize),
    padding: Padding,
    act: Activation,
}

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(1)?;
    let act = info.activation()?;
    if act.bounds().is_none() {
        return Err("fused TANH and SIGN_BIT are not supported on pooling".into());
    }
    let p = Pool {
        max: info.name() == "tfl.max_pool_2d",
        fh: info.attr_positive("filter_height")?,
        fw: info.attr_positive("filter_width")?,
        stride: (
            info.attr_positive("stride_h")?,
            info.attr_positive("stride_w")?,
        ),
        padding: info.padding()?,
        act,
    };
    kernel(move |a: &mut Args<'_>| {
        let input = a.get(0)?;
        let g = Geom::new(input.shape(), p.fh, p.fw, p.stride, (1, 1), p.padding)?;
        let x = a.f32(0)?;
        let (lo, hi) = p.act.bounds().unwrap_or((f32::NEG_INFINITY, f32::INFINITY));
        let mut out = vec![0.0f32; g.n * g.oh * g.ow * g.c];
        pool(&g, p.max, x, &mut out, lo, hi);
        one(Tensor::from_f32(&[g.n, g.oh, g.ow, g.c], out).map_err(|e| e.to_string())?)
    })
}

multiversion! {
    /// Pools every output pixel. Averages sum each window row first and then the row sums,
    /// which keeps the rounding error of large (global) windows near that of a pairwise sum.
    fn pool(g: &Geom, max: bool, x: &[f32], out: &mut [f32], lo: f32, hi: f32) {
        let c = g.c;
        let mut row = vec![0.0f32; c];
        for n in 0..g.n {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    let o = ((n * g.oh + oy) * g.ow + ox) * c;
                    let acc = &mut out[o..o + c];
                    acc.fill(if max { f32::MIN } else { 0.0 });
                    let mut count = 0usize;
                    for ky in 0..g.kh {
                        let Some(iy) = g.in_y(oy, ky) else { continue };
                        row.fill(if max { f32::MIN } else { 0.0 });
                        for kx in 0..g.kw {
                            let Some(ix) = g.in_x(ox, kx) else { continue };
                            let s = ((n * g.h + iy) * g.w + ix) * c;
                            let xi = &x[s..s + c];
                            count += 1;
                            if max {
                                for (a, &v) in row.iter_mut().zip(xi) {
                                    *a = if v > *a { v } else { *a };
                                }
                            } else {
                                for (a, &v) in row.iter_mut().zip(xi) {
                                    *a += v;
                                }
                            }
                        }
                        if max {
                            for (a, &v) in acc.iter_mut().zip(&row) {
                                *a = if v > *a { v } else { *a };
                            }
                        } else {
                            for (a, &v) in acc.iter_mut().zip(&row) {
                                *a += v;
                            }
                        }
                    }
                    let count = count.max(1) as f32;
                    for a in acc.iter_mut() {
                        let v = if max { *a } else { *a / count };
                        *a = v.max(lo).min(hi);
                    }
                }
            }
        }
    }
}
