//! CPU feature dispatch for the hot loops.
//!
//! The crate is built for the baseline x86-64 target, so wide vectors have to be enabled per
//! function. [`multiversion!`] compiles a loop body three times (AVX-512, AVX2+FMA, baseline)
//! and picks one at run time from [`level`], which is detected once. Bodies are written as plain
//! slice loops that LLVM vectorizes; `f32::mul_add` in them becomes an FMA instruction in the
//! AVX versions.

use std::sync::OnceLock;

/// The widest vector instruction set the CPU offers.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Baseline,
    /// AVX2 and FMA (x86-64-v3).
    Avx2,
    /// AVX-512 F/VL/BW/DQ (x86-64-v4).
    Avx512,
}

/// The level this CPU supports (detected once).
#[inline]
pub(crate) fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(detect)
}

/// `TQOPT_INTERP_NO_SIMD=1` picks the portable loops and `TQOPT_INTERP_SIMD=avx2` caps the
/// level at AVX2, so that every path can be tested on one machine.
fn detect() -> Level {
    if std::env::var_os("TQOPT_INTERP_NO_SIMD").is_some() {
        return Level::Baseline;
    }
    let cap_avx2 = std::env::var("TQOPT_INTERP_SIMD").is_ok_and(|v| v == "avx2");
    #[cfg(target_arch = "x86_64")]
    {
        if cap_avx2
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            return Level::Avx2;
        }
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("fma")
        {
            return Level::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Level::Avx2;
        }
    }
    let _ = cap_avx2;
    Level::Baseline
}

/// Defines a function whose body is compiled for AVX-512, AVX2+FMA and the baseline, picking
/// the best at run time. The body must be safe code; the signature may not be generic.
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn v4($($arg: $ty),*) $(-> $ret)? { body($($arg),*) }
                #[target_feature(enable = "avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn v3($($arg: $ty),*) $(-> $ret)? { body($($arg),*) }
                match $crate::kernels::simd::level() {
                    // SAFETY: `level` reported these features on this CPU.
                    $crate::kernels::simd::Level::Avx512 => return unsafe { v4($($arg),*) },
                    $crate::kernels::simd::Level::Avx2 => return unsafe { v3($($arg),*) },
                    $crate::kernels::simd::Level::Baseline => {}
                }
            }
            body($($arg),*)
        }
    };
}
pub(crate) use multiversion;

multiversion! {
    /// Clamps every element to [lo, hi] (NaN stays NaN, as TFLite's min/max chain leaves it).
    pub(crate) fn clamp(data: &mut [f32], lo: f32, hi: f32) {
        for x in data.iter_mut() {
            let v = *x;
            let v = if v < lo { lo } else { v };
            *x = if v > hi { hi } else { v };
        }
    }
}

multiversion! {
    /// The dot product of two slices.
    pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc = [0.0f32; 16];
        let chunks = n / 16;
        for c in 0..chunks {
            for l in 0..16 {
                acc[l] = a[c * 16 + l].mul_add(b[c * 16 + l], acc[l]);
            }
        }
        let mut s = 0.0;
        for i in chunks * 16..n {
            s = a[i].mul_add(b[i], s);
        }
        acc.iter().sum::<f32>() + s
    }
}
