//! `tfl.slice` (begin and size, -1 for "to the end") and `tfl.strided_slice` with all of
//! TensorFlow's masks (begin, end, ellipsis, new_axis, shrink_axis) and TFLite's `offset`
//! (end relative to begin). Any element type.

use smallvec::SmallVec;

use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{format_shape, Shape, Tensor};

/// Gathers the box `start[d] + i * step[d]` for `i < count[d]` of a row-major tensor.
fn gather_box<T: Copy>(
    src: &[T],
    shape: &[usize],
    start: &[i64],
    step: &[i64],
    count: &[usize],
) -> Vec<T> {
    let rank = shape.len();
    let total: usize = count.iter().product();
    let mut out = Vec::with_capacity(total);
    if total == 0 {
        return out;
    }
    if rank == 0 {
        out.push(src[0]);
        return out;
    }
    let mut strides: SmallVec<[i64; 6]> = SmallVec::from_elem(1, rank);
    for d in (0..rank - 1).rev() {
        strides[d] = strides[d + 1] * shape[d + 1] as i64;
    }
    let mut idx: SmallVec<[usize; 6]> = SmallVec::from_elem(0, rank);
    let base: i64 = (0..rank).map(|d| start[d] * strides[d]).sum();
    let mut off = base;
    let inner = count[rank - 1];
    let istep = step[rank - 1];
    for _ in 0..total / inner {
        if istep == 1 {
            let o = off as usize;
            out.extend_from_slice(&src[o..o + inner]);
        } else {
            out.extend((0..inner).map(|k| src[(off + k as i64 * istep) as usize]));
        }
        for d in (0..rank - 1).rev() {
            idx[d] += 1;
            off += step[d] * strides[d];
            if idx[d] < count[d] {
                break;
            }
            off -= step[d] * strides[d] * count[d] as i64;
            idx[d] = 0;
        }
    }
    out
}

pub(crate) fn build_slice(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(3)?;
    kernel(|a: &mut Args<'_>| {
        let t = a.get(0)?;
        let begin = a.ints(1)?;
        let size = a.ints(2)?;
        let rank = t.rank();
        if begin.len() != rank || size.len() != rank {
            return Err(format!(
                "begin {begin:?} and size {size:?} must have {rank} entries"
            ));
        }
        let mut count = Vec::with_capacity(rank);
        for d in 0..rank {
            let dim = t.shape()[d] as i64;
            let b = begin[d];
            let s = if size[d] == -1 { dim - b } else { size[d] };
            if b < 0 || s < 0 || b + s > dim {
                return Err(format!(
                    "slice begin {begin:?} size {size:?} is out of bounds of shape {}",
                    format_shape(t.shape())
                ));
            }
            count.push(s as usize);
        }
        let step = vec![1i64; rank];
        let data = crate::map_data!(t.data(), v => gather_box(v, t.shape(), &begin, &step, &count));
        one(Tensor::from_parts(Shape::from_slice(&count), data))
    })
}

#[derive(Copy, Clone)]
struct Masks {
    begin: i64,
    end: i64,
    ellipsis: i64,
    new_axis: i64,
    shrink: i64,
    offset: bool,
}

/// One output dimension of the strided slice, in the order of the output.
enum OutDim {
    /// An input axis that is kept.
    Axis(usize),
    /// A new axis of size 1.
    New,
}

pub(crate) fn build_strided_slice(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(4)?;
    let m = Masks {
        begin: info.attr_int_or("begin_mask", 0)?,
        end: info.attr_int_or("end_mask", 0)?,
        ellipsis: info.attr_int_or("ellipsis_mask", 0)?,
        new_axis: info.attr_int_or("new_axis_mask", 0)?,
        shrink: info.attr_int_or("shrink_axis_mask", 0)?,
        offset: info.attr_bool_or("offset", false)?,
    };
    kernel(move |a: &mut Args<'_>| {
        let t = a.get(0)?;
        let begin = a.ints(1)?;
        let end = a.ints(2)?;
        let strides = a.ints(3)?;
        if begin.len() != end.len() || begin.len() != strides.len() {
            return Err("begin, end and strides must have the same length".into());
        }
        let (start, step, count, out_dims) = strided_plan(t.shape(), &begin, &end, &strides, m)?;
        let data = crate::map_data!(t.data(), v => gather_box(v, t.shape(), &start, &step, &count));
        let shape: Shape = out_dims
            .iter()
            .map(|d| match d {
                OutDim::Axis(i) => count[*i],
                OutDim::New => 1,
            })
            .collect();
        one(Tensor::from_parts(shape, data))
    })
}

type StridedPlan = (Vec<i64>, Vec<i64>, Vec<usize>, Vec<OutDim>);

/// Expands the sparse spec (with ellipsis and new axes) to one entry per input axis and
/// computes each axis's start, step and count the way TFLite does.
fn strided_plan(
    shape: &[usize],
    begin: &[i64],
    end: &[i64],
    strides: &[i64],
    m: Masks,
) -> KResult<StridedPlan> {
    let rank = shape.len();
    let mut sparse = begin.len();
    let bit = |mask: i64, i: usize| i < 63 && (mask >> i) & 1 == 1;
    let mut ellipsis = m.ellipsis;
    if (0..sparse).all(|i| !bit(ellipsis, i)) {
        // An implicit ellipsis at the end covers the remaining axes.
        ellipsis |= 1 << sparse;
        sparse += 1;
    }
    let new_after_ellipsis = {
        let e = (0..sparse).find(|&i| bit(ellipsis, i)).unwrap_or(sparse);
        (e + 1..sparse).filter(|&i| bit(m.new_axis, i)).count()
    };
    // Dense spec per input axis: (begin, end, stride, begin_masked, end_masked, shrink)
    let mut dense: Vec<(i64, i64, i64, bool, bool, bool)> = Vec::with_capacity(rank);
    let mut out_dims = Vec::new();
    for i in 0..sparse {
        if bit(ellipsis, i) {
            let next = (rank as i64 - (sparse - i) as i64 + 1 + new_after_ellipsis as i64)
                .clamp(0, rank as i64) as usize;
            while dense.len() < next {
                out_dims.push(OutDim::Axis(dense.len()));
                dense.push((0, 0, 1, true, true, false));
            }
        } else if bit(m.new_axis, i) {
            out_dims.push(OutDim::New);
        } else {
            if dense.len() >= rank {
                return Err(format!(
                    "the slice spec has more entries than the input's rank {rank}"
                ));
            }
            let shrink = bit(m.shrink, i);
            if !shrink {
                out_dims.push(OutDim::Axis(dense.len()));
            }
            dense.push((
                begin[i],
                end[i],
                strides[i],
                bit(m.begin, i),
                bit(m.end, i),
                shrink,
            ));
        }
    }
    while dense.len() < rank {
        out_dims.push(OutDim::Axis(dense.len()));
        dense.push((0, 0, 1, true, true, false));
    }
    let mut start = Vec::with_capacity(rank);
    let mut step = Vec::with_capacity(rank);
    let mut count = Vec::with_capacity(rank);
    for (d, &(b, e, s, bm, em, shrink)) in dense.iter().enumerate() {
        if s == 0 {
            return Err("strides must be non-zero".into());
        }
        let size = shape[d] as i64;
        let mut st = if b < 0 { b + size } else { b };
        st = if s > 0 {
            st.clamp(0, size)
        } else {
            st.clamp(-1, size - 1)
        };
        if bm {
            st = if s > 0 { 0 } else { size - 1 };
        }
        let n = if shrink {
            if st < 0 || st >= size {
                return Err(format!(
                    "shrunk index {b} is out of range for axis {d} of size {size}"
                ));
            }
            1
        } else {
            let mut en = if m.offset { e + st } else { e };
            if en < 0 {
                en += size;
            }
            en = if s > 0 {
                en.clamp(0, size)
            } else {
                en.clamp(-1, size - 1)
            };
            if em {
                en = if s > 0 { size } else { -1 };
            }
            let span = en - st;
            let n = if s > 0 {
                (span + s - 1).div_euclid(s)
            } else {
                (-span - s - 1).div_euclid(-s)
            };
            n.max(0) as usize
        };
        start.push(if n == 0 { 0 } else { st });
        step.push(s);
        count.push(n);
    }
    Ok((start, step, count, out_dims))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masks() -> Masks {
        Masks {
            begin: 0,
            end: 0,
            ellipsis: 0,
            new_axis: 0,
            shrink: 0,
            offset: false,
        }
    }

    #[test]
    fn strided_slice_semantics() {
        // x[1:, ::-2] on a 3x5 tensor
        let (start, step, count, _) = strided_plan(
            &[3, 5],
            &[1, 0],
            &[0, 0],
            &[1, -2],
            Masks {
                end: 3,
                begin: 2,
                ..masks()
            },
        )
        .unwrap();
        assert_eq!((start, step, count), (vec![1, 4], vec![1, -2], vec![2, 3]));
        // x[..., 0] with shrink on the last axis of a 2x3x4 tensor
        let (start, _, count, dims) = strided_plan(
            &[2, 3, 4],
            &[0, 0],
            &[0, 1],
            &[1, 1],
            Masks {
                ellipsis: 1,
                shrink: 2,
                ..masks()
            },
        )
        .unwrap();
        assert_eq!(start, vec![0, 0, 0]);
        assert_eq!(count, vec![2, 3, 1]);
        assert_eq!(dims.len(), 2);
        // x[:, None] adds an axis
        let (_, _, count, dims) = strided_plan(
            &[4],
            &[0, 0],
            &[0, 0],
            &[1, 1],
            Masks {
                begin: 1,
                end: 1,
                new_axis: 2,
                ..masks()
            },
        )
        .unwrap();
        assert_eq!(count, vec![4]);
        assert_eq!(dims.len(), 2);
        // offset: end is relative to begin
        let (start, _, count, _) = strided_plan(
            &[10],
            &[2],
            &[3],
            &[1],
            Masks {
                offset: true,
                ..masks()
            },
        )
        .unwrap();
        assert_eq!((start, count), (vec![2], vec![3]));
        let v: Vec<i32> = (0..15).collect();
        assert_eq!(
            gather_box(&v, &[3, 5], &[1, 4], &[1, -2], &[2, 3]),
            [9, 7, 5, 14, 12, 10]
        );
    }
}
