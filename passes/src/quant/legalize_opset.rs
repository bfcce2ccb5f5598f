//! `legalize-opset{ops=... deny=...}`: which ops may take quantized types under an OpsSet.
//!
//! - `TFLITE_BUILTINS` (default): an op without an int8 kernel stays float between
//!   `tfl.dequantize` and `tfl.quantize` (float fallback).
//! - `TFLITE_BUILTINS_INT8`: every op must become integer; if any cannot, the pass fails with
//!   one error listing each such op, its location and the reason, so the user sees them all
//!   at once.
//!
//! - `EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8` (with `activations=int16`):
//!   the same for 16x8 mode, where an op needs LiteRT's int16 kernel (the op table's measured
//!   `kernels.int16()`); under `TFLITE_BUILTINS` an op without one is marked
//!   `tqopt.keep_float`, and every op left float `tqopt.float_reason = "<why>"` (the report
//!   shows it).
//!
//! Under either strict OpsSet, detection post-processing at the end of a detector (TensorFlow's
//! SSD `TFLite_Detection_PostProcess`, `tfl.non_max_suppression_v4` and `_v5`) stays float, as
//! in TensorFlow's integer models and on the Edge TPU: LiteRT's kernels select boxes in float
//! (no int8 kernel), and their float results are the model's outputs ([`float_by_design`]).
//! The pass notes it.
//!
//! `deny=REGEX` keeps ops whose name (`tfl.softmax`) or location (tensor name) matches float;
//! they are marked with the discardable attribute `tqopt.keep_float`, which `fold-quant`
//! respects. Under `TFLITE_BUILTINS_INT8`, a denied op is an error like any other float op.
//!
//! `target=xnnpack` also keeps float an op that XNNPACK takes as float but not as int8 (see
//! [`super::target::float_for_speed`]): it is marked `tqopt.keep_float` and
//! `tqopt.float_for_speed = "<why>"`, which the report shows. Not under
//! `TFLITE_BUILTINS_INT8`, and not for `target=reference` or `target=strict`.

use regex::Regex;
use tqopt_ir::dialect::{func, tfl, QuantBehavior};
use tqopt_ir::{Attribute, Diagnostic, Module, OpId};

use super::qdq::{defined_by, is_f32_any_rank};
use super::spec::{float_by_design, is_candidate, is_quantizable, post_processing_name};
use super::speed_plan::{self, CostTable};
use super::target::{float_for_speed, Target, TARGETS};
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

/// The attribute that keeps an op float through `fold-quant`.
pub const KEEP_FLOAT: &str = "tqopt.keep_float";

/// The attribute that says why an op was kept float for speed (a string).
pub const FLOAT_FOR_SPEED: &str = "tqopt.float_for_speed";

/// The latency planner's estimate of what keeping an op float saves, in nanoseconds (f32).
pub const SPEED_GAIN_NS: &str = "tqopt.speed_gain_ns";

/// Marks `op` to stay float ([`KEEP_FLOAT`]) with the reason `why` ([`FLOAT_REASON`]), as the
/// guards after calibration do.
pub fn keep_float(m: &mut Module, op: OpId, why: &str) {
    let attrs = &mut m.op_mut(op).attributes;
    attrs.set(KEEP_FLOAT, Attribute::Unit);
    attrs.set(FLOAT_REASON, Attribute::string(why));
}

/// Marks `op` float for speed with the reason `why`; true when the reason is new.
fn mark_float_for_speed(m: &mut Module, op: OpId, why: &str) -> bool {
    let attrs = &mut m.op_mut(op).attributes;
    attrs.set(KEEP_FLOAT, Attribute::Unit);
    attrs.set(FLOAT_FOR_SPEED, Attribute::string(why)).is_none()
}

pub const KEPT_FOR_SPEED: Statistic = Statistic {
    name: "num-float-for-speed",
    description: "ops kept float because the target runs them faster as float",
};

/// The OpsSets of `quantize-int8`.
pub const OPS_SETS: &[&str] = &["TFLITE_BUILTINS", "TFLITE_BUILTINS_INT8"];
/// The strict OpsSet of 16x8 mode (TensorFlow's name).
pub const INT16X8_STRICT: &str = "EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8";
/// The OpsSets of `quantize-int16x8`.
pub const OPS_SETS_16X8: &[&str] = &["TFLITE_BUILTINS", INT16X8_STRICT];
/// Every OpsSet this pass takes.
pub const ALL_OPS_SETS: &[&str] = &["TFLITE_BUILTINS", "TFLITE_BUILTINS_INT8", INT16X8_STRICT];

/// Why an op is kept float when that is not visible from the IR (16x8 mode: LiteRT has no
/// int16 kernel for it); the report shows it.
pub const FLOAT_REASON: &str = "tqopt.float_reason";

pub const FLOAT_FALLBACK: Statistic = Statistic {
    name: "num-float-fallback",
    description: "ops left float (no int8 kernel, no ranges, or denied)",
};

pub static OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        name: "ops",
        kind: OptionKind::Enum(ALL_OPS_SETS),
        default: "TFLITE_BUILTINS",
        help: "TFLITE_BUILTINS: float fallback; TFLITE_BUILTINS_INT8 or \
            EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8: every op integer or an error",
    },
    OptionInfo {
        name: "activations",
        kind: OptionKind::Enum(super::insert_fake_quant::ACTIVATION_TYPES),
        default: "int8",
        help: "int16: an op needs LiteRT's int16 kernel (16x8 mode) rather than its int8 one",
    },
    OptionInfo {
        name: "deny",
        kind: OptionKind::Regex,
        default: "",
        help: "Keep ops whose name or location matches this regular expression float",
    },
    OptionInfo {
        name: "target",
        kind: OptionKind::Enum(TARGETS),
        default: "reference",
        help: "xnnpack: keep float the ops XNNPACK takes as float but not as int8",
    },
];

pub static INFO: PassInfo = PassInfo {
    argument: "legalize-opset",
    summary: "Check which ops can be quantized under an OpsSet: float fallback or an error listing them all",
    description: "Under TFLITE_BUILTINS, ops without an int8 kernel stay float between dequantize \
        and quantize. Under TFLITE_BUILTINS_INT8 the pass fails with one error that lists every \
        op that cannot be quantized, with its location and why. deny=REGEX keeps matching ops float.",
    options: OPTIONS,
    create,
    traits: PassTraits::NONE,
};

fn create(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let deny = options.regex("deny")?.cloned();
    let int16 = options.choice("activations")? == "int16";
    let ops = options.choice("ops")?;
    if ops == "TFLITE_BUILTINS_INT8" && int16 {
        return Err("ops=TFLITE_BUILTINS_INT8 is int8's strict OpsSet; with activations=int16 use ops=EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8".into());
    }
    if ops == INT16X8_STRICT && !int16 {
        return Err(format!("ops={INT16X8_STRICT} needs activations=int16"));
    }
    Ok(Box::new(LegalizeOpset {
        strict: ops != "TFLITE_BUILTINS",
        ops: ops.to_string(),
        deny,
        target: Target::parse(options.choice("target")?)?,
        int16,
    }))
}

pub struct LegalizeOpset {
    strict: bool,
    /// The OpsSet's name, for the strict error.
    ops: String,
    deny: Option<Regex>,
    target: Target,
    /// 16x8 mode: an op needs an int16 kernel.
    int16: bool,
}

/// Why an op stays float in int8 mode, or `None` if it can be quantized.
pub fn float_reason(m: &Module, op: OpId, deny: Option<&Regex>) -> Option<String> {
    float_reason_for(m, op, deny, false)
}

/// Why an op has no int16 form in 16x8 mode (LiteRT's measured int16 kernels, from the op
/// table), or `None` when it has one.
pub fn int16_kernel_reason(m: &Module, op: OpId) -> Option<String> {
    let def = m.op(op).def()?;
    if def.kernels.int16() {
        return None;
    }
    Some(if def.kernels.int8() {
        "LiteRT has an int8 kernel for it but no int16 one (16x8 mode)".into()
    } else {
        "LiteRT has no int16 kernel for it (16x8 mode)".into()
    })
}

/// Why an op stays float, or `None` if it can be quantized; `int16` asks for 16x8 mode.
pub fn float_reason_for(m: &Module, op: OpId, deny: Option<&Regex>, int16: bool) -> Option<String> {
    let data = m.op(op);
    if let Some(re) = deny {
        // Any name of the location: a rescaled tensor (equalize-channels) is named
        // `NAME/equalized` first and `NAME` after.
        let by_loc = data.loc.names().iter().any(|n| re.is_match(n));
        if re.is_match(data.name.as_str()) || by_loc {
            return Some("denied by the deny pattern".into());
        }
    }
    if let Some(why) = tfl::unmodelled_reason(m, op) {
        return Some(why);
    }
    if int16 && is_quantizable(m, op) {
        if let Some(why) = int16_kernel_reason(m, op) {
            return Some(why);
        }
    }
    if int16 && !is_quantizable(m, op) {
        return Some(match data.def() {
            None => "not a TFLite builtin op".into(),
            Some(_) if data.is(&tfl::CUSTOM) => "a custom op has no int16 form".into(),
            Some(def) if def.kernels.int16() => {
                "tqopt does not implement TFLite's 16x8 scheme for it yet".into()
            }
            Some(_) => "LiteRT has no int16 kernel for it (16x8 mode)".into(),
        });
    }
    if !is_quantizable(m, op) {
        if let Some(why) = data.attr(FLOAT_REASON).and_then(Attribute::as_str) {
            return Some(why.to_string());
        }
        return Some(match data.def() {
            None => "not a TFLite builtin op".into(),
            Some(def) if def.quant == QuantBehavior::IntegerValued => {
                "LiteRT's integer cast converts stored integers, not real values: only a cast \
                 from integers or bools to float quantizes"
                    .into()
            }
            Some(_) if data.is(&tfl::CUSTOM) => {
                let code = data
                    .attr("custom_code")
                    .and_then(Attribute::as_str)
                    .unwrap_or("?");
                format!("custom op '{code}' has no int8 form")
            }
            Some(def) if def.kernels.int8() && def.kernels.zero_point_0() => {
                "LiteRT's int8 kernel for it is right only at zero point 0, which tqopt does not \
                 arrange yet"
                    .into()
            }
            Some(def) if def.kernels.int8() => {
                "tqopt does not implement TFLite's int8 scheme for it yet".into()
            }
            Some(_) => "TFLite has no int8 kernel for it".into(),
        });
    }
    // Calibration could not run the op (it depends on a custom op tqopt has no kernel for):
    // the attribute says which.
    if let Some(why) = data
        .attr(crate::calibration::calibrate::UNCALIBRATED)
        .and_then(Attribute::as_str)
    {
        return Some(why.to_string());
    }
    for (i, &v) in m.operands(op).iter().enumerate() {
        if is_f32_any_rank(m, v) && defined_by(m, v, &tfl::DEQUANTIZE).is_none() {
            return Some(format!(
                "operand #{i} has no quantization parameters (no calibrated range reaches it)"
            ));
        }
    }
    for (i, &r) in m.results(op).iter().enumerate() {
        let quantized = m.uses(r).iter().all(|u| m.op(u.op).is(&tfl::QUANTIZE));
        if is_f32_any_rank(m, r) && (!quantized || m.uses(r).len() != 1) {
            return Some(format!(
                "result #{i} has no quantization parameters (no calibrated range)"
            ));
        }
    }
    None
}

impl Pass for LegalizeOpset {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let ops: Vec<OpId> = m
            .walk_nested(m.op)
            .filter(|&op| is_candidate(m, op))
            .collect();
        let mut offenders = Vec::new();
        let mut changed = false;
        // Ops that are float whatever the latency plan says, and ops marked int16 (mixed
        // precision), which the plan leaves alone.
        let mut fixed_float = Vec::new();
        let mut fixed_int16 = std::collections::HashSet::new();
        for &op in &ops {
            // Mixed precision: an op marked int16 needs an int16 kernel too.
            let int16 = self.int16 || super::mixed_precision::is_int16(m, op);
            // A strict OpsSet takes no op float, whoever marked it (the precision search, or
            // the input IR).
            let marked = (self.strict && m.op(op).attributes.contains(KEEP_FLOAT)).then(|| {
                m.op(op)
                    .attr(FLOAT_REASON)
                    .and_then(|a| a.as_str())
                    .unwrap_or("marked tqopt.keep_float")
                    .to_string()
            });
            let Some(reason) = float_reason_for(m, op, self.deny.as_ref(), int16).or(marked) else {
                if self.strict {
                    continue;
                }
                // An int16 op runs in LiteRT's reference kernels whatever XNNPACK takes: it is
                // never kept float for speed, nor planned.
                if int16 {
                    fixed_int16.insert(op);
                    continue;
                }
                if let Some(why) = float_for_speed(m, op, self.target) {
                    changed |= mark_float_for_speed(m, op, &why);
                    cx.count(KEPT_FOR_SPEED, 1);
                    fixed_float.push(op);
                }
                continue;
            };
            fixed_float.push(op);
            if self.strict && float_by_design(m, op) {
                let data = m.op(op);
                cx.emit(
                    Diagnostic::note(format!(
                        "'{}'{}: {} stays float, as in TensorFlow's integer models: LiteRT's kernel selects boxes in float (it has no quantized kernel), and its float results are the model's outputs",
                        data.name.as_str(),
                        data.loc.at_name(),
                        post_processing_name(m, op).unwrap_or("detection post-processing"),
                    ))
                    .at(data.pos)
                    .with_loc(data.loc.clone()),
                );
                continue;
            }
            let denied = self.deny.is_some() && reason.starts_with("denied");
            // An op with an int8 kernel but no int16 one would still fold: keep it float and
            // say why.
            // In 16x8 mode every float op carries its reason, since the report's own reading
            // of the IR knows int8's kernels only.
            if int16 && !denied {
                let keep = is_quantizable(m, op) && int16_kernel_reason(m, op).is_some();
                let attrs = &mut m.op_mut(op).attributes;
                if keep {
                    attrs.set(KEEP_FLOAT, Attribute::Unit);
                }
                changed |= attrs
                    .set(FLOAT_REASON, Attribute::string(&reason))
                    .is_none();
            }
            if denied {
                changed |= m
                    .op_mut(op)
                    .attributes
                    .set(KEEP_FLOAT, Attribute::Unit)
                    .is_none();
            }
            cx.count(FLOAT_FALLBACK, 1);
            offenders.push((op, reason));
        }
        if !self.strict && !self.int16 && self.target.float_for_speed() {
            let table = CostTable::shipped();
            let plannable: Vec<OpId> = ops
                .iter()
                .copied()
                .filter(|op| !fixed_int16.contains(op))
                .collect();
            for f in speed_plan::plan(m, table, &plannable, &fixed_float) {
                let why = format!(
                    "kept float for speed: the XNNPACK cost model (measured on {}) finds it no slower as float, and it saves conversions between float ops",
                    table.cpu
                );
                changed |= mark_float_for_speed(m, f.op, &why);
                m.op_mut(f.op)
                    .attributes
                    .set(SPEED_GAIN_NS, Attribute::f32(f.gain_ns.round() as f32));
                cx.count(KEPT_FOR_SPEED, 1);
            }
        }
        if self.strict && !offenders.is_empty() {
            // The error points at the function that holds the first offender.
            let mut holder = offenders[0].0;
            while let Some(parent) = m.parent_op(holder) {
                holder = parent;
                if m.op(parent).is(&func::FUNC) {
                    break;
                }
            }
            let mut error = Diagnostic::error(format!(
                "{} op{} cannot be quantized to {} under {}; use ops=TFLITE_BUILTINS to keep them float",
                offenders.len(),
                if offenders.len() == 1 { "" } else { "s" },
                if self.int16 { "int16x8" } else { "int8" },
                self.ops,
            ))
            .at(m.op(holder).pos);
            for (op, reason) in &offenders {
                let data = m.op(*op);
                let place = data.loc.at_name();
                error = error.with_note(
                    Diagnostic::note(format!("'{}'{place}: {reason}", data.name.as_str()))
                        .at(data.pos)
                        .with_loc(data.loc.clone()),
                );
            }
            return Err(PassError::new(vec![error]));
        }
        Ok(Changed::from(changed))
    }
}
