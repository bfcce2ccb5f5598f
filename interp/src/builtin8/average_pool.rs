//! int8, uint8 and int16 `tfl.average_pool_2d` as LiteRT's builtin kernel computes it (XNNPACK
//! has no quantized average pool): the storage integers of the window's pixels inside the
//! image summed in int32, divided by their count rounding half away from zero (`(acc ± count /
//! 2) / count`, C's truncating division), clamped to the fused activation's range. Input and
//! result share one scale and zero point (TFLite requires it), so no rescaling happens.
//!
//! Float emulation (dequantize, average, round half to even) rounded the half-step averages
//! of 2x2 windows the other way: a strict int8 model read 0.75 dB apart from LiteRT in `tqopt
//! eval` (measured 2026-12-06), and a 16x8 DenseNet-121 0.12 dB (12% of a 2x2 pool's values a
//! step off, 2026-12-07).

use tqopt_ir::{Module, OpId};

use super::per_tensor_params;
use crate::error::KResult;
use crate::int16::fixed_point::activation_range;
use crate::kernels::attrs::Padding;
use crate::kernels::conv::Geom;
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{DType, Tensor, TensorData};

/// The rounded integer average of `count` values summing to `acc`.
fn rounded_average(acc: i32, count: i32) -> i32 {
    if acc > 0 {
        (acc + count / 2) / count
    } else {
        (acc - count / 2) / count
    }
}

fn positive(m: &Module, op: OpId, name: &str) -> Option<usize> {
    let v = m.op(op).attr(name)?.as_int()?;
    usize::try_from(v).ok().filter(|&v| v > 0)
}

/// The kernel of `op` when it is such an average pool.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let (&[x], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let storages = [DType::I8, DType::U8, DType::I16];
    let (dx, sx, zx) = per_tensor_params(m, x, &storages)?;
    let (dy, sy, zy) = per_tensor_params(m, y, &storages)?;
    if dx != dy || sx != sy || zx != zy {
        return None;
    }
    let (fh, fw) = (
        positive(m, op, "filter_height")?,
        positive(m, op, "filter_width")?,
    );
    let stride = (positive(m, op, "stride_h")?, positive(m, op, "stride_w")?);
    let padding = Padding::parse(data.attr("padding")?.as_str()?).ok()?;
    let activation = match data.attr("fused_activation_function") {
        None => "NONE",
        Some(a) => a.as_str()?,
    };
    let (lo, hi) = activation_range(activation, sy, zy, super::storage_range(dx))?;
    Some(kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let g = Geom::new(t.shape(), fh, fw, stride, (1, 1), padding)?;
        let values = match t.data() {
            TensorData::I16(v) => v.iter().map(|&q| q as i32).collect(),
            _ => super::eight_bit_values(t, "average_pool_2d")?,
        };
        let c = g.c;
        let mut out = Vec::with_capacity(g.n * g.oh * g.ow * c);
        let mut acc = vec![0i32; c];
        for n in 0..g.n {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    acc.fill(0);
                    let mut count = 0i32;
                    for ky in 0..g.kh {
                        let Some(iy) = g.in_y(oy, ky) else { continue };
                        for kx in 0..g.kw {
                            let Some(ix) = g.in_x(ox, kx) else { continue };
                            let s = ((n * g.h + iy) * g.w + ix) * c;
                            for (a, &v) in acc.iter_mut().zip(&values[s..s + c]) {
                                *a += v;
                            }
                            count += 1;
                        }
                    }
                    let count = count.max(1);
                    out.extend(acc.iter().map(|&a| rounded_average(a, count).clamp(lo, hi)));
                }
            }
        }
        let shape = [g.n, g.oh, g.ow, c];
        let data = match dx {
            DType::U8 => TensorData::U8(out.into_iter().map(|v| v as u8).collect()),
            DType::I16 => TensorData::I16(out.into_iter().map(|v| v as i16).collect()),
            _ => TensorData::I8(out.into_iter().map(|v| v as i8).collect()),
        };
        one(Tensor::new(&shape, data).map_err(|e| e.to_string())?)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_round_half_away_from_zero() {
        assert_eq!(rounded_average(6, 4), 2); // 1.5 -> 2
        assert_eq!(rounded_average(-6, 4), -2); // -1.5 -> -2
        assert_eq!(rounded_average(5, 4), 1); // 1.25 -> 1
        assert_eq!(rounded_average(-10, 4), -3); // -2.5 -> -3
        assert_eq!(rounded_average(0, 4), 0);
    }
}
