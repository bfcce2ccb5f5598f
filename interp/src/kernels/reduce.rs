//! Reductions over a set of axes: `tfl.mean`, `tfl.sum`, `tfl.reduce_max`, `tfl.reduce_min`,
//! `tfl.reduce_prod`, with `keep_dims`, and the boolean `tfl.reduce_any` / `tfl.reduce_all`.
//! Axes may be negative and repeated. f32, i32, i64; bool for any and all. f32 sums and means
//! add in XNNPACK's order ([`super::float_sum`]).

use smallvec::SmallVec;

use super::{float_sum, kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{Shape, Tensor, TensorData};

#[derive(Copy, Clone, PartialEq)]
pub(crate) enum Red {
    Mean,
    Sum,
    Max,
    Min,
    Prod,
}

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(2)?;
    let red = match info.name() {
        "tfl.mean" => Red::Mean,
        "tfl.sum" => Red::Sum,
        "tfl.reduce_max" => Red::Max,
        "tfl.reduce_min" => Red::Min,
        "tfl.reduce_prod" => Red::Prod,
        // Over booleans as 0 and 1: any is the maximum, all the minimum.
        "tfl.reduce_any" => Red::Max,
        "tfl.reduce_all" => Red::Min,
        other => return Err(format!("'{other}' is not a reduction")),
    };
    let keep = info.attr_bool_or("keep_dims", false)?;
    kernel(move |a: &mut Args<'_>| {
        let x = a.get(0)?;
        let reduced = reduced_axes(&a.ints(1)?, x.rank())?;
        let shape = x.shape();
        let out_shape = reduced_shape(shape, &reduced, keep);
        let data = match x.data() {
            // f32 sums add in XNNPACK's order, so results are LiteRT's to the bit.
            TensorData::F32(v) if red == Red::Sum => {
                TensorData::F32(float_sum::sum_f32(v, shape, &reduced, 1.0))
            }
            TensorData::F32(v) if red == Red::Mean => {
                TensorData::F32(float_sum::mean_f32(v, shape, &reduced))
            }
            TensorData::F32(v) => TensorData::F32(reduce(red, v, shape, &reduced)),
            TensorData::I32(v) => TensorData::I32(reduce(red, v, shape, &reduced)),
            TensorData::I64(v) => TensorData::I64(reduce(red, v, shape, &reduced)),
            TensorData::Bool(v) if matches!(red, Red::Max | Red::Min) => {
                let ints: Vec<i32> = v.iter().map(|&b| i32::from(b)).collect();
                TensorData::Bool(
                    reduce(red, &ints, shape, &reduced)
                        .into_iter()
                        .map(|x| x != 0)
                        .collect(),
                )
            }
            other => return Err(format!("element type {} is not supported", other.dtype())),
        };
        one(Tensor::from_parts(out_shape, data))
    })
}

/// Flags the axes a reduction reduces (negative axes count from the end; repeats are fine).
pub(crate) fn reduced_axes(axes: &[i64], rank: usize) -> KResult<Vec<bool>> {
    let mut reduced = vec![false; rank];
    for &ax in axes {
        let r = rank as i64;
        if ax < -r || ax >= r.max(1) {
            return Err(format!("axis {ax} is out of range for rank {rank}"));
        }
        if rank > 0 {
            reduced[((ax + r) % r) as usize] = true;
        }
    }
    Ok(reduced)
}

/// The result shape of a reduction: reduced axes kept as 1 or dropped.
pub(crate) fn reduced_shape(shape: &[usize], reduced: &[bool], keep_dims: bool) -> Shape {
    shape
        .iter()
        .zip(reduced)
        .filter_map(|(&d, &r)| {
            if r && !keep_dims {
                None
            } else {
                Some(if r { 1 } else { d })
            }
        })
        .collect()
}

pub(crate) trait Num: Copy + PartialOrd {
    fn zero() -> Self;
    fn add(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn one() -> Self;
    fn lowest() -> Self;
    fn highest() -> Self;
    fn div_count(self, n: usize) -> Self;
}

macro_rules! float_num {
    ($t:ty) => {
        impl Num for $t {
            fn zero() -> $t {
                0.0
            }
            fn add(self, o: $t) -> $t {
                self + o
            }
            fn mul(self, o: $t) -> $t {
                self * o
            }
            fn one() -> $t {
                1.0
            }
            fn lowest() -> $t {
                <$t>::NEG_INFINITY
            }
            fn highest() -> $t {
                <$t>::INFINITY
            }
            fn div_count(self, n: usize) -> $t {
                self / n as $t
            }
        }
    };
}
float_num!(f32);
float_num!(f64);

macro_rules! int_num {
    ($t:ty) => {
        impl Num for $t {
            fn zero() -> $t {
                0
            }
            fn add(self, o: $t) -> $t {
                self.wrapping_add(o)
            }
            fn mul(self, o: $t) -> $t {
                self.wrapping_mul(o)
            }
            fn one() -> $t {
                1
            }
            fn lowest() -> $t {
                <$t>::MIN
            }
            fn highest() -> $t {
                <$t>::MAX
            }
            fn div_count(self, n: usize) -> $t {
                if n == 0 {
                    self
                } else {
                    self / n as $t
                }
            }
        }
    };
}
int_num!(i32);
int_num!(i64);

/// How many values of a tensor of `shape` each result of a reduction over the flagged axes
/// combines.
pub(crate) fn reduced_count(shape: &[usize], reduced: &[bool]) -> usize {
    shape
        .iter()
        .zip(reduced)
        .filter(|(_, &r)| r)
        .map(|(&d, _)| d)
        .product()
}

/// The output stride of each input axis of a reduction (0 for a reduced axis), and the number
/// of results: an input element at index `i` goes to result `sum(i[d] * stride[d])`.
pub(crate) fn output_strides(shape: &[usize], reduced: &[bool]) -> (SmallVec<[usize; 6]>, usize) {
    let mut ostride: SmallVec<[usize; 6]> = SmallVec::from_elem(0, shape.len());
    let mut s = 1;
    for d in (0..shape.len()).rev() {
        if !reduced[d] {
            ostride[d] = s;
            s *= shape[d];
        }
    }
    (ostride, s)
}

/// Reduces `v` (of `shape`) over the flagged axes; the result is in the order of the kept axes.
pub(crate) fn reduce<T: Num>(red: Red, v: &[T], shape: &[usize], reduced: &[bool]) -> Vec<T> {
    let rank = shape.len();
    let (ostride, out_len) = output_strides(shape, reduced);
    let init = match red {
        Red::Mean | Red::Sum => T::zero(),
        Red::Prod => T::one(),
        Red::Max => T::lowest(),
        Red::Min => T::highest(),
    };
    let mut out = vec![init; out_len];
    let count = reduced_count(shape, reduced);
    if !v.is_empty() {
        let combine = |a: T, b: T| match red {
            Red::Mean | Red::Sum => a.add(b),
            Red::Prod => a.mul(b),
            Red::Max => {
                if b > a {
                    b
                } else {
                    a
                }
            }
            Red::Min => {
                if b < a {
                    b
                } else {
                    a
                }
            }
        };
        let inner = if rank == 0 { 1 } else { shape[rank - 1] };
        let inner_reduced = rank > 0 && reduced[rank - 1];
        let mut idx: SmallVec<[usize; 6]> = SmallVec::from_elem(0, rank);
        let mut o = 0usize;
        for chunk in v.chunks_exact(inner.max(1)) {
            if inner_reduced {
                let mut acc = out[o];
                for &x in chunk {
                    acc = combine(acc, x);
                }
                out[o] = acc;
            } else {
                for (dst, &x) in out[o..o + inner].iter_mut().zip(chunk) {
                    *dst = combine(*dst, x);
                }
            }
            for d in (0..rank.saturating_sub(1)).rev() {
                idx[d] += 1;
                o += ostride[d];
                if idx[d] < shape[d] {
                    break;
                }
                o -= ostride[d] * shape[d];
                idx[d] = 0;
            }
        }
    }
    if red == Red::Mean {
        for x in out.iter_mut() {
            *x = x.div_count(count);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduces_over_axes() {
        let v: Vec<f32> = (0..24).map(|x| x as f32).collect();
        let s = [2, 3, 4];
        assert_eq!(
            reduce(Red::Sum, &v, &s, &[false, true, false]),
            [12.0, 15.0, 18.0, 21.0, 48.0, 51.0, 54.0, 57.0]
        );
        assert_eq!(
            reduce(Red::Max, &v, &s, &[true, false, true]),
            [15.0, 19.0, 23.0]
        );
        assert_eq!(reduce(Red::Mean, &v, &s, &[true, true, true]), [11.5]);
    }
}
