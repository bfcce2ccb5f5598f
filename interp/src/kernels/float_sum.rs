//! Float `tfl.sum` and `tfl.mean` in the order XNNPACK adds, so that the interpreter's float
//! results are LiteRT's to the bit.
//!
//! Bits matter downstream: a hybrid op quantizes its float input on the fly, and an ulp that
//! moves one input across a rounding boundary moves the op's output by a whole step. A
//! selfie-segmentation model's global means, summed exactly (in f64), disagreed with LiteRT in
//! the last bit in 15 of 16 channels; its dynamic-range model's SQNR was 0.55 dB off LiteRT's,
//! 0.04 dB with this order (sigmoid and resize made up the rest).
//!
//! What XNNPACK does (measured against ai-edge-litert 2.3.0 on random inputs of every shape
//! below; the sum of `n` values is then multiplied by `1/n` in f32 for a mean):
//! - Size-1 axes are dropped and neighbouring axes that are both reduced or both kept are
//!   merged.
//! - **Innermost axis kept** (a global pool, a sum over the batch): each result adds its rows
//!   one after the other in f32, in memory order, then scales.
//! - **Innermost axis reduced** (a layer norm's mean, a sum over everything): each contiguous
//!   row is summed by a vector kernel with [`Lanes::lanes`] lanes and [`Lanes::accumulators`]
//!   vector accumulators: blocks of `lanes · accumulators` values go to the accumulators in
//!   turn; the whole vectors left (fewer than the accumulators) go to accumulators 0, 1, ... in
//!   turn; the accumulators are then folded by halves (`a[i] += a[i + n/2]`: with four, `(a0 +
//!   a2) + (a1 + a3)`); the zero-padded tail goes into the first; and the lanes are summed by
//!   halving (lane i plus lane i + lanes/2, until one is left). When rows further out are
//!   reduced too, each row's sum times the scale is added to the result: in one fused
//!   multiply-add where the kernel is compiled with FMA ([`Lanes::fused_scale`]).
//!
//! Kernels (XNNPACK's `f32_rsum` configuration): AVX-512 machines run `avx512f_u32_acc2` (16
//! lanes, 2 accumulators, fused scale); AVX machines `avx_u32_acc4` (8 lanes, 4 accumulators,
//! multiply then add). Measured against ai-edge-litert 2.3.0: the AVX one on an AMD EPYC with
//! AVX2 and no AVX-512 on 2026-12-06 (random rows of 7 to 1000 values, every sum equal; the
//! order before, which folded the accumulators pairwise and sent whole leftover vectors into
//! the first after folding, missed rows of 40, 77 and 1000); the AVX-512 one's lanes,
//! accumulators and fused scale on 2026-12-05, on rows that left no whole vector over (its
//! leftover order is the one XNNPACK's source gives both kernels). Reductions that alternate
//! reduced and kept axes more than once (rare) add sequentially, which LiteRT matches only
//! within an ulp.

use super::reduce::{reduce, reduced_count, Red};
use super::simd::{level, Level};

/// The shape of XNNPACK's contiguous-sum vector kernel on this CPU.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lanes {
    pub lanes: usize,
    /// A power of two, at most [`MAX_ACCUMULATORS`].
    pub accumulators: usize,
    /// Whether a row's scaled sum goes into its result by one fused multiply-add.
    pub fused_scale: bool,
}

const MAX_LANES: usize = 16;
const MAX_ACCUMULATORS: usize = 4;

/// `avx512f_u32_acc2`.
const AVX512: Lanes = Lanes {
    lanes: 16,
    accumulators: 2,
    fused_scale: true,
};
/// `avx_u32_acc4`.
const AVX: Lanes = Lanes {
    lanes: 8,
    accumulators: 4,
    fused_scale: false,
};

impl Lanes {
    /// The kernel XNNPACK picks on this CPU.
    pub(crate) fn of_this_cpu() -> Lanes {
        if level() == Level::Avx512 {
            AVX512
        } else {
            AVX
        }
    }
}

/// The sum (or, with `scale = 1/n`, the mean) of `v` (of `shape`) over the flagged axes, in
/// XNNPACK's order; the result is in the order of the kept axes.
pub(crate) fn sum_f32(v: &[f32], shape: &[usize], reduced: &[bool], scale: f32) -> Vec<f32> {
    let (dims, flags) = merged_dims(shape, reduced);
    let runs = flags.len();
    if runs >= 2 && flags[runs - 1] && (runs == 2 || runs == 3 && flags[0]) {
        return contiguous(v, &dims, &flags, scale, Lanes::of_this_cpu());
    }
    if runs == 1 && flags[0] {
        return vec![row_sum(v, Lanes::of_this_cpu()) * scale];
    }
    let mut out = reduce(Red::Sum, v, shape, reduced);
    for x in out.iter_mut() {
        *x *= scale;
    }
    out
}

/// The mean of `v` over the flagged axes, in XNNPACK's order.
pub(crate) fn mean_f32(v: &[f32], shape: &[usize], reduced: &[bool]) -> Vec<f32> {
    let count = reduced_count(shape, reduced).max(1);
    sum_f32(v, shape, reduced, 1.0 / count as f32)
}

/// Drops size-1 axes and merges neighbours with the same flag: (sizes, reduced?).
fn merged_dims(shape: &[usize], reduced: &[bool]) -> (Vec<usize>, Vec<bool>) {
    let (mut dims, mut flags): (Vec<usize>, Vec<bool>) = (Vec::new(), Vec::new());
    for (&d, &r) in shape.iter().zip(reduced) {
        if d == 1 {
            continue;
        }
        if flags.last() == Some(&r) {
            *dims.last_mut().expect("flags and dims grow together") *= d;
        } else {
            dims.push(d);
            flags.push(r);
        }
    }
    (dims, flags)
}

/// Kept-then-reduced (`[K, R]`) or reduced-kept-reduced (`[R, K, R]`) merged axes: each
/// contiguous row's sum goes into its result by a fused multiply-add with the scale.
fn contiguous(v: &[f32], dims: &[usize], flags: &[bool], scale: f32, k: Lanes) -> Vec<f32> {
    let row = dims[dims.len() - 1];
    let kept = dims[dims.len() - 2];
    debug_assert!(!flags[flags.len() - 2]);
    let mut out = vec![0.0f32; kept];
    for (i, r) in v.chunks_exact(row.max(1)).enumerate() {
        let o = &mut out[i % kept];
        let sum = row_sum(r, k);
        *o = if k.fused_scale {
            sum.mul_add(scale, *o)
        } else {
            *o + sum * scale
        };
    }
    out
}

/// One contiguous row's sum by XNNPACK's vector kernel.
pub(crate) fn row_sum(x: &[f32], k: Lanes) -> f32 {
    let (lanes, accs) = (k.lanes, k.accumulators.max(1));
    assert!(lanes <= MAX_LANES && accs <= MAX_ACCUMULATORS && accs.is_power_of_two());
    // Accumulator `a` is acc[a * lanes..(a + 1) * lanes] (no allocation per row).
    let mut acc = [0.0f32; MAX_LANES * MAX_ACCUMULATORS];
    let block = lanes * accs;
    let mut blocks = x.chunks_exact(block);
    for b in blocks.by_ref() {
        for (s, &v) in acc.iter_mut().zip(b) {
            *s += v;
        }
    }
    // The whole vectors left go to accumulators 0, 1, ... in turn: accumulator `a` holds lanes
    // a * lanes.., so the leftover values line up with the accumulators as a block does.
    let rest = blocks.remainder();
    let whole = rest.len() / lanes * lanes;
    for (s, &v) in acc.iter_mut().zip(&rest[..whole]) {
        *s += v;
    }
    // Fold by halves.
    let mut n = accs;
    while n > 1 {
        n /= 2;
        let (low, high) = acc.split_at_mut(n * lanes);
        for (s, &v) in low.iter_mut().zip(&high[..n * lanes]) {
            *s += v;
        }
    }
    let a = &mut acc[..lanes];
    for (s, &v) in a.iter_mut().zip(&rest[whole..]) {
        *s += v;
    }
    let mut width = lanes;
    while width > 1 {
        width /= 2;
        for i in 0..width {
            a[i] += a[i + width];
        }
    }
    a[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_merge_and_size_one_axes_drop() {
        let (d, f) = merged_dims(&[1, 7, 7, 40], &[false, true, true, false]);
        assert_eq!((d, f), (vec![49, 40], vec![true, false]));
        let (d, f) = merged_dims(&[4, 6, 1, 10], &[true, false, true, true]);
        assert_eq!((d, f), (vec![4, 6, 10], vec![true, false, true]));
    }

    #[test]
    fn a_row_sums_blocks_then_vectors_then_halves_the_lanes() {
        // 40 values: one block of 32 (lanes 0..16 in accumulator 0, 16..32 in 1), then the
        // tail of 8 into the combined accumulator's first 8 lanes, then lanes halve.
        let x: Vec<f32> = (0..40).map(|i| i as f32).collect();
        let mut lanes = [0.0f32; 16];
        for (l, s) in lanes.iter_mut().enumerate() {
            *s = x[l] + x[16 + l];
            if l < 8 {
                *s += x[32 + l];
            }
        }
        for w in [8, 4, 2, 1] {
            for i in 0..w {
                lanes[i] += lanes[i + w];
            }
        }
        assert_eq!(row_sum(&x, AVX512), lanes[0]);
        assert_eq!(row_sum(&x, AVX512), 780.0);
    }

    #[test]
    fn a_row_sums_as_litert_does_on_avx512() {
        // 77 values of mixed magnitude (exact in f32). LiteRT (ai-edge-litert 2.3.0, AVX-512)
        // summed them to -15445.13671875; a sequential f32 loop gives -15445.133 and the exact
        // sum rounds to -15445.138.
        let x: Vec<f32> = (0..77)
            .map(|i: i32| ((i * 37) % 101 - 50) as f32 * 10f32.powi(i % 7) / 1024.0)
            .collect();
        assert_eq!(row_sum(&x, AVX512), -15445.137f32);
        assert_eq!(row_sum(&x, AVX512).to_bits(), 3329315980);
        let sequential = x.iter().fold(0.0f32, |a, &v| a + v);
        assert_ne!(sequential, row_sum(&x, AVX512));
    }

    #[test]
    fn a_row_sums_as_litert_does_on_avx() {
        // 60 values: one block of 32, three whole vectors of 8 left (to accumulators 0, 1 and
        // 2, before the fold), a tail of 4. LiteRT (ai-edge-litert 2.3.0, AVX2, no AVX-512)
        // summed them to -52207.28125; folding first and sending the vectors to accumulator 0
        // gave -52207.273.
        let x: Vec<f32> = (0..60)
            .map(|i: i32| ((i * 37) % 101 - 50) as f32 * 10f32.powi(i % 7) / 1024.0)
            .collect();
        assert_eq!(row_sum(&x, AVX).to_bits(), 0xc74b_ef48);
        // The 77 values above: the same sum on both.
        let x: Vec<f32> = (0..77)
            .map(|i: i32| ((i * 37) % 101 - 50) as f32 * 10f32.powi(i % 7) / 1024.0)
            .collect();
        assert_eq!(row_sum(&x, AVX).to_bits(), 3329315980);
    }

    #[test]
    fn a_kept_inner_axis_adds_rows_in_order() {
        // Mean over axis 0 of [3, 2]: each column adds its three values in order.
        let v = [1.0e8f32, 1.0, 1.0, 1.0, -1.0e8, 1.0];
        let out = sum_f32(&v, &[3, 2], &[true, false], 1.0);
        assert_eq!(out, vec![(1.0e8f32 + 1.0) + -1.0e8, 3.0]);
    }

    #[test]
    fn a_mean_scales_by_the_reciprocal_count() {
        let v: Vec<f32> = (0..49).map(|i| (i as f32 * 0.37).sin()).collect();
        let sum = sum_f32(&v, &[1, 49], &[false, true], 1.0)[0];
        assert_eq!(
            mean_f32(&v, &[1, 49], &[false, true])[0],
            sum * (1.0 / 49.0)
        );
    }
}
