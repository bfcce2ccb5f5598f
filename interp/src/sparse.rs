//! Densifying TFLite sparse constants.
//!
//! A sparse constant is its non-zero values in traversal order plus a
//! `#tfl.sparsity_parameter<traversal_order = [...], block_map = [...], dim_metadata = <...>, ...>`
//! describing, per traversed dimension, whether it is DENSE (every index present) or SPARSE_CSR
//! (segments and indices). Dimensions past the tensor's rank are block dimensions: block_map
//! says which original dimension each one subdivides. This is TFLite's format converter's
//! sparse-to-dense walk, over the parameters `tqopt_tflite::sparsity` parses from the
//! attribute's text.

use smallvec::SmallVec;
use tqopt_tflite::sparsity::{DimensionMetadata, SparsityParameters};

use crate::error::KResult;
use crate::tensor::{Tensor, TensorData};

/// One traversed dimension, with its numbers checked non-negative.
#[derive(Debug, Default, PartialEq)]
struct DimMetadata {
    dense: bool,
    dense_size: usize,
    segments: Vec<usize>,
    indices: Vec<usize>,
}

/// [`SparsityParameters`] with every number as an index.
#[derive(Debug, Default, PartialEq)]
struct SparsityParams {
    traversal_order: Vec<usize>,
    block_map: Vec<usize>,
    dims: Vec<DimMetadata>,
}

/// Expands `values` (the compressed data) into a dense tensor of `shape`.
pub(crate) fn densify(values: &Tensor, s_param: &str, shape: &[usize]) -> KResult<Tensor> {
    let params = parse(s_param)?;
    let rank = shape.len();
    let levels = params.traversal_order.len();
    if levels < rank || params.dims.len() != levels || params.block_map.len() != levels - rank {
        return Err(format!(
            "sparsity parameters describe {levels} levels ({} with metadata, {} blocks) for a \
             tensor of rank {rank}",
            params.dims.len(),
            params.block_map.len()
        ));
    }
    let mut seen = vec![false; levels];
    for &t in &params.traversal_order {
        if t >= levels || std::mem::replace(&mut seen[t], true) {
            return Err(format!(
                "traversal_order {:?} is not a permutation",
                params.traversal_order
            ));
        }
    }
    if params.block_map.iter().any(|&b| b >= rank) {
        return Err(format!(
            "block_map {:?} names a missing dimension",
            params.block_map
        ));
    }
    // The size of each block dimension, by its position after the original dimensions.
    let block_size: Vec<usize> = (rank..levels)
        .map(|d| {
            let level = params
                .traversal_order
                .iter()
                .position(|&t| t == d)
                .unwrap_or(0);
            params.dims[level].dense_size
        })
        .collect();
    let total: usize = shape.iter().product();
    let mut walker = Walker {
        p: &params,
        shape,
        block_size: &block_size,
        next_src: 0,
        positions: Vec::new(),
    };
    let mut indices = vec![0usize; levels];
    walker.walk(&mut indices, 0, 0)?;
    let positions = walker.positions;
    if positions.len() != values.len() {
        return Err(format!(
            "the sparsity parameters address {} values but compressed_data holds {}",
            positions.len(),
            values.len()
        ));
    }
    let data = crate::map_data!(values.data(), src => {
        let mut out = vec![crate::tensor::Element::zero(); total];
        for (k, &pos) in positions.iter().enumerate() {
            out[pos] = src[k];
        }
        out
    });
    let data: TensorData = data;
    Tensor::new(shape, data).map_err(|e| e.to_string())
}

struct Walker<'a> {
    p: &'a SparsityParams,
    shape: &'a [usize],
    block_size: &'a [usize],
    next_src: usize,
    /// Dense position of each compressed value, in order.
    positions: Vec<usize>,
}

impl Walker<'_> {
    fn walk(&mut self, indices: &mut [usize], level: usize, prev: usize) -> KResult<()> {
        let levels = indices.len();
        if level == levels {
            let rank = self.shape.len();
            let mut orig: SmallVec<[usize; 6]> = SmallVec::from_elem(0, rank);
            for (&dim, &ix) in self.p.traversal_order.iter().zip(indices.iter()).take(rank) {
                orig[dim] = ix;
            }
            for (&t, &ix) in self.p.traversal_order.iter().zip(indices.iter()).skip(rank) {
                let block = t - rank;
                let dim = self.p.block_map[block];
                orig[dim] = orig[dim] * self.block_size[block] + ix;
            }
            let mut flat = 0usize;
            for (d, &ix) in orig.iter().enumerate() {
                if ix >= self.shape[d] {
                    return Err(format!(
                        "sparse index {ix} is out of range for dimension {d} of size {}",
                        self.shape[d]
                    ));
                }
                flat = flat * self.shape[d] + ix;
            }
            self.positions.push(flat);
            self.next_src += 1;
            return Ok(());
        }
        let meta = &self.p.dims[level];
        if meta.dense {
            for i in 0..meta.dense_size {
                indices[level] = i;
                self.walk(indices, level + 1, prev * meta.dense_size + i)?;
            }
        } else {
            let (Some(&start), Some(&end)) = (meta.segments.get(prev), meta.segments.get(prev + 1))
            else {
                return Err(format!("segment {prev} of level {level} is missing"));
            };
            if start > end || end > meta.indices.len() {
                return Err(format!("segments of level {level} are out of range"));
            }
            for i in start..end {
                indices[level] = meta.indices[i];
                self.walk(indices, level + 1, i)?;
            }
        }
        Ok(())
    }
}

/// Parses the body of a `#tfl.sparsity_parameter<...>` with the format's one parser and
/// checks that its numbers are indices.
fn parse(text: &str) -> KResult<SparsityParams> {
    let sp = SparsityParameters::parse(text)?;
    let index = |v: i32| {
        usize::try_from(v).map_err(|_| format!("sparsity parameter holds a negative number {v}"))
    };
    let list = |v: &[i32]| v.iter().map(|&x| index(x)).collect::<KResult<Vec<usize>>>();
    let dims = sp
        .dim_metadata
        .iter()
        .map(|d| {
            Ok(match d {
                DimensionMetadata::Dense { dense_size } => DimMetadata {
                    dense: true,
                    dense_size: index(*dense_size)?,
                    ..DimMetadata::default()
                },
                DimensionMetadata::SparseCsr { segments, indices } => DimMetadata {
                    dense: false,
                    dense_size: 0,
                    segments: list(segments)?,
                    indices: list(indices)?,
                },
            })
        })
        .collect::<KResult<Vec<_>>>()?;
    Ok(SparsityParams {
        traversal_order: list(&sp.traversal_order)?,
        block_map: list(&sp.block_map)?,
        dims,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_matrix_densifies() {
        // [[0, 2, 0], [3, 0, 4]] as a dense rows / CSR columns matrix.
        let text = "traversal_order = [0, 1], block_map = [], dim_metadata = <format =  DENSE, \
                    dense_size = 2, segments = [], indices = []>, <format =  SPARSE_CSR, \
                    dense_size = 0, segments = [0, 1, 3], indices = [1, 0, 2]>";
        let values = Tensor::from_f32(&[3], vec![2.0, 3.0, 4.0]).unwrap();
        let t = densify(&values, text, &[2, 3]).unwrap();
        assert_eq!(t.as_f32().unwrap(), &[0.0, 2.0, 0.0, 3.0, 0.0, 4.0]);
    }

    #[test]
    fn block_sparse_densifies() {
        // A 4x4 matrix of 2x2 blocks; only block (0, 1) and block (1, 0) are present.
        let text = "traversal_order = [0, 1, 2, 3], block_map = [0, 1], dim_metadata = \
                    <format = DENSE, dense_size = 2, segments = [], indices = []>, \
                    <format = SPARSE_CSR, dense_size = 0, segments = [0, 1, 2], indices = [1, 0]>, \
                    <format = DENSE, dense_size = 2, segments = [], indices = []>, \
                    <format = DENSE, dense_size = 2, segments = [], indices = []>";
        let values = Tensor::from_f32(&[8], (1..=8).map(|v| v as f32).collect()).unwrap();
        let t = densify(&values, text, &[4, 4]).unwrap();
        #[rustfmt::skip]
        let expected = [
            0.0, 0.0, 1.0, 2.0,
            0.0, 0.0, 3.0, 4.0,
            5.0, 6.0, 0.0, 0.0,
            7.0, 8.0, 0.0, 0.0,
        ];
        assert_eq!(t.as_f32().unwrap(), &expected);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let values = Tensor::from_f32(&[1], vec![1.0]).unwrap();
        assert!(densify(&values, "nonsense", &[2]).is_err());
        let text = "traversal_order = [0], block_map = [], dim_metadata = <format = SPARSE_CSR, \
                    dense_size = 0, segments = [0, 1], indices = [7]>";
        assert!(densify(&values, text, &[2]).is_err());
    }
}
