//! `sparsify-weights`: weights that are mostly zeros are stored sparse, as TFLite's `DENSIFY`
//! reads them: a `tfl.pseudo_sparse_qconst` (int8) or `tfl.pseudo_sparse_const` (float16, in
//! front of the `tfl.dequantize` of a float op's weight) with the non-zero values and their
//! positions, behind a `tfl.densify` that the weight's reader then consumes.
//!
//! Pruned float models (MediaPipe's pose_detection keeps 75% of its float16 weights as zeros,
//! stored sparse) would otherwise grow when quantized: `fold-constants` makes their weights
//! dense so they can be calibrated and quantized, and dense int8 is larger than sparse float16;
//! the ops that stay float get their float16 weights back from `compact-float-weights`, and
//! their sparse form here (pose_detection's `target-sqnr=30` model: 10.8 MB, then 2.9 MB).
//!
//! The format is the one TensorFlow writes for such weights: every dimension but the last
//! DENSE, the last SPARSE_CSR (row segments and column indices), traversal in order, no blocks.
//! A constant is rewritten only when at least `min-zeros` of its values are zero and the
//! sparse form (values, indices and segments, at the index widths the exporter picks) is
//! smaller than the dense one with the densify op and its tensor. Only `tfl.pseudo_qconst`s
//! with int8 storage and float16 `tfl.pseudo_const`s behind one dequantize, with a full (not
//! splat) value, are considered, and only where every reader takes them as its affine weight.
//! An int8 weight stays dense where XNNPACK cannot read it densified (a fully connected op's;
//! `target::xnnpack_reads_sparse_int8_weight`): LiteRT's default interpreter would refuse the
//! model.

use std::fmt::Write;
use std::sync::Arc;

use tqopt_ir::dialect::{tfl, QuantBehavior};
use tqopt_ir::{
    Attribute, Blob, DenseElements, ElementType, FloatKind, Module, OpId, OpSpec, OpaqueAttr,
    Scalar, TensorType, Type,
};

use super::target::xnnpack_reads_sparse_int8_weight;
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const SPARSIFIED: Statistic = Statistic {
    name: "num-sparsified",
    description: "weights (int8, or float16 behind a dequantize) stored sparse behind a densify",
};
pub const BYTES_SAVED: Statistic = Statistic {
    name: "num-bytes-saved",
    description: "bytes of weight data saved by sparse storage",
};

pub static INFO: PassInfo = PassInfo {
    argument: "sparsify-weights",
    summary: "Store mostly-zero int8 and float16 weights sparse behind tfl.densify",
    description: "Rewrites each int8 tfl.pseudo_qconst weight, and each float16 tfl.pseudo_const \
        weight behind a tfl.dequantize, with at least min-zeros zero values into a \
        tfl.pseudo_sparse_qconst / tfl.pseudo_sparse_const (last dimension SPARSE_CSR, the \
        others DENSE) and a tfl.densify, when that is smaller than the dense data with the \
        densify op and its tensor.",
    options: &[OptionInfo {
        name: "min-zeros",
        kind: OptionKind::Float,
        default: "0.5",
        help: "Fraction of zero values a weight needs to be stored sparse",
    }],
    create,
    traits: PassTraits::NONE,
};

fn create(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let min_zeros = options.float("min-zeros")?;
    if !(0.0..=1.0).contains(&min_zeros) {
        return Err(format!("min-zeros must be within [0, 1], not {min_zeros}"));
    }
    Ok(Box::new(SparsifyWeights { min_zeros }))
}

pub struct SparsifyWeights {
    min_zeros: f64,
}

impl Pass for SparsifyWeights {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let candidates: Vec<OpId> = m
            .walk_nested(m.op)
            .filter(|&op| {
                (m.op(op).is(&tfl::PSEUDO_QCONST)
                    && read_as_weight_only(m, op)
                    && xnnpack_reads_sparse(m, op))
                    || float16_weight(m, op)
            })
            .collect();
        let mut changed = false;
        for c in candidates {
            if let Some(saved) = self.sparsify(m, c) {
                cx.count(SPARSIFIED, 1);
                cx.count(BYTES_SAVED, saved as u64);
                changed = true;
            }
        }
        Ok(Changed::from(changed))
    }
}

/// Whether every reader of the constant takes it as the weight operand of an affine op.
fn read_as_weight_only(m: &Module, c: OpId) -> bool {
    let Some(&v) = m.results(c).first() else {
        return false;
    };
    let uses = m.uses(v);
    !uses.is_empty()
        && uses.iter().all(|u| {
            m.op(u.op).def().is_some_and(|d| {
                matches!(d.quant, QuantBehavior::Affine { weight, .. } if u.index == weight as u32)
            })
        })
}

/// Whether XNNPACK can take every reader of the int8 constant `c` with the weight densified
/// ([`xnnpack_reads_sparse_int8_weight`]): LiteRT's default interpreter refuses the model
/// otherwise, so such a weight stays dense.
fn xnnpack_reads_sparse(m: &Module, c: OpId) -> bool {
    m.results(c).iter().all(|&v| {
        m.uses(v)
            .iter()
            .all(|u| xnnpack_reads_sparse_int8_weight(m, u.op))
    })
}

/// Whether `c` is a float16 constant whose one reader is a `tfl.dequantize` that only affine
/// ops read, as their weight (the form of float16 weights; `compact-float-weights` writes it).
fn float16_weight(m: &Module, c: OpId) -> bool {
    let Some(&v) = m.results(c).first() else {
        return false;
    };
    let half =
        m.op(c).is(&tfl::PSEUDO_CONST) && m.value_type(v).element_type() == Some(&ElementType::F16);
    match m.uses(v) {
        [only] if half && m.op(only.op).is(&tfl::DEQUANTIZE) => read_as_weight_only(m, only.op),
        _ => false,
    }
}

/// What storing a weight sparse adds to the file besides its CSR arrays: the `DENSIFY` op and
/// its dense result tensor, which carries the weight's quantization parameters again (a float32
/// scale and an int64 zero point per channel). Without it, per-channel weights 59% zeros were
/// stored sparse and a selfie_segmentation file grew by a kilobyte.
fn densify_overhead(ty: &TensorType) -> usize {
    const OP_AND_TENSOR: usize = 256;
    let channels = match &ty.elem {
        ElementType::Quant(q) => match &q.params {
            tqopt_ir::QuantParams::PerAxis { scales, .. } => scales.len(),
            _ => 1,
        },
        _ => 1,
    };
    OP_AND_TENSOR + channels * (4 + 8)
}

/// A weight in CSR form over its last dimension.
struct Csr {
    /// The stored elements' bytes, in order.
    values: Vec<u8>,
    segments: Vec<usize>,
    indices: Vec<usize>,
}

impl Csr {
    /// The CSR form of `data` (elements of `width` bytes, rows of `row_len` elements); an
    /// element is left out when all its bytes are zero (0, or +0.0).
    fn of(data: &[u8], row_len: usize, width: usize) -> Csr {
        let mut csr = Csr {
            values: Vec::new(),
            segments: vec![0],
            indices: Vec::new(),
        };
        for row in data.chunks(row_len * width) {
            for (j, v) in row.chunks(width).enumerate() {
                if v.iter().any(|&b| b != 0) {
                    csr.values.extend_from_slice(v);
                    csr.indices.push(j);
                }
            }
            csr.segments.push(csr.indices.len());
        }
        csr
    }

    /// Bytes of the sparse form, with index arrays as narrow as their largest value allows
    /// (the exporter's choice: uint8, uint16, else int32).
    fn stored_bytes(&self) -> usize {
        let width = |max: usize| match max {
            0..=0xff => 1,
            0x100..=0xffff => 2,
            _ => 4,
        };
        let max_index = self.indices.iter().copied().max().unwrap_or(0);
        let max_segment = self.segments.last().copied().unwrap_or(0);
        self.values.len()
            + self.indices.len() * width(max_index)
            + self.segments.len() * width(max_segment)
    }

    /// The `#tfl.sparsity_parameter<...>` body for a tensor of `shape`.
    fn sparsity_parameter(&self, shape: &[i64]) -> String {
        let rank = shape.len();
        let list = |v: &[usize]| {
            let mut s = String::with_capacity(v.len() * 4);
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                let _ = write!(s, "{x}");
            }
            s
        };
        let order: Vec<usize> = (0..rank).collect();
        let mut text = format!(
            "traversal_order = [{}], block_map = [], dim_metadata = ",
            list(&order)
        );
        for (d, &size) in shape.iter().enumerate() {
            if d > 0 {
                text.push_str(", ");
            }
            if d + 1 < rank {
                let _ = write!(
                    text,
                    "<format =  DENSE, dense_size = {size}, segments = [], indices = []>"
                );
            } else {
                let _ = write!(
                    text,
                    "<format =  SPARSE_CSR, dense_size = 0, segments = [{}], indices = [{}]>",
                    list(&self.segments),
                    list(&self.indices)
                );
            }
        }
        text
    }
}

impl SparsifyWeights {
    /// Rewrites constant `c` if it pays; returns the bytes saved.
    fn sparsify(&self, m: &mut Module, c: OpId) -> Option<usize> {
        let v = m.results(c)[0];
        let Type::Tensor(ty) = m.value_type(v).clone() else {
            return None;
        };
        let Some(Attribute::Dense(value)) = m.op(c).attr("value").cloned() else {
            return None;
        };
        let quantized = m.op(c).is(&tfl::PSEUDO_QCONST);
        let width = match &value.ty.elem {
            ElementType::Int(t) if t.width == 8 && quantized => 1,
            ElementType::Float(FloatKind::F16) if !quantized => 2,
            _ => return None,
        };
        let shape = ty.shape.to_vec();
        if value.is_splat() || shape.is_empty() || !ty.has_static_shape() {
            return None;
        }
        let data = value.raw_bytes();
        let row_len = *shape.last()? as usize;
        if row_len == 0 || data.is_empty() || data.len() % (row_len * width) != 0 {
            return None;
        }
        let elements = data.len() / width;
        let zeros = data
            .chunks(width)
            .filter(|e| e.iter().all(|&b| b == 0))
            .count();
        // An all-zero weight would have no values to store: TFLite reads an empty buffer as
        // no data, so LiteRT's DENSIFY would find a non-constant input and refuse the model.
        if (zeros as f64) < self.min_zeros * elements as f64 || zeros == elements {
            return None;
        }
        let csr = Csr::of(data, row_len, width);
        let sparse_bytes = csr.stored_bytes() + densify_overhead(&ty);
        if sparse_bytes >= data.len() {
            return None;
        }
        let compressed = DenseElements::from_blob(
            TensorType::new(&[csr.indices.len() as i64], value.ty.elem.clone()),
            Blob::from_vec(csr.values.clone()),
        )?;
        let zero = if quantized {
            Scalar::Int(0)
        } else {
            Scalar::Float(0.0)
        };
        let placeholder = DenseElements::splat(value.ty.clone(), zero)?;
        let s_param = Attribute::Opaque(OpaqueAttr {
            dialect: Arc::from("tfl"),
            mnemonic: Some(Arc::from("sparsity_parameter")),
            body: Some(Arc::from(csr.sparsity_parameter(&shape))),
        });
        let loc = m.op(c).loc.clone();
        let def = if quantized {
            &tfl::PSEUDO_SPARSE_QCONST
        } else {
            &tfl::PSEUDO_SPARSE_CONST
        };
        let mut spec = OpSpec::of(def)
            .results([Type::Tensor(ty.clone())])
            .loc(loc.clone());
        if quantized {
            spec.properties
                .set("qtype", Attribute::Type(Type::Tensor(ty.clone())));
        }
        spec.properties.set("value", Attribute::Dense(placeholder));
        spec.properties.set("s_param", s_param);
        spec.properties
            .set("compressed_data", Attribute::Dense(compressed));
        let sparse = m.create_op(spec);
        m.insert_before(c, sparse).ok()?;
        let sparse_value = m.results(sparse)[0];
        let densify = m.create_op(
            OpSpec::of(&tfl::DENSIFY)
                .operands(&[sparse_value])
                .results([Type::Tensor(ty)])
                .loc(loc),
        );
        m.insert_before(c, densify).ok()?;
        let dense_value = m.results(densify)[0];
        m.replace_op(c, &[dense_value]).ok()?;
        Some(data.len() - sparse_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_of_a_matrix() {
        // [[0, 5, 0], [7, 0, 9]]
        let csr = Csr::of(&[0, 5, 0, 7, 0, 9], 3, 1);
        assert_eq!(csr.values, [5, 7, 9]);
        assert_eq!(csr.segments, [0, 1, 3]);
        assert_eq!(csr.indices, [1, 0, 2]);
        assert_eq!(csr.stored_bytes(), 3 + 3 + 3);
        assert_eq!(
            csr.sparsity_parameter(&[2, 3]),
            "traversal_order = [0, 1], block_map = [], dim_metadata = \
             <format =  DENSE, dense_size = 2, segments = [], indices = []>, \
             <format =  SPARSE_CSR, dense_size = 0, segments = [0, 1, 3], indices = [1, 0, 2]>"
        );
    }
}
