//! int8 and uint8 `tfl.sum` whose input and result have different parameters, as LiteRT
//! computes it (its optimized `QuantizedMeanOrSum`, which XNNPACK does not take): the storage
//! integers summed over the reduced axes in int32, then, in f32,
//! `round(sum · r + bias) + out_zp` with `r = in_scale / out_scale`, `bias = -in_zp · r · n`
//! (`n` values per result), rounded half away from zero, clamped to the storage range.
//!
//! Float emulation (dequantize, sum, divide, round) misses ties: a BERT attention mask of 8
//! ones in 16 summed to scale 16/255 is 127.5 steps exactly, which LiteRT rounds up and f32
//! division put at 127.49999 (measured against LiteRT 2026-12-06).

use tqopt_ir::{Module, OpId};

use super::{eight_bit_params, eight_bit_values};

use crate::error::KResult;
use crate::kernels::reduce::{reduce, reduced_axes, reduced_count, reduced_shape, Red};
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{DType, Tensor, TensorData};

/// `round(sum · r + bias)` as LiteRT computes it in f32, halves away from zero.
fn requantize(sum: i32, ratio: f32, bias: f32) -> i32 {
    (sum as f32 * ratio + bias).round() as i32
}

/// The kernel of `op` when it is such a SUM (constant axes, as LiteRT sizes its accumulator
/// from them).
pub(crate) fn build(
    m: &Module,
    op: OpId,
    consts: &[Option<&Tensor>],
) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    if data.name.as_str() != "tfl.sum" {
        return None;
    }
    let (&[x, _], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    consts.get(1).copied().flatten()?;
    let (dx, sx, zx) = eight_bit_params(m, x)?;
    let (dy, sy, zy) = eight_bit_params(m, y)?;
    if dx != dy || (sx == sy && zx == zy) {
        return None;
    }
    let keep = data.flag("keep_dims")?;
    let ratio = sx / sy;
    Some(kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let wide = eight_bit_values(t, "sum")?;
        let reduced = reduced_axes(&args.ints(1)?, t.rank())?;
        let count = reduced_count(t.shape(), &reduced);
        let bias = -(zx as f32) * ratio * count as f32;
        let sums = reduce(Red::Sum, &wide, t.shape(), &reduced);
        let values = sums.into_iter().map(|s| requantize(s, ratio, bias) + zy);
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

    /// The BERT mask case: 8 ones (127) and 8 zeros (-128) at scale 1/255, zero point -128,
    /// summed to scale 16/255, zero point -128: 127.5 steps, rounded up to 128.
    #[test]
    fn rounds_ties_away_from_zero_as_litert() {
        let (sx, sy) = (1.0f32 / 255.0, 16.0f32 / 255.0);
        let ratio = sx / sy;
        let bias = 128.0 * ratio * 16.0;
        let sum = 8 * 127 + 8 * -128;
        assert_eq!(requantize(sum, ratio, bias) - 128, 0);
    }
}
