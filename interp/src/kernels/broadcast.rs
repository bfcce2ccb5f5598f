//! NumPy-style broadcasting, as TFLite's broadcasting kernels do it: shapes are aligned at
//! their last dimension, and a dimension of 1 stretches to the other operand's size.

use smallvec::SmallVec;

use crate::error::KResult;
use crate::tensor::{format_shape, Shape};

/// The broadcast shape of two shapes.
pub(crate) fn broadcast_shape(a: &[usize], b: &[usize]) -> KResult<Shape> {
    let rank = a.len().max(b.len());
    let mut out = Shape::from_elem(0, rank);
    for i in 0..rank {
        let da = if i + a.len() >= rank {
            a[i + a.len() - rank]
        } else {
            1
        };
        let db = if i + b.len() >= rank {
            b[i + b.len() - rank]
        } else {
            1
        };
        out[i] = if da == db {
            da
        } else if da == 1 {
            db
        } else if db == 1 {
            da
        } else {
            return Err(format!(
                "shapes {} and {} cannot be broadcast together",
                format_shape(a),
                format_shape(b)
            ));
        };
    }
    Ok(out)
}

/// Element strides of `shape` seen through `out` (0 along broadcast dimensions).
fn strides_in(shape: &[usize], out: &[usize]) -> SmallVec<[usize; 6]> {
    let rank = out.len();
    let mut strides: SmallVec<[usize; 6]> = SmallVec::from_elem(0, rank);
    let mut s = 1;
    for i in (0..shape.len()).rev() {
        let o = i + rank - shape.len();
        strides[o] = if shape[i] == 1 && out[o] != 1 { 0 } else { s };
        s *= shape[i];
    }
    strides
}

/// A broadcast iteration space with adjacent dimensions merged where both operands step the
/// same way, so the innermost loop is as long as possible.
struct Plan2 {
    dims: SmallVec<[usize; 6]>,
    sa: SmallVec<[usize; 6]>,
    sb: SmallVec<[usize; 6]>,
}

fn plan2(a: &[usize], b: &[usize], out: &[usize]) -> Plan2 {
    let sa = strides_in(a, out);
    let sb = strides_in(b, out);
    let mut p = Plan2 {
        dims: SmallVec::new(),
        sa: SmallVec::new(),
        sb: SmallVec::new(),
    };
    for i in 0..out.len() {
        if out[i] == 1 {
            continue;
        }
        if let Some(last) = p.dims.len().checked_sub(1) {
            let d = out[i];
            // Merge dimension i into the previous one when contiguity continues for both.
            if p.sa[last] == sa[i] * d && p.sb[last] == sb[i] * d {
                p.dims[last] *= d;
                p.sa[last] = sa[i];
                p.sb[last] = sb[i];
                continue;
            }
        }
        p.dims.push(out[i]);
        p.sa.push(sa[i]);
        p.sb.push(sb[i]);
    }
    if p.dims.is_empty() {
        p.dims.push(1);
        p.sa.push(0);
        p.sb.push(0);
    }
    p
}

/// `f(a, b)` element-wise with broadcasting; returns the output shape and elements.
pub(crate) fn binary<A: Copy, B: Copy, O>(
    a: &[A],
    a_shape: &[usize],
    b: &[B],
    b_shape: &[usize],
    f: impl Fn(A, B) -> O,
) -> KResult<(Shape, Vec<O>)> {
    let out_shape = broadcast_shape(a_shape, b_shape)?;
    let total: usize = out_shape.iter().product();
    let mut out = Vec::with_capacity(total);
    if a_shape == b_shape {
        out.extend(a.iter().zip(b).map(|(&x, &y)| f(x, y)));
    } else if b.len() == 1 && a.len() == total {
        let y = b[0];
        out.extend(a.iter().map(|&x| f(x, y)));
    } else if a.len() == 1 && b.len() == total {
        let x = a[0];
        out.extend(b.iter().map(|&y| f(x, y)));
    } else if total > 0 {
        let p = plan2(a_shape, b_shape, &out_shape);
        let r = p.dims.len();
        let inner = p.dims[r - 1];
        let (ia, ib) = (p.sa[r - 1], p.sb[r - 1]);
        let mut idx: SmallVec<[usize; 6]> = SmallVec::from_elem(0, r);
        let (mut oa, mut ob) = (0usize, 0usize);
        for _ in 0..total / inner {
            match (ia, ib) {
                (1, 1) => out.extend(
                    a[oa..oa + inner]
                        .iter()
                        .zip(&b[ob..ob + inner])
                        .map(|(&x, &y)| f(x, y)),
                ),
                (1, 0) => {
                    let y = b[ob];
                    out.extend(a[oa..oa + inner].iter().map(|&x| f(x, y)));
                }
                (0, 1) => {
                    let x = a[oa];
                    out.extend(b[ob..ob + inner].iter().map(|&y| f(x, y)));
                }
                _ => {
                    for k in 0..inner {
                        out.push(f(a[oa + k * ia], b[ob + k * ib]));
                    }
                }
            }
            for d in (0..r - 1).rev() {
                idx[d] += 1;
                oa += p.sa[d];
                ob += p.sb[d];
                if idx[d] < p.dims[d] {
                    break;
                }
                oa -= p.sa[d] * p.dims[d];
                ob -= p.sb[d] * p.dims[d];
                idx[d] = 0;
            }
        }
    }
    Ok((out_shape, out))
}

/// Materialises `src` of `shape` broadcast to `out` (which must be a broadcast of it).
pub(crate) fn broadcast_to<T: Copy>(src: &[T], shape: &[usize], out: &[usize]) -> KResult<Vec<T>> {
    let full = broadcast_shape(shape, out)?;
    if full.as_slice() != out {
        return Err(format!(
            "shape {} cannot be broadcast to {}",
            format_shape(shape),
            format_shape(out)
        ));
    }
    let total: usize = out.iter().product();
    if shape == out {
        return Ok(src.to_vec());
    }
    if src.len() == 1 {
        return Ok(vec![src[0]; total]);
    }
    let mut v = Vec::with_capacity(total);
    if total == 0 {
        return Ok(v);
    }
    let strides = strides_in(shape, out);
    let r = out.len();
    let inner = out[r - 1];
    let is = strides[r - 1];
    let mut idx: SmallVec<[usize; 6]> = SmallVec::from_elem(0, r);
    let mut o = 0usize;
    for _ in 0..total / inner {
        if is == 1 {
            v.extend_from_slice(&src[o..o + inner]);
        } else {
            v.extend(std::iter::repeat_n(src[o], inner));
        }
        for d in (0..r - 1).rev() {
            idx[d] += 1;
            o += strides[d];
            if idx[d] < out[d] {
                break;
            }
            o -= strides[d] * out[d];
            idx[d] = 0;
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasts_like_numpy() {
        let a: Vec<f32> = (0..6).map(|x| x as f32).collect();
        let (s, v) = binary(&a, &[2, 3], &[10.0f32, 20.0, 30.0], &[3], |x, y| x + y).unwrap();
        assert_eq!(s.as_slice(), &[2, 3]);
        assert_eq!(v, [10.0, 21.0, 32.0, 13.0, 24.0, 35.0]);
        let (s, v) = binary(
            &[1.0f32, 2.0],
            &[2, 1],
            &[10.0f32, 20.0, 30.0],
            &[1, 3],
            |x, y| x * y,
        )
        .unwrap();
        assert_eq!(s.as_slice(), &[2, 3]);
        assert_eq!(v, [10.0, 20.0, 30.0, 20.0, 40.0, 60.0]);
        assert!(binary(&a, &[2, 3], &[1.0f32, 2.0], &[2], |x, y| x + y).is_err());
        let v = broadcast_to(&[1, 2], &[2, 1], &[2, 3]).unwrap();
        assert_eq!(v, [1, 1, 1, 2, 2, 2]);
    }
}
