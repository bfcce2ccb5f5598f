//! `tfl.average_pool_2d` and `tfl.max_pool_2d` over NHWC f32, with TFLite's rules: windows
//! clipped to the image (padding never counts: an average divides by the number of pixels
//! inside the image), then the fused activation.
//!
//! Averages add in XNNPACK's order, which LiteRT's default interpreter runs, so that a float
//! average between int8 ops (kept float for speed) rounds its ties as LiteRT does: an int8
//! average keeps its input's scale, so a 2x2 window lands on half steps a quarter of the time,
//! and summing rows instead of columns flipped 545 of 2312 such values in one network
//! (measured against LiteRT 2026-12-06). XNNPACK walks a window column by column (slot `k` is
//! pixel `(k mod kh, k div kh)`), sums the slots in groups of 9, each in a fixed tree (pixels
//! outside the image and slots past the window's last read as 0), adds each group's sum to the
//! sum of the groups before it, and multiplies by `1 / count` in f32 (its `9p` kernels; the
//! `9p8x` ones before them summed 9 slots, then 8 per pass: a global pool of 64x64 pixels
//! then differed from ai-edge-litert 2.3.0 in 14 of 16 channels, measured 2026-12-07).

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
        let mut out = crate::buffers::take(g.n * g.oh * g.ow * g.c);
        if !p.max {
            average(&g, x, &mut out, lo, hi);
            return one(Tensor::from_f32(&[g.n, g.oh, g.ow, g.c], out).map_err(|e| e.to_string())?);
        }
        #[cfg(target_arch = "x86_64")]
        if super::simd::level() == super::simd::Level::Avx512 {
            // SAFETY: AVX-512 is present; `Geom` bounds every access to `x` and `out`.
            unsafe { x86::pool_avx512(&g, p.max, x, &mut out, lo, hi) };
            return one(Tensor::from_f32(&[g.n, g.oh, g.ow, g.c], out).map_err(|e| e.to_string())?);
        }
        pool(&g, p.max, x, &mut out, lo, hi);
        one(Tensor::from_f32(&[g.n, g.oh, g.ow, g.c], out).map_err(|e| e.to_string())?)
    })
}

/// XNNPACK's sum of the first 9 slots of a window (see the module doc).
#[inline]
fn tree9(i: &[f32; 9]) -> f32 {
    let s01 = i[0] + i[1];
    let s23 = i[2] + i[3];
    let s45 = i[4] + i[5];
    let s67 = i[6] + i[7];
    let s018 = s01 + i[8];
    let s2345 = s23 + s45;
    let s01678 = s018 + s67;
    s2345 + s01678
}

multiversion! {
    /// Averages every output pixel in XNNPACK's order (see the module doc).
    fn average(g: &Geom, x: &[f32], out: &mut [f32], lo: f32, hi: f32) {
        let c = g.c;
        // Per window slot (column-major), the input offset of its pixel, or None outside.
        let mut slots: Vec<Option<usize>> = Vec::with_capacity(g.kh * g.kw);
        for n in 0..g.n {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    slots.clear();
                    for kx in 0..g.kw {
                        for ky in 0..g.kh {
                            slots.push(match (g.in_y(oy, ky), g.in_x(ox, kx)) {
                                (Some(iy), Some(ix)) => Some(((n * g.h + iy) * g.w + ix) * c),
                                _ => None,
                            });
                        }
                    }
                    let count = slots.iter().flatten().count().max(1);
                    let scale = 1.0 / count as f32;
                    let o = ((n * g.oh + oy) * g.ow + ox) * c;
                    let value = |s: Option<&Option<usize>>, ch: usize| match s {
                        Some(Some(off)) => x[off + ch],
                        _ => 0.0,
                    };
                    for ch in 0..c {
                        let mut sum = 0.0f32;
                        for k in (0..slots.len().max(1)).step_by(9) {
                            let mut group = [0.0f32; 9];
                            for (j, v) in group.iter_mut().enumerate() {
                                *v = value(slots.get(k + j), ch);
                            }
                            sum += tree9(&group);
                        }
                        out[o + ch] = (sum * scale).max(lo).min(hi);
                    }
                }
            }
        }
    }
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

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Geom;
    use std::arch::x86_64::*;

    /// Pools 16 channels at a time (masked at the end), the window's rows summed first.
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    pub(super) unsafe fn pool_avx512(
        g: &Geom,
        max: bool,
        x: &[f32],
        out: &mut [f32],
        lo: f32,
        hi: f32,
    ) {
        assert!(x.len() >= g.n * g.h * g.w * g.c && out.len() >= g.n * g.oh * g.ow * g.c);
        let c = g.c;
        let (lov, hiv) = (_mm512_set1_ps(lo), _mm512_set1_ps(hi));
        let init = _mm512_set1_ps(if max { f32::MIN } else { 0.0 });
        let xp = x.as_ptr();
        let op = out.as_mut_ptr();
        for n in 0..g.n {
            for oy in 0..g.oh {
                let ky0 = g.pad_t.saturating_sub(oy * g.sh);
                let ky1 = (g.h + g.pad_t).saturating_sub(oy * g.sh).min(g.kh).max(ky0);
                for ox in 0..g.ow {
                    let kx0 = g.pad_l.saturating_sub(ox * g.sw);
                    let kx1 = (g.w + g.pad_l).saturating_sub(ox * g.sw).min(g.kw).max(kx0);
                    let count = ((ky1 - ky0) * (kx1 - kx0)).max(1) as f32;
                    let dst = op.add(((n * g.oh + oy) * g.ow + ox) * c);
                    let mut c0 = 0;
                    while c0 < c {
                        let valid = (c - c0).min(16);
                        let mask: __mmask16 = if valid == 16 {
                            0xffff
                        } else {
                            ((1u32 << valid) - 1) as __mmask16
                        };
                        let mut acc = init;
                        for ky in ky0..ky1 {
                            let iy = oy * g.sh + ky - g.pad_t;
                            let row = xp.add(((n * g.h + iy) * g.w) * c + c0);
                            let mut r = init;
                            for kx in kx0..kx1 {
                                let ix = ox * g.sw + kx - g.pad_l;
                                let v = _mm512_maskz_loadu_ps(mask, row.add(ix * c));
                                r = if max {
                                    _mm512_max_ps(r, v)
                                } else {
                                    _mm512_add_ps(r, v)
                                };
                            }
                            acc = if max {
                                _mm512_max_ps(acc, r)
                            } else {
                                _mm512_add_ps(acc, r)
                            };
                        }
                        if !max {
                            acc = _mm512_div_ps(acc, _mm512_set1_ps(count));
                        }
                        let v = _mm512_min_ps(_mm512_max_ps(acc, lov), hiv);
                        _mm512_mask_storeu_ps(dst.add(c0), mask, v);
                        c0 += 16;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2x2 average sums its columns first: (x01 + x11) + (x00 + x10), times 1/4.
    #[test]
    fn averages_add_columns_first_as_xnnpack() {
        let g = Geom::new(&[1, 2, 2, 1], 2, 2, (2, 2), (1, 1), Padding::Valid).unwrap();
        // Row-first gives (1e8 + 1) + (-1e8 + 1) = 0 in f32 (each 1 is lost); columns first
        // give (1 + 1) + (1e8 - 1e8) = 2.
        let x = [1e8f32, 1.0, -1e8, 1.0];
        let mut out = [0.0f32];
        average(&g, &x, &mut out, f32::NEG_INFINITY, f32::INFINITY);
        assert_eq!(out[0], 0.5);
    }

    #[test]
    fn averages_add_groups_of_nine_slots() {
        // A 4x4 window: slots 0-8 are zeros, 9-15 go into a second group of 9 as
        // [1, 1, 1e8, 0, -1e8, 0, 0, 0, 0], whose tree adds (1e8 - 1e8) + (1 + 1) = 2. Summing
        // 8 slots per pass after the first 9 adds (1 + 1 + 1e8) + (-1e8) = 0 instead.
        let g = Geom::new(&[1, 4, 4, 1], 4, 4, (1, 1), (1, 1), Padding::Valid).unwrap();
        let mut x = [0.0f32; 16];
        // Slot k is pixel (y, x) = (k mod 4, k div 4).
        for (slot, v) in [(9, 1.0), (10, 1.0), (11, 1e8), (13, -1e8)] {
            x[(slot % 4) * 4 + slot / 4] = v;
        }
        let mut out = [0.0f32];
        average(&g, &x, &mut out, f32::NEG_INFINITY, f32::INFINITY);
        assert_eq!(out[0], 2.0 / 16.0);
    }

    #[test]
    fn simd_matches_portable() {
        for &(k, s, pad, max) in &[
            (2, 2, Padding::Valid, true),
            (3, 2, Padding::Same, false),
            (3, 1, Padding::Same, true),
            (5, 3, Padding::Same, false),
        ] {
            let shape = [2, 11, 9, 20];
            let g = Geom::new(&shape, k, k, (s, s), (1, 1), pad).unwrap();
            let x: Vec<f32> = (0..2 * 11 * 9 * 20)
                .map(|i| ((i * 7 % 23) as f32 - 11.0) * 0.3)
                .collect();
            let n = 2 * g.oh * g.ow * 20;
            let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
            pool(&g, max, &x, &mut a, -2.0, 3.0);
            #[cfg(target_arch = "x86_64")]
            if crate::kernels::simd::level() == crate::kernels::simd::Level::Avx512 {
                unsafe { x86::pool_avx512(&g, max, &x, &mut b, -2.0, 3.0) };
                for (p, q) in a.iter().zip(&b) {
                    assert!((p - q).abs() < 1e-5, "{p} vs {q}");
                }
            }
        }
    }
}
