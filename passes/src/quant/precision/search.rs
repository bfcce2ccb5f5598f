//! The search for the smallest change that makes the quantized model reach a target SQNR.
//!
//! 1. **Ranges** (also the whole of `method=auto`): every tensor may take the range of any
//!    calibration method. Candidates: each method for every tensor, and for each tensor the
//!    method with the best local error ([`super::data`]); the best by output SQNR wins. Then
//!    the tensors whose own rounding and clipping add the most error (measured on the
//!    fake-quant model against the float activations, [`super::sensitivity`]) try each other
//!    method, one at a time, keeping what raises the output SQNR (coordinate descent with a
//!    budget of [`RANGE_BUDGET`] scores).
//! 2. **Ops** (only with a target not yet reached): candidate ops are ranked by the error
//!    they add (cheaper first among equals). Keeping any single op float gains little: its
//!    neighbours still quantize its inputs and result, so ops are added in growing batches
//!    (the first 1, 2, 4, ... of the ranking) until the target is reached, a binary search on
//!    the count finds the smallest prefix that reaches it, and pruning then drops every op
//!    the target does not need, most expensive first (at most [`PRUNE_BUDGET`] scores).
//!    Every ranked op float is tried first: when even that misses the target the search
//!    fails, saying what it reaches.
//!
//! Higher precisions other than float (int16 activations, see [`super::config::Precision`])
//! join step 2 as candidates ranked before float for the same op.

use std::collections::{BTreeMap, HashMap};

use tqopt_ir::{Attribute, Module, OpId};

use super::config::{Config, Precision};
use super::cost::op_cost;
use super::data::{SearchData, METHODS};
use super::evaluate::Evaluator;
use super::sensitivity::{added_error, value_nsr};
use crate::quant::legalize_opset::{float_reason, KEEP_FLOAT};
use crate::quant::spec::is_candidate;

/// Most scores spent trying other ranges for single tensors.
pub const RANGE_BUDGET: usize = 24;
/// Most scores spent pruning the ops kept in higher precision.
pub const PRUNE_BUDGET: usize = 48;
/// A range change is kept when it raises the output SQNR by more than this (dB).
const MIN_GAIN_DB: f64 = 0.05;

/// What the search found.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub config: Config,
    /// The model as calibrated, every candidate op int8.
    pub start_db: f64,
    /// After choosing ranges.
    pub ranges_db: f64,
    /// The configuration's score.
    pub reached_db: f64,
    /// Per op kept in higher precision, why.
    pub reasons: BTreeMap<OpId, String>,
    /// Candidate ops (int8 unless kept) and their costs.
    pub costs: BTreeMap<OpId, u64>,
}

/// The configuration with every tensor taking `choose(tensor)`'s method's range.
fn ranges_config(data: &SearchData, choose: impl Fn(usize) -> Option<usize>) -> Config {
    let mut c = Config::default();
    for (i, &(stats, _)) in data.tensors.iter().enumerate() {
        if let Some(k) = choose(i) {
            if let Some(r) = data.ranges[i][k] {
                c.ranges.insert(stats, (minmax_floor(r, k), k));
            }
        }
    }
    c
}

/// TensorFlow's calibrator starts a minmax maximum at FLT_MIN (as `calibrate` does).
fn minmax_floor((lo, hi): (f64, f64), k: usize) -> (f64, f64) {
    if k == 0 {
        (lo, hi.max(f32::MIN_POSITIVE as f64))
    } else {
        (lo, hi)
    }
}

/// The ops the search may keep in higher precision in the fake-quant module `qdq`: ops that
/// are quantized there and exist in the calibrated module.
fn candidate_ops(base: &Module, qdq: &Module) -> Vec<OpId> {
    let base_ops: std::collections::HashSet<OpId> = base.walk_nested(base.op).collect();
    qdq.walk_nested(qdq.op)
        .filter(|op| base_ops.contains(op))
        .filter(|&op| is_candidate(qdq, op))
        .filter(|&op| !qdq.op(op).attributes.contains(KEEP_FLOAT))
        .filter(|&op| float_reason(qdq, op, None).is_none())
        .collect()
}

/// Step 1: the ranges. `refine` allows the per-tensor coordinate descent.
pub fn choose_ranges(
    ev: &Evaluator,
    base: &Module,
    data: &SearchData,
    threads: usize,
    stop_at: Option<f64>,
) -> Result<(Config, f64, f64), String> {
    let start = Config::default();
    let start_db = ev.score(&start)?;
    let mut best = (start, start_db);
    let local = data.best_local();
    let mut candidates: Vec<Config> = (0..METHODS.len())
        .map(|k| ranges_config(data, |_| Some(k)))
        .collect();
    candidates.push(ranges_config(data, |i| local[i]));
    for c in candidates {
        let s = ev.score(&c)?;
        if s > best.1 {
            best = (c, s);
        }
    }
    if stop_at.is_some_and(|t| best.1 >= t) {
        return Ok((best.0, start_db, best.1));
    }
    // Coordinate descent on the tensors whose own quantization adds the most error.
    let qdq = ev.qdq_module(&best.0)?;
    let nsr = value_nsr(base, &qdq, data, threads)?;
    let mut ranked: Vec<(f64, usize)> = data
        .tensors
        .iter()
        .enumerate()
        .filter_map(|(i, &(_, v))| {
            // The stand-in of v after its quantization: the dequantize that reads its pair.
            let raw = nsr.get(&v).copied().unwrap_or(0.0);
            let quantized = qdq
                .uses(v)
                .iter()
                .filter_map(|u| qdq.results(u.op).first())
                .flat_map(|&q| qdq.uses(q).iter().filter_map(|u| qdq.results(u.op).first()))
                .filter_map(|d| nsr.get(d))
                .copied()
                .reduce(f64::max)?;
            Some((quantized - raw, i))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut spent = 0;
    'tensors: for &(_, i) in &ranked {
        let stats = data.tensors[i].0;
        let current = best.0.ranges.get(&stats).map(|&(_, k)| k);
        for k in 0..METHODS.len() {
            if spent >= RANGE_BUDGET {
                break 'tensors;
            }
            let Some(r) = data.ranges[i][k] else { continue };
            if Some(k) == current {
                continue;
            }
            let mut c = best.0.clone();
            c.ranges.insert(stats, (minmax_floor(r, k), k));
            spent += 1;
            let s = ev.score(&c)?;
            if s > best.1 + MIN_GAIN_DB {
                best = (c, s);
                if stop_at.is_some_and(|t| best.1 >= t) {
                    break 'tensors;
                }
            }
        }
    }
    Ok((best.0, start_db, best.1))
}

/// Steps 1 and 2 for a target.
pub fn search(
    ev: &Evaluator,
    base: &Module,
    data: &SearchData,
    target_db: f64,
    threads: usize,
) -> Result<Outcome, String> {
    let (ranges, start_db, ranges_db) = choose_ranges(ev, base, data, threads, Some(target_db))?;
    let qdq = ev.qdq_module(&ranges)?;
    let ops = candidate_ops(base, &qdq);
    let costs: BTreeMap<OpId, u64> = ops.iter().map(|&op| (op, op_cost(base, op))).collect();
    let mut outcome = Outcome {
        config: ranges.clone(),
        start_db,
        ranges_db,
        reached_db: ranges_db,
        reasons: BTreeMap::new(),
        costs: costs.clone(),
    };
    if ranges_db >= target_db {
        return Ok(outcome);
    }
    let nsr = value_nsr(base, &qdq, data, threads)?;
    let added = added_error(&qdq, &nsr, &ops);
    let mut ranked = ops.clone();
    ranked.sort_by(|a, b| {
        added[b]
            .total_cmp(&added[a])
            .then(costs[a].cmp(&costs[b]))
    });
    let rank: HashMap<OpId, usize> = ranked.iter().enumerate().map(|(i, &op)| (op, i)).collect();
    if std::env::var_os("TQOPT_PRECISION_TRACE").is_some() {
        for &op in &ranked {
            let d = base.op(op);
            let outs: Vec<String> = qdq.results(op).iter().map(|r| format!("{:.2e}", nsr.get(r).copied().unwrap_or(-1.0))).collect();
            eprintln!("rank {} {} {:?} added {:.3e} raw-out {:?} cost {}", rank_of(&ranked, op), d.name.as_str(), d.loc.first_name(), added[&op], outs, costs[&op]);
        }
    }
    let score_prefix = |k: usize| ev.score(&ranges.with_float(&ranked[..k]));
    let all = score_prefix(ranked.len())?;
    if all < target_db {
        return Err(format!(
            "target-sqnr={target_db} cannot be reached: with all {} quantized ops float the model reaches {all:.2} dB on the search data (all int8 with the best ranges: {ranges_db:.2} dB)",
            ranked.len()
        ));
    }
    // Growing batches, then a binary search on the count.
    let (mut lo, mut hi, mut hi_db) = (0usize, ranked.len(), all);
    let mut k = 1;
    while k < ranked.len() {
        let s = score_prefix(k)?;
        if s >= target_db {
            (hi, hi_db) = (k, s);
            break;
        }
        lo = k;
        k *= 2;
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        let s = score_prefix(mid)?;
        if s >= target_db {
            (hi, hi_db) = (mid, s);
        } else {
            lo = mid;
        }
    }
    // Prune, most expensive first.
    let mut kept: Vec<OpId> = ranked[..hi].to_vec();
    let mut reached = hi_db;
    let mut without: HashMap<OpId, f64> = HashMap::new();
    let mut order = kept.clone();
    order.sort_by(|a, b| costs[b].cmp(&costs[a]).then(rank[a].cmp(&rank[b])));
    for op in order.into_iter().take(PRUNE_BUDGET) {
        if kept.len() <= 1 && reached < target_db {
            break;
        }
        let trial: Vec<OpId> = kept.iter().copied().filter(|&o| o != op).collect();
        let s = ev.score(&ranges.with_float(&trial))?;
        if s >= target_db {
            kept = trial;
            reached = s;
        } else {
            without.insert(op, s);
        }
    }
    outcome.config = ranges.with_float(&kept);
    outcome.reached_db = reached;
    let kind = |op: OpId| match outcome.config.ops.get(&op) {
        Some(Precision::Float) => "float",
        None => "int8",
    };
    for &op in &kept {
        let mut why = format!(
            "kept {} for target-sqnr={target_db}: adds the #{} largest quantization error of {} ops (noise/signal {:.2e})",
            kind(op),
            rank[&op] + 1,
            ranked.len(),
            added[&op]
        );
        if let Some(s) = without.get(&op) {
            why.push_str(&format!(", without it the model reaches {s:.2} dB"));
        }
        outcome.reasons.insert(op, why);
    }
    Ok(outcome)
}

/// The module attribute that carries the search's summary to the report.
pub const SUMMARY: &str = "tqopt.precision";

/// The summary as a dictionary attribute (read back by the quantization report).
pub fn summary_attribute(entries: &[(&str, Attribute)]) -> Attribute {
    let dict = tqopt_ir::AttrDict::from_entries(
        entries
            .iter()
            .map(|(k, v)| (std::sync::Arc::from(*k), v.clone()))
            .collect(),
    )
    .unwrap_or_default();
    Attribute::Dict(dict)
}

fn rank_of(r: &[OpId], op: OpId) -> usize { r.iter().position(|&o| o == op).unwrap_or(0) }
