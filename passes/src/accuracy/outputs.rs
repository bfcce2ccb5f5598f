//! What the entry function returns, as the error figures name and explain it: each output's
//! name, and the step its values move in when a quantized model computes it.

use tqopt_ir::dialect::{func, tfl};
use tqopt_ir::{Module, OpId, QuantParams, Type, ValueDef, ValueId};

/// The values function `f` returns: the operands of its entry block's last op (none for a
/// declaration or an empty block).
fn returned(m: &Module, f: OpId) -> &[ValueId] {
    match func::entry_block(m, f).and_then(|b| m.block_ops(b).last()) {
        Some(ret) => m.op(ret).operands(),
        None => &[],
    }
}

/// The entry function's output names, by position: `tf.entry_function`'s `outputs`, else the
/// returned value's tensor name (its location's first name).
pub fn output_names(m: &Module, f: OpId) -> Vec<Option<String>> {
    let signature = func::entry_function_names(m, f, "outputs");
    returned(m, f)
        .iter()
        .enumerate()
        .map(|(k, &v)| {
            if let Some(s) = signature.get(k).filter(|s| !s.is_empty()) {
                return Some(s.clone());
            }
            let loc = match m.value(v).def {
                ValueDef::Result { op, .. } => &m.op(op).loc,
                ValueDef::BlockArg { .. } => &m.value(v).loc,
            };
            loc.first_name().map(str::to_string)
        })
        .collect()
}

/// Each returned value's quantization step, by position: the scale of its own type when that
/// is quantized per tensor, or of the operand of the `tfl.dequantize` that returns it (a
/// quantized model with float outputs); `None` for other outputs.
pub fn output_steps(m: &Module, f: OpId) -> Vec<Option<f64>> {
    let per_tensor_scale = |ty: &Type| match ty.element_type()?.as_quant()?.params {
        QuantParams::PerTensor { scale, .. } => Some(scale),
        QuantParams::PerAxis { .. } => None,
    };
    returned(m, f)
        .iter()
        .map(|&v| {
            per_tensor_scale(&m.value(v).ty).or_else(|| match m.value(v).def {
                ValueDef::Result { op, .. } if m.op(op).is(&tfl::DEQUANTIZE) => {
                    per_tensor_scale(&m.value(*m.op(op).operands().first()?).ty)
                }
                _ => None,
            })
        })
        .collect()
}
