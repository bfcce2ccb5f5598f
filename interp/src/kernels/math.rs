//! More element-wise math and tensor makers: `tfl.floor_div`, `tfl.floor_mod` and `tfl.atan2`
//! (broadcasting), `tfl.add_n`, `tfl.zeros_like`, `tfl.fill`, `tfl.range`, `tfl.one_hot`,
//! `tfl.topk_v2`. Semantics are
//! TFLite's reference kernels': integer division by zero is an error, floor_mod's result takes
//! the divisor's sign, range's length is ceil(|limit - start| / |delta|).

use super::broadcast::binary;
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::map_data;
use crate::tensor::{Tensor, TensorData};

#[derive(Copy, Clone, PartialEq)]
enum Op {
    FloorDiv,
    FloorMod,
    Atan2,
}

/// Integer floor division and floor remainder, generic over the integer types.
trait FloorInt: Copy + PartialEq + PartialOrd + Default {
    fn div(self, y: Self) -> Self;
    fn rem(self, y: Self) -> Self;
    fn add(self, y: Self) -> Self;
    fn sub_one(self) -> Self;
}

macro_rules! floor_int {
    ($($t:ty),*) => {$(
        impl FloorInt for $t {
            fn div(self, y: Self) -> Self { self.wrapping_div(y) }
            fn rem(self, y: Self) -> Self { self.wrapping_rem(y) }
            fn add(self, y: Self) -> Self { self.wrapping_add(y) }
            fn sub_one(self) -> Self { self.wrapping_sub(1) }
        }
    )*};
}
floor_int!(i8, i16, i32, i64);

fn int_floor_div<T: FloorInt>(x: T, y: T) -> T {
    let zero = T::default();
    let q = x.div(y);
    let r = x.rem(y);
    if r != zero && ((r < zero) != (y < zero)) {
        q.sub_one()
    } else {
        q
    }
}

fn int_floor_mod<T: FloorInt>(x: T, y: T) -> T {
    let zero = T::default();
    let r = x.rem(y);
    if r != zero && ((y < zero) != (r < zero)) {
        r.add(y)
    } else {
        r
    }
}

fn float_floor_mod(x: f32, y: f32) -> f32 {
    let r = x % y;
    if r != 0.0 && ((y < 0.0) != (r < 0.0)) {
        r + y
    } else {
        r
    }
}

pub(crate) fn build_binary(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(2)?;
    let op = match info.name() {
        "tfl.floor_div" => Op::FloorDiv,
        "tfl.floor_mod" => Op::FloorMod,
        "tfl.atan2" => Op::Atan2,
        other => return Err(format!("'{other}' is not floor_div, floor_mod or atan2")),
    };
    kernel(move |a: &mut Args<'_>| {
        let (x, y) = (a.get(0)?, a.get(1)?);
        let (xs, ys) = (x.shape(), y.shape());
        macro_rules! ints {
            ($p:expr, $q:expr, $variant:ident) => {{
                if $q.iter().any(|&d| d == 0) {
                    return Err("division by zero".into());
                }
                let (s, v) = match op {
                    Op::FloorDiv => binary($p, xs, $q, ys, int_floor_div)?,
                    Op::FloorMod => binary($p, xs, $q, ys, int_floor_mod)?,
                    Op::Atan2 => return Err("atan2 takes float operands".into()),
                };
                (s, TensorData::$variant(v))
            }};
        }
        let (shape, data) = match (x.data(), y.data()) {
            (TensorData::F32(p), TensorData::F32(q)) => {
                let f: fn(f32, f32) -> f32 = match op {
                    Op::FloorDiv => |a, b| (a / b).floor(),
                    Op::FloorMod => float_floor_mod,
                    Op::Atan2 => f32::atan2,
                };
                let (s, v) = binary(p, xs, q, ys, f)?;
                (s, TensorData::F32(v))
            }
            (TensorData::I8(p), TensorData::I8(q)) => ints!(p, q, I8),
            (TensorData::I16(p), TensorData::I16(q)) => ints!(p, q, I16),
            (TensorData::I32(p), TensorData::I32(q)) => ints!(p, q, I32),
            (TensorData::I64(p), TensorData::I64(q)) => ints!(p, q, I64),
            _ => {
                return Err(format!(
                    "operands of element types {} and {} are not supported",
                    x.dtype(),
                    y.dtype()
                ))
            }
        };
        one(Tensor::from_parts(shape, data))
    })
}

pub(crate) fn build_add_n(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    if info.num_operands() == 0 {
        return Err("tfl.add_n needs at least one operand".into());
    }
    kernel(|a: &mut Args<'_>| {
        let mut sum = a.take(0)?;
        for i in 1..a.len() {
            let t = a.get(i)?;
            if t.shape() != sum.shape() {
                return Err(format!(
                    "operand #{i} has shape {} but operand #0 has {}",
                    crate::tensor::format_shape(t.shape()),
                    crate::tensor::format_shape(sum.shape())
                ));
            }
            match (sum.data_mut(), t.data()) {
                (TensorData::F32(s), TensorData::F32(v)) => {
                    s.iter_mut().zip(v).for_each(|(s, v)| *s += v)
                }
                (TensorData::I32(s), TensorData::I32(v)) => s
                    .iter_mut()
                    .zip(v)
                    .for_each(|(s, v)| *s = s.wrapping_add(*v)),
                (s, v) => {
                    return Err(format!(
                        "operands of element types {} and {} are not supported",
                        s.dtype(),
                        v.dtype()
                    ))
                }
            }
        }
        one(sum)
    })
}

pub(crate) fn build_zeros_like(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    kernel(|a: &mut Args<'_>| {
        let t = a.get(0)?;
        one(Tensor::zeros(t.dtype(), t.shape()))
    })
}

pub(crate) fn build_fill(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    kernel(|a: &mut Args<'_>| {
        let dims = a.ints(0)?;
        let mut shape = crate::tensor::Shape::new();
        for &d in &dims {
            if d < 0 {
                return Err(format!("dims {dims:?} has a negative dimension"));
            }
            shape.push(d as usize);
        }
        let value = a.get(1)?;
        if value.len() != 1 {
            return Err(format!(
                "the fill value must have one element, not {}",
                value.len()
            ));
        }
        let n = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
        let n = n.ok_or_else(|| format!("dims {dims:?} have too many elements"))?;
        let data = map_data!(value.data(), v => vec![v[0]; n]);
        one(Tensor::from_parts(shape, data))
    })
}

/// The number of elements of range(start, limit, delta), or an error when it has none that
/// TFLite accepts.
fn range_len(start: f64, limit: f64, delta: f64, int: bool) -> KResult<usize> {
    if delta == 0.0 {
        return Err("range's delta is 0".into());
    }
    if (start > limit && delta > 0.0) || (start < limit && delta < 0.0) {
        return Err(format!(
            "range from {start} to {limit} by {delta} never reaches its limit"
        ));
    }
    let n = if int {
        ((limit - start).abs() / delta.abs()).ceil()
    } else {
        ((limit - start) / delta).abs().ceil()
    };
    if !n.is_finite() || n > 1e10 {
        return Err(format!(
            "range from {start} to {limit} by {delta} is too long"
        ));
    }
    Ok(n as usize)
}

pub(crate) fn build_range(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(3)?;
    kernel(|a: &mut Args<'_>| {
        let (s, l, d) = (a.get(0)?, a.get(1)?, a.get(2)?);
        if s.len() != 1 || l.len() != 1 || d.len() != 1 {
            return Err("start, limit and delta must be scalars".into());
        }
        let data = match (s.data(), l.data(), d.data()) {
            (TensorData::F32(s), TensorData::F32(l), TensorData::F32(d)) => {
                let (s, d) = (s[0], d[0]);
                let n = range_len(s as f64, l[0] as f64, d as f64, false)?;
                TensorData::F32((0..n).map(|i| s + i as f32 * d).collect())
            }
            (TensorData::I32(s), TensorData::I32(l), TensorData::I32(d)) => {
                let (s, d) = (s[0], d[0]);
                let n = range_len(s as f64, l[0] as f64, d as f64, true)?;
                TensorData::I32(
                    (0..n)
                        .map(|i| s.wrapping_add((i as i32).wrapping_mul(d)))
                        .collect(),
                )
            }
            (TensorData::I64(s), TensorData::I64(l), TensorData::I64(d)) => {
                let (s, d) = (s[0], d[0]);
                let n = range_len(s as f64, l[0] as f64, d as f64, true)?;
                TensorData::I64(
                    (0..n)
                        .map(|i| s.wrapping_add((i as i64).wrapping_mul(d)))
                        .collect(),
                )
            }
            _ => {
                return Err(format!(
                    "start, limit and delta of element types {}, {} and {} are not supported",
                    s.dtype(),
                    l.dtype(),
                    d.dtype()
                ))
            }
        };
        let n = data.len();
        one(Tensor::from_parts(smallvec::smallvec![n], data))
    })
}

pub(crate) fn build_one_hot(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(4)?;
    let axis = info.attr_int_or("axis", -1)?;
    kernel(move |a: &mut Args<'_>| {
        let indices = a.ints(0)?;
        let ishape: crate::tensor::Shape = a.get(0)?.shape().iter().copied().collect();
        let depth = *a.ints(1)?.first().ok_or("depth is empty")?;
        if depth < 0 {
            return Err(format!("depth {depth} is negative"));
        }
        let depth = depth as usize;
        let (on, off) = (a.get(2)?, a.get(3)?);
        if on.len() != 1 || off.len() != 1 || on.dtype() != off.dtype() {
            return Err("on_value and off_value must be scalars of one type".into());
        }
        let rank = ishape.len() as i64;
        if axis < -1 || axis > rank {
            return Err(format!(
                "axis {axis} is out of range for indices of rank {rank}"
            ));
        }
        let ax = if axis == -1 {
            rank as usize
        } else {
            axis as usize
        };
        let outer: usize = ishape[..ax].iter().product();
        let inner: usize = ishape[ax..].iter().product();
        let mut shape = ishape.clone();
        shape.insert(ax, depth);
        let pick = |o: usize, d: usize, i: usize| indices[o * inner + i] == d as i64;
        macro_rules! fill {
            ($on:expr, $off:expr) => {{
                let (on, off) = ($on[0], $off[0]);
                let mut out = Vec::with_capacity(outer * depth * inner);
                for o in 0..outer {
                    for d in 0..depth {
                        out.extend((0..inner).map(|i| if pick(o, d, i) { on } else { off }));
                    }
                }
                out
            }};
        }
        let data = match (on.data(), off.data()) {
            (TensorData::F32(p), TensorData::F32(q)) => TensorData::F32(fill!(p, q)),
            (TensorData::I32(p), TensorData::I32(q)) => TensorData::I32(fill!(p, q)),
            (TensorData::I64(p), TensorData::I64(q)) => TensorData::I64(fill!(p, q)),
            (TensorData::I8(p), TensorData::I8(q)) => TensorData::I8(fill!(p, q)),
            (TensorData::U8(p), TensorData::U8(q)) => TensorData::U8(fill!(p, q)),
            (TensorData::Bool(p), TensorData::Bool(q)) => TensorData::Bool(fill!(p, q)),
            (p, _) => {
                return Err(format!(
                    "values of element type {} are not supported",
                    p.dtype()
                ))
            }
        };
        one(Tensor::from_parts(shape, data))
    })
}

/// The `k` largest of `row`, largest first, ties by the lower index (TFLite's TopContainer).
fn top_k<T: Copy + PartialOrd>(row: &[T], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..row.len()).collect();
    order.sort_by(|&a, &b| {
        row[b]
            .partial_cmp(&row[a])
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    order.truncate(k);
    order
}

pub(crate) fn build_topk(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    let i16_indices =
        info.result_elem(1).and_then(crate::consts::dtype_of) == Some(crate::tensor::DType::I16);
    kernel(move |a: &mut Args<'_>| {
        let x = a.get(0)?;
        let k = *a.ints(1)?.first().ok_or("k is empty")?;
        let n = *x
            .shape()
            .last()
            .ok_or("the input must have rank 1 or more")?;
        if k < 0 || k as usize > n {
            return Err(format!("k = {k} is outside [0, {n}] (the last dimension)"));
        }
        let k = k as usize;
        let mut shape: crate::tensor::Shape = x.shape().iter().copied().collect();
        *shape.last_mut().unwrap_or(&mut 0) = k;
        let mut idx: Vec<usize> = Vec::new();
        let values = crate::map_data!(x.data(), v => {
            let mut out = Vec::new();
            if n > 0 {
                for row in v.chunks_exact(n) {
                    let top = top_k_any(row, k);
                    out.extend(top.iter().map(|&i| row[i]));
                    idx.extend(top);
                }
            }
            out
        });
        let indices = if i16_indices {
            TensorData::I16(idx.iter().map(|&i| i as i16).collect())
        } else {
            TensorData::I32(idx.iter().map(|&i| i as i32).collect())
        };
        Ok(smallvec::smallvec![
            Tensor::from_parts(shape.clone(), values),
            Tensor::from_parts(shape, indices)
        ])
    })
}

/// [`top_k`] for any element type with an order (booleans: true above false).
fn top_k_any<T: TopKey>(row: &[T], k: usize) -> Vec<usize> {
    let keys: Vec<f64> = row.iter().map(|x| x.key()).collect();
    top_k(&keys, k)
}

/// An element's sort key: every element type of a tensor converts to f64 without changing the
/// order (i64 beyond 2^53 may tie; TFLite's inputs to top-k are scores).
trait TopKey: Copy {
    fn key(self) -> f64;
}

impl<T: crate::tensor::Element> TopKey for T {
    fn key(self) -> f64 {
        self.to_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_division_and_remainder_follow_the_divisor() {
        assert_eq!(int_floor_div(7i32, 2), 3);
        assert_eq!(int_floor_div(-7i32, 2), -4);
        assert_eq!(int_floor_div(7i32, -2), -4);
        assert_eq!(int_floor_div(-8i32, 2), -4);
        assert_eq!(int_floor_mod(-7i32, 2), 1);
        assert_eq!(int_floor_mod(7i32, -2), -1);
        assert_eq!(int_floor_mod(-8i8, 3), 1);
        assert_eq!(float_floor_mod(-7.5, 2.0), 0.5);
        assert_eq!(float_floor_mod(7.5, -2.0), -0.5);
    }

    #[test]
    fn range_lengths() {
        assert_eq!(range_len(0.0, 5.0, 2.0, true).unwrap(), 3);
        assert_eq!(range_len(5.0, 0.0, -1.0, true).unwrap(), 5);
        assert_eq!(range_len(0.0, 1.0, 0.3, false).unwrap(), 4);
        assert!(range_len(0.0, 5.0, -1.0, true).is_err());
        assert!(range_len(0.0, 5.0, 0.0, true).is_err());
    }
}
