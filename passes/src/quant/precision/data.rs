//! What the precision search measures against: the samples it runs (from the calibration or
//! verify data set), the float model's outputs on them, and, per calibrated tensor, the range
//! every calibration method gives and how well each range represents the tensor's own float
//! values (its local error).
//!
//! The float model runs twice per sample, and no activation is kept beyond one sample: the
//! first run collects ranges (every method at once), the second measures each candidate
//! range's error on the values it would quantize. Invariant: `ranges[i][k]` and
//! `local_db[i][k]` belong to `tensors[i]` and `METHODS[k]`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use tqopt_interp::{Interpreter, Tensor};
use tqopt_ir::dialect::{func, quantfork};
use tqopt_ir::{Module, OpId, ValueId};

use crate::accuracy::metrics::sqnr_db;
use crate::calibration::calibrate::input_specs;
use crate::calibration::collectors::{Collector, Method};
use crate::calibration::dataset::{Dataset, PixelScaling};
use crate::quant::numerics::{activation_params, StorageRange};

/// The calibration methods a tensor's range may come from, in the order of `ranges`.
pub const METHODS: [Method; 4] = [
    Method::MinMax,
    Method::MovingAverage,
    Method::Percentile,
    Method::Mse,
];

/// At most this many samples of the data set are used by the search (the first ones).
pub const MAX_SAMPLES: usize = 64;

/// The samples and what the float model does on them.
pub struct SearchData {
    pub entry: String,
    /// The ops running `entry` can execute (its function's and those it calls): the search
    /// keeps only these in higher precision.
    pub ops: HashSet<OpId>,
    pub samples: Vec<Vec<Tensor>>,
    /// The float model's outputs, per sample.
    pub reference: Vec<Vec<Tensor>>,
    /// Every `quantfork.stats` op of the entry function (the tensors quantization takes a
    /// range from), with the value it observes.
    pub tensors: Vec<(OpId, ValueId)>,
    /// Per tensor, the range of each of [`METHODS`] (`None`: nothing finite was observed).
    pub ranges: Vec<[Option<(f64, f64)>; 4]>,
    /// Per tensor and method, the mean over samples of the SQNR (dB) of the tensor's float
    /// values quantized to int8 with that range.
    pub local_db: Vec<[f64; 4]>,
}

/// [`load_samples`] for a model with one entry function (an error names how many it has).
pub fn load_samples_of_only_entry(
    m: &Module,
    data: &Path,
    scaling: PixelScaling,
) -> Result<(String, Vec<Vec<Tensor>>), String> {
    let entries = m.entry_points();
    let &[f] = &entries[..] else {
        return Err(format!(
            "this needs one entry function, the model has {}",
            entries.len()
        ));
    };
    load_samples(m, f, data, scaling)
}

/// Reads up to [`MAX_SAMPLES`] samples of `data` for the entry function `f` of `m`; returns
/// the function's name and the samples.
pub fn load_samples(
    m: &Module,
    f: OpId,
    data: &Path,
    scaling: PixelScaling,
) -> Result<(String, Vec<Vec<Tensor>>), String> {
    let entry = func::name(m, f).unwrap_or("main").to_string();
    let specs = input_specs(m, f)?;
    let mut dataset = Dataset::open(data, &specs, scaling)?;
    let mut samples = Vec::new();
    while samples.len() < MAX_SAMPLES {
        let Some(arrays) = dataset.next() else { break };
        let arrays = arrays.map_err(|e| format!("{}: {e}", data.display()))?;
        let inputs = arrays
            .iter()
            .map(|a| Tensor::new(&a.shape, a.data.clone()).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{}, sample {}: {e}", data.display(), samples.len()))?;
        samples.push(inputs);
    }
    if samples.is_empty() {
        return Err(format!(
            "{}: the data set is empty; the precision search needs at least one sample",
            data.display()
        ));
    }
    Ok((entry, samples))
}

/// The quantized int8 image of `values` with the activation parameters of `range`.
pub fn fake_quant(values: &[f32], range: (f64, f64), out: &mut Vec<f32>) {
    let p = activation_params(range.0, range.1, StorageRange::INT8);
    let (scale, zp) = (p.scale as f32, p.zero_point as f32);
    let inv = 1.0 / scale;
    out.clear();
    out.extend(
        values
            .iter()
            .map(|&x| ((x * inv).round() + zp).clamp(-128.0, 127.0) - zp)
            .map(|q| q * scale),
    );
}

/// What [`observe_samples`] returns per sample: the accumulators, and the model's outputs.
pub type Observed<A> = (Vec<Option<A>>, Vec<Tensor>);

/// Runs `interp` on every sample (in parallel) and, within each run, hands every float32 value
/// that `watch` lists to `observe`, once for each index `k` it is listed under, with the run's
/// accumulator for `k` (`None` until `observe` fills it; `slots` of them). Returns, in sample
/// order, each run's accumulators and outputs, for the caller to merge in that order (results
/// then do not depend on the thread count); a failing run is an error naming its sample.
pub fn observe_samples<A, F>(
    interp: &Interpreter,
    samples: &[Vec<Tensor>],
    threads: usize,
    watch: &HashMap<ValueId, Vec<usize>>,
    slots: usize,
    observe: F,
) -> Result<Vec<Observed<A>>, String>
where
    A: Clone + Send,
    F: Fn(usize, &Tensor, &[f32], &mut Option<A>) + Sync,
{
    let runs = tqopt_interp::parallel::map(samples, threads, |inputs| {
        let mut acc: Vec<Option<A>> = vec![None; slots];
        let mut observer = |v: ValueId, t: &Tensor| {
            let (Some(ks), Some(values)) = (watch.get(&v), t.as_slice::<f32>()) else {
                return;
            };
            for &k in ks {
                observe(k, t, values, &mut acc[k]);
            }
        };
        let outputs = interp
            .run_observed(inputs, &mut observer)
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((acc, outputs))
    });
    by_sample(runs)
}

/// `interp`'s outputs on every sample (run in parallel).
pub(super) fn run_samples(
    interp: &Interpreter,
    samples: &[Vec<Tensor>],
    threads: usize,
) -> Result<Vec<Vec<Tensor>>, String> {
    by_sample(tqopt_interp::parallel::map(samples, threads, |inputs| {
        interp.run(inputs).map_err(|e| e.to_string())
    }))
}

/// Per-sample results, or the first error, naming its sample.
fn by_sample<T>(runs: Vec<Result<T, String>>) -> Result<Vec<T>, String> {
    runs.into_iter()
        .enumerate()
        .map(|(i, run)| run.map_err(|e| format!("sample {i}: {e}")))
        .collect()
}

/// The float model's function `entry` planned to run, and every op it runs (in it and the
/// functions it calls).
fn plan_float(m: &Module, entry: &str) -> Result<(Interpreter, HashSet<OpId>), String> {
    let interp = Interpreter::new(m, entry).map_err(|e| e.to_string())?;
    let function = m
        .lookup_func(entry)
        .ok_or_else(|| format!("no function '{entry}'"))?;
    let ops = m
        .functions_reachable_from(function)
        .into_iter()
        .flat_map(|f| m.walk_nested(f).collect::<Vec<_>>())
        .collect();
    Ok((interp, ops))
}

/// An error when the float model's outputs hold NaN or an infinity on a sample: no SQNR can be
/// measured against them (a search would keep every op float chasing an infinite error).
fn check_finite(reference: &[Vec<Tensor>]) -> Result<(), String> {
    for (i, outputs) in reference.iter().enumerate() {
        for (k, t) in outputs.iter().enumerate() {
            let bad = t
                .as_slice::<f32>()
                .map_or(0, |v| v.iter().filter(|x| !x.is_finite()).count());
            if bad > 0 {
                return Err(format!(
                    "the float model's output #{k} holds {bad} NaN or infinite values on sample \
                     {i} of the data, so no error can be measured against it; check these \
                     inputs, or the float model"
                ));
            }
        }
    }
    Ok(())
}

impl SearchData {
    /// Runs the float model on every sample for its outputs only (no tensor statistics): what
    /// measuring a quantized model against it needs.
    pub fn outputs_only(
        m: &Module,
        entry: String,
        samples: Vec<Vec<Tensor>>,
        threads: usize,
    ) -> Result<SearchData, String> {
        let (interp, ops) =
            plan_float(m, &entry).map_err(|e| format!("cannot run the float model: {e}"))?;
        let reference = run_samples(&interp, &samples, threads)?;
        check_finite(&reference)?;
        Ok(SearchData {
            entry,
            ops,
            samples,
            reference,
            tensors: Vec::new(),
            ranges: Vec::new(),
            local_db: Vec::new(),
        })
    }

    /// Runs the float model on every sample: outputs, ranges of every method, local errors.
    pub fn measure(
        m: &Module,
        entry: String,
        samples: Vec<Vec<Tensor>>,
        threads: usize,
    ) -> Result<SearchData, String> {
        let (interp, ops) = plan_float(m, &entry)
            .map_err(|e| format!("the precision search cannot run the float model: {e}"))?;
        let tensors: Vec<(OpId, ValueId)> = m
            .walk_nested(m.op)
            .filter(|op| ops.contains(op))
            .filter(|&op| m.op(op).is(&quantfork::STATS))
            .filter_map(|op| m.operands(op).first().map(|&v| (op, v)))
            .collect();
        let index: HashMap<ValueId, usize> = tensors
            .iter()
            .enumerate()
            .map(|(i, &(_, v))| (v, i))
            .collect();
        let watch: HashMap<ValueId, Vec<usize>> =
            index.iter().map(|(&v, &i)| (v, vec![i])).collect();
        // Run 1: outputs and one collector per method and tensor, merged in sample order (the
        // moving average depends on it).
        let runs = observe_samples(
            &interp,
            &samples,
            threads,
            &watch,
            tensors.len(),
            |_, _, values, seen: &mut Option<[Collector; 4]>| {
                for c in seen.get_or_insert_with(|| METHODS.map(Collector::new)) {
                    c.observe(values);
                }
            },
        )?;
        let mut reference = Vec::new();
        let mut merged: Vec<Option<[Collector; 4]>> = vec![None; tensors.len()];
        for (seen, outputs) in runs {
            reference.push(outputs);
            for (slot, s) in merged.iter_mut().zip(seen) {
                match (slot.as_mut(), s) {
                    (Some(a), Some(b)) => a.iter_mut().zip(&b).for_each(|(a, b)| a.merge(b)),
                    (None, Some(b)) => *slot = Some(b),
                    _ => {}
                }
            }
        }
        check_finite(&reference)?;
        let ranges: Vec<[Option<(f64, f64)>; 4]> = merged
            .iter()
            .map(|c| match c {
                Some(c) => [0, 1, 2, 3].map(|k| c[k].range()),
                None => [None; 4],
            })
            .collect();
        // Run 2: the local error of each candidate range.
        let runs = tqopt_interp::parallel::map(&samples, threads, |inputs| {
            let mut sums = vec![[0.0f64; 4]; tensors.len()];
            let mut counted = vec![false; tensors.len()];
            let mut scratch = Vec::new();
            let mut observer = |v: ValueId, t: &Tensor| {
                let (Some(&i), Some(values)) = (index.get(&v), t.as_slice::<f32>()) else {
                    return;
                };
                if counted[i] {
                    return; // a value inside a loop: its first instance speaks for it
                }
                counted[i] = true;
                for (k, r) in ranges[i].iter().enumerate() {
                    if let Some(r) = r {
                        fake_quant(values, *r, &mut scratch);
                        sums[i][k] += sqnr_db(values, &scratch);
                    }
                }
            };
            interp
                .run_observed(inputs, &mut observer)
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(sums)
        });
        let mut local_db = vec![[0.0f64; 4]; tensors.len()];
        for (i, run) in runs.into_iter().enumerate() {
            let sums = run.map_err(|e| format!("sample {i}: {e}"))?;
            for (acc, s) in local_db.iter_mut().zip(sums) {
                for k in 0..4 {
                    acc[k] += s[k] / samples.len() as f64;
                }
            }
        }
        Ok(SearchData {
            entry,
            ops,
            samples,
            reference,
            tensors,
            ranges,
            local_db,
        })
    }

    /// The same data on the samples `picks` (indices, in order): the ranges and local errors
    /// stay those of every sample, so a configuration found on the subset describes the model
    /// the pipeline writes.
    pub fn subset(&self, picks: &[usize]) -> SearchData {
        SearchData {
            entry: self.entry.clone(),
            ops: self.ops.clone(),
            samples: picks.iter().map(|&i| self.samples[i].clone()).collect(),
            reference: picks.iter().map(|&i| self.reference[i].clone()).collect(),
            tensors: self.tensors.clone(),
            ranges: self.ranges.clone(),
            local_db: self.local_db.clone(),
        }
    }

    /// Per tensor, the method whose range has the best local error (`None` when the tensor
    /// has no range); ties keep the earlier method.
    pub fn best_local(&self) -> Vec<Option<usize>> {
        self.ranges
            .iter()
            .zip(&self.local_db)
            .map(|(r, db)| {
                (0..4)
                    .filter(|&k| r[k].is_some())
                    .fold(None, |best: Option<usize>, k| match best {
                        Some(b) if db[b] >= db[k] => Some(b),
                        _ => Some(k),
                    })
            })
            .collect()
    }
}
