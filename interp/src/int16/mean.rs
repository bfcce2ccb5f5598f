//! int16 `tfl.mean` as LiteRT's `QuantizedMeanOrSum` computes it (zero points 0): the integer
//! sum over the reduced axes (in int32), then `MultiplyByQuantizedMultiplier` with the
//! multiplier of `s_in / s_out` (31 bits, from `double`) folded with `1 / count`: with `k =
//! min(floor(log2(count)), 32, 31 + shift)`, the multiplier becomes `(m << k) / count`
//! (truncated) and the shift `shift - k`.

use tqopt_ir::{Module, OpId};

use super::fixed_point::{multiply_by_quantized_multiplier, quantize_multiplier};
use super::{int16_params, int16_slice};
use crate::error::KResult;
use crate::kernels::reduce::{reduce, reduced_axes, reduced_count, reduced_shape, Red};
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{Tensor, TensorData};

/// (multiplier, shift) of a mean over `count` elements with base multiplier `(m, shift)`.
fn fold_count(m: i32, shift: i32, count: usize) -> (i32, i32) {
    if count == 0 {
        return (m, shift);
    }
    let k = (count.ilog2() as i32).min(32).min(31 + shift).max(0);
    let folded = ((m as i64) << k) / count as i64;
    (folded as i32, shift - k)
}

/// The kernel of `op` when it is an int16 MEAN covered here.
pub(crate) fn build(
    m: &Module,
    op: OpId,
    consts: &[Option<&Tensor>],
) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let (&[x, _], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    // LiteRT sizes its accumulator at preparation from constant axes.
    consts.get(1).copied().flatten()?;
    let (sx, zx) = int16_params(m, x)?;
    let (sy, zy) = int16_params(m, y)?;
    if zx != 0 || zy != 0 {
        return None;
    }
    let (mult, shift) = quantize_multiplier(sx as f64 / sy as f64)?;
    let keep = data.flag("keep_dims")?;
    Some(kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let v = int16_slice(t, "mean")?;
        let reduced = reduced_axes(&args.ints(1)?, t.rank())?;
        let count = reduced_count(t.shape(), &reduced);
        let wide: Vec<i32> = v.iter().map(|&x| x as i32).collect();
        let sums = reduce(Red::Sum, &wide, t.shape(), &reduced);
        let (fm, fs) = fold_count(mult, shift, count);
        let out = sums
            .into_iter()
            .map(|s| multiply_by_quantized_multiplier(s, fm, fs).clamp(-32768, 32767) as i16)
            .collect();
        let shape = reduced_shape(t.shape(), &reduced, keep);
        one(Tensor::from_parts(shape, TensorData::I16(out)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_folds_into_the_multiplier() {
        // Mean of 4 values with scale ratio 1: m = 2^30, shift 1; k = 2.
        let (m, s) = quantize_multiplier(1.0).unwrap();
        let (fm, fs) = fold_count(m, s, 4);
        assert_eq!((fm, fs), (1 << 30, -1));
        assert_eq!(multiply_by_quantized_multiplier(400, fm, fs), 100);
        // 49 values: k = 5, (2^30 << 5) / 49.
        let (fm, fs) = fold_count(m, s, 49);
        assert_eq!(fs, -4);
        assert_eq!(multiply_by_quantized_multiplier(49 * 77, fm, fs), 77);
    }
}
