//! `quantize-int8{target-sqnr=DB higher-precision=int16}`: after the search has chosen the ops
//! to keep float ([`super::search`]), moves as many of them as the target allows to int16
//! activations with int8 weights ([`Precision::Int16`]).
//!
//! What it trades: an op in int16 keeps int8 weights (a quarter of its float weights' bytes)
//! but is noisier than float, and LiteRT runs 16x8 ops with its builtin kernels, not
//! XNNPACK: the whole of face_detection_short_range, hand_landmark and palm_detection in int16
//! ran 19-27 times slower than in int8 on an AVX2 machine (LiteRT 2.3.0). So it is for a
//! smaller file, not a faster one, and the user asks for it.
//!
//! How: only ops LiteRT has an int16 kernel for may move. All of them in int16 is tried first,
//! on the folded model. Otherwise a chunked backward elimination ([`eliminate`]) on the fast
//! scores moves ops, the most expensive first (the most weight bytes saved), while the goal
//! holds; its choice is checked on the folded model, and a near miss moves the most expensive
//! of the moved ops back to float in batches of 1, 2, 4 and 8. When nothing reaches the target
//! the float choice stands: the target is never given up for size.
//!
//! Invariant: the configuration it leaves reaches the target on the folded model scored by
//! `folded` whenever the one it was given did.

use std::collections::HashMap;

use tqopt_ir::OpId;

use super::config::{Config, Precision};
use super::evaluate::Evaluator;
use super::search::{eliminate, first_batch_reaching, Outcome, NEAR_MISS_DB, PRUNE_BUDGET};
use crate::quant::legalize_opset::float_reason_for;

/// The batches of moved ops a near miss puts back to float (cumulative counts).
const BACK_TO_FLOAT: [usize; 4] = [1, 2, 4, 8];

/// Moves the ops `outcome` keeps float to int16 where `target` still holds (module doc).
/// `fast` scores the fast form aiming at `goal` (the target, or more when it scores a subset
/// of the samples); `folded` checks on the folded model. Returns how many ops moved.
pub fn step_down(
    fast: &Evaluator,
    folded: &Evaluator,
    outcome: &mut Outcome,
    target: f64,
    goal: f64,
) -> Result<usize, String> {
    // The ops with an int16 form: those the quantization passes make int16 when every kept
    // op is marked.
    let floats = outcome.config.ops_in(Precision::Float);
    let qdq = fast.qdq_module(&outcome.config.with(&floats, Precision::Int16))?;
    let movable: Vec<OpId> = floats
        .into_iter()
        .filter(|&op| float_reason_for(&qdq, op, None, true).is_none())
        .collect();
    let chosen = choose(
        &movable,
        &outcome.costs.iter().map(|(&op, &c)| (op, c)).collect(),
        target,
        goal,
        |stay| fast.score(&moved_config(&outcome.config, &movable, stay)),
        || fast.pin_last(),
        |stay| folded.score_folded(&moved_config(&outcome.config, &movable, stay)),
    )?;
    let Some((stay, reached)) = chosen else {
        return Ok(0);
    };
    let moved = moved(&movable, &stay);
    outcome.config = outcome.config.with(&moved, Precision::Int16);
    outcome.reached_db = reached;
    for op in &moved {
        if let Some(why) = outcome.reasons.get_mut(op) {
            *why = why.replacen(
                "kept float",
                "kept in int16 activations (higher-precision=int16)",
                1,
            );
        }
    }
    Ok(moved.len())
}

/// The ops of `movable` not in `stay`: those that go to int16.
fn moved(movable: &[OpId], stay: &[OpId]) -> Vec<OpId> {
    movable
        .iter()
        .filter(|op| !stay.contains(op))
        .copied()
        .collect()
}

/// `config` with the ops of `movable` not in `stay` in int16.
fn moved_config(config: &Config, movable: &[OpId], stay: &[OpId]) -> Config {
    config.with(&moved(movable, stay), Precision::Int16)
}

/// The ops of `movable` to leave float (the rest go to int16) and the folded score, or `None`
/// when no move reaches `target`. `fast` and `folded` score the set left float; `accepted` is
/// called after each fast trial that stays.
fn choose(
    movable: &[OpId],
    costs: &std::collections::BTreeMap<OpId, u64>,
    target: f64,
    goal: f64,
    fast: impl FnMut(&[OpId]) -> Result<f64, String>,
    accepted: impl FnMut(),
    folded: impl Fn(&[OpId]) -> Result<f64, String>,
) -> Result<Option<(Vec<OpId>, f64)>, String> {
    if movable.is_empty() {
        return Ok(None);
    }
    let all = folded(&[])?;
    if all >= target {
        return Ok(Some((Vec::new(), all)));
    }
    // No op is more "useful" than another here: the most expensive move first.
    let (stay, _) = eliminate(
        movable,
        costs,
        &HashMap::new(),
        goal,
        PRUNE_BUDGET,
        fast,
        accepted,
    )?;
    if stay.len() == movable.len() {
        return Ok(None);
    }
    let reached = folded(&stay)?;
    if reached >= target {
        return Ok(Some((stay, reached)));
    }
    if target - reached > NEAR_MISS_DB {
        return Ok(None);
    }
    let cost = |op: &OpId| costs.get(op).copied().unwrap_or(0);
    let mut moved = moved(movable, &stay);
    moved.sort_by_key(|op| std::cmp::Reverse(cost(op)));
    let mut counts: Vec<usize> = BACK_TO_FLOAT.map(|n| n.min(moved.len())).to_vec();
    counts.dedup();
    let with = |back: &[OpId]| -> Vec<OpId> { stay.iter().chain(back).copied().collect() };
    let found = first_batch_reaching(&moved, counts, target, |back| folded(&with(back)))?;
    Ok(found.map(|(n, s)| (with(&moved[..n]), s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use tqopt_ir::EntityRef;

    fn ops(n: usize) -> Vec<OpId> {
        (0..n).map(OpId::new).collect()
    }

    /// Four movable ops, the target needs op 2 float: the elimination moves the other three,
    /// and the folded model confirms it.
    #[test]
    fn moves_every_op_the_target_lets_go() {
        let movable = ops(4);
        let costs: BTreeMap<OpId, u64> = movable.iter().map(|&op| (op, 10)).collect();
        let needs = movable[2];
        let score = |stay: &[OpId]| Ok(if stay.contains(&needs) { 31.0 } else { 28.0 });
        let (stay, s) = choose(&movable, &costs, 30.0, 30.0, score, || {}, score)
            .unwrap()
            .expect("a choice reaches the target");
        assert_eq!(stay, vec![needs]);
        assert_eq!(s, 31.0);
    }

    /// When every op may move, one folded score decides and nothing else is scored.
    #[test]
    fn all_in_int16_is_tried_first() {
        let movable = ops(3);
        let costs = BTreeMap::new();
        let fast = |_: &[OpId]| -> Result<f64, String> { panic!("fast score") };
        let (stay, _) = choose(&movable, &costs, 30.0, 30.0, fast, || {}, |_| Ok(35.0))
            .unwrap()
            .expect("reached");
        assert!(stay.is_empty());
    }

    /// The fast scores were optimistic: the folded model misses by 0.3 dB until the most
    /// expensive moved op goes back to float. A miss by more than NEAR_MISS_DB, or a target
    /// that needs every op float, leaves the float choice.
    #[test]
    fn a_near_miss_puts_the_most_expensive_moved_ops_back() {
        let movable = ops(4);
        let costs: BTreeMap<OpId, u64> = [(0, 5), (1, 50), (2, 1), (3, 20)]
            .map(|(i, c)| (OpId::new(i), c))
            .into();
        let fast = |_: &[OpId]| Ok(31.0);
        let big = OpId::new(1);
        let folded = |stay: &[OpId]| Ok(if stay.contains(&big) { 30.1 } else { 29.7 });
        let (stay, s) = choose(&movable, &costs, 30.0, 30.0, fast, || {}, folded)
            .unwrap()
            .expect("one op back reaches the target");
        assert_eq!(stay, vec![big]);
        assert_eq!(s, 30.1);
        let far = |_: &[OpId]| Ok(25.0);
        assert!(choose(&movable, &costs, 30.0, 30.0, fast, || {}, far)
            .unwrap()
            .is_none());
        let never = |stay: &[OpId]| Ok(if stay.len() == 4 { 30.0 } else { 29.0 });
        assert!(choose(&movable, &costs, 30.0, 30.0, never, || {}, never)
            .unwrap()
            .is_none());
        assert!(choose(&[], &costs, 30.0, 30.0, fast, || {}, folded)
            .unwrap()
            .is_none());
    }
}
