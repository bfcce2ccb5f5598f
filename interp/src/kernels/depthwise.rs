//! `tfl.depthwise_conv_2d`: each input channel convolved with its own `depth_multiplier`
//! filters. Filter shape [1, KH, KW, C * M]; output channel `c * M + m` reads input channel `c`.
//!
//! With M = 1 (the usual case) the loops run over channel vectors: for each block of 16
//! channels the filter taps stay in registers while the block sweeps the image (AVX-512 with
//! masked tails); on AVX2 each output pixel's blocks of up to 32 channels keep their sums in
//! registers over the taps; other cases use a portable loop. Every path sums in the same
//! order, so all give the same bits.
//!
//! That order is LiteRT's (XNNPACK's): the bias, then one fused multiply-add per tap, the taps
//! column by column (each column top to bottom) for filters of at most [`COLUMN_ORDER_TAPS`]
//! taps and row by row for larger ones ([`rows_first`]).

use super::attrs::{Activation, Padding};
use super::conv::Geom;
use super::simd::{level, multiversion, Level};
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{format_shape, Tensor};

struct Depthwise {
    stride: (usize, usize),
    dilation: (usize, usize),
    padding: Padding,
    act: Activation,
    multiplier: usize,
}

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(2)?;
    let act = info.activation()?;
    if act.bounds().is_none() {
        return Err("fused TANH and SIGN_BIT are not supported on convolutions".into());
    }
    let d = Depthwise {
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
        multiplier: info.attr_int_or("depth_multiplier", 1)?.max(1) as usize,
    };
    kernel(move |a: &mut Args<'_>| d.run(a))
}

impl Depthwise {
    fn run(&self, a: &mut Args<'_>) -> KResult<super::Outputs> {
        let input = a.get(0)?;
        let filter = a.get(1)?;
        let (kh, kw, oc) = match filter.shape() {
            &[1, kh, kw, oc] => (kh, kw, oc),
            other => {
                return Err(format!(
                    "expects a [1, KH, KW, C * M] filter but got shape {}",
                    format_shape(other)
                ))
            }
        };
        if kh == 0 || kw == 0 {
            return Err(format!(
                "the filter {} has no taps",
                format_shape(filter.shape())
            ));
        }
        let g = Geom::new(
            input.shape(),
            kh,
            kw,
            self.stride,
            self.dilation,
            self.padding,
        )?;
        // TFLite derives the multiplier from the shapes; the attribute must agree with them.
        if g.c == 0 || oc % g.c != 0 {
            return Err(format!(
                "filter has {oc} channels, not a multiple of the input's {}",
                g.c
            ));
        }
        let m = oc / g.c;
        if m != self.multiplier {
            return Err(format!(
                "depth_multiplier is {} but the filter has {oc} channels for {} input channels",
                self.multiplier, g.c
            ));
        }
        let x = a.f32(0)?;
        let w = a.f32(1)?;
        let zeros;
        let bias = match super::bias_f32(a.opt(2), oc, "channels")? {
            Some(b) => b,
            None => {
                zeros = vec![0.0f32; oc];
                &zeros
            }
        };
        let (lo, hi) = self
            .act
            .bounds()
            .unwrap_or((f32::NEG_INFINITY, f32::INFINITY));
        let mut out = crate::buffers::take(g.n * g.oh * g.ow * oc);
        depthwise(&g, m, x, w, bias, &mut out, lo, hi);
        one(Tensor::from_f32(&[g.n, g.oh, g.ow, oc], out).map_err(|e| e.to_string())?)
    }
}

/// Filters with at most this many taps are summed column by column, larger ones row by row:
/// LiteRT's float depthwise convolutions on x86 (AVX2 and FMA) matched those orders bit for
/// bit on filters of 2x3 to 5x5 and 3x8 (column by column) and of 3x9, 5x6, 6x5, 6x6, 7x7, 9x9
/// and 2x13 (row by row), measured 2026-12-07; a 7x7 summed column by column differed in the
/// last bit on 14 of 16 channels, which hybrid ops after it amplified (NASNet-Mobile's
/// dynamic-range model: tqopt eval 1.6 dB from LiteRT).
pub(crate) const COLUMN_ORDER_TAPS: usize = 25;

/// Whether a `kh` x `kw` filter's taps are summed row by row (see [`COLUMN_ORDER_TAPS`]).
pub(crate) fn rows_first(kh: usize, kw: usize) -> bool {
    kh * kw > COLUMN_ORDER_TAPS
}

/// The taps `(ky, kx)` of a `kh` x `kw` filter in the order LiteRT sums them: column by column
/// (each column top to bottom), or row by row ([`rows_first`]).
fn taps_in_order(kh: usize, kw: usize) -> impl Iterator<Item = (usize, usize)> {
    let by_rows = rows_first(kh, kw);
    (0..kh * kw).map(move |t| match by_rows {
        true => (t / kw, t % kw),
        false => (t % kh, t / kh),
    })
}

/// Depthwise convolution of `x` into `out` (NHWC, `m` filters per input channel).
#[allow(clippy::too_many_arguments)]
pub(crate) fn depthwise(
    g: &Geom,
    m: usize,
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    out: &mut [f32],
    lo: f32,
    hi: f32,
) {
    let oc = g.c * m;
    assert!(x.len() >= g.n * g.h * g.w * g.c && w.len() >= g.kh * g.kw * oc);
    assert!(out.len() >= g.n * g.oh * g.ow * oc && bias.len() >= oc);
    // The AVX-512 kernel sums column by column only.
    #[cfg(target_arch = "x86_64")]
    if m == 1 && level() == Level::Avx512 && g.kh <= 16 && !rows_first(g.kh, g.kw) {
        // SAFETY: AVX-512 is present; the asserts bound every access.
        unsafe { x86::depthwise_avx512(g, x, w, bias, out, lo, hi) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if m == 1 && level() == Level::Avx2 {
        // SAFETY: AVX2 and FMA are present; the asserts bound every access.
        unsafe { avx2::depthwise(g, x, w, bias, out, lo, hi) };
        return;
    }
    let _ = level;
    portable(g, m, x, w, bias, out, lo, hi);
}

multiversion! {
    /// Depthwise convolution by plain loops (vectorized by the compiler for the CPU's level);
    /// the reference for the AVX-512 kernel and the path on other CPUs. Per output row the tap
    /// loops are outermost, so the innermost loop runs over a whole span of pixels' channels.
    fn portable(
        g: &Geom,
        m: usize,
        x: &[f32],
        w: &[f32],
        bias: &[f32],
        out: &mut [f32],
        lo: f32,
        hi: f32,
    ) {
        let oc = g.c * m;
        for n in 0..g.n {
            for oy in 0..g.oh {
                let orow = &mut out[((n * g.oh + oy) * g.ow) * oc..][..g.ow * oc];
                for px in orow.chunks_exact_mut(oc.max(1)) {
                    px.copy_from_slice(&bias[..oc]);
                }
                // Taps in LiteRT's order, so float sums round as its do.
                for (ky, kx) in taps_in_order(g.kh, g.kw) {
                    let Some(iy) = g.in_y(oy, ky) else { continue };
                    let xrow = &x[((n * g.h + iy) * g.w) * g.c..][..g.w * g.c];
                    let wi = &w[(ky * g.kw + kx) * oc..][..oc];
                    // Output columns whose input column is inside the image.
                    let off = (kx * g.dw) as isize - g.pad_l as isize;
                    let first = if off >= 0 { 0 } else { ((-off) as usize).div_ceil(g.sw) };
                    let end = if (g.w as isize) > off {
                        ((g.w as isize - off) as usize).div_ceil(g.sw).min(g.ow)
                    } else {
                        0
                    };
                    for ox in first..end {
                        let ix = (ox * g.sw) as isize + off;
                        let xi = &xrow[ix as usize * g.c..][..g.c];
                        let acc = &mut orow[ox * oc..][..oc];
                        if m == 1 {
                            for ((a, &xv), &wv) in acc.iter_mut().zip(xi).zip(wi) {
                                *a = xv.mul_add(wv, *a);
                            }
                        } else {
                            for (c, &xv) in xi.iter().enumerate() {
                                for j in 0..m {
                                    acc[c * m + j] = xv.mul_add(wi[c * m + j], acc[c * m + j]);
                                }
                            }
                        }
                    }
                }
                for v in orow.iter_mut() {
                    *v = v.max(lo).min(hi);
                }
            }
        }
    }
}

/// The AVX2 path (M = 1): blocks of up to 32 channels of one to four output pixels keep their
/// sums in registers over every tap, in the portable loop's order (bias, then the taps in
/// LiteRT's order, skipping taps outside the image), so the results are the same bits. Pixels
/// whose taps all lie inside the image share one tap list and go in groups (a tap's weights
/// loaded once for the group); the others go one by one.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::Geom;
    use std::arch::x86_64::*;

    /// What every block of one output row reads.
    struct Row<'a> {
        x: *const f32,
        w: *const f32,
        bias: *const f32,
        /// The valid taps: (input offset of the pixel, filter offset), in summing order.
        taps: &'a [(usize, usize)],
        /// Input elements between neighbouring output pixels.
        x_step: usize,
        c: usize,
        lo: __m256,
        hi: __m256,
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn depthwise(
        g: &Geom,
        x: &[f32],
        w: &[f32],
        bias: &[f32],
        out: &mut [f32],
        lo: f32,
        hi: f32,
    ) {
        let c = g.c;
        let mut taps: Vec<(usize, usize)> = Vec::with_capacity(g.kh * g.kw);
        // Per filter row, where its input row starts (none outside the image).
        let mut row_of: Vec<Option<usize>> = vec![None; g.kh];
        let interior = g.interior_columns();
        let (vlo, vhi) = (_mm256_set1_ps(lo), _mm256_set1_ps(hi));
        let op = out.as_mut_ptr();
        for n in 0..g.n {
            for oy in 0..g.oh {
                for (ky, row) in row_of.iter_mut().enumerate() {
                    *row = g.in_y(oy, ky).map(|iy| (n * g.h + iy) * g.w * c);
                }
                let orow = op.add((n * g.oh + oy) * g.ow * c);
                let mut ox = 0;
                while ox < g.ow {
                    taps.clear();
                    for (ky, kx) in super::taps_in_order(g.kh, g.kw) {
                        let (Some(row), Some(ix)) = (row_of[ky], g.in_x(ox, kx)) else {
                            continue;
                        };
                        taps.push((row + ix * c, (ky * g.kw + kx) * c));
                    }
                    let r = Row {
                        x: x.as_ptr(),
                        w: w.as_ptr(),
                        bias: bias.as_ptr(),
                        taps: &taps,
                        x_step: g.sw * c,
                        c,
                        lo: vlo,
                        hi: vhi,
                    };
                    let count = if interior.contains(&ox) {
                        interior.end - ox
                    } else {
                        1
                    };
                    pixels(&r, orow.add(ox * c), count);
                    ox += count;
                }
            }
        }
    }

    /// `count` neighbouring pixels that share `r.taps` (shifted by `r.x_step` each), every
    /// channel block.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn pixels(r: &Row<'_>, out: *mut f32, count: usize) {
        let mut c0 = 0;
        while c0 + 32 <= r.c {
            sweep::<4, 2>(r, c0, out, count);
            c0 += 32;
        }
        while c0 + 16 <= r.c {
            sweep::<2, 4>(r, c0, out, count);
            c0 += 16;
        }
        while c0 + 8 <= r.c {
            sweep::<1, 4>(r, c0, out, count);
            c0 += 8;
        }
        if c0 < r.c {
            for p in 0..count {
                tail(r, c0, p, out.add(p * r.c));
            }
        }
    }

    /// Channels `c0..c0 + 8V` of `count` pixels, `P` at a time.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn sweep<const V: usize, const P: usize>(
        r: &Row<'_>,
        c0: usize,
        out: *mut f32,
        count: usize,
    ) {
        let mut p = 0;
        while p + P <= count {
            block::<V, P>(r, c0, p, out);
            p += P;
        }
        while p < count {
            block::<V, 1>(r, c0, p, out);
            p += 1;
        }
    }

    /// Channels `c0..c0 + 8V` of pixels `p0..p0 + P` of the group.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn block<const V: usize, const P: usize>(
        r: &Row<'_>,
        c0: usize,
        p0: usize,
        out: *mut f32,
    ) {
        let mut acc = [[_mm256_setzero_ps(); V]; P];
        for a in acc.iter_mut() {
            for (j, v) in a.iter_mut().enumerate() {
                *v = _mm256_loadu_ps(r.bias.add(c0 + 8 * j));
            }
        }
        let x0 = r.x.add(c0 + p0 * r.x_step);
        for &(xo, wo) in r.taps {
            let wt = r.w.add(wo + c0);
            let mut wv = [_mm256_setzero_ps(); V];
            for (j, v) in wv.iter_mut().enumerate() {
                *v = _mm256_loadu_ps(wt.add(8 * j));
            }
            for (p, a) in acc.iter_mut().enumerate() {
                let xt = x0.add(xo + p * r.x_step);
                for (j, v) in a.iter_mut().enumerate() {
                    *v = _mm256_fmadd_ps(_mm256_loadu_ps(xt.add(8 * j)), wv[j], *v);
                }
            }
        }
        for (p, a) in acc.iter().enumerate() {
            let o = out.add((p0 + p) * r.c + c0);
            for (j, v) in a.iter().enumerate() {
                _mm256_storeu_ps(o.add(8 * j), _mm256_min_ps(_mm256_max_ps(*v, r.lo), r.hi));
            }
        }
    }

    /// The last channels (fewer than 8, from `c0`) of pixel `p` of the group, with masked
    /// loads and stores; `out` is that pixel's output.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn tail(r: &Row<'_>, c0: usize, p: usize, out: *mut f32) {
        let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((r.c - c0) as i32), lanes);
        let mut acc = _mm256_maskload_ps(r.bias.add(c0), mask);
        let x0 = r.x.add(c0 + p * r.x_step);
        for &(xo, wo) in r.taps {
            acc = _mm256_fmadd_ps(
                _mm256_maskload_ps(x0.add(xo), mask),
                _mm256_maskload_ps(r.w.add(wo + c0), mask),
                acc,
            );
        }
        _mm256_maskstore_ps(
            out.add(c0),
            mask,
            _mm256_min_ps(_mm256_max_ps(acc, r.lo), r.hi),
        );
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Geom;
    use std::arch::x86_64::*;

    /// What every tile of one output row needs.
    struct Row<'a> {
        g: &'a Geom,
        /// The start of each filter row that lies inside the image, and its first tap.
        rows: [*const f32; 16],
        taps: [usize; 16],
        nr: usize,
        w: *const f32,
        bias: *const f32,
        orow: *mut f32,
        lo: __m512,
        hi: __m512,
        /// Columns the input allows computing (at least `g.ow`; more when it was padded so
        /// that the last pixel group can be computed whole and stored in part).
        ow_compute: usize,
    }

    #[inline(always)]
    fn mask_for(c: usize, c0: usize) -> __mmask16 {
        let valid = (c - c0).min(16);
        if valid == 16 {
            0xffff
        } else {
            ((1u32 << valid) - 1) as __mmask16
        }
    }

    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    pub(super) unsafe fn depthwise_avx512(
        g: &Geom,
        x: &[f32],
        w: &[f32],
        bias: &[f32],
        out: &mut [f32],
        lo: f32,
        hi: f32,
    ) {
        depthwise_inner(g, g.ow, x, w, bias, out, lo, hi);
    }

    /// `ow_compute`: how many output columns the input's width allows computing.
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn depthwise_inner(
        g: &Geom,
        ow_compute: usize,
        x: &[f32],
        w: &[f32],
        bias: &[f32],
        out: &mut [f32],
        lo: f32,
        hi: f32,
    ) {
        let c = g.c;
        let std::ops::Range {
            start: ox0,
            end: ox1,
        } = g.interior_columns();
        // When edge pixels are many (small images), convolve a zero-padded copy instead, where
        // every pixel is interior.
        let edges = ox0 + (g.ow - ox1);
        // Wide enough for whole groups of four pixels: the extra columns are computed and
        // not stored.
        let owc = g.ow.div_ceil(4) * 4;
        let ph = g.oh.saturating_sub(1) * g.sh + (g.kh - 1) * g.dh + 1;
        let pw = owc.saturating_sub(1) * g.sw + (g.kw - 1) * g.dw + 1;
        // The copy is about the input's size, unless strides far beyond the image (a damaged
        // model: stride_w = 2137108966 asked for 820 GB) make it mostly padding; then the
        // edge path below does the work without one.
        let padded_len = (g.n * c).checked_mul(ph).and_then(|v| v.checked_mul(pw));
        let small_copy = padded_len.is_some_and(|l| l <= 4 * (x.len() + out.len()) + (1 << 20));
        if edges * 8 > g.ow && g.oh > 0 && g.ow > 0 && ow_compute == g.ow && small_copy {
            let mut padded = crate::buffers::take(g.n * ph * pw * c);
            let cols = g.w.min(pw.saturating_sub(g.pad_l));
            for n in 0..g.n {
                for py in 0..ph {
                    let row = &mut padded[((n * ph + py) * pw) * c..][..pw * c];
                    let iy = py.wrapping_sub(g.pad_t);
                    if py < g.pad_t || iy >= g.h {
                        row.fill(0.0);
                        continue;
                    }
                    // Zero borders, the image row between them.
                    row[..g.pad_l * c].fill(0.0);
                    row[(g.pad_l + cols) * c..].fill(0.0);
                    let src = &x[((n * g.h + iy) * g.w) * c..][..cols * c];
                    row[g.pad_l * c..(g.pad_l + cols) * c].copy_from_slice(src);
                }
            }
            let pg = Geom {
                h: ph,
                w: pw,
                pad_t: 0,
                pad_l: 0,
                ..*g
            };
            depthwise_inner(&pg, owc, &padded, w, bias, out, lo, hi);
            crate::buffers::recycle(padded);
            return;
        }
        for n in 0..g.n {
            for oy in 0..g.oh {
                let mut r = Row {
                    g,
                    rows: [std::ptr::null(); 16],
                    taps: [0; 16],
                    nr: 0,
                    w: w.as_ptr(),
                    bias: bias.as_ptr(),
                    orow: out.as_mut_ptr().add(((n * g.oh + oy) * g.ow) * c),
                    lo: _mm512_set1_ps(lo),
                    hi: _mm512_set1_ps(hi),
                    ow_compute,
                };
                for ky in 0..g.kh.min(16) {
                    let iy = (oy * g.sh + ky * g.dh) as isize - g.pad_t as isize;
                    if iy >= 0 && (iy as usize) < g.h {
                        r.rows[r.nr] = x.as_ptr().add(((n * g.h + iy as usize) * g.w) * c);
                        r.taps[r.nr] = ky * g.kw;
                        r.nr += 1;
                    }
                }
                for ox in (0..ox0).chain(ox1..g.ow) {
                    pixel(&r, ox);
                }
                interior(&r, ox0, ox1);
            }
        }
    }

    /// The interior pixels [ox0, ox1) of a row, every channel: pixel groups outermost so the
    /// input they read stays in cache while the channel blocks pass.
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    unsafe fn interior(r: &Row<'_>, ox0: usize, ox1: usize) {
        let g = r.g;
        // Filters of width 3 and 5 without dilation load each input vector once per filter row
        // and use it for every tap that reads it.
        match (g.kw, g.dw, g.sw) {
            (3, 1, 1) => interior_fixed::<3, 1>(r, ox0, ox1),
            (5, 1, 1) => interior_fixed::<5, 1>(r, ox0, ox1),
            (3, 1, 2) => interior_fixed::<3, 2>(r, ox0, ox1),
            (5, 1, 2) => interior_fixed::<5, 2>(r, ox0, ox1),
            _ => {
                let c = g.c;
                let mut c0 = 0;
                while c0 < c {
                    let m = mask_for(c, c0);
                    let mut ox = ox0;
                    while ox + 8 <= ox1 {
                        span::<8>(r, ox, c0, m);
                        ox += 8;
                    }
                    while ox + 4 <= ox1 {
                        span::<4>(r, ox, c0, m);
                        ox += 4;
                    }
                    while ox < ox1 {
                        span::<1>(r, ox, c0, m);
                        ox += 1;
                    }
                    c0 += 16;
                }
            }
        }
    }

    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    unsafe fn interior_fixed<const KW: usize, const S: usize>(r: &Row<'_>, ox0: usize, ox1: usize) {
        let c = r.g.c;
        let mut ox = ox0;
        // Past the last interior column only when the input was padded for it.
        let limit = if ox1 == r.g.ow {
            r.ow_compute.max(ox1)
        } else {
            ox1
        };
        while ox < ox1 {
            let left = limit - ox;
            // Eight pixels when (7 * S + KW) input columns fit in 17 (as the kernel was tuned).
            let p = if left >= 8 && 7 * S + KW <= 17 {
                8
            } else if left >= 4 {
                4
            } else if left >= 2 {
                2
            } else {
                1
            };
            let mut c0 = 0;
            while c0 < c {
                let m = mask_for(c, c0);
                macro_rules! go {
                    ($p:literal) => {
                        if m == 0xffff {
                            row_span::<$p, KW, S, true>(r, ox, c0, m)
                        } else {
                            row_span::<$p, KW, S, false>(r, ox, c0, m)
                        }
                    };
                }
                match p {
                    8 => go!(8),
                    4 => go!(4),
                    2 => go!(2),
                    _ => go!(1),
                }
                c0 += 16;
            }
            ox += p;
        }
    }

    /// `P` interior pixels for a `KW`-wide filter at stride `S`: per filter row, the
    /// (P - 1) * S + KW input vectors are loaded once into registers and used by every tap.
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    #[inline]
    unsafe fn row_span<const P: usize, const KW: usize, const S: usize, const FULL: bool>(
        r: &Row<'_>,
        ox: usize,
        c0: usize,
        m: __mmask16,
    ) {
        let g = r.g;
        let c = g.c;
        let mut acc = [load::<FULL>(m, r.bias.add(c0)); P];
        let x0 = (ox * S - g.pad_l) * c + c0;
        // Taps column by column, each column top to bottom (XNNPACK's order, see `portable`).
        for kx in 0..KW {
            for i in 0..r.nr {
                let row = r.rows[i].add(x0);
                let wt = load::<FULL>(m, r.w.add(r.taps[i] * c + c0 + kx * c));
                for (p, a) in acc.iter_mut().enumerate() {
                    let xv = load::<FULL>(m, row.add((p * S + kx) * c));
                    *a = _mm512_fmadd_ps(xv, wt, *a);
                }
            }
        }
        let stored = P.min(g.ow - ox);
        for (p, a) in acc.iter().enumerate().take(stored) {
            let v = _mm512_min_ps(_mm512_max_ps(*a, r.lo), r.hi);
            if FULL {
                _mm512_storeu_ps(r.orow.add((ox + p) * c + c0), v);
            } else {
                _mm512_mask_storeu_ps(r.orow.add((ox + p) * c + c0), m, v);
            }
        }
    }

    #[inline(always)]
    unsafe fn load<const FULL: bool>(m: __mmask16, p: *const f32) -> __m512 {
        if FULL {
            _mm512_loadu_ps(p)
        } else {
            _mm512_maskz_loadu_ps(m, p)
        }
    }

    /// `P` adjacent interior pixels (every tap inside the image) of the channel block at `c0`.
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    #[inline]
    unsafe fn span<const P: usize>(r: &Row<'_>, ox: usize, c0: usize, m: __mmask16) {
        let g = r.g;
        let c = g.c;
        let mut acc = [_mm512_maskz_loadu_ps(m, r.bias.add(c0)); P];
        let step = g.sw * c;
        let x0 = (ox * g.sw - g.pad_l) * c + c0;
        for kx in 0..g.kw {
            for i in 0..r.nr {
                let row = r.rows[i].add(x0);
                let wrow = r.w.add(r.taps[i] * c + c0);
                let wt = _mm512_maskz_loadu_ps(m, wrow.add(kx * c));
                let base = row.add(kx * g.dw * c);
                for (p, a) in acc.iter_mut().enumerate() {
                    let xv = _mm512_maskz_loadu_ps(m, base.add(p * step));
                    *a = _mm512_fmadd_ps(xv, wt, *a);
                }
            }
        }
        for (p, a) in acc.iter().enumerate() {
            let v = _mm512_min_ps(_mm512_max_ps(*a, r.lo), r.hi);
            _mm512_mask_storeu_ps(r.orow.add((ox + p) * c + c0), m, v);
        }
    }

    /// Every channel of one pixel (edge or narrow image), taps outside the image skipped; four
    /// channel blocks at a time give the additions independent chains.
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    unsafe fn pixel(r: &Row<'_>, ox: usize) {
        let g = r.g;
        let c = g.c;
        let x0 = (ox * g.sw) as isize - g.pad_l as isize;
        let dw = g.dw as isize;
        // kx with 0 <= x0 + kx * dw < w
        let kx0 = if x0 >= 0 {
            0
        } else {
            ((-x0 + dw - 1) / dw) as usize
        };
        let kx1 = if (g.w as isize) > x0 {
            (((g.w as isize - x0) + dw - 1) / dw) as usize
        } else {
            0
        };
        let kx1 = kx1.min(g.kw);
        let mut c0 = 0;
        while c0 + 64 <= c {
            blocks::<4>(r, ox, x0, kx0, kx1, c0, [0xffff; 4]);
            c0 += 64;
        }
        while c0 < c {
            blocks::<1>(r, ox, x0, kx0, kx1, c0, [mask_for(c, c0)]);
            c0 += 16;
        }
    }

    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    #[inline]
    unsafe fn blocks<const B: usize>(
        r: &Row<'_>,
        ox: usize,
        x0: isize,
        kx0: usize,
        kx1: usize,
        c0: usize,
        masks: [__mmask16; B],
    ) {
        let g = r.g;
        let c = g.c;
        let mut acc = [_mm512_setzero_ps(); B];
        for (j, a) in acc.iter_mut().enumerate() {
            *a = _mm512_maskz_loadu_ps(masks[j], r.bias.add(c0 + 16 * j));
        }
        for kx in kx0..kx1 {
            for i in 0..r.nr {
                let wrow = r.w.add(r.taps[i] * c + c0);
                let px = r.rows[i].add((x0 + (kx * g.dw) as isize) as usize * c + c0);
                for (j, a) in acc.iter_mut().enumerate() {
                    let xv = _mm512_maskz_loadu_ps(masks[j], px.add(16 * j));
                    let wt = _mm512_maskz_loadu_ps(masks[j], wrow.add(kx * c + 16 * j));
                    *a = _mm512_fmadd_ps(xv, wt, *a);
                }
            }
        }
        for (j, a) in acc.iter().enumerate() {
            let v = _mm512_min_ps(_mm512_max_ps(*a, r.lo), r.hi);
            _mm512_mask_storeu_ps(r.orow.add(ox * c + c0 + 16 * j), masks[j], v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simd_matches_portable() {
        // (channels, filter, stride, dilation, padding, width): 3x3 and 5x5 fast paths, the
        // generic path (2x2, dilation 2), wide rows, narrow rows (padded copy), masked tails.
        for &(c, k, stride, dil, pad, width) in &[
            (16, 3, 1, 1, Padding::Same, 7),
            (24, 3, 2, 1, Padding::Same, 23),
            (5, 3, 1, 1, Padding::Valid, 30),
            (40, 3, 2, 1, Padding::Valid, 7),
            (32, 5, 1, 1, Padding::Same, 25),
            (16, 5, 2, 1, Padding::Same, 26),
            (16, 3, 1, 2, Padding::Same, 19),
            (8, 2, 2, 1, Padding::Same, 13),
            (80, 5, 1, 1, Padding::Same, 7),
            (70, 3, 2, 1, Padding::Same, 4),
            (16, 7, 1, 1, Padding::Same, 40),
            // AVX2 blocks: 32 + 1 (masked tail), 32 + 16, exactly 8, a one-column image,
            // stride and dilation together.
            (33, 3, 1, 1, Padding::Same, 11),
            (48, 5, 2, 2, Padding::Same, 17),
            (8, 3, 1, 1, Padding::Same, 1),
            (56, 3, 2, 2, Padding::Valid, 21),
        ] {
            let shape = [2, 9, width, c];
            let g = Geom::new(&shape, k, k, (stride, stride), (dil, dil), pad).unwrap();
            let n = 2 * 9 * width * c;
            let x: Vec<f32> = (0..n).map(|i| ((i * 7 % 19) as f32 - 9.0) * 0.1).collect();
            let w: Vec<f32> = (0..k * k * c)
                .map(|i| ((i * 3 % 7) as f32 - 3.0) * 0.2)
                .collect();
            let bias: Vec<f32> = (0..c).map(|i| i as f32 * 0.1).collect();
            let mut a = vec![0.0; 2 * g.oh * g.ow * c];
            let mut b = vec![0.0; 2 * g.oh * g.ow * c];
            depthwise(&g, 1, &x, &w, &bias, &mut a, -1.0, 2.0);
            portable(&g, 1, &x, &w, &bias, &mut b, -1.0, 2.0);
            for (i, (p, q)) in a.iter().zip(&b).enumerate() {
                // Both sum the taps in the same order: bit for bit equal.
                assert!(
                    p.to_bits() == q.to_bits(),
                    "c{c} k{k} s{stride} d{dil} w{width} at {i}: {p} vs {q}"
                );
            }
        }
    }

    /// Taps are summed column by column, each column top to bottom (XNNPACK's order), on
    /// every path: with taps (0,0) = 1e8, (0,1) = 1, (1,0) = -1e8 that order gives exactly 1,
    /// where row by row loses the 1 in 1e8 + 1 and gives 0.
    #[test]
    fn taps_are_summed_column_by_column() {
        // 17 channels (a masked tail), images of 2x2 (one pixel, padded copy) and 2x40
        // (interior spans, 2-wide filter: the generic span path), every channel the same.
        for width in [2usize, 40] {
            let c = 17;
            let shape = [1, 2, width, c];
            let g = Geom::new(&shape, 2, 2, (1, 1), (1, 1), Padding::Valid).unwrap();
            let x = vec![1.0f32; 2 * width * c];
            let mut w = Vec::new();
            for tap in [1e8f32, 1.0, -1e8, 0.0] {
                w.extend(std::iter::repeat_n(tap, c));
            }
            let bias = vec![0.0f32; c];
            let mut a = vec![0.0; g.oh * g.ow * c];
            let mut b = vec![0.0; g.oh * g.ow * c];
            depthwise(&g, 1, &x, &w, &bias, &mut a, f32::MIN, f32::MAX);
            portable(&g, 1, &x, &w, &bias, &mut b, f32::MIN, f32::MAX);
            assert!(a.iter().chain(&b).all(|&v| v == 1.0), "{a:?} {b:?}");
        }
        // A 3x3 filter on a wide image (the fixed-width fast path).
        let c = 16;
        let shape = [1, 3, 20, c];
        let g = Geom::new(&shape, 3, 3, (1, 1), (1, 1), Padding::Valid).unwrap();
        let x = vec![1.0f32; 3 * 20 * c];
        let mut taps = [0.0f32; 9];
        (taps[0], taps[1], taps[3]) = (1e8, 1.0, -1e8);
        let w: Vec<f32> = taps
            .iter()
            .flat_map(|&t| std::iter::repeat_n(t, c))
            .collect();
        let mut a = vec![0.0; g.oh * g.ow * c];
        depthwise(&g, 1, &x, &w, &vec![0.0; c], &mut a, f32::MIN, f32::MAX);
        assert!(a.iter().all(|&v| v == 1.0), "{a:?}");
    }
}

#[cfg(test)]
mod bench {
    use super::*;

    /// `cargo test --release -p tqopt-interp depthwise_speed -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn depthwise_speed() {
        for &(h, c, k, s) in &[
            (112, 24, 3, 1),
            (56, 96, 3, 1),
            (14, 336, 5, 1),
            (7, 576, 5, 1),
            (18, 16, 3, 1),
            (34, 16, 3, 1),
            (66, 16, 3, 1),
            (130, 16, 3, 1),
        ] {
            let shape = [1, h, h, c];
            let g = Geom::new(&shape, k, k, (s, s), (1, 1), Padding::Same).unwrap();
            let xa: Vec<f32> = (0..h * h * c + 16).map(|i| (i % 7) as f32).collect();
            let off = (64 - (xa.as_ptr() as usize % 64)) % 64 / 4;
            let x = &xa[off..off + h * h * c];
            let w: Vec<f32> = (0..k * k * c).map(|i| (i % 5) as f32).collect();
            let bias = vec![0.5; c];
            let mut oa = vec![0.0; g.oh * g.ow * c + 16];
            let off = (64 - (oa.as_ptr() as usize % 64)) % 64 / 4;
            let out = &mut oa[off..off + g.oh * g.ow * c];
            let runs = 200;
            let t = std::time::Instant::now();
            for _ in 0..runs {
                depthwise(&g, 1, x, &w, &bias, out, f32::MIN, f32::MAX);
            }
            let dt = t.elapsed().as_secs_f64() / runs as f64;
            let macs = (g.oh * g.ow * c * k * k) as f64;
            println!(
                "{h}x{h}x{c} k{k}: {:.4} ms, {:.1} GMAC/s",
                dt * 1e3,
                macs / dt / 1e9
            );
        }
    }
}
