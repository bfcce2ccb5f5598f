//! TensorFlow's calibrator, reproduced where it differs from the true ranges.
//!
//! TensorFlow's calibrator logs an op's inputs after the op ran, and the TFLite runtime runs
//! some ops in place: ADD, SUB, MUL, DIV and SOFTMAX write their result over an input's buffer
//! when the arena planner allows it. That input's recorded range is then the union of its own
//! values and the op's result. With `tflite-inplace=true`, `calibrate` records the same unions,
//! so that quantizing from tqopt's statistics gives TensorFlow's scales exactly; by default it
//! records the true ranges.
//!
//! The planner's rule (TFLite's `ArenaPlanner::IdentifyInPlaceTensors`): the op's first input,
//! in order, that has the same size as the result, is read by nothing else (and is not a model
//! output), is not a model input or a constant, and whose result is not a model output.

use std::collections::HashMap;

use tqopt_ir::dialect::{func, tfl};
use tqopt_ir::{Module, OpId, ValueDef, ValueId};

/// Ops the TFLite runtime may run in place on input 0 or 1 (changing the data).
fn shares_inputs(m: &Module, op: OpId) -> &'static [usize] {
    let data = m.op(op);
    if data.is(&tfl::ADD) || data.is(&tfl::SUB) || data.is(&tfl::MUL) || data.is(&tfl::DIV) {
        &[0, 1]
    } else if data.is(&tfl::SOFTMAX) {
        &[0]
    } else {
        &[]
    }
}

fn byte_size(m: &Module, v: ValueId) -> Option<u64> {
    let t = m.value_type(v).as_tensor()?;
    Some(t.num_elements()? * t.elem.storage_bytes()? as u64)
}

fn is_model_output(m: &Module, v: ValueId) -> bool {
    m.uses(v).iter().any(|u| m.op(u.op).is(&func::RETURN))
}

fn can_share(m: &Module, input: ValueId, output: ValueId) -> bool {
    let produced_by_op = matches!(m.value(input).def, ValueDef::Result { op, .. }
        if !m.op(op).def().is_some_and(|d| d.has_trait(tqopt_ir::dialect::Traits::CONSTANT_LIKE)));
    produced_by_op
        && m.uses(input).len() == 1
        && !is_model_output(m, input)
        && !is_model_output(m, output)
        && byte_size(m, input).is_some_and(|b| b > 8 && Some(b) == byte_size(m, output))
}

/// For each value an in-place op would overwrite: the op's result.
pub fn overwritten_by(m: &Module) -> HashMap<ValueId, ValueId> {
    let mut out = HashMap::new();
    for op in m.walk_nested(m.op) {
        let slots = shares_inputs(m, op);
        let Some(&result) = m.results(op).first() else {
            continue;
        };
        if slots.is_empty() {
            continue;
        }
        let operands = m.operands(op);
        if let Some(&input) = slots
            .iter()
            .filter_map(|&i| operands.get(i))
            .find(|&&v| can_share(m, v, result))
        {
            out.insert(input, result);
        }
    }
    out
}

/// Widens each overwritten value's range to include its overwriter's.
pub fn widen(ranges: &mut HashMap<ValueId, (f64, f64)>, overwritten: &HashMap<ValueId, ValueId>) {
    let snapshot = ranges.clone();
    for (v, r) in overwritten {
        if let (Some(range), Some(&(rmin, rmax))) = (ranges.get_mut(v), snapshot.get(r)) {
            range.0 = range.0.min(rmin);
            range.1 = range.1.max(rmax);
        }
    }
}
