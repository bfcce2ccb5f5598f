//! `tfl.depthwise_conv_2d`: each input channel convolved with its own `depth_multiplier`
//! filters. Filter shape [1, KH, KW, C * M]; output channel `c * M + m` reads input channel `c`.
//!
//! With M = 1 (the usual case) the loops run over channel vectors: for each block of 16
//! channels the filter taps stay in registers while the block sweeps the image (AVX-512 with
//! masked tails); other cases use a portable loop.

use super::attrs::{Activation, Padding};
use super::conv::Geom;
use super::simd::{level, Level};
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
        let bias = match a.opt(2) {
            Some(b) => {
                let b = b.as_f32().ok_or("the bias must be f32")?;
                if b.len() != oc {
                    return Err(format!(
                        "the bias has {} elements for {oc} channels",
                        b.len()
                    ));
                }
                b
            }
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
    #[cfg(target_arch = "x86_64")]
    if m == 1 && level() == Level::Avx512 && g.kh <= 16 && g.kh * g.kw <= x86::MAX_TAPS {
        // SAFETY: AVX-512 is present; the asserts bound every access.
        unsafe { x86::depthwise_avx512(g, x, w, bias, out, lo, hi) };
        return;
    }
    let _ = level;
    portable(g, m, x, w, bias, out, lo, hi);
}

#[allow(clippy::too_many_arguments)]
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
            for ox in 0..g.ow {
                let o = ((n * g.oh + oy) * g.ow + ox) * oc;
                let acc = &mut out[o..o + oc];
                acc.copy_from_slice(&bias[..oc]);
                for ky in 0..g.kh {
                    let Some(iy) = g.in_y(oy, ky) else { continue };
                    for kx in 0..g.kw {
                        let Some(ix) = g.in_x(ox, kx) else { continue };
                        let xi = &x[((n * g.h + iy) * g.w + ix) * g.c..][..g.c];
                        let wi = &w[(ky * g.kw + kx) * oc..][..oc];
                        if m == 1 {
                            super::simd::fma_into(acc, xi, wi);
                        } else {
                            for (c, &xv) in xi.iter().enumerate() {
                                for j in 0..m {
                                    acc[c * m + j] += xv * wi[c * m + j];
                                }
                            }
                        }
                    }
                }
                for v in acc.iter_mut() {
                    *v = v.max(lo).min(hi);
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Geom;
    use std::arch::x86_64::*;

    /// Taps kept in registers at most; larger filters take the portable path.
    pub(super) const MAX_TAPS: usize = 49;

    /// One block of 16 channels (`mask` for a partial block) over the whole image.
    struct Block<'a> {
        g: &'a Geom,
        x: *const f32,
        out: *mut f32,
        c0: usize,
        mask: __mmask16,
        w: [__m512; MAX_TAPS],
        bias: __m512,
        lo: __m512,
        hi: __m512,
        /// Output columns whose every tap lies inside the image: [ox0, ox1).
        ox0: usize,
        ox1: usize,
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
        let c = g.c;
        let taps = g.kh * g.kw;
        if taps > MAX_TAPS {
            super::portable(g, 1, x, w, bias, out, lo, hi);
            return;
        }
        let ox0 = g.pad_l.div_ceil(g.sw).min(g.ow);
        let reach = (g.kw - 1) * g.dw;
        let ox1 = if g.w + g.pad_l > reach {
            ((g.w - 1 + g.pad_l - reach) / g.sw + 1).min(g.ow).max(ox0)
        } else {
            ox0
        };
        let mut c0 = 0;
        while c0 < c {
            let valid = (c - c0).min(16);
            let mask: __mmask16 = if valid == 16 {
                0xffff
            } else {
                ((1u32 << valid) - 1) as __mmask16
            };
            let mut b = Block {
                g,
                x: x.as_ptr(),
                out: out.as_mut_ptr(),
                c0,
                mask,
                w: [_mm512_setzero_ps(); MAX_TAPS],
                bias: _mm512_maskz_loadu_ps(mask, bias.as_ptr().add(c0)),
                lo: _mm512_set1_ps(lo),
                hi: _mm512_set1_ps(hi),
                ox0,
                ox1,
            };
            for t in 0..taps {
                b.w[t] = _mm512_maskz_loadu_ps(mask, w.as_ptr().add(t * c + c0));
            }
            match (g.kh, g.kw) {
                (3, 3) => block::<3>(&b),
                (5, 5) => block::<5>(&b),
                _ => block::<0>(&b),
            }
            c0 += 16;
        }
    }

    /// Sweeps one channel block over the image; `KW` is the filter width when known at
    /// compile time (0: read it from the geometry).
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    unsafe fn block<const KW: usize>(b: &Block<'_>) {
        let g = b.g;
        let kw = if KW == 0 { g.kw } else { KW };
        let c = g.c;
        let mut rows = [std::ptr::null::<f32>(); 16];
        let mut row_taps = [0usize; 16];
        for n in 0..g.n {
            for oy in 0..g.oh {
                // The filter rows that land inside the image, and where each starts.
                let mut nr = 0;
                for ky in 0..g.kh.min(16) {
                    let iy = (oy * g.sh + ky * g.dh) as isize - g.pad_t as isize;
                    if iy >= 0 && (iy as usize) < g.h {
                        rows[nr] = b.x.add(((n * g.h + iy as usize) * g.w) * c + b.c0);
                        row_taps[nr] = ky * kw;
                        nr += 1;
                    }
                }
                let orow = b.out.add(((n * g.oh + oy) * g.ow) * c + b.c0);
                for ox in 0..b.ox0 {
                    edge_pixel(b, kw, &rows[..nr], &row_taps[..nr], orow, ox);
                }
                let mut ox = b.ox0;
                while ox + 8 <= b.ox1 {
                    pixels::<8, KW>(b, kw, &rows[..nr], &row_taps[..nr], orow, ox);
                    ox += 8;
                }
                while ox + 4 <= b.ox1 {
                    pixels::<4, KW>(b, kw, &rows[..nr], &row_taps[..nr], orow, ox);
                    ox += 4;
                }
                while ox < b.ox1 {
                    pixels::<1, KW>(b, kw, &rows[..nr], &row_taps[..nr], orow, ox);
                    ox += 1;
                }
                for ox in b.ox1.max(b.ox0)..g.ow {
                    edge_pixel(b, kw, &rows[..nr], &row_taps[..nr], orow, ox);
                }
            }
        }
    }

    /// `P` adjacent output pixels whose taps are all inside the image horizontally.
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    #[inline]
    unsafe fn pixels<const P: usize, const KW: usize>(
        b: &Block<'_>,
        kw: usize,
        rows: &[*const f32],
        row_taps: &[usize],
        orow: *mut f32,
        ox: usize,
    ) {
        let g = b.g;
        let c = g.c;
        let kw = if KW == 0 { kw } else { KW };
        let mut acc = [b.bias; P];
        let step = g.sw * c;
        let x0 = ox * g.sw - g.pad_l;
        for (r, &t0) in rows.iter().zip(row_taps) {
            for kx in 0..kw {
                let wt = b.w[t0 + kx];
                let base = r.add((x0 + kx * g.dw) * c);
                for (p, a) in acc.iter_mut().enumerate() {
                    let xv = _mm512_maskz_loadu_ps(b.mask, base.add(p * step));
                    *a = _mm512_fmadd_ps(xv, wt, *a);
                }
            }
        }
        for (p, a) in acc.iter().enumerate() {
            let v = _mm512_min_ps(_mm512_max_ps(*a, b.lo), b.hi);
            _mm512_mask_storeu_ps(orow.add((ox + p) * c), b.mask, v);
        }
    }

    /// One output pixel near the left or right edge, skipping taps outside the image.
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    unsafe fn edge_pixel(
        b: &Block<'_>,
        kw: usize,
        rows: &[*const f32],
        row_taps: &[usize],
        orow: *mut f32,
        ox: usize,
    ) {
        let g = b.g;
        let c = g.c;
        let mut acc = b.bias;
        for (r, &t0) in rows.iter().zip(row_taps) {
            for kx in 0..kw {
                let ix = (ox * g.sw + kx * g.dw) as isize - g.pad_l as isize;
                if ix < 0 || ix as usize >= g.w {
                    continue;
                }
                let xv = _mm512_maskz_loadu_ps(b.mask, r.add(ix as usize * c));
                acc = _mm512_fmadd_ps(xv, b.w[t0 + kx], acc);
            }
        }
        let v = _mm512_min_ps(_mm512_max_ps(acc, b.lo), b.hi);
        _mm512_mask_storeu_ps(orow.add(ox * c), b.mask, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simd_matches_portable() {
        for &(c, stride, pad) in &[
            (16, 1, Padding::Same),
            (24, 2, Padding::Same),
            (5, 1, Padding::Valid),
            (40, 2, Padding::Valid),
        ] {
            let shape = [1, 9, 7, c];
            let g = Geom::new(&shape, 3, 3, (stride, stride), (1, 1), pad).unwrap();
            let x: Vec<f32> = (0..9 * 7 * c)
                .map(|i| ((i * 7 % 19) as f32 - 9.0) * 0.1)
                .collect();
            let w: Vec<f32> = (0..9 * c)
                .map(|i| ((i * 3 % 7) as f32 - 3.0) * 0.2)
                .collect();
            let bias: Vec<f32> = (0..c).map(|i| i as f32 * 0.1).collect();
            let mut a = vec![0.0; 2 * g.oh * g.ow * c];
            let mut b = vec![0.0; 2 * g.oh * g.ow * c];
            depthwise(&g, 1, &x, &w, &bias, &mut a, -1.0, 2.0);
            portable(&g, 1, &x, &w, &bias, &mut b, -1.0, 2.0);
            for (p, q) in a.iter().zip(&b) {
                assert!((p - q).abs() < 1e-5);
            }
        }
    }
}
