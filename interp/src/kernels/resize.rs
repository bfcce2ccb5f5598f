//! `tfl.resize_bilinear` (f32) and `tfl.resize_nearest_neighbor` (any element type) over NHWC,
//! with TFLite's `align_corners` and `half_pixel_centers` coordinate rules:
//! scale = in / out, or (in - 1) / (out - 1) with align_corners. Bilinear samples where
//! XNNPACK does ([`source_axis`]) and interpolates as it does, `top = tl + (tr - tl) · ax`,
//! likewise `bottom`, then `top + (bottom - top) · ay`, each step rounded to f32 (measured
//! against LiteRT 2026-12-06 on six shapes with each coordinate rule: every value equal;
//! TensorFlow's four-product form differed in the last bit in a third of a selfie-segmentation
//! upsampling's values, which its dynamic-range model quantizes on the fly). Nearest takes
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

/// Where each output index of one axis samples a bilinear resize, as XNNPACK computes it (f32):
/// (low neighbour, high neighbour, weight of the high one).
///
/// `scale = in / out`, or `(in - 1) / (out - 1)` under align_corners (out > 1). The source
/// coordinate is `o * scale` (align_corners, or TensorFlow's legacy rule without half pixel
/// centers) or `o * scale + (0.5 * scale - 0.5)` clamped to `[0, in - 1]` (half pixel
/// centers), each step rounded to f32; the low neighbour is its integer part, the high one the
/// next (clamped), and the weight the fraction left.
pub(crate) fn source_axis(
    input: usize,
    output: usize,
    align: bool,
    half: bool,
) -> Vec<(usize, usize, f32)> {
    let adjust = (align && output != 1) as i32;
    let scale = (input as i32 - adjust) as f32 / (output as i32 - adjust) as f32;
    let max = input - 1;
    let offset = 0.5 * scale - 0.5;
    (0..output)
        .map(|o| {
            let c = if half && !align {
                (o as i32 as f32 * scale + offset).clamp(0.0, max as f32)
            } else {
                o as i32 as f32 * scale
            };
            let lo = ((c as i32).max(0) as usize).min(max);
            (lo, (lo + 1).min(max), c - lo as f32)
        })
        .collect()
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
            let xs = source_axis(w, ow, align, half);
            let ys = source_axis(h, oh, align, half);
            let mut out = Vec::with_capacity(n * oh * ow * c);
            for b in 0..n {
                for &(y0, y1, ay) in &ys {
                    let r0 = &x[((b * h + y0) * w) * c..];
                    let r1 = &x[((b * h + y1) * w) * c..];
                    for &(x0, x1, ax) in &xs {
                        for ch in 0..c {
                            let (tl, tr) = (r0[x0 * c + ch], r0[x1 * c + ch]);
                            let (bl, br) = (r1[x0 * c + ch], r1[x1 * c + ch]);
                            let top = tl + (tr - tl) * ax;
                            let bottom = bl + (br - bl) * ax;
                            out.push(top + (bottom - top) * ay);
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
