//! Single-precision matrix products for the convolution and fully connected kernels.
//!
//! `C = clamp(A x B + bias, lo, hi)` with A row-major (any row stride), B pre-packed once into
//! panels of 16 columns ([`PackedB`], done at plan time for constant weights) and the bias and
//! the fused activation applied as the results leave the registers. The inner kernels keep an
//! MR x 32 block of C in registers and stream A by broadcasts and B by vector loads:
//! 12 x 32 with AVX-512 (24 accumulators), 6 x 16 with AVX2+FMA, and a portable loop
//! otherwise. Rows are independent, so callers may split M across threads.

use super::simd::{level, Level};

/// Columns per packed panel of B.
pub(crate) const NR: usize = 16;

/// B (K x N) packed as ceil(N / 16) panels, each K rows of 16 columns (zero padded), plus a
/// bias padded the same way.
#[derive(Clone, Debug)]
pub(crate) struct PackedB {
    pub k: usize,
    pub n: usize,
    panels: Vec<f32>,
    bias: Vec<f32>,
}

impl PackedB {
    fn num_panels(n: usize) -> usize {
        n.div_ceil(NR)
    }

    /// Packs weights stored as N rows of K (a conv's OHWI filter or a fully connected filter):
    /// `B[kk][j] = w[j * k + kk]`.
    pub fn from_nk(w: &[f32], n: usize, k: usize, bias: Option<&[f32]>) -> PackedB {
        Self::pack(n, k, bias, |kk, j| w[j * k + kk])
    }

    /// Packs a K x N matrix with row stride `ldb` and column stride `cs`.
    pub fn from_kn(b: &[f32], k: usize, n: usize, ldb: usize, cs: usize) -> PackedB {
        Self::pack(n, k, None, |kk, j| b[kk * ldb + j * cs])
    }

    fn pack(n: usize, k: usize, bias: Option<&[f32]>, at: impl Fn(usize, usize) -> f32) -> PackedB {
        let np = Self::num_panels(n);
        let mut panels = vec![0.0f32; np * k * NR];
        for p in 0..np {
            let base = p * k * NR;
            let cols = (n - p * NR).min(NR);
            for kk in 0..k {
                let row = &mut panels[base + kk * NR..base + kk * NR + NR];
                for (l, x) in row.iter_mut().enumerate().take(cols) {
                    *x = at(kk, p * NR + l);
                }
            }
        }
        let mut b = vec![0.0f32; np * NR];
        if let Some(bias) = bias {
            b[..n.min(bias.len())].copy_from_slice(&bias[..n.min(bias.len())]);
        }
        PackedB {
            k,
            n,
            panels,
            bias: b,
        }
    }
}

/// `C[i][j] = clamp(sum_k A[i][k] * B[k][j] + bias[j], lo, hi)` for `i < m`, `j < b.n`.
///
/// `a` holds row `i` at `a[i * lda..i * lda + b.k]`; `c` row `i` at `c[i * ldc..i * ldc + b.n]`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm(
    m: usize,
    a: &[f32],
    lda: usize,
    b: &PackedB,
    c: &mut [f32],
    ldc: usize,
    lo: f32,
    hi: f32,
) {
    if m == 0 || b.n == 0 {
        return;
    }
    let k = b.k;
    // Bounds the raw-pointer kernels below rely on.
    assert!(a.len() >= (m - 1) * lda + k, "gemm: A is too short");
    assert!(c.len() >= (m - 1) * ldc + b.n, "gemm: C is too short");
    match level() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has AVX-512 (checked by `level`); the asserts above bound every
        // access the kernels make.
        Level::Avx512 => unsafe { x86::gemm_avx512(m, a, lda, b, c, ldc, lo, hi) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, with AVX2 and FMA.
        Level::Avx2 => unsafe { x86::gemm_avx2(m, a, lda, b, c, ldc, lo, hi) },
        _ => gemm_portable(m, a, lda, b, c, ldc, lo, hi),
    }
}

/// Rows of A given as `nseg` segments of `seg_len` contiguous values each (an implicit
/// im2col: a convolution's row is its filter rows' spans of the input), `C = clamp(A x B +
/// bias)`. `segs[i * nseg + s]` is where segment `s` of row `i` starts. Only with AVX-512;
/// `None` tells the caller to build the rows itself.
///
/// # Safety
/// Every pointer in `segs` must be valid for reading `seg_len` f32 values, and `nseg *
/// seg_len` must equal `b.k`.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn gemm_segments(
    m: usize,
    segs: &[*const f32],
    nseg: usize,
    seg_len: usize,
    b: &PackedB,
    c: &mut [f32],
    ldc: usize,
    lo: f32,
    hi: f32,
) -> Option<()> {
    if m == 0 || b.n == 0 {
        return Some(());
    }
    if level() != Level::Avx512 || nseg * seg_len != b.k || segs.len() < m * nseg {
        return None;
    }
    assert!(c.len() >= (m - 1) * ldc + b.n, "gemm: C is too short");
    #[cfg(target_arch = "x86_64")]
    {
        x86::gemm_segments_avx512(m, segs, nseg, seg_len, b, c, ldc, lo, hi);
        return Some(());
    }
    #[allow(unreachable_code)]
    None
}

#[allow(clippy::too_many_arguments)]
fn gemm_portable(
    m: usize,
    a: &[f32],
    lda: usize,
    b: &PackedB,
    c: &mut [f32],
    ldc: usize,
    lo: f32,
    hi: f32,
) {
    let k = b.k;
    let np = PackedB::num_panels(b.n);
    let mut acc = [0.0f32; NR];
    for i in 0..m {
        let arow = &a[i * lda..i * lda + k];
        for p in 0..np {
            acc.copy_from_slice(&b.bias[p * NR..p * NR + NR]);
            let panel = &b.panels[p * k * NR..(p + 1) * k * NR];
            for (kk, &av) in arow.iter().enumerate() {
                let brow = &panel[kk * NR..kk * NR + NR];
                for l in 0..NR {
                    acc[l] += av * brow[l];
                }
            }
            let cols = (b.n - p * NR).min(NR);
            let crow = &mut c[i * ldc + p * NR..i * ldc + p * NR + cols];
            for (dst, &v) in crow.iter_mut().zip(&acc) {
                *dst = v.max(lo).min(hi);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{PackedB, NR};
    use std::arch::x86_64::*;

    /// Rows per AVX-512 micro-kernel call.
    const MR512: usize = 12;
    /// Rows per AVX2 micro-kernel call.
    const MR256: usize = 6;

    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn gemm_avx512(
        m: usize,
        a: &[f32],
        lda: usize,
        b: &PackedB,
        c: &mut [f32],
        ldc: usize,
        lo: f32,
        hi: f32,
    ) {
        let k = b.k;
        let np = PackedB::num_panels(b.n);
        let ap = a.as_ptr();
        let cp = c.as_mut_ptr();
        let bp = b.panels.as_ptr();
        let biasp = b.bias.as_ptr();
        // For tiny M (a fully connected layer on one sample), four panels at once give the
        // FMA units independent chains.
        let wide = m < 4;
        let mut i = 0;
        while i < m {
            let mr = (m - i).min(if wide { 3 } else { MR512 });
            let mut p = 0;
            while p < np {
                let step = if wide {
                    (np - p).min(4)
                } else {
                    (np - p).min(2)
                };
                let cols = (b.n - p * NR).min(step * NR);
                let args = Args {
                    k,
                    a: ap.add(i * lda),
                    lda,
                    b: bp.add(p * k * NR),
                    bstride: k * NR,
                    bias: biasp.add(p * NR),
                    c: cp.add(i * ldc + p * NR),
                    ldc,
                    cols,
                    lo,
                    hi,
                };
                dispatch512(mr, step, &args);
                p += step;
            }
            i += mr;
        }
    }

    /// A micro-kernel call whose A rows come in segments.
    struct SegArgs {
        nseg: usize,
        seg_len: usize,
        /// `MR * nseg` segment starts, row by row.
        segs: *const *const f32,
        b: *const f32,
        bstride: usize,
        bias: *const f32,
        c: *mut f32,
        ldc: usize,
        cols: usize,
        lo: f32,
        hi: f32,
    }

    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn gemm_segments_avx512(
        m: usize,
        segs: &[*const f32],
        nseg: usize,
        seg_len: usize,
        b: &PackedB,
        c: &mut [f32],
        ldc: usize,
        lo: f32,
        hi: f32,
    ) {
        let k = b.k;
        let np = PackedB::num_panels(b.n);
        let cp = c.as_mut_ptr();
        let mut i = 0;
        while i < m {
            let mr = (m - i).min(MR512);
            let mut p = 0;
            while p < np {
                let step = (np - p).min(2);
                let x = SegArgs {
                    nseg,
                    seg_len,
                    segs: segs.as_ptr().add(i * nseg),
                    b: b.panels.as_ptr().add(p * k * NR),
                    bstride: k * NR,
                    bias: b.bias.as_ptr().add(p * NR),
                    c: cp.add(i * ldc + p * NR),
                    ldc,
                    cols: (b.n - p * NR).min(step * NR),
                    lo,
                    hi,
                };
                macro_rules! rows {
                    ($np:literal) => {
                        match mr {
                            12 => kern512_seg::<12, $np>(&x),
                            11 => kern512_seg::<11, $np>(&x),
                            10 => kern512_seg::<10, $np>(&x),
                            9 => kern512_seg::<9, $np>(&x),
                            8 => kern512_seg::<8, $np>(&x),
                            7 => kern512_seg::<7, $np>(&x),
                            6 => kern512_seg::<6, $np>(&x),
                            5 => kern512_seg::<5, $np>(&x),
                            4 => kern512_seg::<4, $np>(&x),
                            3 => kern512_seg::<3, $np>(&x),
                            2 => kern512_seg::<2, $np>(&x),
                            _ => kern512_seg::<1, $np>(&x),
                        }
                    };
                }
                if step == 2 {
                    rows!(2)
                } else {
                    rows!(1)
                }
                p += step;
            }
            i += mr;
        }
    }

    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    #[inline]
    unsafe fn kern512_seg<const MR: usize, const NP: usize>(x: &SegArgs) {
        let mut acc = [[_mm512_setzero_ps(); NP]; MR];
        for j in 0..NP {
            let bv = _mm512_loadu_ps(x.bias.add(j * NR));
            for row in acc.iter_mut() {
                row[j] = bv;
            }
        }
        let mut bptr = x.b;
        for s in 0..x.nseg {
            let mut rows = [std::ptr::null::<f32>(); MR];
            for (i, r) in rows.iter_mut().enumerate() {
                *r = *x.segs.add(i * x.nseg + s);
            }
            for t in 0..x.seg_len {
                let mut bv = [_mm512_setzero_ps(); NP];
                for (j, v) in bv.iter_mut().enumerate() {
                    *v = _mm512_loadu_ps(bptr.add(j * x.bstride));
                }
                for (i, row) in acc.iter_mut().enumerate() {
                    let av = _mm512_set1_ps(*rows[i].add(t));
                    for j in 0..NP {
                        row[j] = _mm512_fmadd_ps(av, bv[j], row[j]);
                    }
                }
                bptr = bptr.add(NR);
            }
        }
        let lo = _mm512_set1_ps(x.lo);
        let hi = _mm512_set1_ps(x.hi);
        for (i, row) in acc.iter().enumerate() {
            let crow = x.c.add(i * x.ldc);
            for (j, &v) in row.iter().enumerate() {
                let v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
                let valid = x.cols.saturating_sub(j * NR).min(NR);
                if valid == NR {
                    _mm512_storeu_ps(crow.add(j * NR), v);
                } else if valid > 0 {
                    let mask: __mmask16 = ((1u32 << valid) - 1) as __mmask16;
                    _mm512_mask_storeu_ps(crow.add(j * NR), mask, v);
                }
            }
        }
    }

    struct Args {
        k: usize,
        a: *const f32,
        lda: usize,
        b: *const f32,
        bstride: usize,
        bias: *const f32,
        c: *mut f32,
        ldc: usize,
        cols: usize,
        lo: f32,
        hi: f32,
    }

    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    unsafe fn dispatch512(mr: usize, np: usize, x: &Args) {
        macro_rules! rows {
            ($np:literal) => {
                match mr {
                    1 => kern512::<1, $np>(x),
                    2 => kern512::<2, $np>(x),
                    3 => kern512::<3, $np>(x),
                    4 => kern512::<4, $np>(x),
                    5 => kern512::<5, $np>(x),
                    6 => kern512::<6, $np>(x),
                    7 => kern512::<7, $np>(x),
                    8 => kern512::<8, $np>(x),
                    9 => kern512::<9, $np>(x),
                    10 => kern512::<10, $np>(x),
                    11 => kern512::<11, $np>(x),
                    _ => kern512::<12, $np>(x),
                }
            };
        }
        match np {
            1 => rows!(1),
            2 => rows!(2),
            3 => match mr {
                1 => kern512::<1, 3>(x),
                2 => kern512::<2, 3>(x),
                _ => kern512::<3, 3>(x),
            },
            _ => match mr {
                1 => kern512::<1, 4>(x),
                2 => kern512::<2, 4>(x),
                _ => kern512::<3, 4>(x),
            },
        }
    }

    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    #[inline]
    unsafe fn kern512<const MR: usize, const NP: usize>(x: &Args) {
        let mut acc = [[_mm512_setzero_ps(); NP]; MR];
        for j in 0..NP {
            let bv = _mm512_loadu_ps(x.bias.add(j * NR));
            for row in acc.iter_mut() {
                row[j] = bv;
            }
        }
        let mut bptr = x.b;
        for kk in 0..x.k {
            let mut bv = [_mm512_setzero_ps(); NP];
            for (j, v) in bv.iter_mut().enumerate() {
                *v = _mm512_loadu_ps(bptr.add(j * x.bstride));
            }
            for (i, row) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_ps(*x.a.add(i * x.lda + kk));
                for j in 0..NP {
                    row[j] = _mm512_fmadd_ps(av, bv[j], row[j]);
                }
            }
            bptr = bptr.add(NR);
        }
        let lo = _mm512_set1_ps(x.lo);
        let hi = _mm512_set1_ps(x.hi);
        for (i, row) in acc.iter().enumerate() {
            let crow = x.c.add(i * x.ldc);
            for (j, &v) in row.iter().enumerate() {
                let v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
                let valid = x.cols.saturating_sub(j * NR).min(NR);
                if valid == NR {
                    _mm512_storeu_ps(crow.add(j * NR), v);
                } else if valid > 0 {
                    let mask: __mmask16 = ((1u32 << valid) - 1) as __mmask16;
                    _mm512_mask_storeu_ps(crow.add(j * NR), mask, v);
                }
            }
        }
    }

    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn gemm_avx2(
        m: usize,
        a: &[f32],
        lda: usize,
        b: &PackedB,
        c: &mut [f32],
        ldc: usize,
        lo: f32,
        hi: f32,
    ) {
        let k = b.k;
        let np = PackedB::num_panels(b.n);
        let ap = a.as_ptr();
        let cp = c.as_mut_ptr();
        let mut i = 0;
        while i < m {
            let mr = (m - i).min(MR256);
            for p in 0..np {
                let cols = (b.n - p * NR).min(NR);
                let args = Args {
                    k,
                    a: ap.add(i * lda),
                    lda,
                    b: b.panels.as_ptr().add(p * k * NR),
                    bstride: k * NR,
                    bias: b.bias.as_ptr().add(p * NR),
                    c: cp.add(i * ldc + p * NR),
                    ldc,
                    cols,
                    lo,
                    hi,
                };
                match mr {
                    1 => kern256::<1>(&args),
                    2 => kern256::<2>(&args),
                    3 => kern256::<3>(&args),
                    4 => kern256::<4>(&args),
                    5 => kern256::<5>(&args),
                    _ => kern256::<6>(&args),
                }
            }
            i += mr;
        }
    }

    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn kern256<const MR: usize>(x: &Args) {
        let mut acc = [[_mm256_setzero_ps(); 2]; MR];
        let b0 = _mm256_loadu_ps(x.bias);
        let b1 = _mm256_loadu_ps(x.bias.add(8));
        for row in acc.iter_mut() {
            row[0] = b0;
            row[1] = b1;
        }
        let mut bptr = x.b;
        for kk in 0..x.k {
            let v0 = _mm256_loadu_ps(bptr);
            let v1 = _mm256_loadu_ps(bptr.add(8));
            for (i, row) in acc.iter_mut().enumerate() {
                let av = _mm256_set1_ps(*x.a.add(i * x.lda + kk));
                row[0] = _mm256_fmadd_ps(av, v0, row[0]);
                row[1] = _mm256_fmadd_ps(av, v1, row[1]);
            }
            bptr = bptr.add(NR);
        }
        let lo = _mm256_set1_ps(x.lo);
        let hi = _mm256_set1_ps(x.hi);
        for (i, row) in acc.iter().enumerate() {
            let crow = x.c.add(i * x.ldc);
            let r0 = _mm256_min_ps(_mm256_max_ps(row[0], lo), hi);
            let r1 = _mm256_min_ps(_mm256_max_ps(row[1], lo), hi);
            if x.cols == NR {
                _mm256_storeu_ps(crow, r0);
                _mm256_storeu_ps(crow.add(8), r1);
            } else {
                let mut tmp = [0.0f32; NR];
                _mm256_storeu_ps(tmp.as_mut_ptr(), r0);
                _mm256_storeu_ps(tmp.as_mut_ptr().add(8), r1);
                std::ptr::copy_nonoverlapping(tmp.as_ptr(), crow, x.cols);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(m: usize, n: usize, k: usize, a: &[f32], w: &[f32], bias: &[f32]) -> Vec<f32> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = bias[j] as f64;
                for kk in 0..k {
                    s += a[i * k + kk] as f64 * w[j * k + kk] as f64;
                }
                c[i * n + j] = s as f32;
            }
        }
        c
    }

    #[test]
    fn matches_reference_on_awkward_sizes() {
        for &(m, n, k) in &[
            (1, 1, 1),
            (13, 17, 5),
            (25, 40, 33),
            (2, 70, 9),
            (12, 32, 64),
            (3, 63, 7),
        ] {
            let a: Vec<f32> = (0..m * k)
                .map(|i| ((i * 7 % 13) as f32 - 6.0) * 0.1)
                .collect();
            let w: Vec<f32> = (0..n * k)
                .map(|i| ((i * 5 % 11) as f32 - 5.0) * 0.1)
                .collect();
            let bias: Vec<f32> = (0..n).map(|i| i as f32 * 0.01).collect();
            let packed = PackedB::from_nk(&w, n, k, Some(&bias));
            let mut c = vec![f32::NAN; m * n];
            gemm(
                m,
                &a,
                k,
                &packed,
                &mut c,
                n,
                f32::NEG_INFINITY,
                f32::INFINITY,
            );
            let r = reference(m, n, k, &a, &w, &bias);
            for (x, y) in c.iter().zip(&r) {
                assert!((x - y).abs() < 1e-4, "{m}x{n}x{k}: {x} vs {y}");
            }
            let mut c2 = vec![0.0; m * n];
            gemm_portable(m, &a, k, &packed, &mut c2, n, 0.0, 0.5);
            for (x, y) in c2.iter().zip(&r) {
                assert!((x - y.clamp(0.0, 0.5)).abs() < 1e-4);
            }
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;

    /// `cargo test --release -p tqopt-interp gemm_speed -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn gemm_speed() {
        for &(m, k, n) in &[
            (3136, 96, 96),
            (3136, 16, 96),
            (12544, 27, 24),
            (196, 56, 336),
            (49, 576, 96),
            (9216, 27, 16),
            (9216, 16, 16),
            (12544, 24, 8),
        ] {
            let a: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32).collect();
            let w: Vec<f32> = (0..n * k).map(|i| (i % 5) as f32).collect();
            let p = PackedB::from_nk(&w, n, k, None);
            let mut c = vec![0.0; m * n];
            let runs = 100;
            let t = std::time::Instant::now();
            for _ in 0..runs {
                gemm(m, &a, k, &p, &mut c, n, f32::MIN, f32::MAX);
            }
            let dt = t.elapsed().as_secs_f64() / runs as f64;
            println!(
                "{m}x{k}x{n}: {:.4} ms, {:.1} GMAC/s",
                dt * 1e3,
                (m * k * n) as f64 / dt / 1e9
            );
        }
    }
}
