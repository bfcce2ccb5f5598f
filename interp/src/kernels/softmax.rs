//! `tfl.softmax` (with `beta`) and `tfl.log_softmax`, along the last axis.
//!
//! A softmax with `beta = 1` on a CPU with AVX2 and FMA but no AVX-512 runs as LiteRT's
//! XNNPACK does there ([`xnnpack_avx2`]), to the bit: a float softmax kept float in an int8
//! transformer feeds ops that quantize its result, and last-bit differences in 75% of a ViT's
//! attention weights moved `tqopt eval` 0.17 dB from LiteRT. Other softmaxes use `exp` and a
//! division by the sum (not modelled).

use super::simd::{level, Level};
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(1)?;
    let log = info.name() == "tfl.log_softmax";
    let beta = if log { 1.0 } else { info.attr_f32("beta")? };
    // XNNPACK's AVX2 softmax, the one LiteRT runs on this CPU (module doc).
    let as_xnnpack = cfg!(target_arch = "x86_64") && !log && beta == 1.0 && level() == Level::Avx2;
    kernel(move |a: &mut Args<'_>| {
        let mut t = a.take(0)?;
        let depth = *t
            .shape()
            .last()
            .ok_or("the input must have rank 1 or more")?;
        let v = t.as_f32_mut().ok_or("the input must be f32")?;
        if depth > 0 {
            for row in v.chunks_exact_mut(depth) {
                let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                if log {
                    let sum: f32 = row.iter().map(|&x| (x - max).exp()).sum();
                    let ln = sum.ln();
                    row.iter_mut().for_each(|x| *x = *x - max - ln);
                } else if as_xnnpack {
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: `level` reported AVX2 and FMA.
                    unsafe {
                        xnnpack_avx2::softmax(row, max)
                    };
                } else {
                    let mut sum = 0.0f32;
                    for x in row.iter_mut() {
                        *x = ((*x - max) * beta).exp();
                        sum += *x;
                    }
                    let inv = 1.0 / sum;
                    row.iter_mut().for_each(|x| *x *= inv);
                }
            }
        }
        one(t)
    })
}

/// XNNPACK's float softmax on AVX2 (LiteRT 2.3.0): `f = e^(x - max)` by its "rr2, p5" exponential
/// (`n = fma(x, log2(e), 1.5·2^23 + 127)` whose bits shifted left by 23 are `s = 2^n`; `t = x - n
/// ln2` in two fused steps, `ln2` split high and low; `p = c1 + t(c2 + t(c3 + t(c4 + t c5)))` by
/// fused multiply-adds from `c5`; `f = fma(t s, p, s)`, 0 below the cutoff), stored while it is
/// summed 32 values at a time into two vector accumulators (alternate vectors of 8), which are
/// then added, then the remaining vectors of 8 one by one, then the last 1-7 values, and the
/// 8 lanes folded in halves; every value is then multiplied by `1 / sum`. Subnormal
/// intermediate values and results are flushed to zero, as LiteRT's flush-to-zero mode does.
///
/// Found by probing: one-op softmax models of rows of 7 to 1000 values, run by LiteRT with its
/// default delegate on an AMD EPYC with AVX2 (2026-12-07), matched this form to the bit and
/// missed every other unroll and accumulator count, the one-step range reduction and a
/// division by the sum.
#[cfg(target_arch = "x86_64")]
mod xnnpack_avx2 {
    use std::arch::x86_64::*;

    use crate::kernels::xnnpack_math::{avx2, LOG2E};

    #[target_feature(enable = "avx2,fma")]
    unsafe fn flush(v: __m256) -> __m256 {
        let tiny = _mm256_cmp_ps::<_CMP_LT_OQ>(
            _mm256_andnot_ps(_mm256_set1_ps(-0.0), v),
            _mm256_set1_ps(f32::MIN_POSITIVE),
        );
        _mm256_andnot_ps(tiny, v)
    }

    /// `e^x` for 8 values `x <= 0`.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn exp(x: __m256) -> __m256 {
        let k = _mm256_set1_ps;
        let magic = k(avx2::MAGIC_BIAS);
        let n = _mm256_fmadd_ps(x, k(LOG2E), magic);
        let s = _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_castps_si256(n)));
        let n = _mm256_sub_ps(n, magic);
        let t = _mm256_fmadd_ps(n, k(avx2::MINUS_LN2_HI), x);
        let t = _mm256_fmadd_ps(n, k(avx2::MINUS_LN2_LO), t);
        let [c1, c2, c3, c4, c5] = avx2::C;
        let mut p = _mm256_fmadd_ps(k(c5), t, k(c4));
        p = _mm256_fmadd_ps(p, t, k(c3));
        p = _mm256_fmadd_ps(p, t, k(c2));
        p = _mm256_fmadd_ps(p, t, k(c1));
        let ts = flush(_mm256_mul_ps(t, s));
        let f = _mm256_fmadd_ps(ts, p, s);
        let below = _mm256_cmp_ps::<_CMP_LT_OS>(x, k(avx2::DENORM_CUTOFF));
        _mm256_andnot_ps(below, f)
    }

    /// One row in place; `max` is its largest value.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn softmax(row: &mut [f32], max: f32) {
        let n = row.len();
        let vmax = _mm256_set1_ps(max);
        let p = row.as_mut_ptr();
        let step = |at: usize| {
            let f = exp(_mm256_sub_ps(_mm256_loadu_ps(p.add(at)), vmax));
            _mm256_storeu_ps(p.add(at), f);
            f
        };
        let (mut acc0, mut acc1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        let mut i = 0;
        while i + 32 <= n {
            acc0 = _mm256_add_ps(acc0, step(i));
            acc1 = _mm256_add_ps(acc1, step(i + 8));
            acc0 = _mm256_add_ps(acc0, step(i + 16));
            acc1 = _mm256_add_ps(acc1, step(i + 24));
            i += 32;
        }
        let mut acc = _mm256_add_ps(acc0, acc1);
        while i + 8 <= n {
            acc = _mm256_add_ps(acc, step(i));
            i += 8;
        }
        if i < n {
            // The last values, the other lanes 0 in the sum (XNNPACK's masked load).
            let r = n - i;
            let mut tail = [0.0f32; 8];
            tail[..r].copy_from_slice(&row[i..]);
            let mut f = [0.0f32; 8];
            _mm256_storeu_ps(
                f.as_mut_ptr(),
                exp(_mm256_sub_ps(_mm256_loadu_ps(tail.as_ptr()), vmax)),
            );
            f[r..].fill(0.0);
            row[i..].copy_from_slice(&f[..r]);
            acc = _mm256_add_ps(acc, _mm256_loadu_ps(f.as_ptr()));
        }
        let lo = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps::<1>(acc));
        let lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
        let lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
        let scale = 1.0 / _mm_cvtss_f32(lo);
        for y in row.iter_mut() {
            let v = *y * scale;
            *y = if v.is_subnormal() { 0.0 } else { v };
        }
    }
}
