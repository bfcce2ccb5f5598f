//! `fold-quant`: folds `dequantize -> op -> quantize` into the op working on quantized types,
//! and `quantize(constant)` into `tfl.pseudo_qconst` (TensorFlow's quantize pass).
//!
//! An op is folded when its table entry says it has a quantized kernel, `legalize-opset` did
//! not keep it float, every float operand comes from a `tfl.dequantize`, and every float
//! result has exactly one use, a `tfl.quantize`. Anything else stays float between its
//! dequantize and quantize ops. Constants are quantized last, with TensorFlow's integer
//! rounding for weights (symmetric, per channel), biases (int32, or int64 in 16x8 mode) and
//! other constants (int8, or int16 in 16x8 mode).

use tqopt_ir::dialect::tfl_versions::POT_SCALE_INT16_ATTR;
use tqopt_ir::dialect::{tfl, tfl_builders};
use tqopt_ir::{
    Attribute, DenseElements, ElementType, IntType, Module, OpId, QuantParams, TensorType, Type,
    UniformQuant,
};

use super::legalize_opset::KEEP_FLOAT;
use super::numerics::{self, QParams};
use super::qdq::{defined_by, is_f32, is_f32_any_rank, params_of, range_of};
use super::spec::is_quantizable;
use crate::folds::{const_f32_values, erase_dead_ops};
use crate::options::PassOptions;
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const QUANTIZED_OPS: Statistic = Statistic {
    name: "num-quantized-ops",
    description: "ops now working on quantized types",
};
pub const QUANTIZED_CONSTANTS: Statistic = Statistic {
    name: "num-quantized-constants",
    description: "constants folded into tfl.pseudo_qconst",
};

pub static INFO: PassInfo = PassInfo {
    argument: "fold-quant",
    summary: "Fold dequantize -> op -> quantize into quantized ops, and quantize(const) into pseudo_qconst",
    description: "Rewrites every op with a quantized kernel whose float operands all come from \
        tfl.dequantize and whose float results each feed one tfl.quantize into the same op on \
        quantized types; quantizes constants behind tfl.quantize into tfl.pseudo_qconst with \
        TensorFlow's rounding; a constant pair that still feeds a float op is folded back into \
        the float constant.",
    options: &[],
    create,
    traits: PassTraits {
        inputs: &[],
        report: Some(crate::quant::report::Kind::Full),
    },
};

fn create(_: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(FoldQuant))
}

pub struct FoldQuant;

impl Pass for FoldQuant {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let mut changed = squash_dequantize_quantize(m);
        let ops: Vec<OpId> = m.walk_nested(m.op).collect();
        let mut folded = 0;
        for op in ops {
            if !m.is_erased(op) && fold_op(m, op) {
                folded += 1;
            }
        }
        cx.count(QUANTIZED_OPS, folded);
        changed |= restore_float_constants(m);
        let constants = quantize_constants(m);
        cx.count(QUANTIZED_CONSTANTS, constants);
        erase_dead_ops(m);
        Ok(Changed::from(changed || folded > 0 || constants > 0))
    }
}

/// `quantize(dequantize(y))` with `y` quantized: `y` itself when the types agree, else a
/// requantize of `y`.
fn squash_dequantize_quantize(m: &mut Module) -> bool {
    let qs: Vec<OpId> = m
        .walk_nested(m.op)
        .filter(|&op| m.op(op).is(&tfl::QUANTIZE))
        .collect();
    let mut changed = false;
    for q in qs {
        let Some(dq) = defined_by(m, m.operands(q)[0], &tfl::DEQUANTIZE) else {
            continue;
        };
        let y = m.operands(dq)[0];
        if m.value_type(y)
            .element_type()
            .and_then(|e| e.as_quant())
            .is_none()
        {
            continue;
        }
        let out = m.results(q)[0];
        if m.value_type(y) == m.value_type(out) {
            let _ = m.replace_op(q, &[y]);
        } else {
            m.set_operand(q, 0, y);
        }
        changed = true;
    }
    changed
}

fn fold_op(m: &mut Module, op: OpId) -> bool {
    let data = m.op(op);
    if !is_quantizable(m, op)
        || data.is(&tfl::QUANTIZE)
        || data.is(&tfl::DEQUANTIZE)
        || data.attributes.contains(KEEP_FLOAT)
    {
        return false;
    }
    if data
        .def()
        .is_some_and(|d| d.has_trait(tqopt_ir::dialect::Traits::CONSTANT_LIKE))
    {
        return false;
    }
    let operands = m.operands(op).to_vec();
    let mut new_operands = operands.clone();
    let mut any_float = false;
    for (i, &v) in operands.iter().enumerate() {
        if !is_f32_any_rank(m, v) {
            continue;
        }
        any_float = true;
        match defined_by(m, v, &tfl::DEQUANTIZE) {
            Some(dq) => new_operands[i] = m.operands(dq)[0],
            None => return false,
        }
    }
    let mut result_quantizes = Vec::new();
    for &r in m.results(op) {
        if !is_f32_any_rank(m, r) {
            continue;
        }
        any_float = true;
        match m.uses(r) {
            [only] if m.op(only.op).is(&tfl::QUANTIZE) => result_quantizes.push((r, only.op)),
            _ => return false,
        }
    }
    if !any_float {
        return false;
    }
    m.set_operands(op, &new_operands);
    for (r, q) in result_quantizes {
        let qv = m.results(q)[0];
        let ty = m.value_type(qv).clone();
        m.set_value_type(r, ty);
        let _ = m.replace_op(q, &[r]);
    }
    mark_general_scale_int16(m, op);
    true
}

/// A 16-bit ADD or SUB folded here has calibrated scales: its `pot_scale_int16` option is
/// written false, as TensorFlow's quantizer writes it, so that LiteRT runs its general-scale
/// kernel. With the option true (the schema's default) and three scales that happen to be
/// powers of two, LiteRT takes its power-of-two kernel, meant for LSTM internals, which refuses
/// an op whose two inputs both need shifting ("input1_shift == 0 || input2_shift == 0").
fn mark_general_scale_int16(m: &mut Module, op: OpId) {
    let data = m.op(op);
    if !(data.is(&tfl::ADD) || data.is(&tfl::SUB)) {
        return;
    }
    let int16 = m
        .results(op)
        .first()
        .and_then(|&r| m.value_type(r).element_type()?.as_quant())
        .is_some_and(|q| q.storage.width == 16);
    if int16 {
        m.op_mut(op)
            .attributes
            .set(POT_SCALE_INT16_ATTR, Attribute::Bool(false));
    }
}

/// `dequantize(quantize(float constant))` that still feeds a float op becomes that constant.
fn restore_float_constants(m: &mut Module) -> bool {
    let dqs: Vec<OpId> = m
        .walk_nested(m.op)
        .filter(|&op| m.op(op).is(&tfl::DEQUANTIZE))
        .collect();
    let mut changed = false;
    for dq in dqs {
        let Some(q) = defined_by(m, m.operands(dq)[0], &tfl::QUANTIZE) else {
            continue;
        };
        let c = m.operands(q)[0];
        if !is_f32(m, c) || defined_by(m, c, &tfl::PSEUDO_CONST).is_none() {
            continue;
        }
        let _ = m.replace_op(dq, &[c]);
        changed = true;
    }
    changed
}

/// `quantize(float constant)` becomes `tfl.pseudo_qconst`.
pub(crate) fn quantize_constants(m: &mut Module) -> u64 {
    let qs: Vec<OpId> = m
        .walk_nested(m.op)
        .filter(|&op| m.op(op).is(&tfl::QUANTIZE))
        .collect();
    let mut count = 0;
    for q in qs {
        let c_value = m.operands(q)[0];
        let Some(c) = defined_by(m, c_value, &tfl::PSEUDO_CONST) else {
            continue;
        };
        let Some(values) = const_f32_values(m, c) else {
            continue;
        };
        let out = m.results(q)[0];
        let Type::Tensor(qty) = m.value_type(out).clone() else {
            continue;
        };
        let Some(mut quant) = qty.elem.as_quant().cloned() else {
            continue;
        };
        let mut qty = qty;
        if m.op(q)
            .attributes
            .contains(super::insert_fake_quant::INT64_BIAS)
            && quant.storage.width == 32
        {
            // A 16x8 bias: the same scales, in 64-bit storage.
            quant.storage.width = 64;
            quant.storage_min = numerics::StorageRange::INT64.min;
            quant.storage_max = numerics::StorageRange::INT64.max;
            qty = TensorType::new(
                &qty.shape,
                ElementType::Quant(std::sync::Arc::new(quant.clone())),
            );
        }
        let Some(dense) = quantized_values(&values, &qty.shape, &quant) else {
            continue;
        };
        let loc = m.op(c).loc.clone();
        let spec = tfl_builders::pseudo_qconst(Type::Tensor(qty), Attribute::Dense(dense)).loc(loc);
        let qc = m.create_op(spec);
        let _ = m.insert_before(q, qc);
        let qc_value = m.results(qc)[0];
        let _ = m.replace_op(q, &[qc_value]);
        count += 1;
    }
    count
}

/// The storage integers of `values` in `quant`, as a dense attribute of the storage type
/// (little-endian bytes built directly: weights run to hundreds of megabytes).
fn quantized_values(values: &[f32], shape: &[i64], quant: &UniformQuant) -> Option<DenseElements> {
    let params = params_of(quant);
    let range = range_of(quant);
    let bytes: Vec<u8> = if quant.storage.width == 32 || quant.storage.width == 64 {
        let scales: Vec<f64> = params.iter().map(|p| p.scale).collect();
        // One scale per value, or one for all: a bias whose size disagrees with the weight's
        // channels (a damaged model) stays unfolded rather than indexing past the scales.
        if scales.len() != 1 && scales.len() != values.len() {
            return None;
        }
        let ints = numerics::quantize_bias(values, &scales, range).into_iter();
        if quant.storage.width == 64 {
            ints.flat_map(i64::to_le_bytes).collect()
        } else {
            ints.flat_map(|q| (q as i32).to_le_bytes()).collect()
        }
    } else if range == numerics::StorageRange::INT8_NARROW {
        let ints = match &quant.params {
            QuantParams::PerAxis { axis, .. } => {
                let slice: usize = shape
                    .get(usize::try_from(*axis).map_or(usize::MAX, |a| a + 1)..)
                    .unwrap_or(&[])
                    .iter()
                    .map(|&d| d.max(1) as usize)
                    .product();
                let scales: Vec<f64> = params.iter().map(|p| p.scale).collect();
                numerics::quantize_weights_per_channel(values, &scales, slice)
            }
            QuantParams::PerTensor { scale, .. } => {
                numerics::quantize_weights_per_tensor(values, *scale)
            }
        };
        ints.into_iter().map(|q| q as u8).collect()
    } else {
        let p: QParams = params[0];
        let ints = values
            .iter()
            .map(|&v| numerics::quantize_value(v, p, range));
        match quant.storage.width {
            8 => ints.map(|q| q as u8).collect(),
            16 => ints.flat_map(|q| (q as i16).to_le_bytes()).collect(),
            _ => return None,
        }
    };
    let storage = IntType {
        width: quant.storage.width,
        signedness: if quant.storage.is_unsigned() {
            tqopt_ir::Signedness::Unsigned
        } else {
            tqopt_ir::Signedness::Signless
        },
    };
    let ty = TensorType::new(shape, ElementType::Int(storage));
    DenseElements::from_blob(ty, tqopt_ir::Blob::from_vec(bytes))
}
