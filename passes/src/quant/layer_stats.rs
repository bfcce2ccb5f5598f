//! Reading and writing the calibrated range a `quantfork.stats` op carries (`layerStats =
//! dense<[min, max]>`), for the passes that adjust ranges after calibration.
//!
//! Invariant: a range this module returns is finite, and one it writes is stored as two
//! float32 values, as calibration writes them.

use tqopt_ir::dialect::quantfork;
use tqopt_ir::{
    Attribute, DenseElements, ElementType, Module, OpId, OpSpec, TensorType, Type, ValueId,
};

/// The finite `[min, max]` of a statistics op; `None` when it has none (or not two finite values).
pub fn range(m: &Module, stats: OpId) -> Option<(f64, f64)> {
    let v = m.op(stats).attr("layerStats")?.as_dense()?.to_f32_vec();
    match v[..] {
        [lo, hi] if lo.is_finite() && hi.is_finite() => Some((lo as f64, hi as f64)),
        _ => None,
    }
}

/// The statistics op that records `v`'s range: `v` itself when a stats result, else a stats
/// user of `v`.
pub fn stats_of(m: &Module, v: ValueId) -> Option<OpId> {
    super::qdq::defined_by(m, v, &quantfork::STATS).or_else(|| {
        m.uses(v)
            .iter()
            .map(|u| u.op)
            .find(|&op| m.op(op).is(&quantfork::STATS))
    })
}

/// The readers of `v` and the value each reads: `v`, or the result of the statistics op
/// calibration put on it (looking past that op).
pub fn readers_past_stats(m: &Module, v: ValueId) -> Vec<(OpId, ValueId)> {
    let mut out = Vec::new();
    for u in m.uses(v) {
        if m.op(u.op).is(&quantfork::STATS) {
            for &r in m.results(u.op) {
                out.extend(m.uses(r).iter().map(|w| (w.op, r)));
            }
        } else {
            out.push((u.op, v));
        }
    }
    out
}

/// Sets the `[min, max]` of a statistics op.
pub fn set_range(m: &mut Module, stats: OpId, (lo, hi): (f64, f64)) {
    if let Some(d) = dense(lo, hi) {
        m.op_mut(stats)
            .attributes
            .set("layerStats", Attribute::Dense(d));
    }
}

/// Inserts a statistics op with `[min, max]` right after the definition of `v` and makes every
/// other reader of `v` read it; returns the op (`None` when `v` is not a tensor).
pub fn attach(m: &mut Module, v: ValueId, (lo, hi): (f64, f64)) -> Option<OpId> {
    let ty = m.value_type(v).clone();
    if !matches!(ty, Type::Tensor(_)) {
        return None;
    }
    let mut spec = OpSpec::of(&quantfork::STATS)
        .operands(&[v])
        .results([ty])
        .loc(super::qdq::value_loc(m, v));
    spec.attributes
        .set("layerStats", Attribute::Dense(dense(lo, hi)?));
    let op = m.create_op(spec);
    super::qdq::insert_after_def(m, v, op);
    let s = m.results(op)[0];
    m.replace_uses_where(v, s, |u| u.op != op);
    Some(op)
}

fn dense(lo: f64, hi: f64) -> Option<DenseElements> {
    DenseElements::from_f32(
        TensorType::new(&[2], ElementType::F32),
        &[lo as f32, hi as f32],
    )
}
