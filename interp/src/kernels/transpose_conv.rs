//! Transposed convolution: `tfl.transpose_conv` (output shape given, OHWI weights, optional
//! bias, fused activation) and the core MediaPipe's `Convolution2DTransposeBias` shares.
//!
//! Each input pixel scatters `input[pixel] x W` into a KH x KW x O patch of the output. The
//! products for a block of pixels are one matrix product (pixels x I times I x (KH*KW*O), with
//! the weights packed once), and the patches are then added into the output (col2im).

use super::attrs::{Activation, Padding};
use super::conv::nhwc;
use super::gemm::{gemm, PackedB};
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{format_shape, Tensor};

/// Weights packed as I x (KH * KW * O): column `(fy * KW + fx) * O + oc` holds
/// `w[oc][fy][fx][ic]` in row `ic`.
pub(crate) struct Packed {
    pub o: usize,
    pub kh: usize,
    pub kw: usize,
    pub i: usize,
    pub b: PackedB,
}

pub(crate) fn pack_weights(w: &Tensor) -> KResult<Packed> {
    let [o, kh, kw, i] = match w.shape() {
        &[o, kh, kw, i] => [o, kh, kw, i],
        other => {
            return Err(format!(
                "expects 4-D OHWI weights but got shape {}",
                format_shape(other)
            ))
        }
    };
    let data = w.as_f32().ok_or("the weights must be f32")?;
    let cols = kh * kw * o;
    let mut kn = vec![0.0f32; i * cols];
    for oc in 0..o {
        for fy in 0..kh {
            for fx in 0..kw {
                for ic in 0..i {
                    kn[ic * cols + (fy * kw + fx) * o + oc] =
                        data[((oc * kh + fy) * kw + fx) * i + ic];
                }
            }
        }
    }
    Ok(Packed {
        o,
        kh,
        kw,
        i,
        b: PackedB::from_kn(&kn, i, cols, cols, 1),
    })
}

/// The transposed convolution of NHWC `x` into an output of `oh` x `ow` pixels, with padding
/// `(pad_t, pad_l)` removed from the top left; bias and activation applied.
#[allow(clippy::too_many_arguments)]
pub(crate) fn transpose_conv(
    x: &[f32],
    in_shape: &[usize],
    p: &Packed,
    stride: (usize, usize),
    pad: (usize, usize),
    out_hw: (usize, usize),
    bias: Option<&[f32]>,
    act: Activation,
) -> KResult<Tensor> {
    let [n, h, w, c] = nhwc(in_shape)?;
    if c != p.i {
        return Err(format!(
            "input has {c} channels but the weights take {}",
            p.i
        ));
    }
    let (oh, ow) = out_hw;
    let o = p.o;
    let cols = p.kh * p.kw * o;
    let mut out = crate::buffers::zeroed(n * oh * ow * o);
    let rows = n * h * w;
    let block = ((64 * 1024) / cols.max(1)).clamp(12, 480) / 12 * 12;
    let mut col = crate::buffers::take(block * cols);
    let mut r0 = 0;
    while r0 < rows {
        let nr = (rows - r0).min(block);
        gemm(
            nr,
            &x[r0 * c..],
            c,
            &p.b,
            &mut col,
            cols,
            f32::NEG_INFINITY,
            f32::INFINITY,
        );
        for r in 0..nr {
            let pix = r0 + r;
            let ix = pix % w;
            let iy = (pix / w) % h;
            let b = pix / (w * h);
            let patch = &col[r * cols..(r + 1) * cols];
            for fy in 0..p.kh {
                let Some(oy) = (iy * stride.0 + fy).checked_sub(pad.0).filter(|&y| y < oh) else {
                    continue;
                };
                for fx in 0..p.kw {
                    let Some(ox) = (ix * stride.1 + fx).checked_sub(pad.1).filter(|&x| x < ow)
                    else {
                        continue;
                    };
                    let dst = &mut out[((b * oh + oy) * ow + ox) * o..][..o];
                    let src = &patch[(fy * p.kw + fx) * o..][..o];
                    for (d, s) in dst.iter_mut().zip(src) {
                        *d += s;
                    }
                }
            }
        }
        r0 += nr;
    }
    crate::buffers::recycle(col);
    if let Some(bias) = bias {
        if bias.len() != o {
            return Err(format!(
                "the bias has {} elements for {o} channels",
                bias.len()
            ));
        }
        for px in out.chunks_exact_mut(o) {
            for (v, b) in px.iter_mut().zip(bias) {
                *v += b;
            }
        }
    }
    act.apply(&mut out);
    Tensor::from_f32(&[n, oh, ow, o], out).map_err(|e| e.to_string())
}

struct TransposeConv {
    stride: (usize, usize),
    padding: Padding,
    act: Activation,
    packed: Option<Packed>,
}

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(3)?;
    let t = TransposeConv {
        stride: (
            info.attr_positive("stride_h")?,
            info.attr_positive("stride_w")?,
        ),
        padding: info.padding()?,
        act: info.activation()?,
        packed: info.constant(1).map(pack_weights).transpose()?,
    };
    kernel(move |a: &mut Args<'_>| {
        let shape = a.ints(0)?;
        let [n, oh, ow, oc] = match shape.as_slice() {
            &[n, h, w, c] if n >= 0 && h >= 0 && w >= 0 && c >= 0 => {
                [n as usize, h as usize, w as usize, c as usize]
            }
            other => {
                return Err(format!(
                    "output_shape {other:?} must be 4 non-negative sizes"
                ))
            }
        };
        let owned;
        let p = match &t.packed {
            Some(p) => p,
            None => {
                owned = pack_weights(a.get(1)?)?;
                &owned
            }
        };
        if p.o != oc {
            return Err(format!(
                "output_shape has {oc} channels but the weights have {}",
                p.o
            ));
        }
        let input = a.get(2)?;
        if input.shape().first() != Some(&n) {
            return Err(format!(
                "output_shape batch {n} differs from the input's shape {}",
                format_shape(input.shape())
            ));
        }
        // The padding a forward convolution from the output to the input would use.
        let (_, pad_t) = t.padding.output_and_pad(oh, p.kh, t.stride.0, 1)?;
        let (_, pad_l) = t.padding.output_and_pad(ow, p.kw, t.stride.1, 1)?;
        let bias = match a.opt(3) {
            Some(b) => Some(b.as_f32().ok_or("the bias must be f32")?),
            None => None,
        };
        one(transpose_conv(
            a.f32(2)?,
            input.shape(),
            p,
            t.stride,
            (pad_t, pad_l),
            (oh, ow),
            bias,
            t.act,
        )?)
    })
}
