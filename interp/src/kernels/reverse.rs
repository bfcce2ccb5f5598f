//! Reversing along axes: `tfl.reverse_v2` (whole axes) and `tfl.reverse_sequence` (the first
//! `seq_lengths[b]` elements along `seq_dim` of each batch entry `b`). Any element type: the
//! kernels only move elements, so quantized tensors keep their storage values.

use smallvec::SmallVec;

use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::map_data;
use crate::tensor::{Shape, Tensor};

/// Row-major strides of `shape`.
fn strides(shape: &[usize]) -> SmallVec<[usize; 6]> {
    let mut s: SmallVec<[usize; 6]> = SmallVec::from_elem(1, shape.len());
    for d in (0..shape.len().saturating_sub(1)).rev() {
        s[d] = s[d + 1] * shape[d + 1];
    }
    s
}

/// A normalised axis (`-rank <= axis < rank`).
fn axis_of(axis: i64, rank: usize, what: &str) -> KResult<usize> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return Err(format!("{what} {axis} is out of range for rank {rank}"));
    }
    Ok(if axis < 0 { axis + r } else { axis } as usize)
}

/// `src` of `shape` with element `i` read from `source(index of i)`.
fn gather_by<T: Copy>(
    src: &[T],
    shape: &[usize],
    source: impl Fn(&[usize]) -> SmallVec<[usize; 6]>,
) -> Vec<T> {
    let st = strides(shape);
    let total = src.len();
    let mut out = Vec::with_capacity(total);
    let mut idx: SmallVec<[usize; 6]> = SmallVec::from_elem(0, shape.len());
    for _ in 0..total {
        let from = source(&idx);
        out.push(src[from.iter().zip(&st).map(|(i, s)| i * s).sum::<usize>()]);
        for d in (0..shape.len()).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

pub(crate) fn build_reverse(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    kernel(|a: &mut Args<'_>| {
        let t = a.get(0)?;
        let shape: Shape = t.shape().iter().copied().collect();
        let mut flip: SmallVec<[bool; 6]> = SmallVec::from_elem(false, shape.len());
        for axis in a.ints(1)? {
            let d = axis_of(axis, shape.len(), "axis")?;
            if flip[d] {
                return Err(format!("axis {axis} is given twice"));
            }
            flip[d] = true;
        }
        let source = |idx: &[usize]| -> SmallVec<[usize; 6]> {
            idx.iter()
                .enumerate()
                .map(|(d, &i)| if flip[d] { shape[d] - 1 - i } else { i })
                .collect()
        };
        let data = map_data!(t.data(), v => gather_by(v, &shape, source));
        one(Tensor::from_parts(shape.clone(), data))
    })
}

pub(crate) fn build_reverse_sequence(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    let seq_dim = info.attr_int("seq_dim")?;
    let batch_dim = info.attr_int("batch_dim")?;
    kernel(move |a: &mut Args<'_>| {
        let t = a.get(0)?;
        let shape: Shape = t.shape().iter().copied().collect();
        let seq = axis_of(seq_dim, shape.len(), "seq_dim")?;
        let batch = axis_of(batch_dim, shape.len(), "batch_dim")?;
        if seq == batch {
            return Err(format!("seq_dim and batch_dim are both dimension {seq}"));
        }
        let lengths = a.ints(1)?;
        if lengths.len() != shape[batch] {
            return Err(format!(
                "seq_lengths has {} elements but the batch dimension has {}",
                lengths.len(),
                shape[batch]
            ));
        }
        let mut lens = Vec::with_capacity(lengths.len());
        for (b, &l) in lengths.iter().enumerate() {
            if l < 0 || l as usize > shape[seq] {
                return Err(format!(
                    "seq_lengths[{b}] = {l} is outside [0, {}]",
                    shape[seq]
                ));
            }
            lens.push(l as usize);
        }
        let source = |idx: &[usize]| -> SmallVec<[usize; 6]> {
            let mut from: SmallVec<[usize; 6]> = idx.iter().copied().collect();
            let n = lens[idx[batch]];
            if idx[seq] < n {
                from[seq] = n - 1 - idx[seq];
            }
            from
        };
        let data = map_data!(t.data(), v => gather_by(v, &shape, source));
        one(Tensor::from_parts(shape.clone(), data))
    })
}
