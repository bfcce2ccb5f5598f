//! The quantfork dialect: `quantfork.stats`, where calibration writes the measured range of an
//! activation, as TensorFlow's calibrator does.

use super::{attr, one, op, opt_attr, AttrKind, OpDef, Traits, TypeSet};
use crate::context::Context;
use crate::entity::OpId;

pub static STATS: OpDef = op(
    "quantfork.stats",
    "The calibrated [min, max] of a value, per tensor and optionally per axis",
)
.operands(&[one("arg").types(TypeSet::FLOATS)])
.results(&[one("result").types(TypeSet::FLOATS)])
.attrs(&[
    attr("layerStats", AttrKind::Elements),
    opt_attr("axisStats", AttrKind::Elements),
    opt_attr("axis", AttrKind::I64),
])
.traits(
    Traits::PURE
        .with(Traits::SAME_OPERANDS_AND_RESULT_SHAPE)
        .with(Traits::SAME_OPERANDS_AND_RESULT_ELEMENT_TYPE),
)
.attributes_not_properties()
.verify(verify_stats);

pub static OPS: &[&OpDef] = &[&STATS];

fn verify_stats(ctx: &Context, op: OpId) -> Vec<String> {
    let data = ctx.op(op);
    let mut errors = Vec::new();
    if let Some(ty) = data.attr("layerStats").and_then(|a| a.elements_type()) {
        if ty.num_elements() != Some(2) {
            errors.push(format!(
                "'layerStats' must hold 2 values [min, max], not {}",
                crate::types::Type::Tensor(ty.clone())
            ));
        }
    }
    if data.attr("axisStats").is_some() != data.attr("axis").is_some() {
        errors.push("'axisStats' and 'axis' go together".into());
    }
    errors
}
