//! `bound-attention-masks`: after calibration, brings the large negative values an attention
//! mask adds to the scores before a softmax up to just below the real scores, so that
//! quantization keeps the scores' resolution.
//!
//! Attention masks add -1e9, -1e4 (BERT), -65504, float32's lowest or -inf where a position
//! is masked: `softmax(scores + mask)`, the mask a constant (a causal mask) or computed from
//! an input (`(1 - padding) * -1e4`). Quantized as calibrated, the sum's range reaches that
//! value and every real score rounds to the same integer (a 16x8 decoder block with a causal
//! mask scored 2.3 dB); an int8 ADD whose operand scales differ by 1e7 loses the scores in its
//! rescaling as well. The softmax only needs the masked scores far enough below the real ones:
//! a weight of e^-[`MASK_MARGIN`] rounds to zero in int8 and int16 alike.
//!
//! Where a float `add` reads a mask and its result goes only to softmaxes (through its
//! statistics), with the other operand's calibrated range `[xl, xh]` and the mask's unmasked
//! values in `[cl, ch]`, the lowest real score is `xl + cl`, and:
//! - a constant mask is replaced, for this add, by a copy whose masked entries (at most
//!   -[`MASK_MAGNITUDE`], or -inf) hold `m = xl + cl - MASK_MARGIN - xh`, which puts every
//!   masked score at least `MASK_MARGIN` below every real one;
//! - a computed mask (calibrated minimum at most -[`MASK_MAGNITUDE`], or sentinels such as
//!   `f32::MIN` that calibration left out of its range and marked) of the form
//!   `indicator * C` (`(1 - valid) * -1e4`) gets `m` in place of `C`; any other is clamped at
//!   `m` by a `tfl.maximum` (its unmasked values are taken to be those up to its maximum and
//!   0). A computed mask several adds read is bounded once, at the lowest `m` they need;
//! - the sum's range becomes `[xl + cl - MASK_MARGIN, xh + ch]`: masked scores saturate at its
//!   bottom.
//!
//! The float model changes by at most e^-`MASK_MARGIN` of weight per masked position.

use tqopt_ir::dialect::{quantfork, tfl, tfl_builders};
use tqopt_ir::{Attribute, DenseElements, ElementType, Module, OpId, OpSpec, TensorType, ValueId};

use super::layer_stats;
use super::qdq::{defined_by, derived_loc};
use crate::calibration::collectors::LOW_SENTINELS_ATTR;
use crate::folds::const_f32_values;
use crate::options::PassOptions;
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

/// A value at most this negative in a mask marks a masked position (BERT's -1e4 and beyond).
pub const MASK_MAGNITUDE: f64 = 1e3;

/// How far below the lowest real score a masked score goes: e^-20 of weight per position.
pub const MASK_MARGIN: f64 = 20.0;

pub const BOUNDED: Statistic = Statistic {
    name: "num-bounded-masks",
    description: "attention masks before a softmax brought up to just below the real scores",
};

pub static INFO: PassInfo = PassInfo {
    argument: "bound-attention-masks",
    summary:
        "Bound the large negative values an attention mask adds before a softmax, after calibration",
    description: "Where a float add of scores and a mask (entries of -1e3 or less: -1e4, \
        -1e9, float32's lowest, -inf) goes only to softmaxes, the masked entries become a value 20 below the \
        lowest calibrated real score (a constant mask is copied; a computed one, of the form \
        indicator * C, gets that value in place of C, and any other is clamped by \
        tfl.maximum), and the sum's range becomes the real scores' range and 20 below it, so \
        that quantization keeps the scores' resolution. Run after calibration.",
    options: &[],
    create,
    traits: PassTraits::NONE,
};

fn create(_: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(BoundAttentionMasks))
}

pub struct BoundAttentionMasks;

impl Pass for BoundAttentionMasks {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let adds: Vec<OpId> = m
            .walk_nested(m.op)
            .filter(|&op| m.op(op).is(&tfl::ADD))
            .collect();
        // Every plan first: a computed mask that several adds read (one padding mask for
        // every layer) is bounded once, at the lowest value any of them needs.
        let plans: Vec<(OpId, Plan)> = adds
            .into_iter()
            .filter_map(|add| plan(m, add).map(|p| (add, p)))
            .collect();
        // Per computed mask: the lowest bound, and the first add reading it (which names it).
        let mut lowest: Vec<(ValueId, f64, OpId)> = Vec::new();
        for (add, p) in &plans {
            let MaskKind::Computed { .. } = p.kind else {
                continue;
            };
            let Some(v) = m.operand(*add, p.mask) else {
                continue;
            };
            match lowest.iter_mut().find(|(w, _, _)| *w == v) {
                Some((_, low, _)) => *low = low.min(p.masked),
                None => lowest.push((v, p.masked, *add)),
            }
        }
        let rescaled: Vec<ValueId> = lowest
            .into_iter()
            .filter(|&(v, low, add)| rescale_indicator_mask(m, v, low, add))
            .map(|(v, _, _)| v)
            .collect();
        let bounded = plans.len() as u64;
        for (add, p) in plans {
            let done = matches!(p.kind, MaskKind::Computed { .. })
                && m.operand(add, p.mask)
                    .is_some_and(|v| rescaled.contains(&v));
            match done {
                true => layer_stats::set_range(m, p.sum_stats, p.sum_range),
                false => apply(m, add, &p),
            }
        }
        cx.count(BOUNDED, bounded);
        Ok(Changed::from(bounded > 0))
    }
}

/// A computed mask `indicator * C` (an indicator in [0, 1], every entry of the constant `C` at
/// most -[`MASK_MAGNITUDE`]: `(1 - valid) * -1e4` or `* f32::MIN`) gets `C` replaced by
/// `masked` and the range `[masked, 0]`, so that the mask itself quantizes well (an int8 or
/// int16 MUL by -3.4e38 has no usable scale); false when the mask is not of that form. The new
/// constant is named after `add`, the sum that reads the mask.
fn rescale_indicator_mask(m: &mut Module, mask: ValueId, masked: f64, add: OpId) -> bool {
    let Some(stats) = defined_by(m, mask, &quantfork::STATS) else {
        return false;
    };
    let Some(product) = m.operand(stats, 0).and_then(|v| m.defining_op(v)) else {
        return false;
    };
    let act = m
        .op(product)
        .attr("fused_activation_function")
        .and_then(Attribute::as_str);
    if !m.op(product).is(&tfl::MUL) || !matches!(act, None | Some("NONE")) {
        return false;
    }
    let operands = m.operands(product).to_vec();
    let Some((k, constant)) = operands.iter().enumerate().find_map(|(k, &v)| {
        let c = m.defining_op(v)?;
        let values = const_f32_values(m, c)?;
        values.iter().all(|&x| is_masked(x)).then_some((k, v))
    }) else {
        return false;
    };
    let Some(&indicator) = operands.get(1 - k) else {
        return false;
    };
    let indicator_range =
        defined_by(m, indicator, &quantfork::STATS).and_then(|s| layer_stats::range(m, s));
    if !indicator_range.is_some_and(|(lo, hi)| lo >= 0.0 && hi <= 1.0) {
        return false;
    }
    let Some(ty) = m.value_type(constant).as_tensor().cloned() else {
        return false;
    };
    let values = vec![masked as f32; ty.num_elements().unwrap_or(1).max(1) as usize];
    let Some(dense) = DenseElements::from_f32(ty, &values) else {
        return false;
    };
    let loc = derived_loc(m, add, "bounded_mask");
    let c = m.create_op(tfl_builders::pseudo_const(dense).loc(loc));
    if m.insert_before(product, c).is_err() {
        return false;
    }
    let bounded = m.results(c)[0];
    m.set_operand(product, k, bounded);
    layer_stats::set_range(m, stats, (masked, 0.0));
    m.op_mut(stats).attributes.remove(LOW_SENTINELS_ATTR);
    true
}

/// Where the mask of an add is and what it becomes.
struct Plan {
    /// The operand index of the mask.
    mask: usize,
    kind: MaskKind,
    /// The value masked entries take.
    masked: f64,
    /// The statistics op of the add's result, and its new range.
    sum_stats: OpId,
    sum_range: (f64, f64),
}

enum MaskKind {
    /// A constant: its values, with the masked ones replaced.
    Constant(Vec<f32>, TensorType),
    /// A computed mask, with the largest of its unmasked values (and 0): a clamp from below
    /// at the plan's `masked` gives it the range `[masked, unmasked_max]`.
    Computed { unmasked_max: f64 },
}

/// The bound for `add`, if it adds a mask before softmaxes and the ranges it needs are known.
fn plan(m: &Module, add: OpId) -> Option<Plan> {
    let data = m.op(add);
    let act = data
        .attr("fused_activation_function")
        .and_then(Attribute::as_str);
    if !matches!(act, None | Some("NONE")) || m.operands(add).len() != 2 {
        return None;
    }
    let result = *m.results(add).first()?;
    let sum_stats = only_softmaxes_read(m, result)?;
    (0..2).find_map(|mask| {
        let x = m.operand(add, 1 - mask)?;
        let (xl, xh) = layer_stats::range(m, defined_by(m, x, &quantfork::STATS)?)?;
        if xl <= -MASK_MAGNITUDE {
            return None; // the scores look like a mask themselves
        }
        let v = m.operand(add, mask)?;
        let (kind, (cl, ch)) = mask_of(m, v)?;
        let lowest = xl + cl;
        let masked = lowest - MASK_MARGIN - xh;
        let kind = match kind {
            MaskKind::Constant(values, ty) => {
                let replaced = values
                    .iter()
                    .map(|&c| if is_masked(c) { masked as f32 } else { c })
                    .collect();
                MaskKind::Constant(replaced, ty)
            }
            computed @ MaskKind::Computed { .. } => computed,
        };
        Some(Plan {
            mask,
            kind,
            masked,
            sum_stats,
            sum_range: (lowest - MASK_MARGIN, xh + ch),
        })
    })
}

fn is_masked(c: f32) -> bool {
    (c as f64) <= -MASK_MAGNITUDE
}

/// Whether `v` is a mask: its kind and the range of its unmasked values.
fn mask_of(m: &Module, v: ValueId) -> Option<(MaskKind, (f64, f64))> {
    let def = m.defining_op(v)?;
    if let Some(values) = const_f32_values(m, def) {
        if values.iter().any(|c| c.is_nan()) || !values.iter().copied().any(is_masked) {
            return None;
        }
        let unmasked = values.iter().copied().filter(|&c| !is_masked(c));
        let (cl, ch) = unmasked.fold((0.0f64, 0.0f64), |(lo, hi), c| {
            (lo.min(c as f64), hi.max(c as f64))
        });
        let ty = m.value_type(v).as_tensor()?.clone();
        return Some((MaskKind::Constant(values, ty), (cl, ch)));
    }
    let stats = defined_by(m, v, &quantfork::STATS)?;
    let (lo, hi) = layer_stats::range(m, stats)?;
    // Calibration leaves sentinels (f32::MIN, -inf) out of the range, and marks the tensor.
    let sentinels = m.op(stats).attr(LOW_SENTINELS_ATTR).is_some();
    if (lo > -MASK_MAGNITUDE && !sentinels) || hi <= -MASK_MAGNITUDE {
        return None;
    }
    let ch = hi.max(0.0);
    Some((MaskKind::Computed { unmasked_max: ch }, (hi.min(0.0), ch)))
}

/// The statistics op of `result` when it is `result`'s only reader and only softmaxes read it.
fn only_softmaxes_read(m: &Module, result: ValueId) -> Option<OpId> {
    let [only] = m.uses(result) else { return None };
    let stats = only.op;
    if !m.op(stats).is(&quantfork::STATS) {
        return None;
    }
    let readers = m.uses(*m.results(stats).first()?);
    let all_softmax = !readers.is_empty() && readers.iter().all(|u| m.op(u.op).is(&tfl::SOFTMAX));
    all_softmax.then_some(stats)
}

fn apply(m: &mut Module, add: OpId, plan: &Plan) {
    let loc = derived_loc(m, add, "bounded_mask");
    match &plan.kind {
        MaskKind::Constant(values, ty) => {
            let Some(dense) = DenseElements::from_f32(ty.clone(), values) else {
                return;
            };
            let c = m.create_op(tfl_builders::pseudo_const(dense).loc(loc));
            if m.insert_before(add, c).is_err() {
                return;
            }
            let v = m.results(c)[0];
            m.set_operand(add, plan.mask, v);
        }
        &MaskKind::Computed { unmasked_max } => {
            let Some(mask) = m.operand(add, plan.mask) else {
                return;
            };
            let scalar = TensorType::new(&[], ElementType::F32);
            let Some(dense) = DenseElements::from_f32(scalar, &[plan.masked as f32]) else {
                return;
            };
            let floor = m.create_op(tfl_builders::pseudo_const(dense).loc(loc.clone()));
            if m.insert_before(add, floor).is_err() {
                return;
            }
            let floor = m.results(floor)[0];
            let ty = m.value_type(mask).clone();
            let clamp = m.create_op(
                OpSpec::of(&tfl::MAXIMUM)
                    .operands(&[mask, floor])
                    .results([ty])
                    .loc(loc),
            );
            if m.insert_before(add, clamp).is_err() {
                return;
            }
            let clamped = m.results(clamp)[0];
            m.set_operand(add, plan.mask, clamped);
            let _ = layer_stats::attach(m, clamped, (plan.masked, unmasked_max));
        }
    }
    layer_stats::set_range(m, plan.sum_stats, plan.sum_range);
}
