//! Typed builders for the tfl ops that importers and passes create, so that an op's property
//! names and the relation between its properties and its result live in one place.
//!
//! Invariant: a built spec verifies when its arguments are what the builder's comment says
//! (the verifier of the op's definition in [`super::tfl`] has the last word).

use super::tfl;
use crate::{Attribute, DenseElements, OpSpec, Type, ValueId};

/// `tfl.pseudo_qconst`: the storage integers `value` (a dense or dense-resource attribute of
/// the storage type) read as `ty`, a tensor of a quantized element type. The result has type
/// `ty`, and the `qtype` property repeats it, as TensorFlow's converter writes the op.
pub fn pseudo_qconst(ty: Type, value: Attribute) -> OpSpec {
    OpSpec::of(&tfl::PSEUDO_QCONST)
        .property("qtype", Attribute::Type(ty.clone()))
        .property("value", value)
        .results([ty])
}

/// `tfl.pseudo_const`: a constant tensor of `value`'s type.
pub fn pseudo_const(value: DenseElements) -> OpSpec {
    let ty = Type::Tensor(value.ty.clone());
    OpSpec::of(&tfl::PSEUDO_CONST)
        .property("value", Attribute::Dense(value))
        .results([ty])
}

/// `tfl.quantize`: `input` converted to `ty`, a tensor of a quantized element type (from a
/// float or another quantized type); the `qtype` property repeats `ty`.
pub fn quantize(input: ValueId, ty: Type) -> OpSpec {
    OpSpec::of(&tfl::QUANTIZE)
        .operands(&[input])
        .property("qtype", Attribute::Type(ty.clone()))
        .results([ty])
}

/// `tfl.dequantize`: `input` (quantized, or float16) converted to `float_ty`.
pub fn dequantize(input: ValueId, float_ty: Type) -> OpSpec {
    OpSpec::of(&tfl::DEQUANTIZE)
        .operands(&[input])
        .results([float_ty])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ElementType, FloatKind, IntType, Module, Scalar, TensorType, UniformQuant};
    use std::sync::Arc;

    #[test]
    fn built_constants_verify() {
        let mut m = Module::new();
        let storage = TensorType::new(&[2], ElementType::Int(IntType::signless(8)));
        let value = DenseElements::splat(storage, Scalar::Int(3)).unwrap();
        let q = UniformQuant::per_tensor(IntType::signless(8), FloatKind::F32, 0.5, 0);
        let ty = Type::tensor(&[2], ElementType::Quant(Arc::new(q)));
        let qc = m.create_op(pseudo_qconst(ty.clone(), Attribute::Dense(value)));
        assert_eq!(m.value_type(m.results(qc)[0]), &ty);
        assert_eq!(m.op(qc).attr("qtype"), Some(&Attribute::Type(ty)));
        let f = DenseElements::splat(
            TensorType::new(&[3], ElementType::Float(FloatKind::F32)),
            Scalar::Float(1.5),
        )
        .unwrap();
        let c = m.create_op(pseudo_const(f));
        assert!(m.op(c).is(&tfl::PSEUDO_CONST));
        for op in [qc, c] {
            let body = m.body();
            m.append_op(body, op).unwrap();
        }
        assert!(
            crate::verifier::verify(&m).is_empty(),
            "{:?}",
            crate::verifier::verify(&m)
        );
    }
}
