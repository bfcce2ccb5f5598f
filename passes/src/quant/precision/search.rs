//! The search for the smallest change that makes the quantized model reach a target SQNR.
//!
//! 1. **Ranges** (also the whole of `method=auto`): every tensor may take the range of any
//!    calibration method. Candidates: each method for every tensor, and for each tensor the
//!    method with the best local error ([`super::data`]); the best by output SQNR wins. Then
//!    the tensors whose own rounding and clipping add the most error (measured on the
//!    fake-quant model against the float activations, [`super::sensitivity`]) try each other
//!    method, one at a time, keeping what raises the output SQNR (coordinate descent with a
//!    budget of [`RANGE_BUDGET`] scores).
//! 2. **Ops** (only with a target not yet reached): candidate ops are ranked three ways: by
//!    the error they add (cheaper first among equals), from the outputs backwards and from the
//!    inputs forwards (so that kept ops form float regions whose inner tensors are never
//!    quantized). Keeping any single op float gains little: its neighbours still quantize its
//!    inputs and result, so for each ranking ops are added in growing batches (the first 1, 2,
//!    4, ... of the ranking) until the target is reached, and a binary search on the count
//!    finds the smallest prefix that reaches it. The cheapest prefix (in operations, see
//!    [`super::cost`]) wins, and a chunked backward elimination then drops the ops the target
//!    does not need, least useful first (halves, quarters, ..., single ops; at most
//!    [`PRUNE_BUDGET`] scores). Every ranked op float is tried first: when even that misses
//!    the target the search fails, saying what it reaches.
//! 3. Scores in step 1 are the folded model's (few scores, and a wrong range choice is costly:
//!    on face_landmark the fast form below rated mse ranges 0.5 dB above minmax's when the
//!    folded model loses 2.9 dB with them). Step 2 scores with a fast float form of the
//!    quantized model ([`super::fake_quant`]); its choice is checked on the folded model.
//!    When that misses the target by at most [`NEAR_MISS_DB`] (the fast form is often a few
//!    hundredths of a dB optimistic), the ops pruning dropped go back, most useful first, in
//!    batches of 1, 2, 4, 8, scored on the folded model ([`restore_dropped`]); only when that
//!    fails does step 2 run again for a higher fast score (by what was missed). On the shared
//!    models this halved the scores of the searches that missed (pose_detection 395 -> 226).
//! 4. Each score reruns only what its change reaches ([`super::incremental`]): the search tells
//!    the evaluator which configuration it accepted (the one its next trials change), and
//!    values computed the same way there or in the last score are reused.
//!
//! 5. With `higher-precision=int16`, the ops kept float then move to int16 activations where
//!    the target allows ([`super::int16`]).

use std::collections::{BTreeMap, HashMap};

use tqopt_ir::{Attribute, Module, OpId};

use super::config::Config;
use super::cost::op_cost;
use super::data::{SearchData, METHODS};
use super::evaluate::Evaluator;
use super::sensitivity::{added_error, value_nsr};
use crate::quant::legalize_opset::{float_reason, KEEP_FLOAT};
use crate::quant::spec::is_candidate;

/// Most scores spent trying other ranges for single tensors.
pub const RANGE_BUDGET: usize = 16;
/// Most scores spent dropping kept ops the target does not need ([`eliminate`]).
pub const PRUNE_BUDGET: usize = 160;
/// The same when the folded model scores (slower), after the fast scores misled.
pub const FOLDED_PRUNE_BUDGET: usize = 32;
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
    /// The candidate ops in the order of the ranking the kept ops came from (empty when the
    /// ranges alone reached the target): what [`confirm`] adds when more are needed.
    pub order: Vec<OpId>,
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
/// are quantized there, exist in the calibrated module and run in the searched entry function.
fn candidate_ops(base: &Module, qdq: &Module, data: &SearchData) -> Vec<OpId> {
    let base_ops: std::collections::HashSet<OpId> = base.walk_nested(base.op).collect();
    qdq.walk_nested(qdq.op)
        .filter(|op| base_ops.contains(op) && data.ops.contains(op))
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
    let start_db = ev.score_folded(&start)?;
    let mut best = (start, start_db);
    let local = data.best_local();
    let mut candidates: Vec<Config> = (0..METHODS.len())
        .map(|k| ranges_config(data, |_| Some(k)))
        .collect();
    candidates.push(ranges_config(data, |i| local[i]));
    for c in candidates {
        let s = ev.score_folded(&c)?;
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
            let s = ev.score_folded(&c)?;
            if s > best.1 + MIN_GAIN_DB {
                ev.pin_last();
                best = (c, s);
                if stop_at.is_some_and(|t| best.1 >= t) {
                    break 'tensors;
                }
            }
        }
    }
    Ok((best.0, start_db, best.1))
}

/// Steps 1 and 2 for a target. `strict_ops` names the OpsSet when it lets no op stay float
/// (`TFLITE_BUILTINS_INT8`): then only ranges are chosen, and a target they miss is an error.
pub fn search(
    ev: &Evaluator,
    base: &Module,
    data: &SearchData,
    target_db: f64,
    strict_ops: Option<&str>,
    threads: usize,
) -> Result<Outcome, String> {
    search_for(ev, base, data, target_db, target_db, strict_ops, threads)
}

/// [`search`] for `target_db` on `data`, naming `shown_target` in the reasons (the user's
/// target, when the search on a subset of the samples aims higher to reach it on all).
pub fn search_for(
    ev: &Evaluator,
    base: &Module,
    data: &SearchData,
    target_db: f64,
    shown_target: f64,
    strict_ops: Option<&str>,
    threads: usize,
) -> Result<Outcome, String> {
    let (ranges, start_db, ranges_db) = choose_ranges(ev, base, data, threads, Some(target_db))?;
    let qdq = ev.qdq_module(&ranges)?;
    let ops = candidate_ops(base, &qdq, data);
    let costs: BTreeMap<OpId, u64> = ops.iter().map(|&op| (op, op_cost(base, op))).collect();
    let mut outcome = Outcome {
        config: ranges.clone(),
        start_db,
        ranges_db,
        reached_db: ranges_db,
        reasons: BTreeMap::new(),
        costs: costs.clone(),
        order: Vec::new(),
    };
    if ranges_db >= target_db {
        return Ok(outcome);
    }
    if let Some(set) = strict_ops {
        return Err(format!(
            "the target cannot be reached under ops={set}, where no op may stay float: the best ranges give {ranges_db:.2} dB on the search data (as calibrated: {start_db:.2} dB); use ops=TFLITE_BUILTINS to let the search keep ops float, or a lower target"
        ));
    }
    let nsr = value_nsr(base, &qdq, data, threads)?;
    let added = added_error(&qdq, &nsr, &ops);
    let depth = depth_from_outputs(base);
    let far = usize::MAX;
    // Three rankings (module doc, step 2); among equals the larger added error first.
    let by_error = ranking(&ops, |a, b| {
        added[b].total_cmp(&added[a]).then(costs[a].cmp(&costs[b]))
    });
    let by_depth = ranking(&ops, |a, b| {
        let (da, db) = (
            depth.get(a).copied().unwrap_or(far),
            depth.get(b).copied().unwrap_or(far),
        );
        da.cmp(&db).then(added[b].total_cmp(&added[a]))
    });
    let all_float = ranges.with_float(&ops);
    let all = ev.score_folded(&all_float)?;
    if all < target_db {
        return Err(format!(
            "the target cannot be reached: with all {} quantized ops float the model reaches {all:.2} dB on the search data (all int8 with the best ranges: {ranges_db:.2} dB)",
            ops.len()
        ));
    }
    let from_inputs = depth_from_inputs(base);
    let by_input = ranking(&ops, |a, b| {
        let (da, db) = (
            from_inputs.get(a).copied().unwrap_or(far),
            from_inputs.get(b).copied().unwrap_or(far),
        );
        da.cmp(&db).then(added[b].total_cmp(&added[a]))
    });
    let rankings = [
        (by_error, "the error they add"),
        (by_depth, "distance from the outputs"),
        (by_input, "distance from the inputs"),
    ];
    // The fast scores can be optimistic: when the folded model misses the target, search
    // again for a higher fast score (by the amount missed), a few times.
    let mut goal = target_db;
    let mut chosen = None;
    let mut only: Option<usize> = None;
    for _ in 0..MARGIN_ROUNDS {
        let pick = select_ops(ev, &ranges, &rankings, only, &costs, &added, goal)?;
        // Later rounds search the ranking that won.
        only = Some(pick.ranking);
        let folded = ev.score_folded(&ranges.with_float(&pick.kept))?;
        if folded >= target_db {
            chosen = Some((pick, folded));
            break;
        }
        // A near miss: the ops pruning dropped on the fast scores' word, back in a few at a
        // time, may close it on the folded model for far fewer scores than another round.
        let folded_of = |kept: &[OpId]| ev.score_folded(&ranges.with_float(kept));
        if let Some((kept, reached)) = restore_dropped(&pick, &added, target_db, folded, folded_of)?
        {
            chosen = Some((Pick { kept, ..pick }, reached));
            break;
        }
        goal += target_db - folded + 0.25;
    }
    let (pick, reached) = match chosen {
        Some(c) => c,
        None => {
            // The fast scores misled every round (a recurrent model amplifies what they
            // miss): the folded model's own scores decide, on the last ranking.
            let ranking = only.unwrap_or(1);
            let ranked = &rankings[ranking].0;
            let folded = |kept: &[OpId]| ev.score_folded(&ranges.with_float(kept));
            let (kept, without) =
                settle_on_folded(ranked, &costs, &added, target_db, folded, || ev.pin_last())?;
            let reached = if kept.len() == ops.len() {
                all
            } else {
                folded(&kept)?
            };
            let pick = Pick {
                kept,
                ranking,
                without,
                dropped: Vec::new(),
            };
            (pick, reached)
        }
    };
    outcome.config = ranges.with_float(&pick.kept);
    outcome.reached_db = reached;
    outcome.order = rankings[pick.ranking].0.clone();
    let (ranked, by) = &rankings[pick.ranking];
    let rank: HashMap<OpId, usize> = ranked.iter().enumerate().map(|(i, &op)| (op, i)).collect();
    for &op in &pick.kept {
        let mut why = format!(
            "kept float for target-sqnr={shown_target}: #{} of {} ops ranked by {by} (adds noise/signal {:.2e}, {} ops from an output)",
            rank[&op] + 1,
            ranked.len(),
            added[&op],
            depth.get(&op).map_or("?".to_string(), |d| d.to_string())
        );
        if let Some(s) = pick.without.get(&op) {
            why.push_str(&format!(", without it the model reaches {s:.2} dB"));
        }
        outcome.reasons.insert(op, why);
    }
    Ok(outcome)
}

/// Checks `outcome`, found on a subset of the samples, with `ev` (every sample). When its
/// folded score there misses `target` by at most [`NEAR_MISS_DB`], adds the ops
/// `outcome.order` lists next (those not kept yet), in batches of 1, 2 and 4, and keeps the
/// first batch that reaches it, saying why in `outcome.reasons` (`searched_on`: on what the
/// search ran). Returns whether the target is reached, and the score of `outcome` as it came.
pub fn confirm(
    ev: &Evaluator,
    outcome: &mut Outcome,
    target: f64,
    searched_on: &str,
) -> Result<(bool, f64), String> {
    let found = ev.score_folded(&outcome.config)?;
    outcome.reached_db = found;
    if found >= target {
        return Ok((true, found));
    }
    if target - found > NEAR_MISS_DB {
        return Ok((false, found));
    }
    let next: Vec<OpId> = outcome
        .order
        .iter()
        .filter(|op| !outcome.config.ops.contains_key(op))
        .copied()
        .collect();
    let counts = [1, 2, 4].into_iter().take_while(|&n| n <= next.len());
    let with = |batch: &[OpId]| outcome.config.with_float(batch);
    let score = |batch: &[OpId]| ev.score_folded(&with(batch));
    if let Some((n, s)) = first_batch_reaching(&next, counts, target, score)? {
        for &op in &next[..n] {
            outcome.reasons.insert(
                op,
                format!(
                    "kept float for target-sqnr={target}: the ops chosen on {searched_on} reached {found:.2} dB on all of them; this op and the next ones of the same ranking close the gap"
                ),
            );
        }
        outcome.config = with(&next[..n]);
        outcome.reached_db = s;
        return Ok((true, found));
    }
    Ok((false, found))
}

/// The ops to keep when the fast scores misled: the smallest prefix of `ranked` that reaches
/// `target` by `folded` (the folded model's score of a set of kept ops; all of `ranked` when
/// no prefix does), then what [`eliminate`] drops from it within [`FOLDED_PRUNE_BUDGET`]
/// scores.
fn settle_on_folded(
    ranked: &[OpId],
    costs: &BTreeMap<OpId, u64>,
    added: &HashMap<OpId, f64>,
    target: f64,
    folded: impl Fn(&[OpId]) -> Result<f64, String>,
    accepted: impl FnMut(),
) -> Result<(Vec<OpId>, HashMap<OpId, f64>), String> {
    let k = smallest_prefix(ranked, target, &folded)?;
    eliminate(
        &ranked[..k],
        costs,
        added,
        target,
        FOLDED_PRUNE_BUDGET,
        folded,
        accepted,
    )
}

/// Rounds of [`search`]'s check against the folded model.
const MARGIN_ROUNDS: usize = 3;

/// Ops chosen for a goal: which ranking they came from, and for the ops pruning could not
/// drop, the score without them.
struct Pick {
    kept: Vec<OpId>,
    ranking: usize,
    without: HashMap<OpId, f64>,
    /// The ops of the ranking's prefix that pruning dropped.
    dropped: Vec<OpId>,
}

/// A folded score this close under the target (dB) is a near miss that [`restore_dropped`]
/// tries to close.
pub(super) const NEAR_MISS_DB: f64 = 1.0;
/// The batches of dropped ops [`restore_dropped`] tries (cumulative counts, most useful
/// first): at most this many folded scores.
const RESTORE_BATCHES: [usize; 4] = [1, 2, 4, 8];

/// When `pick` misses `target` on the folded model by at most [`NEAR_MISS_DB`] (it scored
/// `missed_at`): `pick.kept` with the first 1, 2, 4 or 8 of the ops pruning dropped (largest
/// added error first), the first of those that `folded` says reaches the target, and its
/// score. `None` when none does.
fn restore_dropped(
    pick: &Pick,
    added: &HashMap<OpId, f64>,
    target: f64,
    missed_at: f64,
    folded: impl Fn(&[OpId]) -> Result<f64, String>,
) -> Result<Option<(Vec<OpId>, f64)>, String> {
    if target - missed_at > NEAR_MISS_DB || pick.dropped.is_empty() {
        return Ok(None);
    }
    let useful = |op: &OpId| added.get(op).copied().unwrap_or(0.0);
    let mut order = pick.dropped.clone();
    order.sort_by(|a, b| useful(b).total_cmp(&useful(a)));
    let mut counts: Vec<usize> = RESTORE_BATCHES.map(|n| n.min(order.len())).to_vec();
    counts.dedup();
    let with = |batch: &[OpId]| -> Vec<OpId> { pick.kept.iter().chain(batch).copied().collect() };
    let found = first_batch_reaching(&order, counts, target, |batch| folded(&with(batch)))?;
    Ok(found.map(|(n, s)| (with(&order[..n]), s)))
}

/// The first count of `counts` whose prefix of `candidates` `score` (of that prefix) says
/// reaches `target`, and its score; the near-miss repairs of [`restore_dropped`] and
/// [`confirm`] try their batches this way.
pub(super) fn first_batch_reaching(
    candidates: &[OpId],
    counts: impl IntoIterator<Item = usize>,
    target: f64,
    score: impl Fn(&[OpId]) -> Result<f64, String>,
) -> Result<Option<(usize, f64)>, String> {
    for n in counts {
        let s = score(&candidates[..n])?;
        if s >= target {
            return Ok(Some((n, s)));
        }
    }
    Ok(None)
}

/// The cheapest smallest prefix over `rankings` reaching `goal` (fast scores), then every op
/// of it the goal does not need dropped ([`eliminate`]).
fn select_ops(
    ev: &Evaluator,
    ranges: &Config,
    rankings: &[(Vec<OpId>, &str)],
    only: Option<usize>,
    costs: &BTreeMap<OpId, u64>,
    added: &HashMap<OpId, f64>,
    goal: f64,
) -> Result<Pick, String> {
    let mut best: Option<(u64, usize, usize)> = None;
    for (i, (ranked, _)) in rankings.iter().enumerate() {
        if only.is_some_and(|o| o != i) {
            continue;
        }
        let k = smallest_prefix(ranked, goal, |kept| ev.score(&ranges.with_float(kept)))?;
        let cost: u64 = ranked[..k].iter().map(|op| costs[op]).sum();
        if best.is_none_or(|b| cost < b.0) {
            best = Some((cost, i, k));
        }
    }
    let Some((_, ranking, k)) = best else {
        return Ok(Pick {
            kept: Vec::new(),
            ranking: 0,
            without: HashMap::new(),
            dropped: Vec::new(),
        });
    };
    let score = |kept: &[OpId]| ev.score(&ranges.with_float(kept));
    let kept = &rankings[ranking].0[..k];
    let prefix = kept;
    let (kept, without) = eliminate(prefix, costs, added, goal, PRUNE_BUDGET, score, || {
        ev.pin_last()
    })?;
    let dropped = prefix
        .iter()
        .filter(|op| !kept.contains(op))
        .copied()
        .collect();
    Ok(Pick {
        kept,
        ranking,
        without,
        dropped,
    })
}

/// Drops from `kept` the ops that `score` (of a set of kept ops) says the goal does not need,
/// and returns what stays with, for each op that could not be dropped alone, the score
/// without it. Ops are tried least useful first (the smallest added error, then the most
/// expensive), in chunks: half of them at once, then quarters, ..., then one by one, each
/// dropped chunk staying dropped while the goal holds (a chunked backward elimination: where
/// most kept ops are not needed it drops them in few scores, where each op adds a little it
/// still tries them one by one). At most `budget` scores; `accepted` is called right after
/// the score of each trial that stays (the next trials change that one).
pub(super) fn eliminate(
    kept: &[OpId],
    costs: &BTreeMap<OpId, u64>,
    added: &HashMap<OpId, f64>,
    goal: f64,
    budget: usize,
    mut score: impl FnMut(&[OpId]) -> Result<f64, String>,
    mut accepted: impl FnMut(),
) -> Result<(Vec<OpId>, HashMap<OpId, f64>), String> {
    let useful = |op: &OpId| added.get(op).copied().unwrap_or(0.0);
    let cost = |op: &OpId| costs.get(op).copied().unwrap_or(0);
    let mut order = kept.to_vec();
    order.sort_by(|a, b| useful(a).total_cmp(&useful(b)).then(cost(b).cmp(&cost(a))));
    let mut without = HashMap::new();
    let mut chunk = order.len().div_ceil(2).max(1);
    let mut spent = 0;
    loop {
        let mut i = 0;
        while i < order.len() && spent < budget {
            let end = (i + chunk).min(order.len());
            let trial: Vec<OpId> = order[..i].iter().chain(&order[end..]).copied().collect();
            spent += 1;
            let s = score(&trial)?;
            if s >= goal {
                order = trial;
                accepted();
            } else {
                if end - i == 1 {
                    without.insert(order[i], s);
                }
                i = end;
            }
        }
        if chunk == 1 || spent >= budget {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    // Ops dropped later may have changed what an earlier "needed" op was measured against.
    without.retain(|op, _| order.contains(op));
    Ok((order, without))
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

/// `ops` sorted by `order` (stable).
fn ranking(ops: &[OpId], order: impl Fn(&OpId, &OpId) -> std::cmp::Ordering) -> Vec<OpId> {
    let mut r = ops.to_vec();
    r.sort_by(order);
    r
}

/// The smallest count `k` such that the first `k` ops of `ranked` float reach `goal` by
/// `score` (of the ops kept float), found with growing batches 1, 2, 4, ..., then a binary
/// search; all of them when no prefix does.
fn smallest_prefix(
    ranked: &[OpId],
    goal: f64,
    score: impl Fn(&[OpId]) -> Result<f64, String>,
) -> Result<usize, String> {
    let score = |k: usize| score(&ranked[..k]);
    let (mut lo, mut hi) = (0usize, ranked.len());
    let mut k = 1;
    while k < ranked.len() {
        if score(k)? >= goal {
            hi = k;
            break;
        }
        lo = k;
        k *= 2;
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if score(mid)? >= goal {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

/// Per op of the entry function, how many ops lie between the function's arguments and it
/// (0: it reads an argument); statistics, quantize and dequantize ops do not count.
fn depth_from_inputs(m: &Module) -> HashMap<OpId, usize> {
    let mut depth: HashMap<OpId, usize> = HashMap::new();
    for op in m.walk_nested(m.op) {
        let d = m
            .operands(op)
            .iter()
            .filter_map(|&v| match m.defining_op(v) {
                None => Some(0),
                Some(p) => {
                    let transparent = m.op(p).is(&tqopt_ir::dialect::quantfork::STATS);
                    depth.get(&p).map(|&d| if transparent { d } else { d + 1 })
                }
            })
            .min();
        if let Some(d) = d {
            depth.insert(op, d);
        }
    }
    depth
}

/// Per op of the entry function, how many ops lie between it and the function's return
/// (0: it is returned); statistics, quantize and dequantize ops do not count.
fn depth_from_outputs(m: &Module) -> HashMap<OpId, usize> {
    let ops: Vec<OpId> = m.walk_nested(m.op).collect();
    let mut depth: HashMap<OpId, usize> = HashMap::new();
    for &op in ops.iter().rev() {
        let data = m.op(op);
        if data.name.as_str() == "func.return" {
            depth.insert(op, 0);
            continue;
        }
        let d = m
            .results(op)
            .iter()
            .flat_map(|&r| m.uses(r).iter())
            .filter_map(|u| {
                let user = m.op(u.op);
                let transparent = user.is(&tqopt_ir::dialect::quantfork::STATS)
                    || user.name.as_str() == "func.return";
                depth
                    .get(&u.op)
                    .map(|&d| if transparent { d } else { d + 1 })
            })
            .min();
        if let Some(d) = d {
            depth.insert(op, d);
        }
    }
    depth
}

#[cfg(test)]
mod elimination_tests {
    use super::*;
    use tqopt_ir::entity::EntityRef;

    fn ops(n: usize) -> Vec<OpId> {
        (0..n).map(OpId::new).collect()
    }

    /// 40 kept ops of which the goal needs two (which add the most error): the elimination
    /// keeps exactly those two, in far fewer scores than one by one would take, and says
    /// what the model reaches without each.
    #[test]
    fn drops_every_op_the_goal_does_not_need_in_few_scores() {
        let kept = ops(40);
        let (a, b) = (kept[7], kept[31]);
        let added: HashMap<OpId, f64> = kept
            .iter()
            .map(|&op| (op, if op == a || op == b { 1.0 } else { 0.01 }))
            .collect();
        let costs: BTreeMap<OpId, u64> = kept.iter().map(|&op| (op, 10)).collect();
        let mut scores = 0;
        let score = |k: &[OpId]| {
            scores += 1;
            Ok(if k.contains(&a) && k.contains(&b) {
                31.0
            } else {
                20.0
            })
        };
        let (left, without) =
            eliminate(&kept, &costs, &added, 30.0, PRUNE_BUDGET, score, || {}).unwrap();
        let mut left = left;
        left.sort();
        assert_eq!(left, vec![a, b]);
        assert!(scores < 20, "{scores} scores");
        assert_eq!(without.get(&a), Some(&20.0));
        assert_eq!(without.get(&b), Some(&20.0));
    }

    /// When the fast scores misled, the folded scores alone decide: of 30 ranked ops, the
    /// target needs #4 and #9, so the prefix is the first 9 and elimination leaves those two
    /// (not all 30, which the search used to keep).
    #[test]
    fn settles_on_the_ops_the_folded_model_needs() {
        let ranked = ops(30);
        let (a, b) = (ranked[3], ranked[8]);
        let added: HashMap<OpId, f64> = ranked.iter().map(|&op| (op, 0.1)).collect();
        let costs: BTreeMap<OpId, u64> = ranked.iter().map(|&op| (op, 10)).collect();
        let folded = |k: &[OpId]| {
            Ok(if k.contains(&a) && k.contains(&b) {
                30.5
            } else {
                25.0
            })
        };
        let (mut kept, _) = settle_on_folded(&ranked, &costs, &added, 30.0, folded, || {}).unwrap();
        kept.sort();
        assert_eq!(kept, vec![a, b]);
        // A target no prefix reaches keeps every ranked op.
        let (kept, _) = settle_on_folded(&ranked, &costs, &added, 31.0, folded, || {}).unwrap();
        assert_eq!(kept.len(), 30);
    }

    /// When every op is needed, each is still tried alone, within the budget.
    #[test]
    fn keeps_every_op_that_is_needed() {
        let kept = ops(5);
        let added = HashMap::new();
        let costs = BTreeMap::new();
        let score = |k: &[OpId]| Ok(if k.len() == 5 { 30.0 } else { 29.0 });
        let (left, without) =
            eliminate(&kept, &costs, &added, 30.0, PRUNE_BUDGET, score, || {}).unwrap();
        assert_eq!(left.len(), 5);
        assert_eq!(without.len(), 5);
    }
}

#[cfg(test)]
mod restore_tests {
    use super::*;
    use tqopt_ir::EntityRef;

    fn ops(ids: &[usize]) -> Vec<OpId> {
        ids.iter().map(|&i| OpId::new(i)).collect()
    }

    /// Kept {0, 1}, dropped {2, 3, 4, 5} with added errors 3 > 5 > 2 > 4: the batches put back
    /// 3, then 3 and 5, then all four; the folded score reaches the target once 5 is back.
    #[test]
    fn a_near_miss_puts_back_the_most_useful_dropped_ops_first() {
        let pick = Pick {
            kept: ops(&[0, 1]),
            ranking: 0,
            without: HashMap::new(),
            dropped: ops(&[2, 3, 4, 5]),
        };
        let added: HashMap<OpId, f64> = [(2, 0.2), (3, 0.9), (4, 0.1), (5, 0.5)]
            .into_iter()
            .map(|(i, a)| (OpId::new(i), a))
            .collect();
        let tried = std::cell::RefCell::new(Vec::new());
        let folded = |kept: &[OpId]| {
            tried.borrow_mut().push(kept.to_vec());
            Ok(if kept.contains(&OpId::new(5)) {
                30.2
            } else {
                29.8
            })
        };
        let (kept, s) = restore_dropped(&pick, &added, 30.0, 29.8, folded)
            .unwrap()
            .expect("the second batch reaches the target");
        assert_eq!(kept, ops(&[0, 1, 3, 5]));
        assert_eq!(s, 30.2);
        assert_eq!(*tried.borrow(), vec![ops(&[0, 1, 3]), ops(&[0, 1, 3, 5])]);
        // Missed by more than NEAR_MISS_DB, or nothing dropped: no scores, no answer.
        let none = |_: &[OpId]| -> Result<f64, String> { panic!("scored") };
        assert!(restore_dropped(&pick, &added, 30.0, 28.5, none)
            .unwrap()
            .is_none());
        let bare = Pick {
            dropped: Vec::new(),
            ..pick
        };
        assert!(restore_dropped(&bare, &added, 30.0, 29.9, none)
            .unwrap()
            .is_none());
        // No batch reaches: None after the batches 1, 2, 4 (all four).
        let low = |_: &[OpId]| Ok(29.0);
        let pick = Pick {
            kept: ops(&[0]),
            ranking: 0,
            without: HashMap::new(),
            dropped: ops(&[2, 3, 4, 5]),
        };
        assert!(restore_dropped(&pick, &added, 30.0, 29.5, low)
            .unwrap()
            .is_none());
    }
}
