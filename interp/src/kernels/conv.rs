//! `tfl.conv_2d`: NHWC input, OHWI filter, optional bias, fused activation, SAME/VALID padding,
//! strides and dilations, and grouped convolution (input channels a multiple of the filter's).
//!
//! Computed as a matrix product per group: a 1x1, stride-1 convolution multiplies the input
//! directly; any other gathers blocks of output pixels' receptive fields (im2col, a few hundred
//! rows at a time so the block stays in cache) and multiplies them by the filter, which is
//! packed once at plan time when it is a constant.

use super::attrs::{Activation, Padding};
use super::gemm::{gemm, PackedB};
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{format_shape, Tensor};

/// Spatial geometry of a 2-D convolution or pooling window over an NHWC tensor.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Geom {
    pub n: usize,
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub dh: usize,
    pub dw: usize,
    pub oh: usize,
    pub ow: usize,
    pub pad_t: usize,
    pub pad_l: usize,
}

impl Geom {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        input: &[usize],
        kh: usize,
        kw: usize,
        stride: (usize, usize),
        dilation: (usize, usize),
        padding: Padding,
    ) -> KResult<Geom> {
        let [n, h, w, c] = nhwc(input)?;
        let (oh, pad_t) = padding.output_and_pad(h, kh, stride.0, dilation.0)?;
        let (ow, pad_l) = padding.output_and_pad(w, kw, stride.1, dilation.1)?;
        Ok(Geom {
            n,
            h,
            w,
            c,
            kh,
            kw,
            sh: stride.0,
            sw: stride.1,
            dh: dilation.0,
            dw: dilation.1,
            oh,
            ow,
            pad_t,
            pad_l,
        })
    }

    /// The input row of tap `ky` for output row `oy`, if inside the image.
    #[inline]
    pub fn in_y(&self, oy: usize, ky: usize) -> Option<usize> {
        (oy * self.sh + ky * self.dh)
            .checked_sub(self.pad_t)
            .filter(|&y| y < self.h)
    }

    #[inline]
    pub fn in_x(&self, ox: usize, kx: usize) -> Option<usize> {
        (ox * self.sw + kx * self.dw)
            .checked_sub(self.pad_l)
            .filter(|&x| x < self.w)
    }

    /// The output columns whose every tap column lies inside the image (`in_x` is `Some` for
    /// every `kx`): `ox0..ox1`, empty (and starting at most at `ow`) when there are none.
    pub fn interior_columns(&self) -> std::ops::Range<usize> {
        let ox0 = self.pad_l.div_ceil(self.sw).min(self.ow);
        let reach = (self.kw - 1) * self.dw;
        let ox1 = if self.w + self.pad_l > reach {
            ((self.w - 1 + self.pad_l - reach) / self.sw + 1)
                .min(self.ow)
                .max(ox0)
        } else {
            ox0
        };
        ox0..ox1
    }
}

/// The four dimensions of an NHWC shape.
pub(crate) fn nhwc(shape: &[usize]) -> KResult<[usize; 4]> {
    match shape {
        &[n, h, w, c] => Ok([n, h, w, c]),
        other => Err(format!(
            "expects a 4-D NHWC input but got shape {}",
            format_shape(other)
        )),
    }
}

struct Conv {
    stride: (usize, usize),
    dilation: (usize, usize),
    padding: Padding,
    act: Activation,
    /// Filters packed per group, when the filter and bias are constants.
    packed: Option<Vec<PackedB>>,
}

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    let conv = build_conv(info)?;
    kernel(move |a: &mut Args<'_>| conv.run(a))
}

/// Parses the attributes and packs a constant filter.
fn build_conv(info: &OpInfo<'_>) -> KResult<Conv> {
    info.reject_quantized()?;
    info.expect_operands(2)?;
    let act = info.activation()?;
    if act.bounds().is_none() {
        return Err("fused TANH and SIGN_BIT are not supported on convolutions".into());
    }
    let mut conv = Conv {
        stride: (
            info.attr_positive("stride_h")?,
            info.attr_positive("stride_w")?,
        ),
        dilation: (
            info.attr_positive("dilation_h_factor")?,
            info.attr_positive("dilation_w_factor")?,
        ),
        padding: info.padding()?,
        act,
        packed: None,
    };
    let bias_absent = info.num_operands() < 3 || info.operand_type(2).is_some_and(|t| t.is_none());
    if let Some(filter) = info.constant(1) {
        let bias = if bias_absent { None } else { info.constant(2) };
        if bias_absent || bias.is_some() {
            let groups = match info.operand_type(0).and_then(|t| t.as_tensor()) {
                Some(t) if t.rank() == 4 && t.shape[3] > 0 => {
                    let cin = t.shape[3] as usize;
                    let fin = *filter.shape().get(3).unwrap_or(&0);
                    if fin > 0 && cin.is_multiple_of(fin) {
                        cin / fin
                    } else {
                        1
                    }
                }
                _ => 1,
            };
            conv.packed = Some(pack_filter(filter, bias, groups)?);
        }
    }
    Ok(conv)
}

/// Packs an OHWI filter (and bias) into one GEMM operand per group.
fn pack_filter(filter: &Tensor, bias: Option<&Tensor>, groups: usize) -> KResult<Vec<PackedB>> {
    let [o, kh, kw, i] = filter_dims(filter)?;
    let w = filter.as_f32().ok_or("the filter must be f32")?;
    let bias = super::bias_f32(bias, o, "output channels")?;
    if groups == 0 || o % groups != 0 {
        return Err(format!(
            "{o} output channels cannot be split into {groups} groups"
        ));
    }
    let og = o / groups;
    let k = kh * kw * i;
    Ok((0..groups)
        .map(|g| {
            PackedB::from_nk(
                &w[g * og * k..(g + 1) * og * k],
                og,
                k,
                bias.map(|b| &b[g * og..(g + 1) * og]),
            )
        })
        .collect())
}

fn filter_dims(filter: &Tensor) -> KResult<[usize; 4]> {
    match filter.shape() {
        &[o, kh, kw, i] if kh > 0 && kw > 0 => Ok([o, kh, kw, i]),
        other => Err(format!(
            "expects a 4-D OHWI filter but got shape {}",
            format_shape(other)
        )),
    }
}

/// Work on a block of output rows (first row, the rows' values) right after they are computed.
pub(crate) type Post<'a> = dyn Fn(usize, &mut [f32]) + 'a;

/// What a fused step does to a convolution's output while it is still in cache:
/// `prelu(out + residual, alpha)`, each part optional. The fields are operand indices.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Epilogue {
    pub residual: Option<usize>,
    pub alpha: Option<usize>,
}

/// A convolution followed by an add of a same-shaped tensor and/or a per-channel PReLU.
struct FusedConv {
    conv: Conv,
    epilogue: Epilogue,
}

/// Builds the fused kernel for the `tfl.conv_2d` described by `info` (its own operands come
/// first in the fused step, then the epilogue's).
pub(crate) fn build_fused(
    info: &OpInfo<'_>,
    epilogue: Epilogue,
) -> KResult<Box<dyn super::FusedKernel>> {
    let conv = build_conv(info)?;
    if !conv.act.is_none() {
        return Err("only convolutions without a fused activation take an epilogue".into());
    }
    Ok(Box::new(FusedConv { conv, epilogue }))
}

impl super::FusedKernel for FusedConv {
    fn run(&self, a: &mut Args<'_>) -> KResult<Option<super::Outputs>> {
        let (Ok(input), Ok(filter)) = (a.get(0), a.get(1)) else {
            return Ok(None);
        };
        let Ok([o, kh, kw, _]) = filter_dims(filter) else {
            return Ok(None);
        };
        let Ok(g) = Geom::new(
            input.shape(),
            kh,
            kw,
            self.conv.stride,
            self.conv.dilation,
            self.conv.padding,
        ) else {
            return Ok(None);
        };
        let out_len = g.n * g.oh * g.ow * o;
        // Only the plain cases: an f32 residual of the output's shape, a per-channel alpha.
        let residual = match self.epilogue.residual {
            Some(i) => match a.opt(i) {
                Some(r) if r.shape() == [g.n, g.oh, g.ow, o] => match r.as_f32() {
                    Some(v) => Some(v),
                    None => return Ok(None),
                },
                _ => return Ok(None),
            },
            None => None,
        };
        let alpha = match self.epilogue.alpha {
            Some(i) => match a.opt(i) {
                Some(t) if t.len() == o && t.shape().last() == Some(&o) && t.rank() <= 4 => {
                    match t.as_f32() {
                        Some(v) => Some(v),
                        None => return Ok(None),
                    }
                }
                _ => return Ok(None),
            },
            None => None,
        };
        let post = |row0: usize, block: &mut [f32]| {
            let res = residual.map(|r| &r[row0 * o..row0 * o + block.len()]);
            epilogue(block, res, alpha, o);
        };
        let mut out = crate::buffers::take(out_len);
        self.conv.compute(a, &g, &mut out, Some(&post))?;
        Ok(Some(smallvec::smallvec![Tensor::from_f32(
            &[g.n, g.oh, g.ow, o],
            out
        )
        .map_err(|e| e.to_string())?]))
    }
}

super::simd::multiversion! {
    /// `block = prelu(block + residual, alpha)` over rows of `o` channels.
    fn epilogue(block: &mut [f32], residual: Option<&[f32]>, alpha: Option<&[f32]>, o: usize) {
        if let Some(r) = residual {
            for (x, &y) in block.iter_mut().zip(r) {
                *x += y;
            }
        }
        if let Some(alpha) = alpha {
            let alpha = &alpha[..o.min(alpha.len())];
            for row in block.chunks_exact_mut(o.max(1)) {
                for (x, &a) in row.iter_mut().zip(alpha) {
                    *x = if *x >= 0.0 { *x } else { *x * a };
                }
            }
        }
    }
}

impl Conv {
    /// Convolves operands 0-2 of `a` into `out` (of geometry `g`), with an optional epilogue
    /// per block of rows.
    fn compute(&self, a: &Args<'_>, g: &Geom, out: &mut [f32], post: Option<&Post>) -> KResult<()> {
        let filter = a.get(1)?;
        let [o, kh, kw, fi] = filter_dims(filter)?;
        if fi == 0 || !g.c.is_multiple_of(fi) {
            return Err(format!(
                "input has {} channels but the filter takes {fi}",
                g.c
            ));
        }
        let groups = g.c / fi;
        if o % groups != 0 {
            return Err(format!(
                "{o} output channels cannot be split into {groups} groups"
            ));
        }
        let x = a.f32(0)?;
        let owned;
        let packed: &[PackedB] = match &self.packed {
            Some(p) if p.len() == groups && p[0].k == kh * kw * fi => p,
            _ => {
                owned = pack_filter(filter, a.opt(2), groups)?;
                &owned
            }
        };
        let (lo, hi) = self
            .act
            .bounds()
            .unwrap_or((f32::NEG_INFINITY, f32::INFINITY));
        conv_gemm(g, x, fi, packed, o, out, lo, hi, post);
        Ok(())
    }

    fn run(&self, a: &mut Args<'_>) -> KResult<super::Outputs> {
        let input = a.get(0)?;
        let filter = a.get(1)?;
        let [o, kh, kw, _] = filter_dims(filter)?;
        let g = Geom::new(
            input.shape(),
            kh,
            kw,
            self.stride,
            self.dilation,
            self.padding,
        )?;
        let mut out = crate::buffers::take(g.n * g.oh * g.ow * o);
        self.compute(a, &g, &mut out, None)?;
        one(Tensor::from_f32(&[g.n, g.oh, g.ow, o], out).map_err(|e| e.to_string())?)
    }
}

/// Runs the convolution of `x` (geometry `g`, `fi` input channels per group) with the packed
/// filters into `out` (`o` output channels).
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv_gemm(
    g: &Geom,
    x: &[f32],
    fi: usize,
    packed: &[PackedB],
    o: usize,
    out: &mut [f32],
    lo: f32,
    hi: f32,
    post: Option<&Post>,
) {
    let groups = packed.len();
    let og = o / groups.max(1);
    let rows = g.n * g.oh * g.ow;
    let k = g.kh * g.kw * fi;
    let pointwise = g.kh == 1
        && g.kw == 1
        && g.sh == 1
        && g.sw == 1
        && g.pad_t == 0
        && g.pad_l == 0
        && g.oh == g.h
        && g.ow == g.w;
    if pointwise {
        // With an epilogue, blocks of rows small enough to still be in cache when it runs.
        let block = if post.is_some() {
            (16 * 1024 / o.max(1)).clamp(12, 1024) / 12 * 12
        } else {
            rows.max(1)
        };
        let mut row0 = 0;
        while row0 < rows {
            let nrows = (rows - row0).min(block);
            for (gi, p) in packed.iter().enumerate() {
                gemm(
                    nrows,
                    &x[row0 * g.c + gi * fi..],
                    g.c,
                    p,
                    &mut out[row0 * o + gi * og..],
                    o,
                    lo,
                    hi,
                );
            }
            if let Some(post) = post {
                post(row0, &mut out[row0 * o..(row0 + nrows) * o]);
            }
            row0 += nrows;
        }
        return;
    }
    // im2col in blocks of rows that stay in cache. With AVX-512 the GEMM reads the filter
    // rows' spans straight from the input (an implicit im2col) and only rows whose window
    // leaves the image are built in the buffer.
    let block = ((32 * 1024) / k.max(1)).clamp(12, 240) / 12 * 12;
    let mut buf = crate::buffers::take(block.max(12) * k);
    let span = g.kw * fi;
    let zeros = vec![0.0f32; span];
    let mut segs: Vec<*const f32> = Vec::with_capacity(block * g.kh);
    let implicit = g.dw == 1 && (groups == 1 || g.kw == 1);
    let mut row0 = 0;
    while row0 < rows {
        let nrows = (rows - row0).min(block);
        for gi in 0..groups {
            // The output pixel of the block's first row, then advanced row by row.
            let (mut n, mut oy, mut ox) = (row0 / (g.ow * g.oh), (row0 / g.ow) % g.oh, row0 % g.ow);
            segs.clear();
            // Where each filter row's line starts in `x` for the current output row.
            let mut lines = [None::<usize>; 16];
            let mut lines_for = usize::MAX;
            for dst in buf[..nrows * k].chunks_exact_mut(k) {
                let ix0 = (ox * g.sw) as isize - g.pad_l as isize;
                let inside_x = ix0 >= 0 && ix0 as usize + g.kw <= g.w;
                if implicit && inside_x && g.kh <= 16 {
                    if lines_for != n * g.oh + oy {
                        lines_for = n * g.oh + oy;
                        for (ky, l) in lines.iter_mut().enumerate().take(g.kh) {
                            *l = g
                                .in_y(oy, ky)
                                .map(|iy| (n * g.h + iy) * g.w * g.c + gi * fi);
                        }
                    }
                    let xo = ix0 as usize * g.c;
                    for l in &lines[..g.kh] {
                        // In bounds: the line is inside the image and so are the kw pixels
                        // from ix0 (checked just above), so `span` values can be read.
                        segs.push(match l {
                            Some(l) => x.as_ptr().wrapping_add(l + xo),
                            None => zeros.as_ptr(),
                        });
                    }
                } else {
                    im2col_row(g, x, fi, gi, n, oy, ox, dst);
                    let base = buf_ptr(dst);
                    for ky in 0..g.kh {
                        segs.push(base.wrapping_add(ky * span));
                    }
                }
                ox += 1;
                if ox == g.ow {
                    ox = 0;
                    oy += 1;
                    if oy == g.oh {
                        oy = 0;
                        n += 1;
                    }
                }
            }
            let c = &mut out[row0 * o + gi * og..];
            // SAFETY: every segment points at `span` readable values: into `x` (a line inside
            // the image, from a window inside it), into `buf` or into `zeros`, all alive until
            // the call ends.
            let done = implicit
                && unsafe {
                    super::gemm::gemm_segments(nrows, &segs, g.kh, span, &packed[gi], c, o, lo, hi)
                }
                .is_some();
            if !done {
                if implicit {
                    // No AVX-512: build every row.
                    let (mut n, mut oy, mut ox) =
                        (row0 / (g.ow * g.oh), (row0 / g.ow) % g.oh, row0 % g.ow);
                    for dst in buf[..nrows * k].chunks_exact_mut(k) {
                        im2col_row(g, x, fi, gi, n, oy, ox, dst);
                        ox += 1;
                        if ox == g.ow {
                            ox = 0;
                            oy += 1;
                            if oy == g.oh {
                                oy = 0;
                                n += 1;
                            }
                        }
                    }
                }
                gemm(nrows, &buf, k, &packed[gi], c, o, lo, hi);
            }
        }
        if let Some(post) = post {
            post(row0, &mut out[row0 * o..(row0 + nrows) * o]);
        }
        row0 += nrows;
    }
    crate::buffers::recycle(buf);
}

/// The receptive field of output pixel (n, oy, ox) for group `gi`, as one row of K = KH * KW *
/// `fi` values, zeros where the window leaves the image.
#[allow(clippy::too_many_arguments)]
#[inline]
fn im2col_row(
    g: &Geom,
    x: &[f32],
    fi: usize,
    gi: usize,
    n: usize,
    oy: usize,
    ox: usize,
    dst: &mut [f32],
) {
    let groups = g.c / fi.max(1);
    let ix0 = (ox * g.sw) as isize - g.pad_l as isize;
    // The taps of a filter row are adjacent pixels, copied at once when all are inside.
    let contiguous =
        g.dw == 1 && ix0 >= 0 && ix0 as usize + g.kw <= g.w && (groups == 1 || g.kw == 1);
    let span = g.kw * fi;
    for (ky, row) in dst.chunks_exact_mut(span).enumerate() {
        let Some(iy) = g.in_y(oy, ky) else {
            row.fill(0.0);
            continue;
        };
        let line = (n * g.h + iy) * g.w;
        if contiguous {
            let s = (line + ix0 as usize) * g.c + gi * fi;
            copy_short(row, &x[s..s + span]);
            continue;
        }
        for (kx, d) in row.chunks_exact_mut(fi).enumerate() {
            match g.in_x(ox, kx) {
                Some(ix) => {
                    let s = (line + ix) * g.c + gi * fi;
                    d.copy_from_slice(&x[s..s + fi]);
                }
                None => d.fill(0.0),
            }
        }
    }
}

/// `dst.copy_from_slice(src)`, with one masked vector move for the short rows of a first
/// layer's im2col (a 3x3 filter over 3 channels copies 9 floats per row, where a `memcpy` call
/// costs more than the copy).
#[inline]
fn copy_short(dst: &mut [f32], src: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if dst.len() <= 16
        && dst.len() == src.len()
        && super::simd::level() == super::simd::Level::Avx512
    {
        // SAFETY: AVX-512 is present; the mask covers exactly `len` elements of both slices.
        unsafe { copy16(dst, src) };
        return;
    }
    dst.copy_from_slice(src);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn copy16(dst: &mut [f32], src: &[f32]) {
    use std::arch::x86_64::*;
    let mask = ((1u32 << dst.len()) - 1) as __mmask16;
    let v = _mm512_maskz_loadu_ps(mask, src.as_ptr());
    _mm512_mask_storeu_ps(dst.as_mut_ptr(), mask, v);
}

fn buf_ptr(row: &[f32]) -> *const f32 {
    row.as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct loops over the definition of a (grouped) convolution.
    fn naive(g: &Geom, x: &[f32], w: &[f32], bias: &[f32], o: usize, fi: usize) -> Vec<f32> {
        let groups = g.c / fi;
        let og = o / groups;
        let mut out = vec![0.0; g.n * g.oh * g.ow * o];
        for n in 0..g.n {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    for oc in 0..o {
                        let gi = oc / og;
                        let mut s = bias[oc] as f64;
                        for ky in 0..g.kh {
                            for kx in 0..g.kw {
                                let (Some(iy), Some(ix)) = (g.in_y(oy, ky), g.in_x(ox, kx)) else {
                                    continue;
                                };
                                for ic in 0..fi {
                                    let xv = x[((n * g.h + iy) * g.w + ix) * g.c + gi * fi + ic];
                                    let wv = w[((oc * g.kh + ky) * g.kw + kx) * fi + ic];
                                    s += xv as f64 * wv as f64;
                                }
                            }
                        }
                        out[((n * g.oh + oy) * g.ow + ox) * o + oc] = s as f32;
                    }
                }
            }
        }
        out
    }

    #[test]
    fn matches_the_definition() {
        // (h, w, c, o, k, stride, dilation, padding, groups)
        for &(h, w, c, o, k, s, d, pad, groups) in &[
            (11, 13, 3, 16, 3, 2, 1, Padding::Same, 1),
            (9, 9, 3, 24, 3, 2, 1, Padding::Valid, 1),
            (7, 8, 8, 20, 1, 1, 1, Padding::Valid, 1),
            (7, 8, 8, 20, 1, 2, 1, Padding::Same, 1),
            (10, 6, 4, 6, 3, 1, 2, Padding::Same, 1),
            (8, 8, 6, 4, 3, 1, 1, Padding::Same, 2),
            (5, 5, 32, 40, 3, 1, 1, Padding::Same, 1),
            (3, 3, 32, 17, 3, 1, 1, Padding::Valid, 1),
        ] {
            let fi = c / groups;
            let g = Geom::new(&[2, h, w, c], k, k, (s, s), (d, d), pad).unwrap();
            let x: Vec<f32> = (0..2 * h * w * c)
                .map(|i| ((i * 7 % 17) as f32 - 8.0) * 0.1)
                .collect();
            let wt: Vec<f32> = (0..o * k * k * fi)
                .map(|i| ((i * 5 % 13) as f32 - 6.0) * 0.05)
                .collect();
            let bias: Vec<f32> = (0..o).map(|i| i as f32 * 0.01).collect();
            let filter = Tensor::from_f32(&[o, k, k, fi], wt.clone()).unwrap();
            let b = Tensor::from_f32(&[o], bias.clone()).unwrap();
            let packed = pack_filter(&filter, Some(&b), groups).unwrap();
            let mut out = vec![f32::NAN; 2 * g.oh * g.ow * o];
            conv_gemm(
                &g,
                &x,
                fi,
                &packed,
                o,
                &mut out,
                f32::NEG_INFINITY,
                f32::INFINITY,
                None,
            );
            let want = naive(&g, &x, &wt, &bias, o, fi);
            for (i, (p, q)) in out.iter().zip(&want).enumerate() {
                assert!(
                    (p - q).abs() < 1e-4,
                    "{h}x{w}x{c}->{o} k{k} s{s} d{d} g{groups} at {i}: {p} vs {q}"
                );
            }
        }
    }
}
