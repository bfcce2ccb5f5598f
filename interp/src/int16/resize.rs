//! int16 `tfl.resize_bilinear` as LiteRT's `ResizeBilinearInteger` computes it (input and
//! result of one type): source coordinates in 10-bit fixed point (`scale = (2^10 · in +
//! out / 2) / out`, with the half-pixel offset `scale / 2 - 2^9`), the four neighbours
//! weighted in 20 bits, and the sum divided by 2^20 rounding halves away from zero (C's
//! truncating division after adding ±2^19). Near the top and left edges a half-pixel
//! coordinate is negative, and the weights extrapolate exactly as LiteRT's do.

use tqopt_ir::{Module, OpId};

use super::{int16_params, int16_slice};
use crate::error::KResult;
use crate::kernels::conv::nhwc;
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{Tensor, TensorData};

/// Per output coordinate: (fixed-point source position, lower and upper source index).
fn axis(
    out: usize,
    input: usize,
    align_corners: bool,
    half_pixel: bool,
) -> Vec<(i64, usize, usize)> {
    let (o, i) = (out as i64, input as i64);
    let mut scale = ((1 << 10) * i + o / 2) / o.max(1);
    if align_corners && o > 1 {
        scale = ((1 << 10) * (i - 1) + (o - 1) / 2) / (o - 1);
    }
    (0..o)
        .map(|v| {
            let scaled = if half_pixel {
                v * scale + scale / 2 - (1 << 9)
            } else {
                v * scale
            };
            // C division truncates toward zero.
            let lower = (scaled / (1 << 10)).max(0);
            let upper = ((scaled + (1 << 10) - 1) / (1 << 10)).min(i - 1);
            (scaled, lower as usize, upper.max(0) as usize)
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn resize(
    x: &[i16],
    [n, h, w, c]: [usize; 4],
    oh: usize,
    ow: usize,
    align: bool,
    half: bool,
) -> Vec<i16> {
    let ys = axis(oh, h, align, half);
    let xs = axis(ow, w, align, half);
    let mut out = Vec::with_capacity(n * oh * ow * c);
    let at = |b: usize, y: usize, xx: usize, ch: usize| x[((b * h + y) * w + xx) * c + ch] as i64;
    for b in 0..n {
        for &(sy, y0, y1) in &ys {
            let wy1 = sy - (1 << 10) * y0 as i64;
            let wy0 = (1 << 10) - wy1;
            for &(sx, x0, x1) in &xs {
                let wx1 = sx - (1 << 10) * x0 as i64;
                let wx0 = (1 << 10) - wx1;
                for ch in 0..c {
                    let sum = at(b, y0, x0, ch) * wy0 * wx0
                        + at(b, y1, x0, ch) * wy1 * wx0
                        + at(b, y0, x1, ch) * wy0 * wx1
                        + at(b, y1, x1, ch) * wy1 * wx1;
                    let round = if sum > 0 { 1 << 19 } else { -(1 << 19) };
                    out.push(((sum + round) / (1 << 20)) as i16);
                }
            }
        }
    }
    out
}

/// The kernel of `op` when it is an int16 RESIZE_BILINEAR covered here.
pub(crate) fn build(
    m: &Module,
    op: OpId,
    _consts: &[Option<&Tensor>],
) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let (&[x, _], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    if int16_params(m, x)? != int16_params(m, y)? {
        return None;
    }
    let (align, half) = (
        data.flag("align_corners")?,
        data.flag("half_pixel_centers")?,
    );
    if align && half {
        return None;
    }
    Some(kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let dims = nhwc(t.shape())?;
        let size = args.ints(1)?;
        let [oh, ow] = match size.as_slice() {
            &[oh, ow] if oh > 0 && ow > 0 => [oh as usize, ow as usize],
            other => return Err(format!("size {other:?} must be two positive sizes")),
        };
        let shape = [dims[0], oh, ow, dims[3]];
        crate::budget::check_dims(&shape, 2).map_err(|e| e.to_string())?;
        let out = resize(
            int16_slice(t, "resize_bilinear")?,
            dims,
            oh,
            ow,
            align,
            half,
        );
        one(Tensor::from_parts(shape[..].into(), TensorData::I16(out)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_a_row_with_half_pixel_centers() {
        // 1x1x2x1 -> 1x1x4x1: source positions -0.25, 0.25, 0.75, 1.25; the first
        // extrapolates from the left pixel alone, the last is clamped to the right one.
        let out = resize(&[100, 200], [1, 1, 2, 1], 1, 4, false, true);
        assert_eq!(out, [100, 125, 175, 200]);
        // Without half-pixel centers: positions 0, 0.5, 1, 1.5.
        let out = resize(&[100, 200], [1, 1, 2, 1], 1, 4, false, false);
        assert_eq!(out, [100, 150, 200, 200]);
        // Halves round away from zero: (-1 + -2) / 2 = -1.5 -> -2.
        let out = resize(&[-1, -2], [1, 1, 2, 1], 1, 4, false, false);
        assert_eq!(out[1], -2);
    }
}
