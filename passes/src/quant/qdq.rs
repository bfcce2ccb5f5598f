//! Building and reading quantize/dequantize pairs: the quantized types of TFLite's spec, and
//! the `tfl.quantize` -> `tfl.dequantize` "fake quant" pairs the quantization passes insert and
//! later fold.
//!
//! A float value `x` that is to be quantized gets `%q = tfl.quantize(%x) {qtype}` and
//! `%dq = tfl.dequantize(%q)`, and its float users read `%dq`. The value `x` is the pair's
//! *underlying* value: [`underlying`] maps a pair's dequantized result back to it.

use std::sync::Arc;

use tqopt_ir::dialect::{tfl, tfl_builders};
use tqopt_ir::{
    Attribute, ElementType, FloatKind, IntType, Module, OpId, QuantParams, Signedness, Type,
    UniformQuant, ValueDef, ValueId,
};

use super::numerics::{QParams, StorageRange};

/// The discardable attribute TensorFlow puts on the quantize ops it inserts from statistics:
/// such a pair may be removed again between float ops.
pub const VOLATILE: &str = "volatile";

/// Storage of a quantized type: its integer type and range.
pub fn storage(range: StorageRange) -> IntType {
    let width = if range.min >= -128 && range.max <= 255 {
        8
    } else if range.min >= -32768 && range.max <= 65535 {
        16
    } else if range.min >= i32::MIN as i64 && range.max <= u32::MAX as i64 {
        32
    } else {
        64
    };
    let signedness = if range.min < 0 {
        Signedness::Signed
    } else {
        Signedness::Unsigned
    };
    IntType { width, signedness }
}

/// `!quant.uniform<...>` for one scale and zero point.
pub fn per_tensor(range: StorageRange, p: QParams) -> ElementType {
    ElementType::Quant(Arc::new(UniformQuant {
        storage: storage(range),
        storage_min: range.min,
        storage_max: range.max,
        expressed: FloatKind::F32,
        params: QuantParams::PerTensor {
            scale: p.scale,
            zero_point: p.zero_point,
        },
    }))
}

/// `!quant.uniform<...:axis, {...}>` for one scale and zero point per channel.
pub fn per_axis(range: StorageRange, axis: usize, params: &[QParams]) -> ElementType {
    ElementType::Quant(Arc::new(UniformQuant {
        storage: storage(range),
        storage_min: range.min,
        storage_max: range.max,
        expressed: FloatKind::F32,
        params: QuantParams::PerAxis {
            axis: axis as i32,
            scales: params.iter().map(|p| p.scale).collect(),
            zero_points: params.iter().map(|p| p.zero_point).collect(),
        },
    }))
}

/// The quantized element type of a value, if it has one.
pub fn quant_of(m: &Module, v: ValueId) -> Option<&UniformQuant> {
    m.value_type(v).element_type().and_then(|e| e.as_quant())
}

/// True for a float32 tensor value.
pub fn is_f32(m: &Module, v: ValueId) -> bool {
    matches!(m.value_type(v), Type::Tensor(t) if t.elem == ElementType::F32)
}

/// True for a float32 tensor value of any rank, unranked (`tensor<*xf32>`) included. An
/// unranked value never gets quantization parameters (converters write one for a reduction
/// over a computed axis list), so an op that reads or makes one must stay float: folding it
/// would leave it with mixed element types (openWakeWord's mel spectrogram: a max over every
/// axis, less 80, made 'tfl.sub' invalid after fold-quant).
pub fn is_f32_any_rank(m: &Module, v: ValueId) -> bool {
    is_f32(m, v) || matches!(m.value_type(v), Type::UnrankedTensor(e) if *e == ElementType::F32)
}

/// The op defining `v`, if it is an instance of `def`.
pub fn defined_by(m: &Module, v: ValueId, def: &tqopt_ir::OpDef) -> Option<OpId> {
    m.defining_op(v).filter(|&op| m.op(op).is(def))
}

/// For the float result of a fake-quant pair (`dequantize(quantize(x))`), `x`; otherwise `v`.
pub fn underlying(m: &Module, v: ValueId) -> ValueId {
    let Some(dq) = defined_by(m, v, &tfl::DEQUANTIZE) else {
        return v;
    };
    let Some(q_value) = m.operand(dq, 0) else {
        return v;
    };
    let Some(q) = defined_by(m, q_value, &tfl::QUANTIZE) else {
        return v;
    };
    match m.operand(q, 0) {
        Some(x) if is_f32(m, x) => x,
        _ => v,
    }
}

/// The quantize ops from `v` back to the value they start from, outermost first, and that
/// value.
pub fn quantize_chain(m: &Module, mut v: ValueId) -> (Vec<OpId>, ValueId) {
    let mut chain = Vec::new();
    while let Some(q) = defined_by(m, v, &tfl::QUANTIZE) {
        chain.push(q);
        match m.operands(q).first() {
            Some(&x) => v = x,
            None => break,
        }
    }
    (chain, v)
}

/// The quantize op that quantizes float `x` into a pair, if any.
pub fn pair_quantize(m: &Module, x: ValueId) -> Option<OpId> {
    m.uses(x)
        .iter()
        .map(|u| u.op)
        .find(|&op| m.op(op).is(&tfl::QUANTIZE) && !m.is_erased(op))
}

/// Inserts `quantize` then `dequantize` right after `x` is defined, and makes `x`'s other
/// users read the dequantized value. Returns the quantize op.
pub fn insert_pair(m: &mut Module, x: ValueId, elem: ElementType, volatile: bool) -> OpId {
    let ty = m.value_type(x).with_element_type(elem);
    let loc = value_loc(m, x);
    let mut q_spec = tfl_builders::quantize(x, ty).loc(loc.clone());
    if volatile {
        q_spec.attributes.set(VOLATILE, Attribute::Unit);
    }
    let q = m.create_op(q_spec);
    let q_value = m.results(q)[0];
    let float_ty = m.value_type(x).clone();
    let dq = m.create_op(tfl_builders::dequantize(q_value, float_ty).loc(loc));
    let dq_value = m.results(dq)[0];
    insert_after_def(m, x, q);
    let _ = m.insert_after(q, dq);
    m.replace_uses_where(x, dq_value, |u| u.op != q);
    q
}

/// Inserts a requantize (`tfl.quantize` of a quantized value) into `elem` after the quantized
/// value `qv`, followed by a dequantize; returns the new dequantized value.
pub fn insert_requantize(m: &mut Module, qv: ValueId, elem: ElementType) -> ValueId {
    let ty = m.value_type(qv).with_element_type(elem);
    let float_ty = m.value_type(qv).with_element_type(ElementType::F32);
    let loc = value_loc(m, qv);
    let rq = m.create_op(tfl_builders::quantize(qv, ty).loc(loc.clone()));
    let rq_value = m.results(rq)[0];
    let dq = m.create_op(tfl_builders::dequantize(rq_value, float_ty).loc(loc));
    insert_after_def(m, qv, rq);
    let _ = m.insert_after(rq, dq);
    m.results(dq)[0]
}

/// Links `op` right after the definition of `v` (at the start of the block for an argument).
pub fn insert_after_def(m: &mut Module, v: ValueId, op: OpId) {
    match m.value(v).def {
        ValueDef::Result { op: def, .. } => {
            let _ = m.insert_after(def, op);
        }
        ValueDef::BlockArg { block, .. } => match m.first_op(block) {
            Some(first) => {
                let _ = m.insert_before(first, op);
            }
            None => {
                let _ = m.append_op(block, op);
            }
        },
    }
}

/// The location to give ops made for `v`: its defining op's, or the argument's.
/// A name derived from an op's location (`NAME/suffix`), for the ops a rewrite adds beside it.
pub fn derived_loc(m: &Module, op: OpId, suffix: &str) -> tqopt_ir::Location {
    match m.op(op).loc.first_name() {
        Some(n) => tqopt_ir::Location::name(&format!("{n}/{suffix}")),
        None => tqopt_ir::Location::Unknown,
    }
}

pub fn value_loc(m: &Module, v: ValueId) -> tqopt_ir::Location {
    m.value_loc(v).clone()
}

/// The (scale, zero point) pairs of a quantized type, one per channel (one for per tensor).
pub fn params_of(q: &UniformQuant) -> Vec<QParams> {
    match &q.params {
        QuantParams::PerTensor { scale, zero_point } => vec![QParams {
            scale: *scale,
            zero_point: *zero_point,
        }],
        QuantParams::PerAxis {
            scales,
            zero_points,
            ..
        } => scales
            .iter()
            .zip(zero_points)
            .map(|(&scale, &zero_point)| QParams { scale, zero_point })
            .collect(),
    }
}

/// The storage range of a quantized type.
pub fn range_of(q: &UniformQuant) -> StorageRange {
    StorageRange {
        min: q.storage_min,
        max: q.storage_max,
    }
}
