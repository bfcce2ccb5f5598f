//! Float `tfl.logistic`, `tfl.tanh`, `tfl.gelu` and `tfl.rsqrt` as XNNPACK computes them
//! (LiteRT's default path), to the bit.
//!
//! A float sigmoid or tanh feeding a hybrid op (squeeze-and-excite gates, SiLU, a recurrent
//! cell kept float) is quantized on the fly by LiteRT, or feeds a quantize op, so an ulp can
//! move a value across a rounding boundary; std's `exp` and `tanh` differed from LiteRT by up to
//! 2 and 4 ulps on a fifth and a third of the values in [-20, 20].
//!
//! **Sigmoid** (XNNPACK's AVX-512 "rr2, lut32, p2, scalef, div" kernel), for `z = -|x|`:
//! - `n = fma(z, log2(e), 1.5 · 2^18)`, whose low 5 bits (the float's bits) index a table of
//!   `2^(j/32)` (f32, correctly rounded); `n` minus the bias is `z · log2(e)` rounded to 1/32;
//! - `t = fma(n, -ln2_hi, z)`, `t = fma(n, ln2_lo', t)` (two-step range reduction);
//! - `p = fma(t, 1/2, c1)`, `p = fma(t · l, p, l)` (degree-2 polynomial times the table value);
//! - `e = p · 2^floor(n)` (flushed to 0 when subnormal: LiteRT runs with denormals off);
//! - `f = e / (e + 1)`, and `1 - f` when `x` has no sign bit.
//!
//! Measured against ai-edge-litert 2.3.0 on 4096 points in [-20, 20] and 4096 in [-100, 100]:
//! every result equal.
//!
//! CPUs with AVX2 and FMA but no AVX-512 run XNNPACK's "avx2, rr1, p5, div" kernel instead:
//! - `n = fma(z, log2(e), 0x1.8000FEp23)`, whose float bits shifted left by 23 are `s =
//!   2^round(z · log2(e))`; `n` minus the bias is that integer;
//! - `t = fma(n, -ln2, z)` (one-step range reduction);
//! - `p = c1 + t·(c2 + t·(c3 + t·(c4 + t·c5)))` by fused multiply-adds from `c5`;
//! - `e = fma(t · s, p, s)` (a subnormal `t · s` or `e` flushed to 0: LiteRT runs with
//!   flush-to-zero, so just above the cutoff the result is exactly `s`), `f = e / (e + 1)`, 0
//!   when `z` is below the cutoff -0x1.5D589Ep6, and `1 - f` when `x` has no sign bit.
//!
//! Measured against ai-edge-litert 2.3.0 on an AMD EPYC with AVX2 (2026-12-06) on 8192 points
//! (4096 in [-20, 20], the rest in [-100, 100]): every result equal, where the AVX-512 form
//! differed on 2670 and std's `exp` on 2500. Other CPUs (XNNPACK's AVX or SSE kernels, not
//! modelled) get the AVX-512 form's shape with std's `exp` ([`sigmoid_portable`]).
//!
//! **Tanh** (XNNPACK's "rational 9/8" kernel): `x` clamped to ±7.9807181358, then
//! `x · P(x²) / Q(x²)` with `P = 1 + a3 x² + a5 x⁴ + a7 x⁶ + a9 x⁸` and `Q = 1 + b2 x² + ... +
//! b8 x⁸`, each by Horner's rule in fused multiply-adds from the highest coefficient. Measured
//! against ai-edge-litert 2.3.0 (AVX-512) on 4096 points in [-20, 20] and 4096 normal samples:
//! every result equal. Machines without FMA (XNNPACK's SSE kernels) get std's `tanh`.
//!
//! **GELU** (XNNPACK's "rational 12/10" kernels): `x` clamped to ±c, then `erf ≈ x · P(x²) /
//! Q(x²)` (degree 11 over 10, Horner in fused multiply-adds) and `(x · 0.5) · (erf + 1)` on
//! the unclamped `x`. The exact GELU (erf(x/√2)) and the tanh approximation have their own
//! coefficients and clamps. Measured against ai-edge-litert 2.3.0 on 4096 points each (a
//! linspace over [-8, 8] and normal samples): every result equal, where the f64 formulas
//! differed in 80%.

use super::simd::{level, Level};

/// log2(e) rounded to f32.
pub(crate) const LOG2E: f32 = f32::from_bits(0x3FB8_AA3B);
/// 1.5 · 2^18: adding it rounds to a multiple of 1/32 and leaves the multiple's index in the
/// low bits.
const MAGIC_BIAS: f32 = 393_216.0;
/// -ln(2) split in a high part with trailing zeros and the low remainder.
const MINUS_LN2_HI: f32 = f32::from_bits(0xBF31_7218);
const MINUS_LN2_LO: f32 = f32::from_bits(0x3102_E308);
/// The polynomial's coefficients: p(t) = 1 + t · (C1 + t · C2).
const C1: f32 = f32::from_bits(0x3F80_007B);
const C2: f32 = 0.5;

/// 2^(j/32) for j in 0..32, rounded to f32.
fn table() -> &'static [f32; 32] {
    static TABLE: std::sync::OnceLock<[f32; 32]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|j| 2f64.powf(j as f64 / 32.0) as f32))
}

/// XNNPACK's AVX-512 sigmoid of one value.
#[inline(always)]
pub(crate) fn sigmoid_avx512(x: f32) -> f32 {
    let z = -x.abs();
    let biased = z.mul_add(LOG2E, MAGIC_BIAS);
    let l = table()[(biased.to_bits() & 31) as usize];
    let n = biased - MAGIC_BIAS;
    let mut t = n.mul_add(MINUS_LN2_HI, z);
    t = n.mul_add(MINUS_LN2_LO, t);
    let p = t.mul_add(C2, C1);
    let p = (t * l).mul_add(p, l);
    let e = flush_subnormal((p as f64 * 2f64.powi(n.floor() as i32)) as f32);
    by_sign(x, e / (e + 1.0))
}

/// A sigmoid from `f = e^-|x| / (1 + e^-|x|)`: `f` itself for an `x` with the sign bit, `1 -
/// f` otherwise, as every XNNPACK sigmoid kernel finishes.
#[inline(always)]
fn by_sign(x: f32, f: f32) -> f32 {
    if x.is_sign_negative() {
        f
    } else {
        1.0 - f
    }
}

/// The constants of XNNPACK's AVX2 exponentials: the sigmoid's ("rr1, p5") and the float
/// softmax's ("rr2, p5", [`super::softmax`]), which share all but the range reduction.
pub(crate) mod avx2 {
    /// 1.5 · 2^23 + 127: adding it rounds to an integer and leaves it, biased for an f32
    /// exponent, in the low bits.
    pub const MAGIC_BIAS: f32 = f32::from_bits(0x4B40_007F);
    pub const MINUS_LN2: f32 = f32::from_bits(0xBF31_7218);
    /// -ln(2) split in a high part with trailing zeros and the low remainder, for the
    /// softmax's two-step range reduction.
    pub const MINUS_LN2_HI: f32 = f32::from_bits(0xBF31_7200);
    pub const MINUS_LN2_LO: f32 = f32::from_bits(0xB5BF_BE8E);
    /// The polynomial's coefficients c1..c5.
    pub const C: [f32; 5] = [
        f32::from_bits(0x3F7F_FFFB),
        f32::from_bits(0x3EFF_FEE3),
        f32::from_bits(0x3E2A_AD40),
        f32::from_bits(0x3D2B_9D0D),
        f32::from_bits(0x3C07_CFCE),
    ];
    /// Below this, `e^z` is subnormal and the result is 0.
    pub const DENORM_CUTOFF: f32 = f32::from_bits(0xC2AE_AC4F);
}

/// `v`, or a zero of its sign when it is subnormal (the CPU's flush-to-zero mode, which LiteRT
/// sets).
#[inline(always)]
fn flush_subnormal(v: f32) -> f32 {
    if v.is_subnormal() {
        0.0f32.copysign(v)
    } else {
        v
    }
}

/// XNNPACK's AVX2 sigmoid of one value.
#[inline(always)]
pub(crate) fn sigmoid_avx2(x: f32) -> f32 {
    let z = -x.abs();
    let biased = z.mul_add(LOG2E, avx2::MAGIC_BIAS);
    let s = f32::from_bits(biased.to_bits() << 23);
    let n = biased - avx2::MAGIC_BIAS;
    let t = n.mul_add(avx2::MINUS_LN2, z);
    let [c1, c2, c3, c4, c5] = avx2::C;
    let p = c5
        .mul_add(t, c4)
        .mul_add(t, c3)
        .mul_add(t, c2)
        .mul_add(t, c1);
    // LiteRT runs with subnormals flushed to zero: near the cutoff `t · s` is subnormal, and
    // `e` is then `s` itself.
    let e = flush_subnormal(flush_subnormal(t * s).mul_add(p, s));
    let f = if z < avx2::DENORM_CUTOFF {
        0.0
    } else {
        e / (e + 1.0)
    };
    by_sign(x, f)
}

/// The numerator's and the denominator's coefficients of XNNPACK's rational tanh, in x², lowest
/// first.
#[allow(clippy::excessive_precision)]
const TANH_P: [f32; 5] = [
    1.0,
    1.3412411511e-01,
    3.5330520477e-03,
    2.1235626264e-05,
    1.4248920266e-08,
];
#[allow(clippy::excessive_precision)]
const TANH_Q: [f32; 5] = [
    1.0,
    4.6745735407e-01,
    2.6018999517e-02,
    3.3472978976e-04,
    8.1365948290e-07,
];
/// Beyond this the rational form is clamped (its value there rounds to ±1).
#[allow(clippy::excessive_precision)]
const TANH_CLAMP: f32 = 7.9807181358e+00;

/// XNNPACK's rational tanh of one value.
#[inline(always)]
pub(crate) fn tanh_rational(x: f32) -> f32 {
    let v = x.clamp(-TANH_CLAMP, TANH_CLAMP);
    let v2 = v * v;
    (v * horner_fma(v2, &TANH_P)) / horner_fma(v2, &TANH_Q)
}

/// `c[0] + x · (c[1] + x · (... + x · c[n-1]))` in fused multiply-adds from the highest
/// coefficient, as XNNPACK's rational kernels evaluate their polynomials (`c` has at least two
/// coefficients).
#[inline(always)]
fn horner_fma(x: f32, c: &[f32]) -> f32 {
    let n = c.len();
    let mut acc = x.mul_add(c[n - 1], c[n - 2]);
    for &coefficient in c[..n - 2].iter().rev() {
        acc = x.mul_add(acc, coefficient);
    }
    acc
}

/// Applies `f` to every element in a loop compiled with FMA (the caller checked that the CPU
/// has it), so that the `mul_add`s of the inlined scalar forms are single instructions:
/// compiled for the baseline x86-64 target, each was a call to libm's `fmaf`, a fifth of
/// BirdNET's precision search (58 float sigmoids). Both are fused: the results are the same.
fn map_with_fma(v: &mut [f32], f: impl Fn(f32) -> f32) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn fma_loop(v: &mut [f32], f: impl Fn(f32) -> f32) {
            for x in v.iter_mut() {
                *x = f(*x);
            }
        }
        if level() >= Level::Avx2 {
            // SAFETY: `level` reported AVX2 and FMA on this CPU.
            return unsafe { fma_loop(v, f) };
        }
    }
    v.iter_mut().for_each(|x| *x = f(*x));
}

/// The float tanh LiteRT's default interpreter computes on this CPU.
pub(crate) fn tanh(v: &mut [f32]) {
    if level() >= Level::Avx2 {
        map_with_fma(v, tanh_rational);
    } else {
        v.iter_mut().for_each(|x| *x = x.tanh());
    }
}

/// One of XNNPACK's GELU rational forms: the clamp, the numerator's odd coefficients (x¹ to
/// x¹¹) and the denominator's even ones (1 to x¹⁰).
struct GeluRational {
    clamp: f32,
    p: [f32; 6],
    q: [f32; 6],
}

/// GELU with erf(x / √2).
#[allow(clippy::excessive_precision)]
const GELU_EXACT: GeluRational = GeluRational {
    clamp: 5.1638283730e+00,
    p: [
        7.9788452387e-01,
        6.6972173750e-02,
        9.3065137044e-03,
        3.2973114867e-04,
        1.2609783880e-05,
        4.5835321316e-08,
    ],
    q: [
        1.0,
        2.5060352683e-01,
        2.8431978077e-02,
        1.8622842617e-03,
        7.2267655923e-05,
        1.1988805682e-06,
    ],
};

/// GELU with the tanh approximation.
#[allow(clippy::excessive_precision)]
const GELU_APPROXIMATE: GeluRational = GeluRational {
    clamp: 4.84974098e+00,
    p: [
        7.9788458347e-01,
        6.0803253204e-02,
        7.2898347862e-03,
        2.6887017884e-04,
        1.4302649106e-05,
        4.9544411240e-08,
    ],
    q: [
        1.0,
        2.4369759858e-01,
        2.4381054565e-02,
        1.3060354395e-03,
        7.6477612311e-05,
        1.3433452750e-06,
    ],
};

/// XNNPACK's rational GELU of one value.
#[inline(always)]
pub(crate) fn gelu_rational(x: f32, approximate: bool) -> f32 {
    let r = if approximate {
        &GELU_APPROXIMATE
    } else {
        &GELU_EXACT
    };
    let v = x.clamp(-r.clamp, r.clamp);
    let v2 = v * v;
    let erf = (v * horner_fma(v2, &r.p)) / horner_fma(v2, &r.q);
    (x * 0.5) * (erf + 1.0)
}

/// GELU from its formula in f64: exact with erf, or the tanh approximation (where there is no
/// FMA, and so no rational kernel modelled here).
fn gelu_portable(x: f32, approximate: bool) -> f32 {
    let x = x as f64;
    let y = if approximate {
        let c = (2.0 / std::f64::consts::PI).sqrt();
        0.5 * x * (1.0 + (c * (x + 0.044715 * x * x * x)).tanh())
    } else {
        0.5 * x * (1.0 + super::unary::erf(x / std::f64::consts::SQRT_2))
    };
    y as f32
}

/// The float GELU LiteRT's default interpreter computes on this CPU.
pub(crate) fn gelu(v: &mut [f32], approximate: bool) {
    if level() >= Level::Avx2 {
        map_with_fma(v, |x| gelu_rational(x, approximate));
    } else {
        v.iter_mut()
            .for_each(|x| *x = gelu_portable(*x, approximate));
    }
}

/// The float RSQRT LiteRT's default interpreter computes on this CPU. XNNPACK takes the CPU's
/// own reciprocal square root estimate `t` (`rsqrtps`; `rsqrt14` with AVX-512) and one
/// Newton-Raphson step written so that every operation rounds on its own: `t - (0.5 · t) ·
/// (x · (t · t) - 1)`, then 0 where `x` is +inf. The estimate's bits differ between CPU
/// makers, so only the instruction itself gives them. Measured against ai-edge-litert 2.3.0 on
/// an AMD EPYC with AVX2 (2026-12-07) on 4099 positive values over twelve octaves: every result
/// equal, where `1 / sqrt(x)` (LiteRT's builtin kernel) differed on 1261, by an ulp, and a
/// ConvNeXt block's layer norms passed such ulps on to hybrid ops that quantize on the fly.
/// The AVX-512 form follows the same XNNPACK template and was not measured. Other CPUs get
/// `1 / sqrt(x)`.
pub(crate) fn rsqrt(v: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    match level() {
        // SAFETY: `level` reported the instructions each form uses.
        Level::Avx512 => return unsafe { x86_rsqrt::avx512(v) },
        Level::Avx2 => return unsafe { x86_rsqrt::avx(v) },
        Level::Baseline => {}
    }
    v.iter_mut().for_each(|x| *x = 1.0 / x.sqrt());
}

#[cfg(target_arch = "x86_64")]
mod x86_rsqrt {
    use std::arch::x86_64::*;

    /// Runs `step` over `v` in vectors of `N` (a short tail through a copy padded with ones:
    /// each lane's result depends on its own input only).
    #[inline(always)]
    unsafe fn by_vectors<const N: usize>(v: &mut [f32], step: impl Fn(*const f32, *mut f32)) {
        let mut chunks = v.chunks_exact_mut(N);
        for c in &mut chunks {
            step(c.as_ptr(), c.as_mut_ptr());
        }
        let tail = chunks.into_remainder();
        if !tail.is_empty() {
            let mut pad = [1.0f32; N];
            pad[..tail.len()].copy_from_slice(tail);
            step(pad.as_ptr(), pad.as_mut_ptr());
            let n = tail.len();
            tail.copy_from_slice(&pad[..n]);
        }
    }

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn avx(v: &mut [f32]) {
        by_vectors::<8>(v, |src, dst| {
            let x = _mm256_loadu_ps(src);
            let t = _mm256_rsqrt_ps(x);
            let t1 = _mm256_mul_ps(t, t);
            let t2 = _mm256_mul_ps(x, t1);
            let t3 = _mm256_sub_ps(t2, _mm256_set1_ps(1.0));
            let t4 = _mm256_mul_ps(_mm256_set1_ps(0.5), t);
            let y = _mm256_sub_ps(t, _mm256_mul_ps(t3, t4));
            let inf = _mm256_cmp_ps::<_CMP_EQ_OQ>(_mm256_set1_ps(f32::INFINITY), x);
            _mm256_storeu_ps(dst, _mm256_andnot_ps(inf, y));
        });
    }

    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn avx512(v: &mut [f32]) {
        by_vectors::<16>(v, |src, dst| {
            let x = _mm512_loadu_ps(src);
            let t = _mm512_rsqrt14_ps(x);
            let t1 = _mm512_mul_ps(t, t);
            let t2 = _mm512_mul_ps(x, t1);
            let t3 = _mm512_sub_ps(t2, _mm512_set1_ps(1.0));
            let t4 = _mm512_mul_ps(_mm512_set1_ps(0.5), t);
            let y = _mm512_sub_ps(t, _mm512_mul_ps(t3, t4));
            let finite = _mm512_cmp_ps_mask::<_CMP_NEQ_UQ>(_mm512_set1_ps(f32::INFINITY), x);
            _mm512_storeu_ps(dst, _mm512_maskz_mov_ps(finite, y));
        });
    }
}

/// Below this, `e^x` is subnormal, and LiteRT's sigmoid returns 0.
const SIGMOID_ZERO_BELOW: f32 = -87.336_54;

/// 1 / (1 + e^-x) in XNNPACK's form, `f = e^-|x| / (1 + e^-|x|)` and `1 - f` for non-negative
/// x, with std's `exp`. Taking `1 - f` for negative x instead rounded every result under about
/// 1e-4 to a multiple of 2^-24 (pose_landmark_lite's presence score, 2.3805e-6 in LiteRT,
/// came out as 2.3842e-6 for both the float and the quantized model).
pub(crate) fn sigmoid_portable(x: f32) -> f32 {
    let e = (-x.abs()).exp();
    let f = e / (1.0 + e);
    if x < SIGMOID_ZERO_BELOW {
        0.0
    } else {
        by_sign(x, f)
    }
}

/// The float sigmoid LiteRT's default interpreter computes on this CPU.
pub(crate) fn sigmoid(v: &mut [f32]) {
    match level() {
        Level::Avx512 => map_with_fma(v, sigmoid_avx512),
        Level::Avx2 => map_with_fma(v, sigmoid_avx2),
        _ => v.iter_mut().for_each(|x| *x = sigmoid_portable(*x)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// LiteRT's GELU (ai-edge-litert 2.3.0, AVX-512) on these inputs, as bits: (x, exact,
    /// approximate).
    const GELU_LITERT: [(f32, u32, u32); 9] = [
        (-6.0, 0x8000_0000, 0x8000_0000),
        (-2.5, 0xBC7E_5920, 0xBC77_2420),
        (-0.3, 0xBDEA_C158, 0xBDEA_C2A7),
        (0.0, 0x0000_0000, 0x0000_0000),
        (0.01, 0x3BA5_25B0, 0x3BA5_25B0),
        (0.7, 0x3F07_D712, 0x3F07_D372),
        (1.9, 0x3FEC_3754, 0x3FEC_37BF),
        (4.9, 0x409C_CCC8, 0x409C_CCCD),
        (7.5, 0x40F0_0000, 0x40F0_0000),
    ];

    #[test]
    fn the_table_is_xnnpacks() {
        // Spot values of XNNPACK's table (its hexadecimal float constants).
        assert_eq!(table()[0], 1.0);
        assert_eq!(table()[1].to_bits(), 0x3F82_CD87);
        assert_eq!(table()[16].to_bits(), 0x3FB5_04F3);
        assert_eq!(table()[31].to_bits(), 0x3FFA_83B3);
    }

    #[test]
    fn matches_litert_values() {
        // LiteRT (ai-edge-litert 2.3.0, AVX-512) on these inputs, as bits.
        for (x, want) in [
            (-20.0f32, 0x310D_A433u32),
            (-3.3f32, 0x3D11_B319),
            (0.0f32, 0x3F00_0000),
            (0.7f32, 0x3F2B_0E5A),
            (5.5f32, 0x3F7E_F542),
            (-100.0f32, 0),
        ] {
            assert_eq!(sigmoid_avx512(x).to_bits(), want, "sigmoid({x})");
        }
    }

    #[test]
    fn avx2_sigmoid_matches_litert_values() {
        // LiteRT (ai-edge-litert 2.3.0, AVX2 + FMA, no AVX-512) on these inputs, as bits. Near
        // -87 flush-to-zero leaves e^x = 2^n exactly (2^-126, 2^-125).
        for (x, want) in [
            (-20.0f32, 0x310D_A432u32),
            (-3.3, 0x3D11_B319),
            (0.0, 0x3F00_0000),
            (0.7, 0x3F2B_0E5B),
            (5.5, 0x3F7E_F542),
            (-100.0, 0),
            (-87.0, 0x0080_0000),
            (-87.5, 0),
            (12.25, 0x3F7F_FFB0),
            (-0.001, 0x3EFF_DF3B),
        ] {
            assert_eq!(sigmoid_avx2(x).to_bits(), want, "sigmoid({x})");
        }
    }

    #[test]
    fn tanh_matches_litert_values() {
        // LiteRT (ai-edge-litert 2.3.0, AVX-512) on these inputs, as bits; the correctly
        // rounded tanh has other last bits for -3.3, 0.7 and 0.01.
        for (x, want) in [
            (-20.0f32, 0xBF80_0000u32),
            (-3.3f32, 0xBF7F_4DEF),
            (0.0f32, 0),
            (0.7f32, 0x3F1A_B7D8),
            (0.01f32, 0x3C23_D5A5),
            (5.5f32, 0x3F7F_FDD0),
        ] {
            assert_eq!(tanh_rational(x).to_bits(), want, "tanh({x})");
        }
    }

    #[test]
    fn gelu_matches_litert_values() {
        for (x, exact, approximate) in GELU_LITERT {
            assert_eq!(gelu_rational(x, false).to_bits(), exact, "gelu({x})");
            assert_eq!(
                gelu_rational(x, true).to_bits(),
                approximate,
                "approximate gelu({x})"
            );
        }
    }

    #[test]
    fn both_forms_agree_within_two_ulps_and_saturate() {
        for i in -2000..=2000 {
            let x = i as f32 * 0.01;
            let (a, b) = (sigmoid_avx512(x), sigmoid_portable(x));
            assert!(
                (a.to_bits() as i64 - b.to_bits() as i64).abs() <= 2,
                "x = {x}: {a} vs {b}"
            );
        }
        assert_eq!(sigmoid_avx512(-100.0), 0.0);
        assert_eq!(sigmoid_avx512(100.0), 1.0);
    }
}
