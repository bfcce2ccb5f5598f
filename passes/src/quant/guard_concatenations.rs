//! `guard-concatenations`: after calibration, keeps float a concatenation at the end of the
//! model whose inputs' ranges are too far apart to share one int8 scale.
//!
//! A concatenation (or pack) quantizes with one scale for all its inputs: the union of their
//! ranges. Detectors in the YOLO family end so: box coordinates in pixels (hundreds) and class
//! probabilities (0 to 1) concatenated into one output. In int8 the probabilities then fall
//! within one or two steps of the boxes' scale and come out as zeros, while the output's SQNR,
//! dominated by the boxes, still reads 45 dB: nothing tells the user.
//!
//! Where a concatenation's result reaches only model outputs (directly, or through reshapes,
//! squeezes, expand_dims and transposes) and one of its inputs spans fewer than
//! [`MIN_LEVELS`] of the 255 int8 steps of the result's range, the concatenation and those view
//! ops stay float (`tqopt.keep_float`, with why in `tqopt.float_reason`): each input is then
//! dequantized with its own scale, and the output is exact but for its inputs' own rounding.
//! The ops are cheap (copies), so this costs little time.
//!
//! Under a strict OpsSet, or with integer model outputs (`io=int8|uint8`), nothing may stay
//! float: the pass warns instead, naming the input and how many levels it keeps. A
//! concatenation that other ops read is left alone (its result is one tensor to them), and so
//! is one in a loop body or a branch, whose results go on to more ops; an input that is all
//! zeros loses nothing.

use tqopt_ir::dialect::{func, tfl};
use tqopt_ir::{Diagnostic, Module, OpId, ValueId};

use super::fold_dequant::IO_TYPES;
use super::layer_stats;
use super::legalize_opset::{keep_float, OPS_SETS};
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

/// An input that would keep fewer int8 steps than this of its own range keeps its
/// concatenation float (4 bits: a probability in [0, 1] then moves in steps of 1/16 or finer).
pub const MIN_LEVELS: f64 = 16.0;

/// How the reasons this pass gives begin (the report's readers tell choices from failures).
pub const FOR_ACCURACY: &str = "kept float for accuracy: ";

/// The steps of int8 storage over a range.
const INT8_STEPS: f64 = 255.0;

/// The span of an input that calibration saw only zeros in: its minmax maximum starts at
/// float32's smallest normal value, as TensorFlow's calibrator's does.
const ZERO_SPAN: f64 = f32::MIN_POSITIVE as f64;

/// How many view ops after the concatenation are followed to the outputs.
const MAX_VIEWS: usize = 16;

pub const KEPT_FLOAT: Statistic = Statistic {
    name: "num-float-concatenations",
    description:
        "output concatenations kept float (inputs too far apart in range), and the views after them",
};

pub static INFO: PassInfo = PassInfo {
    argument: "guard-concatenations",
    summary: "Keep float the output concatenations whose inputs' ranges are too far apart, after calibration",
    description: "A tfl.concatenation or tfl.pack whose result reaches only model outputs (through \
        reshape, squeeze, expand_dims and transpose) and one of whose inputs would keep fewer \
        than 16 of int8's 255 steps in the shared scale (a detector's class probabilities \
        concatenated with box coordinates in pixels) is marked tqopt.keep_float with the \
        reason, and so are the views after it. Under ops=TFLITE_BUILTINS_INT8 or an integer \
        io, where nothing may stay float, it warns instead. Run after calibration.",
    options: &[
        OptionInfo {
            name: "ops",
            kind: OptionKind::Enum(OPS_SETS),
            default: "TFLITE_BUILTINS",
            help: "As quantize-int8's: under TFLITE_BUILTINS_INT8 it warns instead of keeping ops float",
        },
        OptionInfo {
            name: "io",
            kind: OptionKind::Enum(IO_TYPES),
            default: "float",
            help: "As quantize-int8's: with integer outputs it warns instead of keeping ops float",
        },
    ],
    create,
    traits: PassTraits::NONE,
};

fn create(o: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(GuardConcatenations {
        may_keep_float: o.choice("ops")? == "TFLITE_BUILTINS" && o.choice("io")? == "float",
    }))
}

pub struct GuardConcatenations {
    may_keep_float: bool,
}

/// The calibrated range of `v` (the statistics it is, or that read it), widened to hold 0 as
/// quantization does.
fn range(m: &Module, v: ValueId) -> Option<(f64, f64)> {
    let (lo, hi) = layer_stats::range(m, layer_stats::stats_of(m, v)?)?;
    Some((lo.min(0.0), hi.max(0.0)))
}

/// The view ops between `v` and the model outputs, when every path from `v` ends at an entry
/// function's return through them; `None` when some other op reads it (a loop body's or a
/// branch's return hands values on to more ops).
fn views_to_outputs(m: &Module, v: ValueId, entries: &[OpId]) -> Option<Vec<OpId>> {
    let mut views = Vec::new();
    let mut work = vec![v];
    while let Some(v) = work.pop() {
        for (r, read) in layer_stats::readers_past_stats(m, v) {
            let d = m.op(r);
            if d.is(&func::RETURN) {
                if !m.parent_op(r).is_some_and(|f| entries.contains(&f)) {
                    return None;
                }
                continue;
            }
            let view = [
                &tfl::RESHAPE,
                &tfl::SQUEEZE,
                &tfl::EXPAND_DIMS,
                &tfl::TRANSPOSE,
            ]
            .iter()
            .any(|def| d.is(def));
            if !view || views.len() >= MAX_VIEWS || m.operands(r).first() != Some(&read) {
                return None;
            }
            views.push(r);
            work.extend(m.results(r).iter().copied());
        }
    }
    Some(views)
}

/// Why `op` should stay float: its narrowest input against the result's range.
fn risk(m: &Module, op: OpId) -> Option<String> {
    let result = *m.results(op).first()?;
    let (lo, hi) = range(m, result)?;
    let span = hi - lo;
    if !(span > 0.0) {
        return None;
    }
    let (index, (ilo, ihi), levels) = m
        .operands(op)
        .iter()
        .enumerate()
        .filter_map(|(i, &v)| range(m, v).map(|r| (i, r, (r.1 - r.0) / span * INT8_STEPS)))
        // An input that is all zeros loses nothing: int8 holds 0 exactly (a while loop's
        // zero padding beside the row it writes).
        .filter(|&(_, (lo, hi), _)| hi - lo > ZERO_SPAN)
        .min_by(|a, b| a.2.total_cmp(&b.2))?;
    if levels >= MIN_LEVELS {
        return None;
    }
    Some(format!(
        "{FOR_ACCURACY}input #{index} spans [{ilo:.4}, {ihi:.4}] and the concatenation [{lo:.4}, {hi:.4}]: in \
         one int8 scale that input keeps {levels:.1} of 255 steps, so its values would be lost \
         (as a detector's class probabilities beside box coordinates)"
    ))
}

impl Pass for GuardConcatenations {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let concats: Vec<OpId> = m
            .walk_nested(m.op)
            .filter(|&op| {
                let d = m.op(op);
                d.is(&tfl::CONCATENATION) || d.is(&tfl::PACK)
            })
            .collect();
        let entries = m.entry_points();
        let mut kept = 0;
        for op in concats {
            let Some(why) = risk(m, op) else { continue };
            let Some(views) = m
                .results(op)
                .first()
                .and_then(|&r| views_to_outputs(m, r, &entries))
            else {
                continue;
            };
            let data = m.op(op);
            let place = data.loc.at_name();
            if !self.may_keep_float {
                let why = why.trim_start_matches(FOR_ACCURACY);
                cx.emit(
                    Diagnostic::warning(format!(
                        "'{}'{place}: {why}; with integer outputs or ops=TFLITE_BUILTINS_INT8 it must stay int8 (ops=TFLITE_BUILTINS io=float keeps it float)",
                        data.name.as_str()
                    ))
                    .at(data.pos)
                    .with_loc(data.loc.clone()),
                );
                continue;
            }
            let name = data.loc.first_name().unwrap_or("?").to_string();
            keep_float(m, op, &why);
            kept += 1;
            for v in views {
                keep_float(
                    m,
                    v,
                    &format!("{FOR_ACCURACY}it carries the float concatenation at {name} to the model's output"),
                );
                kept += 1;
            }
        }
        cx.count(KEPT_FLOAT, kept);
        Ok(Changed::from(kept > 0))
    }
}
