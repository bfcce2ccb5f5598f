//! Per-op sensitivity: how much quantization error each op adds, measured tensor by tensor.
//!
//! The fake-quant form of a configuration keeps every original value's id, so each of its
//! values traces back (through `tfl.dequantize`, `tfl.quantize` and `quantfork.stats`) to the
//! float model's value it stands for. Per sample, the float model runs once and its
//! activations are kept; the fake-quant model then runs, and each value's noise-to-signal
//! ratio (NSR, Σ(ref−q)² / Σref², averaged over samples) against its float original is its
//! accumulated error. An op's added error is the NSR of its (quantized) result minus the
//! largest NSR among its operands: the error it adds itself, through its weights, its
//! arithmetic and the rounding and clipping of its result.

use std::collections::HashMap;

use tqopt_interp::{Interpreter, Tensor};
use tqopt_ir::dialect::{quantfork, tfl};
use tqopt_ir::{Module, OpId, ValueId};

use super::data::SearchData;

/// At most this many samples are used to measure sensitivity (the first ones).
pub const SENSITIVITY_SAMPLES: usize = 8;

/// The float value `v` stands for: through dequantize, quantize and statistics ops.
fn origin(m: &Module, mut v: ValueId) -> ValueId {
    while let Some(op) = m.defining_op(v) {
        let data = m.op(op);
        let passes =
            data.is(&tfl::DEQUANTIZE) || data.is(&tfl::QUANTIZE) || data.is(&quantfork::STATS);
        match m.operands(op).first() {
            Some(&x) if passes => v = x,
            _ => break,
        }
    }
    v
}

/// Noise and signal power of `got` against `reference`.
fn powers(reference: &[f32], got: &[f32]) -> (f64, f64) {
    let (mut noise, mut signal) = (0.0f64, 0.0f64);
    for (&r, &q) in reference.iter().zip(got) {
        let (r, q) = (r as f64, q as f64);
        signal += r * r;
        noise += (r - q) * (r - q);
    }
    (noise, signal)
}

/// The mean NSR of every value of `qdq` that stands for a float value, against it.
pub fn value_nsr(
    base: &Module,
    qdq: &Module,
    data: &SearchData,
    threads: usize,
) -> Result<HashMap<ValueId, f64>, String> {
    let float = Interpreter::new(base, &data.entry).map_err(|e| e.to_string())?;
    let quant = Interpreter::new(qdq, &data.entry).map_err(|e| e.to_string())?;
    let n = data.samples.len().min(SENSITIVITY_SAMPLES);
    let runs = tqopt_interp::parallel::map(&data.samples[..n], threads, |inputs| {
        let mut acts: HashMap<ValueId, Tensor> = HashMap::new();
        let mut keep = |v: ValueId, t: &Tensor| {
            if t.as_slice::<f32>().is_some() {
                acts.entry(v).or_insert_with(|| t.clone());
            }
        };
        float
            .run_observed(inputs, &mut keep)
            .map_err(|e| e.to_string())?;
        let mut nsr: HashMap<ValueId, f64> = HashMap::new();
        let mut compare = |v: ValueId, t: &Tensor| {
            let Some(got) = t.as_slice::<f32>() else {
                return;
            };
            let Some(reference) = acts.get(&origin(qdq, v)) else {
                return;
            };
            let Some(r) = reference.as_slice::<f32>() else {
                return;
            };
            if r.len() != got.len() || nsr.contains_key(&v) {
                return;
            }
            let (noise, signal) = powers(r, got);
            if signal > 0.0 {
                nsr.insert(v, noise / signal);
            }
        };
        quant
            .run_observed(inputs, &mut compare)
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(nsr)
    });
    let mut total: HashMap<ValueId, (f64, usize)> = HashMap::new();
    for run in runs {
        for (v, x) in run? {
            let e = total.entry(v).or_default();
            e.0 += x;
            e.1 += 1;
        }
    }
    Ok(total
        .into_iter()
        .map(|(v, (s, c))| (v, s / c as f64))
        .collect())
}

/// Per op of `ops`, the NSR it adds (0 when nothing was measured): the largest NSR of the
/// values standing for its results (after their quantization) minus the largest NSR of its
/// operands.
pub fn added_error(qdq: &Module, nsr: &HashMap<ValueId, f64>, ops: &[OpId]) -> HashMap<OpId, f64> {
    // The quantized stand-ins of each original value.
    let mut stand_ins: HashMap<ValueId, Vec<ValueId>> = HashMap::new();
    for &v in nsr.keys() {
        stand_ins.entry(origin(qdq, v)).or_default().push(v);
    }
    let worst = |vs: &[ValueId]| -> Option<f64> {
        vs.iter()
            .filter_map(|v| nsr.get(v))
            .copied()
            .reduce(f64::max)
    };
    ops.iter()
        .map(|&op| {
            let out = qdq
                .results(op)
                .iter()
                .filter_map(|r| stand_ins.get(r).and_then(|vs| worst(vs)))
                .reduce(f64::max);
            let input = qdq
                .operands(op)
                .iter()
                .filter_map(|v| nsr.get(v).copied())
                .reduce(f64::max)
                .unwrap_or(0.0);
            (op, out.map_or(0.0, |o| (o - input).max(0.0)))
        })
        .collect()
}
