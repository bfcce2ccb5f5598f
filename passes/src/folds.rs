//! Rewrite patterns shared by `canonicalize` and `fold-constants`: each looks at one op and,
//! when it applies, rewrites it in place. The callers collect ops first and then call these,
//! so no pattern runs while a walk is borrowing the IR.

use tqopt_ir::dialect::{tfl, tfl_builders};
use tqopt_ir::{
    Attribute, Blob, DenseElements, Diagnostic, ElementType, FloatKind, Location, Module, OpId,
    Scalar, TensorType, Type,
};

/// What a pattern did.
#[derive(Debug, PartialEq)]
pub enum Folded {
    Yes,
    No,
    /// The pattern applies but the constant's values were left out of the IR.
    NeedsValues(Diagnostic),
}

/// The dense value of a constant op (a `tfl.pseudo_const`), looking through module resources.
pub enum ConstValue {
    Dense(DenseElements),
    /// `dense_resource<__elided__>` or a resource key with no blob.
    Missing(String),
}

pub fn const_value(m: &Module, op: OpId) -> Option<ConstValue> {
    let data = m.op(op);
    if !data.is(&tfl::PSEUDO_CONST) {
        return None;
    }
    match data.attr("value")? {
        Attribute::Dense(d) => Some(ConstValue::Dense(d.clone())),
        Attribute::DenseResource { name, ty } => {
            let Some(blob) = m.resource(name) else {
                return Some(ConstValue::Missing(name.to_string()));
            };
            match DenseElements::from_blob(ty.clone(), blob.data.clone()) {
                Some(d) => Some(ConstValue::Dense(d)),
                None => Some(ConstValue::Missing(name.to_string())),
            }
        }
        _ => None,
    }
}

/// The float values of a float32 constant op, when they are present in the IR.
pub fn const_f32_values(m: &Module, op: OpId) -> Option<Vec<f32>> {
    match const_value(m, op)? {
        ConstValue::Dense(d) if d.ty.elem == ElementType::F32 => Some(d.to_f32_vec()),
        _ => None,
    }
}

/// `tfl.dequantize(tfl.pseudo_const : f16|bf16)` becomes a `tfl.pseudo_const : f32`.
pub fn fold_float16_dequantize(m: &mut Module, op: OpId) -> Folded {
    if !m.op(op).is(&tfl::DEQUANTIZE) {
        return Folded::No;
    }
    let (Some(input), Some(result)) = (m.operand(op, 0), m.result(op, 0)) else {
        return Folded::No;
    };
    let Some(producer) = m.defining_op(input) else {
        return Folded::No;
    };
    let half = matches!(
        m.value_type(input).element_type(),
        Some(ElementType::Float(FloatKind::F16 | FloatKind::BF16))
    );
    let Some(Type::Tensor(out_ty)) = Some(m.value_type(result).clone()) else {
        return Folded::No;
    };
    if !half || out_ty.elem != ElementType::F32 {
        return Folded::No;
    }
    let dense = match const_value(m, producer) {
        None => return Folded::No,
        Some(ConstValue::Missing(name)) => {
            let data = m.op(op);
            return Folded::NeedsValues(
                Diagnostic::error(format!(
                    "cannot fold this float16 dequantize: the constant's values were left out of the IR \
                     (dense_resource<{name}>); import the model again, or print it without \
                     --mlir-elide-elementsattrs-if-larger"
                ))
                .at(data.pos)
                .with_loc(data.loc.clone()),
            );
        }
        Some(ConstValue::Dense(d)) => d,
    };
    let Some(folded) = to_f32(&dense, &out_ty) else {
        return Folded::No;
    };
    let loc = m.op(op).loc.clone();
    replace_with_constant(m, op, folded, loc)
}

/// The float32 values of `tfl.dequantize(tfl.pseudo_const : f16|bf16)` (exactly the float16
/// values, widened), with the dequantize's result type; `None` for any other op or when the
/// constant's values are not in the IR.
pub fn float16_dequantize_values(m: &Module, op: OpId) -> Option<DenseElements> {
    if !m.op(op).is(&tfl::DEQUANTIZE) {
        return None;
    }
    let (input, result) = (m.operand(op, 0)?, m.result(op, 0)?);
    let producer = m.defining_op(input)?;
    let half = matches!(
        m.value_type(input).element_type(),
        Some(ElementType::Float(FloatKind::F16 | FloatKind::BF16))
    );
    let Type::Tensor(out_ty) = m.value_type(result).clone() else {
        return None;
    };
    if !half || out_ty.elem != ElementType::F32 {
        return None;
    }
    match const_value(m, producer)? {
        ConstValue::Dense(d) => to_f32(&d, &out_ty),
        ConstValue::Missing(_) => None,
    }
}

/// Replaces `op` (one result) by a `tfl.pseudo_const` of `value` located at `loc`.
fn replace_with_constant(m: &mut Module, op: OpId, value: DenseElements, loc: Location) -> Folded {
    let new_const = m.create_op(tfl_builders::pseudo_const(value).loc(loc));
    if m.insert_before(op, new_const).is_err() {
        return Folded::No;
    }
    let new_value = m.results(new_const)[0];
    match m.replace_op(op, &[new_value]) {
        Ok(()) => Folded::Yes,
        Err(_) => Folded::No,
    }
}

/// Converts float elements to f32 with the shape of `ty`.
fn to_f32(dense: &DenseElements, ty: &TensorType) -> Option<DenseElements> {
    if dense.is_splat() {
        let v = dense.get(0)?;
        return DenseElements::splat(ty.clone(), Scalar::Float(v.as_f64()));
    }
    let bytes = dense.raw_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 2);
    match dense.ty.elem {
        ElementType::Float(FloatKind::F16) => {
            for c in bytes.chunks_exact(2) {
                out.extend(
                    half::f16::from_le_bytes([c[0], c[1]])
                        .to_f32()
                        .to_le_bytes(),
                );
            }
        }
        ElementType::Float(FloatKind::BF16) => {
            for c in bytes.chunks_exact(2) {
                out.extend(
                    half::bf16::from_le_bytes([c[0], c[1]])
                        .to_f32()
                        .to_le_bytes(),
                );
            }
        }
        _ => return None,
    }
    DenseElements::from_blob(ty.clone(), Blob::from_vec(out))
}

/// `tfl.densify(tfl.pseudo_sparse_const)` of float weights becomes a dense `tfl.pseudo_const` of
/// the same type (a float16 one then folds through its dequantize). The sparse format is decoded
/// by the interpreter's decoder, the one the calibrator runs.
pub fn fold_densify(m: &mut Module, op: OpId) -> Folded {
    if !m.op(op).is(&tfl::DENSIFY) {
        return Folded::No;
    }
    let (Some(input), Some(result)) = (m.operand(op, 0), m.result(op, 0)) else {
        return Folded::No;
    };
    let Some(producer) = m.defining_op(input) else {
        return Folded::No;
    };
    if !m.op(producer).is(&tfl::PSEUDO_SPARSE_CONST) {
        return Folded::No;
    }
    let Type::Tensor(ty) = m.value_type(result).clone() else {
        return Folded::No;
    };
    if !matches!(ty.elem, ElementType::Float(_)) {
        return Folded::No;
    }
    if let Some(Attribute::DenseResource { name, .. }) = m.op(producer).attr("compressed_data") {
        if m.resource(name).is_none() {
            let data = m.op(op);
            return Folded::NeedsValues(
                Diagnostic::error(format!(
                    "cannot fold this densify: the sparse constant's values were left out of the \
                     IR (dense_resource<{name}>); import the model again, or print it without \
                     --mlir-elide-elementsattrs-if-larger"
                ))
                .at(data.pos)
                .with_loc(data.loc.clone()),
            );
        }
    }
    let Ok(tensor) = tqopt_interp::constant_value(m, producer) else {
        return Folded::No;
    };
    let bytes: Vec<u8> = match tensor.data() {
        tqopt_interp::TensorData::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        tqopt_interp::TensorData::F16(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        _ => return Folded::No,
    };
    let Some(dense) = DenseElements::from_blob(ty, Blob::from_vec(bytes)) else {
        return Folded::No;
    };
    let loc = m.op(producer).loc.clone();
    replace_with_constant(m, op, dense, loc)
}

/// `tfl.reshape` whose result type equals its input type is the identity.
pub fn remove_identity_reshape(m: &mut Module, op: OpId) -> Folded {
    if !m.op(op).is(&tfl::RESHAPE) {
        return Folded::No;
    }
    let (Some(input), Some(result)) = (m.operand(op, 0), m.result(op, 0)) else {
        return Folded::No;
    };
    let (it, rt) = (m.value_type(input), m.value_type(result));
    let same = it == rt && it.as_tensor().is_some_and(|t| t.has_static_shape());
    if !same {
        return Folded::No;
    }
    match m.replace_op(op, &[input]) {
        Ok(()) => Folded::Yes,
        Err(_) => Folded::No,
    }
}

/// Erases side-effect-free ops whose results are unused, repeatedly; returns how many.
pub fn erase_dead_ops(m: &mut Module) -> u64 {
    let mut erased = 0;
    let mut worklist: Vec<OpId> = m.walk_nested(m.op).collect();
    while let Some(op) = worklist.pop() {
        if m.is_erased(op) || !is_removable(m, op) {
            continue;
        }
        let producers: Vec<OpId> = m
            .operands(op)
            .iter()
            .filter_map(|v| m.defining_op(*v))
            .collect();
        if m.erase_op(op).is_ok() {
            erased += 1;
            worklist.extend(producers);
        }
    }
    erased
}

/// A pure op with results, none of them used.
pub fn is_removable(m: &Module, op: OpId) -> bool {
    let data = m.op(op);
    let pure = data.def().is_some_and(|d| {
        d.has_trait(tqopt_ir::dialect::Traits::PURE)
            && !d.has_trait(tqopt_ir::dialect::Traits::TERMINATOR)
    });
    pure && !data.results().is_empty()
        && data.results().iter().all(|r| !m.has_uses(*r))
        && data.regions().is_empty()
}
