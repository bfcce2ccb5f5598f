//! Permuting dimensions: `tfl.transpose`, and the block moves `tfl.depth_to_space` and
//! `tfl.space_to_depth` (NHWC, TFLite's DCR order). Any element type.

use smallvec::SmallVec;

use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{format_shape, Shape, Tensor};

/// `src` of `shape` with its dimensions permuted: output dimension `i` is input dimension
/// `perm[i]`.
pub(crate) fn permute<T: Copy>(src: &[T], shape: &[usize], perm: &[usize]) -> Vec<T> {
    let rank = shape.len();
    let mut in_strides: SmallVec<[usize; 6]> = SmallVec::from_elem(1, rank);
    for d in (0..rank.saturating_sub(1)).rev() {
        in_strides[d] = in_strides[d + 1] * shape[d + 1];
    }
    let out_shape: SmallVec<[usize; 6]> = perm.iter().map(|&p| shape[p]).collect();
    let strides: SmallVec<[usize; 6]> = perm.iter().map(|&p| in_strides[p]).collect();
    let total: usize = shape.iter().product();
    let mut out = Vec::with_capacity(total);
    if total == 0 {
        return out;
    }
    if rank == 0 {
        out.push(src[0]);
        return out;
    }
    let inner = out_shape[rank - 1];
    let is = strides[rank - 1];
    let mut idx: SmallVec<[usize; 6]> = SmallVec::from_elem(0, rank);
    let mut o = 0usize;
    for _ in 0..total / inner {
        if is == 1 {
            out.extend_from_slice(&src[o..o + inner]);
        } else {
            out.extend((0..inner).map(|k| src[o + k * is]));
        }
        for d in (0..rank - 1).rev() {
            idx[d] += 1;
            o += strides[d];
            if idx[d] < out_shape[d] {
                break;
            }
            o -= strides[d] * out_shape[d];
            idx[d] = 0;
        }
    }
    out
}

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    kernel(|a: &mut Args<'_>| {
        let t = a.get(0)?;
        let perm = a.ints(1)?;
        let rank = t.rank();
        if perm.len() != rank {
            return Err(format!("perm {perm:?} does not fit rank {rank}"));
        }
        let mut seen = vec![false; rank];
        let mut p = Vec::with_capacity(rank);
        for &x in &perm {
            let x = if x < 0 { x + rank as i64 } else { x };
            if x < 0 || x as usize >= rank || std::mem::replace(&mut seen[x as usize], true) {
                return Err(format!("perm {perm:?} is not a permutation of 0..{rank}"));
            }
            p.push(x as usize);
        }
        let shape: Shape = p.iter().map(|&d| t.shape()[d]).collect();
        let data = crate::map_data!(t.data(), v => permute(v, t.shape(), &p));
        one(Tensor::from_parts(shape, data))
    })
}

pub(crate) fn build_depth_to_space(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    let bs = info.attr_positive("block_size")?;
    kernel(move |a: &mut Args<'_>| {
        let t = a.get(0)?;
        let [n, h, w, c] = super::conv::nhwc(t.shape())?;
        if c % (bs * bs) != 0 {
            return Err(format!(
                "depth {c} is not a multiple of block_size^2 = {}",
                bs * bs
            ));
        }
        let oc = c / (bs * bs);
        // [n, h, w, by, bx, oc] -> [n, h, by, w, bx, oc]
        let view = [n, h, w, bs, bs, oc];
        let data = crate::map_data!(t.data(), v => permute(v, &view, &[0, 1, 3, 2, 4, 5]));
        one(Tensor::from_parts(
            Shape::from_slice(&[n, h * bs, w * bs, oc]),
            data,
        ))
    })
}

pub(crate) fn build_space_to_depth(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    let bs = info.attr_positive("block_size")?;
    kernel(move |a: &mut Args<'_>| {
        let t = a.get(0)?;
        let [n, h, w, c] = super::conv::nhwc(t.shape())?;
        if h % bs != 0 || w % bs != 0 {
            return Err(format!(
                "spatial size {h}x{w} of {} is not a multiple of block_size {bs}",
                format_shape(t.shape())
            ));
        }
        // [n, h/bs, by, w/bs, bx, c] -> [n, h/bs, w/bs, by, bx, c]
        let view = [n, h / bs, bs, w / bs, bs, c];
        let data = crate::map_data!(t.data(), v => permute(v, &view, &[0, 1, 3, 2, 4, 5]));
        one(Tensor::from_parts(
            Shape::from_slice(&[n, h / bs, w / bs, bs * bs * c]),
            data,
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutes() {
        let v: Vec<i32> = (0..6).collect();
        assert_eq!(permute(&v, &[2, 3], &[1, 0]), [0, 3, 1, 4, 2, 5]);
        let v: Vec<i32> = (0..24).collect();
        let p = permute(&v, &[2, 3, 4], &[2, 0, 1]);
        assert_eq!(p[..6], [0, 4, 8, 12, 16, 20]);
    }
}
