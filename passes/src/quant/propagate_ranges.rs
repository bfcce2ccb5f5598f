//! `propagate-ranges`: decides which calibrated ranges quantization will use, as TensorFlow's
//! `RemoveRedundantStatsOps` does, and drops the others.
//!
//! - The result of a fixed-range op (softmax, logistic, tanh, ...) gets its fixed range later:
//!   its statistics go.
//! - A same-scale op with one float operand (reshape, pooling, slicing, pad, resize, ...)
//!   passes its input's range on: the statistics of its result go (forward, through chains).
//! - A same-scale op with several float operands (concatenation, maximum, pack, select, ...)
//!   imposes its result's range on its operands: their statistics go (backward, through
//!   chains of same-scale ops). An operand that other ops read too keeps its own range when
//!   the op's result may not hold all its values (a maximum, a reduction, a slice): those
//!   readers would see it cut to the narrower range; `insert-fake-quant` requantizes it for
//!   this op instead.
//!
//! - Tensors that `tfl.while` / `tfl.if` copy into one another (a loop-carried value: the
//!   operand, the body's argument and result, the loop's result) get the union of their
//!   ranges, and the statistics calibration put inside the call-form regions go
//!   ([`control_flow::unify_ranges`]); these statistics are never dropped as redundant.
//!
//! - An integer-valued result (a cast from integers to float) takes scale 1 and zero point 0:
//!   its statistics go when its calibrated values fit the activation storage (`activations=`:
//!   int8, or int16 in 16x8 mode and for an op marked int16), and otherwise the op stays float,
//!   marked with why (`tqopt.float_reason`), since LiteRT's cast would wrap the rest.
//!
//! - The float results of detection post-processing (TensorFlow's SSD op, non-max suppression:
//!   [`float_by_design`]) keep no range: they are the model's float outputs, whatever `io=`
//!   asks of the others.
//!
//! - An affine op's output range too narrow for XNNPACK (requantization scale 256 or more,
//!   e.g. a layer whose outputs were all zero on the calibration data) is widened
//!   ([`requant_bounds`]), before and after the sharing.
//!
//! `insert-fake-quant` then shares one scale across each same-scale op.

use std::collections::HashSet;

use tqopt_ir::dialect::{quantfork, tfl, QuantBehavior};
use tqopt_ir::{Attribute, Module, OpId};

use super::layer_stats;
use super::legalize_opset::FLOAT_REASON;
use super::mixed_precision;
use super::numerics::StorageRange;
use super::qdq::defined_by;
use super::spec::{behavior, float_by_design, is_same_scale, prefers_result_scale};
use super::{control_flow, requant_bounds};
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const REMOVED: Statistic = Statistic {
    name: "num-removed-stats",
    description: "statistics made redundant by same-scale or fixed-range ops",
};

pub const WIDENED: Statistic = Statistic {
    name: "num-widened-outputs",
    description: "affine outputs widened so their requantization scale stays under XNNPACK's 256",
};

pub const KEPT_FLOAT: Statistic = Statistic {
    name: "num-wide-integers",
    description: "casts to float kept float because calibration saw integers int8 cannot hold",
};

pub const UNIFIED: Statistic = Statistic {
    name: "num-loop-stats",
    description: "statistics removed from control-flow regions, or widened or added so a loop-carried value keeps one range",
};

pub static INFO: PassInfo = PassInfo {
    argument: "propagate-ranges",
    summary: "Share calibrated ranges across same-scale ops and drop the redundant statistics",
    description: "Removes quantfork.stats that quantization will not use: results of fixed-range \
        ops, results of single-input same-scale ops (they inherit their input's range), and \
        operands of multi-input same-scale ops like concatenation (they take the result's \
        range), following TensorFlow's RemoveRedundantStatsOps.",
    options: OPTIONS,
    create,
    traits: PassTraits::NONE,
};

pub static OPTIONS: &[OptionInfo] = &[OptionInfo {
    name: "activations",
    kind: OptionKind::Enum(super::insert_fake_quant::ACTIVATION_TYPES),
    default: "int8",
    help: "Activation storage (as insert-fake-quant's): the integers a cast to float may hold",
}];

fn create(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let activations = super::insert_fake_quant::activation_storage(options)?;
    Ok(Box::new(PropagateRanges { activations }))
}

pub struct PropagateRanges {
    /// The activation storage, for the integers an integer-valued result may hold.
    activations: StorageRange,
}

/// Same-scale ops whose result holds every value of each float operand (joined, reshaped,
/// reordered, repeated or padded): the result's range covers each operand's, so an operand
/// that other ops read too loses resolution, never values, when it takes that range.
fn covers_its_operands(m: &Module, op: OpId) -> bool {
    const COVERING: &[&tqopt_ir::dialect::OpDef] = &[
        &tfl::CONCATENATION,
        &tfl::PACK,
        &tfl::RESHAPE,
        &tfl::SQUEEZE,
        &tfl::EXPAND_DIMS,
        &tfl::TRANSPOSE,
        &tfl::TILE,
        &tfl::BROADCAST_TO,
        &tfl::PAD,
        &tfl::PADV2,
        &tfl::MIRROR_PAD,
        &tfl::DEPTH_TO_SPACE,
        &tfl::SPACE_TO_DEPTH,
        &tfl::SPACE_TO_BATCH_ND,
        &tfl::REVERSE_V2,
    ];
    let data = m.op(op);
    COVERING.iter().any(|d| data.is(d))
}

impl Pass for PropagateRanges {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let mut widened = requant_bounds::widen_narrow_outputs(m);
        let unified = control_flow::unify_ranges(m);
        cx.count(UNIFIED, unified);
        let pinned = control_flow::pinned_stats(m);
        let stats: Vec<OpId> = m
            .walk_nested(m.op)
            .filter(|&op| m.op(op).is(&quantfork::STATS))
            .collect();
        let mut redundant: HashSet<OpId> = HashSet::new();

        let kept_float = keep_wide_integers_float(m, &stats, self.activations);
        for &s in &stats {
            if m.operand(s, 0)
                .and_then(|a| m.defining_op(a))
                .is_some_and(|d| float_by_design(m, d))
            {
                redundant.insert(s);
            }
        }
        // Forward: fixed-range results, and results of single-input same-scale ops.
        let mut work = stats.clone();
        while let Some(s) = work.pop() {
            let Some(arg) = m.operand(s, 0) else { continue };
            if m.defining_op(arg).is_some_and(|d| {
                matches!(
                    behavior(m, d),
                    QuantBehavior::FixedOutput(_) | QuantBehavior::IntegerValued
                )
            }) {
                redundant.insert(s);
            }
            let users: Vec<OpId> = m.uses(m.results(s)[0]).iter().map(|u| u.op).collect();
            for user in users {
                if !is_same_scale(m, user) || prefers_result_scale(m, user) {
                    continue;
                }
                for &r in m.results(user) {
                    if let [only] = m.uses(r) {
                        if m.op(only.op).is(&quantfork::STATS) && redundant.insert(only.op) {
                            work.push(only.op);
                        }
                    }
                }
            }
        }

        // Backward: operands of same-scale ops whose result statistics stay, and on through
        // the same-scale ops before them, including those the forward pass already made
        // redundant (a reshape between a convolution and a concatenation: the convolution
        // then writes the concatenation's scale itself, with no requantize after it).
        let mut work: Vec<OpId> = stats
            .iter()
            .copied()
            .filter(|s| !redundant.contains(s))
            .collect();
        let mut visited: HashSet<OpId> = work.iter().copied().collect();
        while let Some(s) = work.pop() {
            let Some(def) = m.operand(s, 0).and_then(|a| m.defining_op(a)) else {
                continue;
            };
            if !is_same_scale(m, def) {
                continue;
            }
            for &v in m.operands(def) {
                // An operand read elsewhere too keeps its own range unless the result holds
                // all of its values: taking a reduction's or a clip's narrower range would cut
                // its values for the other readers (logsumexp's logits, clipped to their max).
                if !covers_its_operands(m, def) && m.uses(v).len() > 1 {
                    continue;
                }
                if let Some(s3) = defined_by(m, v, &quantfork::STATS) {
                    redundant.insert(s3);
                    if visited.insert(s3) {
                        work.push(s3);
                    }
                }
            }
        }

        let mut removed = 0;
        for s in stats
            .into_iter()
            .filter(|s| redundant.contains(s) && !pinned.contains(s))
        {
            let arg = m.operands(s)[0];
            if m.replace_op(s, &[arg]).is_ok() {
                removed += 1;
            }
        }
        cx.count(REMOVED, removed);
        cx.count(KEPT_FLOAT, kept_float);
        // Again on the ranges that stay: an input may have taken a wider shared range.
        widened += requant_bounds::widen_narrow_outputs(m);
        cx.count(WIDENED, widened);
        Ok(Changed::from(removed + unified + widened + kept_float > 0))
    }
}

/// Marks float (with [`FLOAT_REASON`]) each integer-valued op (a cast from integers to float)
/// whose calibrated values leave its activation storage (`activations`, or int16 for an op
/// marked int16): LiteRT's cast would wrap them. Returns how many it marked.
fn keep_wide_integers_float(m: &mut Module, stats: &[OpId], activations: StorageRange) -> u64 {
    let mut marked = 0;
    for &s in stats {
        let Some(def) = m.operand(s, 0).and_then(|a| m.defining_op(a)) else {
            continue;
        };
        if behavior(m, def) != QuantBehavior::IntegerValued {
            continue;
        }
        let storage = mixed_precision::storage(m, def, activations);
        let (lo, hi) = (storage.min as f64, storage.max as f64);
        let range = layer_stats::range(m, s);
        if !range.is_some_and(|(min, max)| min >= lo && max <= hi) {
            let seen = range.map_or("no finite range".to_string(), |(a, b)| {
                format!("[{a}, {b}]")
            });
            let bits = if storage.is_16bit() { 16 } else { 8 };
            let why = format!(
                "its integer values reach {seen} on the calibration data, beyond int{bits}'s \
                 [{lo}, {hi}], which LiteRT's integer cast would wrap"
            );
            m.op_mut(def)
                .attributes
                .set(FLOAT_REASON, Attribute::string(&why));
            marked += 1;
        }
    }
    marked
}
