//! `fold-dequant{io=float|int8|uint8|int16}`: cleans up after `fold-quant` (TensorFlow's
//! post-quantize and modify-io-nodes passes).
//!
//! - Tensors that `tfl.while` / `tfl.if` copy into one another take one quantized type, and
//!   the regions and function types follow ([`super::control_flow::retype`]).
//! - A volatile pair (one made from statistics) whose dequantized value float ops (or the
//!   return) still read goes: float ops chain in float, and a model whose first or last op
//!   stays float keeps float inputs or outputs. So does such a pair after an op kept float
//!   (its fixed output range belonged to the int8 kernel, which does not run). A dequantize
//!   reads past a requantize: float ops read the original with one rounding fewer.
//! - A requantize right after an op with its own output scale is folded into that op's
//!   result type.
//! - Quantize and dequantize ops nothing uses go.
//! - `io=int8`: the model takes and returns int8 tensors (the input's quantize and the
//!   output's dequantize go); where its first or last op is float, the pair from the input's
//!   or output's statistics stays, so that the float op reads a dequantized input or its
//!   result is quantized for the output. `io=uint8`: the same in uint8, with a requantize
//!   between uint8 and int8 (zero point + 128). An input or output without quantization
//!   parameters (no calibrated range) read or computed in float is an error, since the user
//!   asked for integer I/O, except the detections of TensorFlow's SSD post-processing, float
//!   by design ([`super::spec::float_by_design`]). `quantized-io` keeps the same pairs with a float interface.
//!   `io=int16` (16x8 mode) is `io=int8` for int16 tensors; an input or output whose
//!   quantized type has another width than the one asked for is an error.

use std::collections::HashSet;
use std::sync::Arc;

use tqopt_ir::dialect::{func, tfl, tfl_builders, QuantBehavior};
use tqopt_ir::{
    Diagnostic, ElementType, IntType, Module, OpId, QuantParams, Signedness, UniformQuant, ValueId,
};

use super::qdq::{defined_by, quant_of, VOLATILE};
use super::spec::{behavior, float_by_design};
use crate::folds::erase_dead_ops;
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

/// The I/O types of `quantize-int8`.
pub const IO_TYPES: &[&str] = &["float", "int8", "uint8"];
/// The I/O types of `quantize-int16x8`.
pub const IO_TYPES_16X8: &[&str] = &["float", "int16"];
/// Every I/O type this pass takes: integer I/O keeps the quantized type the model's first
/// and last ops have (int8 or int16); uint8 shifts int8 by 128.
pub const ALL_IO_TYPES: &[&str] = &["float", "int8", "uint8", "int16"];

pub const REMOVED_PAIRS: Statistic = Statistic {
    name: "num-removed-pairs",
    description: "quantize/dequantize pairs removed between float ops",
};
pub const FOLDED_REQUANTIZES: Statistic = Statistic {
    name: "num-folded-requantizes",
    description: "requantizes folded into their producer",
};

pub const CARRIED: Statistic = Statistic {
    name: "num-carried-values",
    description: "loop-carried and branch values given one quantized type",
};

pub static OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        name: "io",
        kind: OptionKind::Enum(ALL_IO_TYPES),
        default: "float",
        help: "The model's input and output type",
    },
    OptionInfo {
        name: "quantized-io",
        kind: OptionKind::Bool,
        default: "false",
        help: "With io=float: keep the pairs on the model's inputs and outputs that integer io \
            makes integer, so that the float model computes what the integer-I/O one does (the \
            precision search scores integer-I/O models so)",
    },
];

pub static INFO: PassInfo = PassInfo {
    argument: "fold-dequant",
    summary:
        "Remove redundant quantize/dequantize pairs and set the model's input and output types",
    description: "Removes volatile pairs between float ops and unused quantize/dequantize ops, \
        folds trivial requantizes into their producers, and with io=int8 or io=uint8 makes the \
        model's inputs and outputs integer.",
    options: OPTIONS,
    create,
    traits: PassTraits::NONE,
};

fn create(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(FoldDequant {
        io: options.choice("io")?.to_string(),
        quantized_io: options.bool("quantized-io")?,
    }))
}

pub struct FoldDequant {
    io: String,
    /// Keep the input and output pairs (implied by integer `io`).
    quantized_io: bool,
}

impl Pass for FoldDequant {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        // Loop-carried values first: their pairs are still in place to read the types from.
        let carried = super::control_flow::retype(m);
        cx.count(CARRIED, carried);
        if carried > 0 {
            super::fold_quant::quantize_constants(m);
        }
        // Integer I/O: the pairs on the model's inputs and outputs stay, to make them integer
        // even where the first or last op is float (it then reads a dequantized input, or
        // its result is quantized for the output).
        let boundary = if self.io != "float" || self.quantized_io {
            io_values(m)
        } else {
            HashSet::new()
        };
        let removed = remove_volatile_pairs(m, &boundary);
        cx.count(REMOVED_PAIRS, removed);
        let folded = fold_trivial_requantizes(m);
        cx.count(FOLDED_REQUANTIZES, folded);
        erase_dead_ops(m);
        let mut changed = removed + folded + carried > 0;
        if self.io != "float" {
            let unsigned = self.io == "uint8";
            let width = if self.io == "int16" { 16 } else { 8 };
            let mut errors = Vec::new();
            // The model's entry points only: functions that are called (loop bodies and
            // branches) or private take the types their callers give them.
            for f in m.entry_points() {
                changed |= integer_io(m, f, unsigned, width, &mut errors);
            }
            if !errors.is_empty() {
                return Err(PassError::new(errors));
            }
            erase_dead_ops(m);
        }
        Ok(Changed::from(changed))
    }
}

/// The arguments of the model's entry points and the values their returns give back.
pub(crate) fn io_values(m: &Module) -> HashSet<ValueId> {
    let mut values = HashSet::new();
    for f in m.entry_points() {
        let Some(entry) = func::entry_block(m, f) else {
            continue;
        };
        values.extend(m.block(entry).args().iter().copied());
        if let Some(ret) = m.last_op(entry).filter(|&r| m.op(r).is(&func::RETURN)) {
            values.extend(m.operands(ret).iter().copied());
        }
    }
    values
}

/// `dequantize(volatile quantize(x))` still read by float ops (or returned): they read `x`
/// again. (The pair's quantize stays if a quantized op reads it.) A dequantize of a
/// requantize dequantizes the original instead. A pair that quantizes a value of `boundary` or
/// whose dequantized value is one stays.
fn remove_volatile_pairs(m: &mut Module, boundary: &HashSet<ValueId>) -> u64 {
    let dqs: Vec<OpId> = m
        .walk_nested(m.op)
        .filter(|&op| m.op(op).is(&tfl::DEQUANTIZE))
        .collect();
    let mut removed = 0;
    for dq in dqs {
        // A requantize rewired to its source may leave another such pair: go on from there.
        if boundary.contains(&m.results(dq)[0]) {
            continue;
        }
        while let Some(q) = defined_by(m, m.operands(dq)[0], &tfl::QUANTIZE) {
            let x = m.operands(q)[0];
            if boundary.contains(&x) {
                break;
            }
            if quant_of(m, x).is_some() {
                // A requantize only float ops read through this dequantize: they read the
                // original, dequantized, with one rounding fewer. (A float op between two
                // kept-float same-scale readers of a fixed-range result was left with
                // quantize, requantize and dequantize around it, two roundings of noise.)
                removed += 1;
                m.set_operand(dq, 0, x);
                continue;
            }
            // A pair after an op kept float (for speed, denied, or by the precision search)
            // goes too: it carried the fixed output range of the op's int8 kernel (softmax,
            // logistic, tanh), which does not run.
            let after_float = m.defining_op(x).is_some_and(|p| {
                m.op(p)
                    .attributes
                    .contains(super::legalize_opset::KEEP_FLOAT)
            });
            if !m.op(q).attributes.contains(VOLATILE) && !after_float {
                break;
            }
            removed += 1;
            let dq_value = m.results(dq)[0];
            m.replace_all_uses(dq_value, x);
            break;
        }
    }
    removed
}

/// A requantize whose input is the only use of a result with its own output scale: the
/// producer makes the requantized type directly. Not across storage widths (an int16 op's
/// result requantized to int8 in a mixed-precision model): LiteRT's kernels want the output
/// in the input's width.
fn fold_trivial_requantizes(m: &mut Module) -> u64 {
    let qs: Vec<OpId> = m
        .walk_nested(m.op)
        .filter(|&op| m.op(op).is(&tfl::QUANTIZE))
        .collect();
    let mut folded = 0;
    for q in qs {
        let input = m.operands(q)[0];
        if m.value_type(input)
            .element_type()
            .and_then(|e| e.as_quant())
            .is_none()
            || m.uses(input).len() != 1
        {
            continue;
        }
        let Some(producer) = m.defining_op(input) else {
            continue;
        };
        let own_scale = matches!(
            behavior(m, producer),
            QuantBehavior::Independent | QuantBehavior::Affine { .. }
        );
        let constant = m
            .op(producer)
            .def()
            .is_some_and(|d| d.has_trait(tqopt_ir::dialect::Traits::CONSTANT_LIKE));
        if !own_scale || constant || m.op(producer).is(&tfl::QUANTIZE) {
            continue;
        }
        let ty = m.value_type(m.results(q)[0]).clone();
        let width = |t: &tqopt_ir::Type| {
            t.element_type()
                .and_then(|e| e.as_quant())
                .map(|q| q.storage.width)
        };
        if width(&ty) != width(m.value_type(input)) {
            continue;
        }
        m.set_value_type(input, ty);
        let _ = m.replace_op(q, &[input]);
        folded += 1;
    }
    folded
}

/// The unsigned version of a signed 8-bit quantized type: zero point + 128, storage [0, 255].
fn to_unsigned(q: &UniformQuant) -> UniformQuant {
    let params = match &q.params {
        QuantParams::PerTensor { scale, zero_point } => QuantParams::PerTensor {
            scale: *scale,
            zero_point: zero_point.saturating_add(128),
        },
        QuantParams::PerAxis {
            axis,
            scales,
            zero_points,
        } => QuantParams::PerAxis {
            axis: *axis,
            scales: scales.clone(),
            zero_points: zero_points.iter().map(|z| z.saturating_add(128)).collect(),
        },
    };
    UniformQuant {
        storage: IntType {
            width: 8,
            signedness: Signedness::Unsigned,
        },
        storage_min: 0,
        storage_max: 255,
        expressed: q.expressed,
        params,
    }
}

/// Makes a function's inputs and outputs integer; reports those that cannot be, and those
/// whose quantized type is not `width` bits wide.
fn integer_io(
    m: &mut Module,
    f: OpId,
    unsigned: bool,
    width: u32,
    errors: &mut Vec<Diagnostic>,
) -> bool {
    let Some(entry) = func::entry_block(m, f) else {
        return false;
    };
    let fname = func::name(m, f).unwrap_or("?").to_string();
    let mut changed = false;
    for (i, arg) in m.block(entry).args().to_vec().into_iter().enumerate() {
        let users: Vec<OpId> = m.uses(arg).iter().map(|u| u.op).collect();
        let quantize = match users[..] {
            [only] if m.op(only).is(&tfl::QUANTIZE) => only,
            _ => {
                if m.value_type(arg).element_type() == Some(&ElementType::F32) {
                    errors.push(
                        Diagnostic::error(format!(
                            "input #{i} of @{fname} cannot be made integer: its first user is not quantized (it is read in float)"
                        ))
                        .at(m.value(arg).pos)
                        .with_loc(m.value(arg).loc.clone()),
                    );
                }
                continue;
            }
        };
        let qv = m.results(quantize)[0];
        let Some(q) = m
            .value_type(qv)
            .element_type()
            .and_then(|e| e.as_quant())
            .cloned()
        else {
            continue;
        };
        if q.storage.width != width {
            errors.push(
                Diagnostic::error(format!(
                    "input #{i} of @{fname} is quantized as i{}, not the {width}-bit integer type io asks for",
                    q.storage.width
                ))
                .at(m.value(arg).pos)
                .with_loc(m.value(arg).loc.clone()),
            );
            continue;
        }
        if unsigned {
            let ty = m
                .value_type(arg)
                .with_element_type(ElementType::Quant(Arc::new(to_unsigned(&q))));
            m.set_value_type(arg, ty);
            m.op_mut(quantize).attributes.remove(VOLATILE);
        } else {
            let ty = m.value_type(qv).clone();
            m.set_value_type(arg, ty);
            let _ = m.replace_op(quantize, &[arg]);
        }
        changed = true;
    }
    let Some(ret) = m.last_op(entry).filter(|&r| m.op(r).is(&func::RETURN)) else {
        return changed;
    };
    for (i, v) in m.operands(ret).to_vec().into_iter().enumerate() {
        let Some(dq) = defined_by(m, v, &tfl::DEQUANTIZE) else {
            // TensorFlow's SSD post-processing writes float detections by design.
            let by_design = m.defining_op(v).is_some_and(|d| float_by_design(m, d));
            if m.value_type(v).element_type() == Some(&ElementType::F32) && !by_design {
                errors.push(
                    Diagnostic::error(format!(
                        "output #{i} of @{fname} cannot be made integer: it is computed in float"
                    ))
                    .at(m.op(ret).pos)
                    .with_loc(m.op(ret).loc.clone()),
                );
            }
            continue;
        };
        let qv = m.operands(dq)[0];
        // The output's own quantize (a pair from statistics) stays for good.
        if let Some(producer) = defined_by(m, qv, &tfl::QUANTIZE) {
            m.op_mut(producer).attributes.remove(VOLATILE);
        }
        let Some(q) = m
            .value_type(qv)
            .element_type()
            .and_then(|e| e.as_quant())
            .cloned()
        else {
            continue;
        };
        if q.storage.width != width {
            errors.push(
                Diagnostic::error(format!(
                    "output #{i} of @{fname} is quantized as i{}, not the {width}-bit integer type io asks for",
                    q.storage.width
                ))
                .at(m.op(ret).pos)
                .with_loc(m.op(ret).loc.clone()),
            );
            continue;
        }
        let out = if unsigned {
            let ty = m
                .value_type(qv)
                .with_element_type(ElementType::Quant(Arc::new(to_unsigned(&q))));
            let spec = tfl_builders::quantize(qv, ty).loc(m.op(dq).loc.clone());
            let rq = m.create_op(spec);
            let _ = m.insert_before(ret, rq);
            m.results(rq)[0]
        } else {
            qv
        };
        m.set_operand(ret, i, out);
        changed = true;
    }
    // The function type follows the new argument and result types.
    super::control_flow::sync_function_type(m, f);
    changed
}
