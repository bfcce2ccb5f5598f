//! Moving spatial blocks to and from the batch: `tfl.space_to_batch_nd` (pad, then split each
//! spatial dimension into blocks that become batch entries) and `tfl.batch_to_space_nd` (the
//! inverse, then crop). TensorFlow's N-D semantics: the input is `[batch] + spatial (M dims) +
//! remaining`, `block_shape` has M elements and `paddings`/`crops` M x 2; an output batch
//! entry is `block_offset * batch + b`, with block offsets in row-major order. Convolutions with
//! dilation arrive in this form from TensorFlow (conv1d and atrous conv2d).

use smallvec::SmallVec;

use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::map_data;
use crate::tensor::{format_shape, Shape, Tensor};

/// Block sizes, one per spatial dimension.
type Blocks = Vec<usize>;
/// [start, end] paddings or crops, one pair per spatial dimension.
type Pairs = Vec<(i64, i64)>;

/// The block shape and the [start, end] pairs, checked against the input's rank.
fn block_and_pairs(a: &Args<'_>, rank: usize, what: &str) -> KResult<(Blocks, Pairs)> {
    let block = a.ints(1)?;
    let pairs = a.ints(2)?;
    let m = block.len();
    if m == 0 || m + 1 > rank {
        return Err(format!(
            "block_shape has {m} elements, which does not fit an input of rank {rank}"
        ));
    }
    if pairs.len() != 2 * m {
        return Err(format!(
            "{what} has {} elements, not {} (block_shape has {m})",
            pairs.len(),
            2 * m
        ));
    }
    let mut b = Vec::with_capacity(m);
    for &x in &block {
        if x < 1 {
            return Err(format!("block_shape {block:?} has an element below 1"));
        }
        b.push(x as usize);
    }
    let p: Vec<(i64, i64)> = pairs.chunks(2).map(|c| (c[0], c[1])).collect();
    if p.iter().any(|&(s, e)| s < 0 || e < 0) {
        return Err(format!("{what} {pairs:?} has a negative element"));
    }
    Ok((b, p))
}

/// Row-major strides of `shape`.
fn strides(shape: &[usize]) -> SmallVec<[usize; 6]> {
    let mut s: SmallVec<[usize; 6]> = SmallVec::from_elem(1, shape.len());
    for d in (0..shape.len().saturating_sub(1)).rev() {
        s[d] = s[d + 1] * shape[d + 1];
    }
    s
}

/// Fills an output of `out_shape` element by element: `source(index)` gives the input's flat
/// index, or `None` for a padding element (written as `pad`).
fn build_out<T: Copy>(
    src: &[T],
    out_shape: &[usize],
    pad: T,
    source: impl Fn(&[usize]) -> Option<usize>,
) -> Vec<T> {
    let total: usize = out_shape.iter().product();
    let mut out = Vec::with_capacity(total);
    let mut idx: SmallVec<[usize; 6]> = SmallVec::from_elem(0, out_shape.len());
    for _ in 0..total {
        out.push(source(&idx).map_or(pad, |i| src[i]));
        for d in (0..out_shape.len()).rev() {
            idx[d] += 1;
            if idx[d] < out_shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

pub(crate) fn build_space_to_batch(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    // Padding writes zeros; a quantized tensor would need its zero point.
    info.reject_quantized()?;
    info.expect_operands(3)?;
    kernel(|a: &mut Args<'_>| {
        let t = a.get(0)?;
        let shape = t.shape();
        let (block, pads) = block_and_pairs(a, shape.len(), "paddings")?;
        let m = block.len();
        let batch = shape[0];
        let mut out_shape: Shape = Shape::new();
        out_shape.push(batch * block.iter().product::<usize>());
        for i in 0..m {
            let padded = shape[1 + i] as i64 + pads[i].0 + pads[i].1;
            if padded % block[i] as i64 != 0 {
                return Err(format!(
                    "padded dimension {} ({padded}) is not a multiple of block size {}",
                    1 + i,
                    block[i]
                ));
            }
            out_shape.push((padded / block[i] as i64) as usize);
        }
        out_shape.extend_from_slice(&shape[1 + m..]);
        let in_st = strides(shape);
        let source = |idx: &[usize]| -> Option<usize> {
            let (mut offset, b) = (idx[0] / batch, idx[0] % batch);
            let mut flat = b * in_st[0];
            for i in (0..m).rev() {
                let o = offset % block[i];
                offset /= block[i];
                let pos = (idx[1 + i] * block[i] + o) as i64 - pads[i].0;
                if pos < 0 || pos >= shape[1 + i] as i64 {
                    return None;
                }
                flat += pos as usize * in_st[1 + i];
            }
            for d in 1 + m..shape.len() {
                flat += idx[d] * in_st[d];
            }
            Some(flat)
        };
        let data = map_data!(t.data(), v => build_out(v, &out_shape, Default::default(), source));
        one(Tensor::from_parts(out_shape.clone(), data))
    })
}

pub(crate) fn build_batch_to_space(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(3)?;
    kernel(|a: &mut Args<'_>| {
        let t = a.get(0)?;
        let shape = t.shape();
        let (block, crops) = block_and_pairs(a, shape.len(), "crops")?;
        let m = block.len();
        let blocks: usize = block.iter().product();
        if shape[0] % blocks != 0 {
            return Err(format!(
                "input batch {} is not a multiple of the block count {blocks} (input shape {})",
                shape[0],
                format_shape(shape)
            ));
        }
        let batch = shape[0] / blocks;
        let mut out_shape: Shape = Shape::new();
        out_shape.push(batch);
        for i in 0..m {
            let full = (shape[1 + i] * block[i]) as i64;
            let size = full - crops[i].0 - crops[i].1;
            if size < 0 {
                return Err(format!(
                    "crops {:?} remove more than dimension {} ({full}) has",
                    crops[i],
                    1 + i
                ));
            }
            out_shape.push(size as usize);
        }
        out_shape.extend_from_slice(&shape[1 + m..]);
        let in_st = strides(shape);
        let source = |idx: &[usize]| -> Option<usize> {
            let mut offset = 0;
            let mut flat = 0;
            for i in 0..m {
                let pos = idx[1 + i] + crops[i].0 as usize;
                offset = offset * block[i] + pos % block[i];
                flat += (pos / block[i]) * in_st[1 + i];
            }
            flat += (offset * batch + idx[0]) * in_st[0];
            for d in 1 + m..shape.len() {
                flat += idx[d] * in_st[d];
            }
            Some(flat)
        };
        let data = map_data!(t.data(), v => build_out(v, &out_shape, Default::default(), source));
        one(Tensor::from_parts(out_shape.clone(), data))
    })
}
