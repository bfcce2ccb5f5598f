//! `tfl.resize_bilinear` (f32) and `tfl.resize_nearest_neighbor` (any element type) over NHWC,
//! with TFLite's `align_corners` and `half_pixel_centers` coordinate rules:
//! scale = in / out, or (in - 1) / (out - 1) with align_corners; bilinear samples at
//! (o + 0.5) * scale - 0.5 with half pixel centers, o * scale without; nearest takes
//! floor((o + offset) * scale) (rounded with align_corners), clamped to the image.

use super::conv::nhwc;
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{Shape, Tensor, TensorData};

/// The input's NHWC dimensions and the output height and width (operand 1) of a resize,
/// checked: a non-empty image, two positive sizes.
pub(crate) fn dims(a: &Args<'_>) -> KResult<([usize; 4], usize, usize)> {
    let [n, h, w, c] = nhwc(a.get(0)?.shape())?;
    if h == 0 || w == 0 {
        return Err("cannot resize an image with no pixels".into());
    }
    match a.ints(1)?.as_slice() {
        &[oh, ow] if oh > 0 && ow > 0 => Ok(([n, h, w, c], oh as usize, ow as usize)),
        other => Err(format!("size {other:?} must be two positive integers")),
    }
}

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    let bilinear = info.name() == "tfl.resize_bilinear";
    if bilinear {
        info.reject_quantized()?;
    }
    let align = info.attr_bool_or("align_corners", false)?;
    let half = info.attr_bool_or("half_pixel_centers", false)?;
    if align && half {
        return Err("align_corners and half_pixel_centers cannot both be set".into());
    }
    kernel(move |a: &mut Args<'_>| {
        let t = a.get(0)?;
        let ([n, h, w, c], oh, ow) = dims(a)?;
        let scale = |inp: usize, out: usize| -> f32 {
            if align && out > 1 {
                (inp as f32 - 1.0) / (out as f32 - 1.0)
            } else {
                inp as f32 / out as f32
            }
        };
        let (hs, ws) = (scale(h, oh), scale(w, ow));
        let shape = Shape::from_slice(&[n, oh, ow, c]);
        // The size comes from the model: check it before allocating.
        crate::budget::check_dims(&shape, t.dtype().size())
            .map_err(|e| format!("resizing to {oh} x {ow}: the result {e}"))?;
        if bilinear {
            let x = a.f32(0)?;
            let axis = |o: usize, s: f32, size: usize| -> (usize, usize, f32) {
                let v = if half {
                    (o as f32 + 0.5) * s - 0.5
                } else {
                    o as f32 * s
                };
                let f = v.floor();
                let lo = (f as i64).max(0) as usize;
                let hi = (v.ceil() as i64).min(size as i64 - 1).max(0) as usize;
                (lo.min(size - 1), hi, v - lo as f32)
            };
            let xs: Vec<(usize, usize, f32)> = (0..ow).map(|o| axis(o, ws, w)).collect();
            let mut out = Vec::with_capacity(n * oh * ow * c);
            for b in 0..n {
                for oy in 0..oh {
                    let (y0, y1, dy) = axis(oy, hs, h);
                    let r0 = &x[((b * h + y0) * w) * c..];
                    let r1 = &x[((b * h + y1) * w) * c..];
                    for &(x0, x1, dx) in &xs {
                        for ch in 0..c {
                            let v = r0[x0 * c + ch] * (1.0 - dy) * (1.0 - dx)
                                + r1[x0 * c + ch] * dy * (1.0 - dx)
                                + r0[x1 * c + ch] * (1.0 - dy) * dx
                                + r1[x1 * c + ch] * dy * dx;
                            out.push(v);
                        }
                    }
                }
            }
            return one(Tensor::from_parts(shape, TensorData::F32(out)));
        }
        let nearest = |o: usize, s: f32, size: usize| -> usize {
            let offset = if half { 0.5 } else { 0.0 };
            let v = (o as f32 + offset) * s;
            let i = if align {
                v.round() as i64
            } else {
                v.floor() as i64
            };
            i.clamp(0, size as i64 - 1) as usize
        };
        let xs: Vec<usize> = (0..ow).map(|o| nearest(o, ws, w)).collect();
        let data = crate::map_data!(t.data(), v => {
            let mut out = Vec::with_capacity(n * oh * ow * c);
            for b in 0..n {
                for oy in 0..oh {
                    let y = nearest(oy, hs, h);
                    for &x in &xs {
                        let s = ((b * h + y) * w + x) * c;
                        out.extend_from_slice(&v[s..s + c]);
                    }
                }
            }
            out
        });
        one(Tensor::from_parts(shape, data))
    })
}
