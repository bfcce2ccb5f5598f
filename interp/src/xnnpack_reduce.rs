//! int8 and uint8 `tfl.mean` and `tfl.sum` as LiteRT's default interpreter computes them:
//! its XNNPACK delegate takes every 8-bit per-tensor MEAN and SUM with constant axes, and
//! XNNPACK reduces the storage integers, then converts the int32 sum in f32.
//!
//! With `n` values per result, `r = in_scale / out_scale` and, for a mean, `r = r · (1 / n)`
//! (each rounded to f32), XNNPACK folds the input zero point into the output's:
//! `zp = out_zp - (n · in_zp) · r` (f32), then `out = round_ties_even(sum · r + zp)`, clamped
//! to the storage range (`sum` is the plain sum of the storage integers, zero points
//! included).
//!
//! **16-bit partial sums on AVX2.** XNNPACK sums a reduction whose last (non-unit) axis is
//! reduced with its `rsum` kernel, once per contiguous run of reduced values. On a CPU with
//! AVX2 but neither AVX-512 nor AVX-VNNI it takes `qs8_rsum_ukernel__avx2_u64_acc2`, which adds
//! pairs of int8 values into 32 int16 lanes and widens them to int32 only every 16384 values
//! (and at the end of a run), so each lane then holds up to 512 values, and its sum wraps past
//! ±32767. A run of 8256 values or more can come out wrong by multiples of 65536: a GroupNorm
//! exported by litert-torch (NCHW, a mean over 16384 squared deviations near the zero point
//! -128) gave 127 where the exact mean is 14 (measured against ai-edge-litert 2.3.0 on an AMD
//! EPYC with AVX2, 2026-12-07). [`run_sum`] reproduces the lanes when the interpreter runs at
//! the AVX2 level ([`crate::kernels::simd::level`]); uint8 sums (`psadbw`, int32) are exact.
//!
//! Float emulation (dequantize, reduce, quantize) and LiteRT's builtin formula (zero points
//! taken out first, halves rounded away from zero) each missed near ties: a RegNet's
//! squeeze-and-excitation means were 1 step off on 1 to 3 values of 208 on some photos, and
//! the builtin formula differed from LiteRT on 25 of 72 one-op cases where this one differed
//! on none (measured against ai-edge-litert 2.3.0, 2026-12-07).

use tqopt_ir::{Module, OpId};

use crate::builtin8::{eight_bit_params, eight_bit_values};
use crate::error::KResult;
use crate::kernels::reduce::{reduce, reduced_axes, reduced_count, reduced_shape, Red};
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{DType, Tensor, TensorData};

/// XNNPACK's AVX2 kernel widens its int16 lanes to int32 every this many values.
const LANE_CHUNK: usize = 16384;
/// Runs shorter than this never wrap: each int16 lane then holds at most 256 int8 values.
/// (`split-reduction` in tqopt-passes keeps every int8 run below it.)
pub const EXACT_RUN: usize = 8256;

/// The sum of one contiguous run of int8 values as XNNPACK's AVX2 `rsum` kernel computes it:
/// in chunks of [`LANE_CHUNK`], then the rest in 64-value steps, each value added to int16
/// lane `16 · (block of 32 mod 2) + (offset in block) / 2`, wrapping; the lanes summed in
/// int32 after each part; the last values (fewer than 64) cannot wrap.
fn run_sum(run: &[i32]) -> i32 {
    let mut total = 0i32;
    let lanes_sum = |part: &[i32]| {
        let mut lanes = [0i16; 32];
        for (i, &v) in part.iter().enumerate() {
            let lane = 16 * ((i / 32) % 2) + (i % 32) / 2;
            lanes[lane] = lanes[lane].wrapping_add(v as i16);
        }
        lanes.iter().map(|&l| l as i32).sum::<i32>()
    };
    let mut rest = run;
    while rest.len() >= LANE_CHUNK {
        total = total.wrapping_add(lanes_sum(&rest[..LANE_CHUNK]));
        rest = &rest[LANE_CHUNK..];
    }
    let steps = rest.len() / 64 * 64;
    total = total.wrapping_add(lanes_sum(&rest[..steps]));
    total.wrapping_add(rest[steps..].iter().sum::<i32>())
}

/// Whether LiteRT's XNNPACK on this CPU sums int8 runs in int16 lanes (see the module doc):
/// the interpreter's AVX2 level, without AVX-VNNI.
fn wraps_int16_lanes() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        crate::kernels::simd::level() == crate::kernels::simd::Level::Avx2
            && !std::arch::is_x86_feature_detected!("avxvnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The length of the contiguous runs XNNPACK's `rsum` kernel sums, when the last axis is
/// reduced: the product of the trailing reduced axes (XNNPACK merges adjacent reduced axes and
/// keeps axes of size 1, so a kept last axis of size 1 makes the reduction discontiguous), and
/// the number of those axes; `None` when the last axis is kept.
fn contiguous_run(shape: &[usize], reduced: &[bool]) -> Option<(usize, usize)> {
    let axes = reduced.iter().rev().take_while(|&&r| r).count();
    let run = shape[shape.len() - axes..].iter().product();
    (axes > 0).then_some((run, axes))
}

/// The int32 sums of an int8 reduction as XNNPACK forms them on this CPU: exact, or with
/// each contiguous run summed in wrapping int16 lanes ([`run_sum`]).
fn storage_sums(wide: &[i32], shape: &[usize], reduced: &[bool], int8: bool) -> Vec<i32> {
    if int8 && wraps_int16_lanes() {
        if let Some((run, axes)) = contiguous_run(shape, reduced) {
            if run >= EXACT_RUN {
                let outer = &shape[..shape.len() - axes];
                let runs: Vec<i32> = wide.chunks(run).map(run_sum).collect();
                return reduce(Red::Sum, &runs, outer, &reduced[..outer.len()]);
            }
        }
    }
    reduce(Red::Sum, wide, shape, reduced)
}

/// The f32 multiplier and zero point XNNPACK converts a reduction's int32 sum with.
fn conversion(mean: bool, count: usize, in_params: (f32, i32), out_zp: i32) -> (f32, f32) {
    let (ratio, in_zp) = in_params;
    let ratio = if mean {
        ratio * (1.0f32 / count as f32)
    } else {
        ratio
    };
    let zero_point = out_zp as f32 - (count as f32 * in_zp as f32) * ratio;
    (ratio, zero_point)
}

/// The kernel of `op` when it is an 8-bit MEAN or SUM with constant axes whose input and
/// result share a storage type.
pub(crate) fn build(
    m: &Module,
    op: OpId,
    consts: &[Option<&Tensor>],
) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let mean = match data.name.as_str() {
        "tfl.mean" => true,
        "tfl.sum" => false,
        _ => return None,
    };
    let (&[x, _], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    consts.get(1).copied().flatten()?;
    let (dx, sx, zx) = eight_bit_params(m, x)?;
    let (dy, sy, zy) = eight_bit_params(m, y)?;
    if dx != dy {
        return None;
    }
    let keep = data.flag("keep_dims")?;
    let ratio = sx / sy;
    let name = data.name.as_str().to_owned();
    Some(kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let wide = eight_bit_values(t, &name)?;
        let reduced = reduced_axes(&args.ints(1)?, t.rank())?;
        let count = reduced_count(t.shape(), &reduced);
        let (scale, zero_point) = conversion(mean, count, (ratio, zx), zy);
        let sums = storage_sums(&wide, t.shape(), &reduced, dx == DType::I8);
        let values = sums
            .into_iter()
            .map(|s| crate::rounding::round_ties_even(s as f32 * scale + zero_point) as i32);
        let out = match dx {
            DType::U8 => TensorData::U8(values.map(|v| v.clamp(0, 255) as u8).collect()),
            _ => TensorData::I8(values.map(|v| v.clamp(-128, 127) as i8).collect()),
        };
        let shape = reduced_shape(t.shape(), &reduced, keep);
        one(Tensor::from_parts(shape, out))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(mean: bool, sum: i32, count: usize, in_params: (f32, i32), out_zp: i32) -> i32 {
        let (scale, zp) = conversion(mean, count, in_params, out_zp);
        crate::rounding::round_ties_even(sum as f32 * scale + zp) as i32
    }

    /// The BERT mask case: 8 ones (127) and 8 zeros (-128) at scale 1/255, zero point -128,
    /// summed to scale 16/255, zero point -128: 127.5 steps above the zero point, which ties
    /// to the even 128.
    #[test]
    fn a_half_step_rounds_to_even() {
        let ratio = (1.0f32 / 255.0) / (16.0f32 / 255.0);
        assert_eq!(
            convert(false, 8 * 127 + 8 * -128, 16, (ratio, -128), -128),
            0
        );
    }

    /// Below 8256 values no lane holds more than 256 int8 values, so nothing wraps.
    #[test]
    fn short_runs_are_exact() {
        for len in [1usize, 63, 64, 100, 8192, EXACT_RUN - 1] {
            let run = vec![-128; len];
            assert_eq!(run_sum(&run), -128 * len as i32, "{len}");
        }
    }

    /// 16384 values of -128: each of the 32 lanes holds 512 of them, -65536, which wraps to 0.
    #[test]
    fn a_full_chunk_of_low_values_wraps_to_zero() {
        assert_eq!(run_sum(&vec![-128; LANE_CHUNK]), 0);
        // Values that keep every lane inside int16 sum exactly.
        let mixed: Vec<i32> = (0..LANE_CHUNK as i32)
            .map(|i| if i % 2 == 0 { 100 } else { -100 })
            .collect();
        assert_eq!(run_sum(&mixed), 0);
        let small = vec![60; 2 * LANE_CHUNK + 70];
        assert_eq!(run_sum(&small), 60 * small.len() as i32);
    }

    #[test]
    fn runs_follow_the_last_reduced_axes() {
        let r = |v: &[bool]| v.to_vec();
        assert_eq!(
            contiguous_run(&[1, 4, 4, 4096], &r(&[false, false, true, true])),
            Some((16384, 2))
        );
        assert_eq!(
            contiguous_run(&[1, 8, 8, 32], &r(&[false, true, true, false])),
            None
        );
        assert_eq!(
            contiguous_run(&[2, 9000, 1], &r(&[false, true, false])),
            None
        );
        assert_eq!(
            contiguous_run(&[2, 9000, 1], &r(&[false, true, true])),
            Some((9000, 2))
        );
        assert_eq!(
            contiguous_run(&[3, 5, 7], &r(&[true, false, true])),
            Some((7, 1))
        );
    }

    /// A mean of equal values at equal parameters is that value, whatever the count.
    #[test]
    fn the_mean_of_a_constant_is_itself() {
        for count in [1usize, 7, 63, 208, 4096] {
            for q in [-128i32, -5, 0, 3, 127] {
                let got = convert(true, q * count as i32, count, (1.0, 3), 3);
                assert_eq!(got, q, "count {count}, value {q}");
            }
        }
    }
}
