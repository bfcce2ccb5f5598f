//! Growing tensors: `tfl.pad` (zeros, or the zero point of a quantized type), `tfl.padv2`
//! (a given value), `tfl.mirror_pad` (REFLECT or SYMMETRIC) and `tfl.tile`. Any element type.

use smallvec::SmallVec;
use tqopt_ir::{Attribute, QuantParams};

use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{format_shape, Element, Shape, Tensor, TensorData};

/// Reads a [rank, 2] paddings operand.
fn paddings(a: &Args<'_>, i: usize, rank: usize) -> KResult<Vec<(usize, usize)>> {
    let p = a.ints(i)?;
    if p.len() != rank * 2 {
        return Err(format!(
            "paddings must be [{rank}, 2] but have {} values",
            p.len()
        ));
    }
    p.chunks_exact(2)
        .map(|c| {
            if c[0] < 0 || c[1] < 0 {
                Err(format!("negative padding {c:?}"))
            } else {
                Ok((c[0] as usize, c[1] as usize))
            }
        })
        .collect()
}

/// The shape of `shape` grown by `pads` on each axis, when the tensor it describes fits the
/// memory budget (pad amounts come from the model, and a corrupted one can ask for terabytes).
fn grown_shape(shape: &[usize], pads: &[(usize, usize)], elem_bytes: usize) -> KResult<Shape> {
    let out: Option<Shape> = shape
        .iter()
        .zip(pads)
        .map(|(&d, &(b, e))| d.checked_add(b)?.checked_add(e))
        .collect();
    let Some(out) = out else {
        return Err(format!(
            "padding {pads:?} of shape {} overflows the dimensions",
            format_shape(shape)
        ));
    };
    check_budget(&out, elem_bytes)?;
    Ok(out)
}

/// Fails when a tensor of `shape` would not fit the memory budget.
fn check_budget(shape: &[usize], elem_bytes: usize) -> KResult<()> {
    crate::budget::check_dims(shape, elem_bytes)
        .map(|_| ())
        .map_err(|e| format!("the result of shape {} {e}", format_shape(shape)))
}

/// Pads with a constant: fills the output, then copies each innermost row of the input into
/// place.
fn pad_constant<T: Copy>(
    v: &[T],
    shape: &[usize],
    pads: &[(usize, usize)],
    fill: T,
    alloc: impl FnOnce(usize) -> Vec<T>,
) -> (Shape, Vec<T>) {
    let out: Shape = shape
        .iter()
        .zip(pads)
        .map(|(&d, &(b, e))| d + b + e)
        .collect();
    let total: usize = out.iter().product();
    let mut data = alloc(total);
    data.clear();
    data.resize(total, fill);
    let rank = shape.len();
    if rank == 0 {
        data.copy_from_slice(v);
        return (out, data);
    }
    let inner = shape[rank - 1];
    if inner == 0 || v.is_empty() {
        return (out, data);
    }
    let mut out_strides: SmallVec<[usize; 6]> = SmallVec::from_elem(1, rank);
    for d in (0..rank - 1).rev() {
        out_strides[d] = out_strides[d + 1] * out[d + 1];
    }
    let mut idx: SmallVec<[usize; 6]> = SmallVec::from_elem(0, rank);
    let base: usize = (0..rank).map(|d| pads[d].0 * out_strides[d]).sum();
    let mut o = base;
    for row in v.chunks_exact(inner) {
        data[o..o + inner].copy_from_slice(row);
        for d in (0..rank - 1).rev() {
            idx[d] += 1;
            o += out_strides[d];
            if idx[d] < shape[d] {
                break;
            }
            o -= out_strides[d] * shape[d];
            idx[d] = 0;
        }
    }
    (out, data)
}

/// An empty vector with room for `n` elements; f32 ones come from the buffer pool.
fn alloc_like<T: Element>(n: usize) -> Vec<T> {
    if T::DTYPE == crate::tensor::DType::F32 {
        if let Ok(v) = T::into_vec(TensorData::F32(crate::buffers::with_capacity(n))) {
            return v;
        }
    }
    Vec::with_capacity(n)
}

/// Output shape and, for each output element along each axis, the input index (or `None` for
/// padding), evaluated through `map`.
fn pad_generic<T: Copy>(
    v: &[T],
    shape: &[usize],
    pads: &[(usize, usize)],
    map: &dyn Fn(usize, isize) -> Option<usize>,
    fill: T,
) -> (Shape, Vec<T>) {
    let rank = shape.len();
    let out: Shape = shape
        .iter()
        .zip(pads)
        .map(|(&d, &(b, e))| d + b + e)
        .collect();
    let total: usize = out.iter().product();
    let mut data = Vec::with_capacity(total);
    if total == 0 {
        return (out, data);
    }
    if rank == 0 {
        data.push(v[0]);
        return (out, data);
    }
    // Per axis: the source index of every output position.
    let maps: Vec<Vec<Option<usize>>> = (0..rank)
        .map(|d| {
            (0..out[d])
                .map(|o| map(d, o as isize - pads[d].0 as isize))
                .collect()
        })
        .collect();
    let mut in_strides: SmallVec<[usize; 6]> = SmallVec::from_elem(1, rank);
    for d in (0..rank - 1).rev() {
        in_strides[d] = in_strides[d + 1] * shape[d + 1];
    }
    #[allow(clippy::too_many_arguments)]
    fn rec<T: Copy>(
        d: usize,
        base: Option<usize>,
        maps: &[Vec<Option<usize>>],
        strides: &[usize],
        v: &[T],
        fill: T,
        out: &mut Vec<T>,
        out_shape: &[usize],
    ) {
        let last = d + 1 == maps.len();
        for m in &maps[d] {
            let at = match (base, m) {
                (Some(b), Some(i)) => Some(b + i * strides[d]),
                _ => None,
            };
            if last {
                out.push(at.map_or(fill, |i| v[i]));
            } else if at.is_none() {
                let n: usize = out_shape[d + 1..].iter().product();
                out.extend(std::iter::repeat_n(fill, n));
            } else {
                rec(d + 1, at, maps, strides, v, fill, out, out_shape);
            }
        }
    }
    rec(0, Some(0), &maps, &in_strides, v, fill, &mut data, &out);
    (out, data)
}

/// Checks the shape `pads` make of `shape` against the op's declared result shape where that
/// is known (a corrupted model's paddings can ask for terabytes while the model declares the
/// real size). Overflow and the size itself are [`grown_shape`]'s to judge.
fn padded_shape(shape: &[usize], pads: &[(usize, usize)], declared: Option<&[i64]>) -> KResult<()> {
    let out: Option<Vec<usize>> = shape
        .iter()
        .zip(pads)
        .map(|(&d, &(b, e))| d.checked_add(b)?.checked_add(e))
        .collect();
    let (Some(out), Some(declared)) = (out, declared.filter(|d| d.len() == shape.len())) else {
        return Ok(());
    };
    let fits = declared
        .iter()
        .zip(&out)
        .all(|(&d, &o)| d < 0 || d as usize == o);
    if !fits {
        return Err(format!(
            "paddings {pads:?} of shape {} give shape {}, but the result is declared {declared:?}",
            format_shape(shape),
            format_shape(&out)
        ));
    }
    Ok(())
}

pub(crate) fn build_pad(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    let declared: Option<Vec<i64>> = info
        .result_type(0)
        .and_then(|t| t.as_tensor())
        .map(|t| t.shape.to_vec());
    let v2 = info.name() == "tfl.padv2";
    // A quantized tfl.pad fills with the zero point (the quantized zero).
    let zero_point = match info.result_elem(0).and_then(|e| e.as_quant()) {
        Some(q) => match &q.params {
            QuantParams::PerTensor { zero_point, .. } => *zero_point,
            QuantParams::PerAxis { .. } => 0,
        },
        None => 0,
    };
    kernel(move |a: &mut Args<'_>| {
        let t = a.get(0)?;
        let shape = t.shape();
        let pads = paddings(a, 1, t.rank())?;
        padded_shape(shape, &pads, declared.as_deref())?;
        grown_shape(shape, &pads, t.dtype().size())?;
        let constant = if v2 { a.opt(2) } else { None };
        if let Some(c) = constant {
            if c.len() != 1 || c.dtype() != t.dtype() {
                return Err(format!("constant_values must be one {} value", t.dtype()));
            }
        }
        macro_rules! go {
            ($v:expr, $ty:ty) => {{
                let fill: $ty = match constant {
                    Some(c) => c.as_slice::<$ty>().map(|s| s[0]).unwrap_or(<$ty>::zero()),
                    None => <$ty as Element>::from_f64(zero_point as f64),
                };
                let (s, d) = pad_constant($v, shape, &pads, fill, |n| alloc_like::<$ty>(n));
                (s, <$ty>::wrap(d))
            }};
        }
        let (s, data) = match t.data() {
            TensorData::F32(v) => go!(v, f32),
            TensorData::F16(v) => go!(v, half::f16),
            TensorData::I8(v) => go!(v, i8),
            TensorData::U8(v) => go!(v, u8),
            TensorData::I16(v) => go!(v, i16),
            TensorData::I32(v) => go!(v, i32),
            TensorData::I64(v) => go!(v, i64),
            TensorData::Bool(v) => go!(v, bool),
            TensorData::C64(v) => go!(v, crate::tensor::Complex32),
        };
        one(Tensor::from_parts(s, data))
    })
}

pub(crate) fn build_mirror_pad(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    let mode = match info.attr("mode") {
        Some(Attribute::Opaque(o)) => o.body.as_deref().unwrap_or("").to_string(),
        Some(a) => a.as_str().unwrap_or("").to_string(),
        None => String::new(),
    };
    let reflect = if mode.contains("REFLECT") {
        true
    } else if mode.contains("SYMMETRIC") {
        false
    } else {
        return Err(format!("unknown mirror_pad mode '{mode}'"));
    };
    kernel(move |a: &mut Args<'_>| {
        let t = a.get(0)?;
        let shape = t.shape();
        let pads = paddings(a, 1, t.rank())?;
        for (d, &(b, e)) in pads.iter().enumerate() {
            let limit = if reflect {
                shape[d].saturating_sub(1)
            } else {
                shape[d]
            };
            if b > limit || e > limit {
                return Err(format!(
                    "padding ({b}, {e}) is too large for dimension {d} of shape {}",
                    format_shape(shape)
                ));
            }
        }
        grown_shape(shape, &pads, t.dtype().size())?;
        let map = |d: usize, i: isize| -> Option<usize> {
            let n = shape[d] as isize;
            let j = if i < 0 {
                if reflect {
                    -i
                } else {
                    -i - 1
                }
            } else if i >= n {
                if reflect {
                    2 * n - i - 2
                } else {
                    2 * n - i - 1
                }
            } else {
                i
            };
            Some(j.clamp(0, (n - 1).max(0)) as usize)
        };
        let (s, data) = match t.data() {
            TensorData::F32(v) => {
                let (s, d) = pad_generic(v, shape, &pads, &map, 0.0);
                (s, TensorData::F32(d))
            }
            other => {
                let out = crate::map_data!(other, v => pad_generic(v, shape, &pads, &map, v.first().copied().unwrap_or(Element::zero())).1);
                let s: Shape = shape
                    .iter()
                    .zip(&pads)
                    .map(|(&d, &(b, e))| d + b + e)
                    .collect();
                (s, out)
            }
        };
        one(Tensor::from_parts(s, data))
    })
}

pub(crate) fn build_tile(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    kernel(|a: &mut Args<'_>| {
        let t = a.get(0)?;
        let mult = a.ints(1)?;
        if mult.len() != t.rank() || mult.iter().any(|&m| m < 0) {
            return Err(format!("multiples {mult:?} do not fit rank {}", t.rank()));
        }
        let shape = t.shape();
        let out: Option<Shape> = shape
            .iter()
            .zip(&mult)
            .map(|(&d, &m)| d.checked_mul(usize::try_from(m).ok()?))
            .collect();
        let out = out.ok_or_else(|| {
            format!(
                "multiples {mult:?} of shape {} overflow the dimensions",
                format_shape(shape)
            )
        })?;
        check_budget(&out, t.dtype().size())?;
        let pads: Vec<(usize, usize)> = shape
            .iter()
            .zip(&mult)
            .map(|(&d, &m)| (0, d * (m as usize).saturating_sub(1)))
            .collect();
        let zero_dims = mult.contains(&0);
        let map = |d: usize, i: isize| -> Option<usize> { Some(i as usize % shape[d].max(1)) };
        let data = crate::map_data!(t.data(), v => {
            if zero_dims || v.is_empty() { Vec::new() } else { pad_generic(v, shape, &pads, &map, v[0]).1 }
        });
        one(Tensor::from_parts(out, data))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_and_mirrors() {
        let v = [1, 2, 3];
        let zero = |d: usize, i: isize| -> Option<usize> {
            let _ = d;
            (0..3).contains(&i).then_some(i as usize)
        };
        assert_eq!(
            pad_generic(&v, &[3], &[(1, 2)], &zero, 0).1,
            [0, 1, 2, 3, 0, 0]
        );
        let refl = |_: usize, i: isize| -> Option<usize> {
            Some(if i < 0 {
                -i
            } else if i >= 3 {
                4 - i
            } else {
                i
            } as usize)
        };
        assert_eq!(
            pad_generic(&v, &[3], &[(2, 2)], &refl, 0).1,
            [3, 2, 1, 2, 3, 2, 1]
        );
    }
}
