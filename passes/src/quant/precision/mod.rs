//! `search-precision`: automatic mixed precision for the int8 pipeline
//! (`quantize-int8{target-sqnr=DB}`) and per-tensor choice of the calibration method
//! (`quantize-int8{method=auto}`).
//!
//! It runs on the calibrated float module (after `calibrate` and `fold-constants`), measures
//! the float model on the search data ([`data`]), scores configurations by running the rest of
//! the pipeline and the quantized model ([`evaluate`]), searches ([`search`]) and writes the
//! configuration it chose into the module: ranges into `quantfork.stats`, ops kept in higher
//! precision as `tqopt.keep_float` with `tqopt.float_reason` saying why (or, moved to int16
//! activations by [`int16`], `tqopt.int16` with `tqopt.int16_reason`), and a summary as the
//! module attribute [`search::SUMMARY`] that the quantization report prints.
//!
//! Nothing else changes, so the passes that follow quantize exactly what was scored.

pub mod annotate;
pub mod config;
pub mod cost;
pub mod data;
pub mod evaluate;
pub mod fake_quant;
pub mod incremental;
pub mod int16;
pub mod progress;
pub mod search;
pub mod sensitivity;

use std::path::PathBuf;
use std::time::Instant;

use tqopt_ir::{Attribute, Diagnostic, ElementType, FloatKind, Module};

use crate::calibration::collectors::Method;
use crate::calibration::dataset::PixelScaling;
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};
use config::Precision;
use data::{SearchData, METHODS};
use evaluate::{Evaluator, RestOptions};
use progress::ScoreProgress;

/// Calibration methods `quantize-int8{method=}` takes: those of `calibrate`, and `auto`.
pub const METHODS_WITH_AUTO: &[&str] = &["minmax", "moving-average", "percentile", "mse", "auto"];

pub const KEPT: Statistic = Statistic {
    name: "num-kept-higher-precision",
    description: "ops the precision search kept in higher precision",
};
/// The default accuracy check (`check=true`) measures on at most this many samples.
pub const CHECK_SAMPLES: usize = 8;
/// With more samples than this, target-sqnr searches on this many ([`stratified`] by the
/// SQNR of the model as calibrated, one score on every sample) and checks
/// its choice on all of them: each of the search's hundreds of scores runs every sample, so
/// 64 calibration samples made it 5-6 times slower than 8 (face_detection_short_range 3.9 s
/// against 21.1 s).
pub const SEARCH_SAMPLES: usize = 16;
/// Searches on the subset before one on every sample.
const SUBSET_ROUNDS: usize = 3;
/// The subset's first search aims this much (dB) above the target: a choice made on 16
/// samples fits them, and on every sample it scored 0.5-1.9 dB lower (64 photos, pose and
/// face detectors), which without a margin cost a second search.
const SUBSET_MARGIN_DB: f64 = 0.5;
/// `method=auto` alone keeps the ranges it chose only when they raise the output SQNR on
/// the data by more than this (dB) over the ranges as calibrated: a smaller gain is within
/// what fitting a few samples gains on them and loses on others. On random-weight networks
/// (16 calibration samples), the choices that gained 0.26 and 0.28 dB lost 0.36 and 0.57 dB on
/// 8 other samples; on the ten MediaPipe models (8 photos) every choice gained 0.74 dB or more.
pub const AUTO_MIN_GAIN_DB: f64 = 0.5;
/// The configurations `method=auto` alone scores per signature: the model as calibrated, every
/// method's ranges for all tensors, each tensor's locally best range, at most
/// [`search::RANGE_BUDGET`] single-tensor changes, and the final figure.
const AUTO_SCORES: usize = 1 + data::METHODS.len() + 1 + search::RANGE_BUDGET + 1;
/// A measured output SQNR below this (dB) gets a warning: the quantized model's outputs are
/// far from the float model's.
pub const LOW_SQNR_DB: f64 = 20.0;

pub const SEARCH_MILLISECONDS: Statistic = Statistic {
    name: "search-milliseconds",
    description: "wall time of the precision search (the quantization report's search time)",
};
pub const OP_RUNS: Statistic = Statistic {
    name: "num-op-runs",
    description: "op executions the precision search's scores ran",
};
pub const OP_RUNS_REUSED: Statistic = Statistic {
    name: "num-op-runs-reused",
    description:
        "op executions the precision search's scores skipped, reusing earlier scores' values",
};

pub const SCORED: Statistic = Statistic {
    name: "num-configurations-scored",
    description: "configurations the precision search scored",
};

/// What target-sqnr keeps ops in (`higher-precision=`).
pub const HIGHER_PRECISIONS: &[&str] = &["float", "int16"];

/// `higher-precision=`, shared by `quantize-int8` and `search-precision`.
pub const HIGHER_PRECISION_OPTION: OptionInfo = OptionInfo {
    name: "higher-precision",
    kind: OptionKind::Enum(HIGHER_PRECISIONS),
    default: "float",
    help: "What target-sqnr keeps the ops that need it in. float: float ops with float weights, which XNNPACK runs fast. int16: int16 activations with int8 weights where LiteRT has an int16 kernel and the target still holds, float elsewhere: a smaller file, but LiteRT runs 16x8 ops with its builtin kernels, 19-27x slower than int8 on the MediaPipe models",
};

pub static OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        name: "target-sqnr",
        kind: OptionKind::String,
        default: "",
        help: "The output SQNR (dB) to reach; empty: only choose ranges (method=auto)",
    },
    OptionInfo {
        name: "method",
        kind: OptionKind::Enum(METHODS_WITH_AUTO),
        default: "auto",
        help: "auto: choose each tensor's calibration method; any other: the ranges as calibrated are where the search starts",
    },
    OptionInfo {
        name: "data",
        kind: OptionKind::String,
        default: "",
        help: "The data the search measures on (a .npy, .npz or folder of images, as for calibration)",
    },
    OptionInfo {
        name: "verify",
        kind: OptionKind::Bool,
        default: "false",
        help: "Without target-sqnr or method=auto: only measure the model's output SQNR on data= for the report, changing nothing",
    },
    OptionInfo {
        name: "input-range",
        kind: OptionKind::String,
        default: "0,1",
        help: "Image pixel range, e.g. -1,1",
    },
    OptionInfo {
        name: "per-channel",
        kind: OptionKind::Bool,
        default: "true",
        help: "As quantize-int8's",
    },
    OptionInfo {
        name: "per-channel-dense",
        kind: OptionKind::Bool,
        default: "true",
        help: "As quantize-int8's",
    },
    OptionInfo {
        name: "target",
        kind: OptionKind::Enum(crate::quant::target::TARGETS),
        default: "xnnpack",
        help: "As quantize-int8's",
    },
    OptionInfo {
        name: "deny",
        kind: OptionKind::String,
        default: "",
        help: "As quantize-int8's",
    },
    crate::quant::weight_rounding::INT8_MODE_OPTION,
    HIGHER_PRECISION_OPTION,
    OptionInfo {
        name: "check",
        kind: OptionKind::Bool,
        default: "false",
        help: "Measure as verify does, on at most 8 samples of data=, for the report (quantize-int8's default accuracy check): a model the interpreter cannot run gets a note, not an error",
    },
    OptionInfo {
        name: "io",
        kind: OptionKind::Enum(crate::quant::fold_dequant::ALL_IO_TYPES),
        default: "float",
        help: "As quantize-int8's (or quantize-int16x8's): with integer inputs and outputs, their quantization counts in every score",
    },
    OptionInfo {
        name: "activations",
        kind: OptionKind::Enum(crate::quant::insert_fake_quant::ACTIVATION_TYPES),
        default: "int8",
        help: "int16: measure quantize-int16x8's model (with check or verify only; the search and method=auto choose for int8 models)",
    },
    OptionInfo {
        name: "bias",
        kind: OptionKind::Enum(crate::quant::insert_fake_quant::BIAS_TYPES),
        default: "int32",
        help: "Bias storage of the model measured, as insert-fake-quant's (int64: 16x8 only)",
    },
    OptionInfo {
        name: "ops",
        kind: OptionKind::Enum(crate::quant::legalize_opset::OPS_SETS),
        default: "TFLITE_BUILTINS",
        help: "As quantize-int8's: under TFLITE_BUILTINS_INT8 no op may stay float, so the search only chooses ranges, and a target they miss is an error",
    },
];

pub static INFO: PassInfo = PassInfo {
    argument: "search-precision",
    summary: "Choose per-tensor ranges and the ops to keep in higher precision so that the int8 model reaches a target SQNR",
    description: "Runs on a calibrated float module. Measures the float model on data=, then scores \
        configurations (each tensor's calibration method, ops kept float) by quantizing them with the \
        rest of quantize-int8 and running them in tqopt's interpreter: output SQNR as tqopt eval \
        defines it. Chooses the best ranges, then (with target-sqnr) the fewest, cheapest ops to keep \
        float that reach the target; with higher-precision=int16, moves those it can to int16 \
        activations while the target holds. Writes the ranges into quantfork.stats, marks kept ops \
        tqopt.keep_float (or tqopt.int16) with the reason, and leaves a summary for the report. \
        Fails when even every op float misses the target.",
    options: OPTIONS,
    create,
    traits: PassTraits::NONE,
};

fn create(o: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let target = match o.string("target-sqnr")?.trim() {
        "" => None,
        t => {
            let v: f64 = t
                .parse()
                .map_err(|_| format!("target-sqnr: expected a number of dB, not '{t}'"))?;
            if !v.is_finite() || !(-99.0..=99.0).contains(&v) {
                return Err(format!(
                    "target-sqnr={t} is out of range: SQNR is measured in dB between -99 and 99"
                ));
            }
            Some(v)
        }
    };
    let method = o.choice("method")?;
    let int16 = o.choice("higher-precision")? == "int16";
    if int16 && target.is_none() {
        return Err(
            "higher-precision=int16 chooses what target-sqnr keeps ops in: give target-sqnr=DB too"
                .into(),
        );
    }
    let data = o.string("data")?;
    let ops = o.choice("ops")?;
    let activations = o.choice("activations")?;
    if activations == "int16" && (target.is_some() || method == "auto") {
        return Err(
            "activations=int16 only measures a 16x8 model (check or verify): target-sqnr and \
             method=auto choose for int8 models"
                .into(),
        );
    }
    Ok(Box::new(SearchPrecision {
        target,
        strict_ops: (ops != "TFLITE_BUILTINS").then(|| ops.to_string()),
        auto: method == "auto",
        int16,
        verify: o.bool("verify")?,
        check: o.bool("check")?,
        data: (!data.is_empty()).then(|| PathBuf::from(data)),
        scaling: PixelScaling::parse_range(o.string("input-range")?)?,
        rest: RestOptions {
            per_channel: o.text("per-channel")?.into(),
            per_channel_dense: o.text("per-channel-dense")?.into(),
            target: o.text("target")?.into(),
            deny: o.text("deny")?.into(),
            weight_rounding: crate::quant::weight_rounding::Mode::parse(
                o.choice("weight-rounding")?,
            ),
            quantized_io: o.choice("io")? != "float",
            storage: evaluate::Storage {
                activations: activations.into(),
                bias: o.choice("bias")?.into(),
            },
        },
    }))
}

pub struct SearchPrecision {
    target: Option<f64>,
    /// The OpsSet, when it lets no op stay float.
    strict_ops: Option<String>,
    auto: bool,
    /// `higher-precision=int16`: kept ops move to int16 where the target allows.
    int16: bool,
    /// Measure only (`quantize-int8{verify=EVAL}`).
    verify: bool,
    /// Measure only, on a few samples, and never fail (the default accuracy check).
    check: bool,
    data: Option<PathBuf>,
    scaling: PixelScaling,
    rest: RestOptions,
}

fn float(v: f64) -> Attribute {
    Attribute::Float {
        value: v,
        kind: FloatKind::F64,
    }
}

fn int(v: u64) -> Attribute {
    Attribute::Int {
        value: v.min(i64::MAX as u64) as i64,
        ty: ElementType::I64,
    }
}

impl Pass for SearchPrecision {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let check_only = self.check_only();
        if self.target.is_none() && !self.auto && !self.verify && !check_only {
            return Ok(Changed::No);
        }
        // The check only informs, and method=auto alone (quantize-int8's default) only
        // improves on the ranges as calibrated: whatever stops either is a note, and the
        // ranges stay as calibrated.
        let skipped = match (
            check_only,
            self.auto && self.target.is_none() && !self.verify,
        ) {
            (true, _) => "accuracy check skipped",
            (false, true) => "method=auto skipped, the ranges stay as calibrated",
            (false, false) => return self.measure(m, cx),
        };
        let mut probe = m.clone();
        match self.measure(&mut probe, cx) {
            Ok(changed) => {
                *m = probe;
                Ok(changed)
            }
            Err(e) => {
                // The search's own errors start with what ran ("method=auto: ..."), which
                // `skipped` says already.
                let text: Vec<String> = e
                    .diagnostics
                    .iter()
                    .map(|d| d.message.trim_start_matches("method=auto: ").to_string())
                    .collect();
                cx.emit(Diagnostic::note(format!("{skipped}: {}", text.join("; "))));
                Ok(Changed::No)
            }
        }
    }
}

impl SearchPrecision {
    /// Whether only the default accuracy check runs (nothing else asked for the search).
    fn check_only(&self) -> bool {
        self.check && self.target.is_none() && !self.auto && !self.verify
    }

    /// Searches (or only measures) and writes the result into `m`.
    fn measure(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let verify_only = self.target.is_none() && !self.auto;
        let what = match self.target {
            Some(t) => format!("target-sqnr={t}"),
            None if verify_only => "verify".to_string(),
            None => "method=auto".to_string(),
        };
        let Some(path) = &self.data else {
            return Err(Diagnostic::error(format!(
                "{what} needs data to measure on: give calibration=PATH or verify-data=PATH"
            ))
            .into());
        };
        let started = Instant::now();
        let fail = |e: String| PassError::from(Diagnostic::error(format!("{what}: {e}")));
        let entries = m.entry_points();
        if entries.is_empty() {
            return Err(fail("the model has no entry function to run".into()));
        }
        // Several signatures: each is searched on its own (an op runs in one signature, and
        // its precision changes only that signature's outputs). round-weights leaves such a
        // model's weights rounded to nearest, so that is what is scored.
        let mut rest = self.rest.clone();
        if entries.len() > 1 {
            rest.weight_rounding = crate::quant::weight_rounding::Mode::Nearest;
        }
        let several = entries.len() > 1;
        // method=auto alone scores a known number of configurations per signature; a target's
        // search, an unknown one.
        let expected = match (self.target, verify_only) {
            (None, false) => AUTO_SCORES * entries.len(),
            _ => 0,
        };
        let progress = ScoreProgress::new(cx.take_progress(), expected);
        let mut searched = Vec::with_capacity(entries.len());
        let mut failed = None;
        for f in entries {
            let name = tqopt_ir::dialect::func::name(m, f)
                .unwrap_or("main")
                .to_string();
            match self.search_entry(m, f, path, &rest, verify_only, &progress) {
                Ok(done) => searched.push(done),
                Err(e) => {
                    failed = Some(match several {
                        true => format!("signature '{name}': {e}"),
                        false => e,
                    });
                    break;
                }
            }
        }
        if let Some(f) = progress.finish() {
            cx.set_progress(f);
        }
        if let Some(e) = failed {
            return Err(fail(e));
        }
        let signatures: Vec<String> = searched
            .iter()
            .map(|e| format!("{} {:.2} dB", e.entry, e.outcome.reached_db))
            .collect();
        // The model's figures are its worst signature's; counts add up.
        let worst = |f: fn(&search::Outcome) -> f64| {
            searched
                .iter()
                .map(|e| f(&e.outcome))
                .fold(f64::INFINITY, f64::min)
        };
        let (start_db, ranges_db, reached_db) = (
            worst(|o| o.start_db),
            worst(|o| o.ranges_db),
            worst(|o| o.reached_db),
        );
        let samples = searched.iter().map(|e| e.samples).min().unwrap_or(0);
        let evaluations: usize = searched.iter().map(|e| e.evaluations).sum();
        let ops_run: u64 = searched.iter().map(|e| e.ops_run).sum();
        let ops_reused: u64 = searched.iter().map(|e| e.ops_reused).sum();
        let rounds_for_output = searched.iter().all(|e| e.rounds_for_output);
        let several = searched.len() > 1;
        for e in &searched {
            if let Some(n) = &e.ranges_note {
                cx.emit(Diagnostic::note(match several {
                    true => format!("signature '{}': {n}", e.entry),
                    false => n.clone(),
                }));
            }
        }
        let notes: Vec<String> = searched
            .iter()
            .flat_map(|e| {
                e.notes.iter().map(move |n| match several {
                    true => format!("signature '{}': {n}", e.entry),
                    false => n.clone(),
                })
            })
            .collect();
        let mut outcome = search::Outcome {
            config: config::Config::default(),
            start_db,
            ranges_db,
            reached_db,
            reasons: Default::default(),
            costs: Default::default(),
            order: Vec::new(),
        };
        for e in searched {
            outcome.config.ranges.extend(e.outcome.config.ranges);
            outcome.config.ops.extend(e.outcome.config.ops);
            outcome.costs.extend(e.outcome.costs);
        }
        // The summary for the report.
        let mut by_method = [0usize; 4];
        for &(_, k) in outcome.config.ranges.values() {
            by_method[k] += 1;
        }
        let methods: Vec<String> = METHODS
            .iter()
            .zip(by_method)
            .filter(|(_, n)| *n > 0)
            .map(|(meth, n)| format!("{} {n}", method_name(*meth)))
            .collect();
        let total_cost: u64 = outcome.costs.values().sum();
        let (float_ops, int16_ops) = (
            outcome.config.ops_in(Precision::Float),
            outcome.config.ops_in(Precision::Int16),
        );
        let cost_of = |ops: &[tqopt_ir::OpId]| -> u64 {
            ops.iter().filter_map(|op| outcome.costs.get(op)).sum()
        };
        let (kept_cost, int16_cost) = (cost_of(&float_ops), cost_of(&int16_ops));
        let mut entries = vec![
            ("start_sqnr", float(outcome.start_db)),
            ("ranges_sqnr", float(outcome.ranges_db)),
            ("reached_sqnr", float(outcome.reached_db)),
            ("samples", int(samples as u64)),
            ("data", Attribute::string(&path.display().to_string())),
            ("evaluations", int(evaluations as u64)),
        ];
        // A search's own time and reuse are statistics, not IR: the IR stays the same from run
        // to run (a measurement alone has neither).
        if !verify_only {
            cx.count(SEARCH_MILLISECONDS, started.elapsed().as_millis() as u64);
            cx.count(OP_RUNS, ops_run);
            cx.count(OP_RUNS_REUSED, ops_reused);
        }
        entries.extend([
            (
                "ranges",
                Attribute::string(&if methods.is_empty() {
                    "as calibrated".to_string()
                } else {
                    methods.join(", ")
                }),
            ),
            (
                crate::quant::weight_rounding::CHOICE,
                Attribute::string(if rounds_for_output {
                    "output"
                } else {
                    "nearest"
                }),
            ),
            ("float_ops", int(float_ops.len() as u64)),
            ("candidate_ops", int(outcome.costs.len() as u64)),
            ("float_cost", int(kept_cost)),
            ("total_cost", int(total_cost)),
        ]);
        if !int16_ops.is_empty() {
            entries.push(("int16_ops", int(int16_ops.len() as u64)));
            entries.push(("int16_cost", int(int16_cost)));
        }
        if let Some(t) = self.target {
            entries.push(("target_sqnr", float(t)));
        }
        if verify_only {
            entries.push(("verify_only", Attribute::Unit));
        }
        if signatures.len() > 1 {
            entries.push(("signatures", Attribute::string(&signatures.join(", "))));
        }
        let module_op = m.op;
        m.op_mut(module_op)
            .attributes
            .set(search::SUMMARY, search::summary_attribute(&entries));
        cx.count(KEPT, outcome.config.ops.len() as u64);
        cx.count(SCORED, evaluations as u64);
        // method=auto's figure warns as the accuracy check's would, unless check=false.
        let low = self.target.is_none() && (verify_only || self.check) && reached_db < LOW_SQNR_DB;
        if low {
            let ranges_hint = match self.auto {
                true => "",
                false => ", method=auto chooses each tensor's range",
            };
            let remedy = match self.rest.storage.activations.as_str() {
                "int16" => "deny= keeps the ops at fault float".to_string(),
                _ => format!("quantize-int8{{target-sqnr=30}} keeps the ops that need it in higher precision{ranges_hint}"),
            };
            cx.emit(Diagnostic::warning(format!(
                "the quantized model's output SQNR is {reached_db:.2} dB on {samples} samples of {} (below {LOW_SQNR_DB} dB: its outputs are far from the float model's); {remedy}, and `tqopt eval --per-layer` shows where the error comes from",
                path.display()
            )));
        }
        // The notes explain a low figure, and a target met on a mean that weak samples pull
        // down (the search kept what those samples needed, which the user should know).
        if low || self.target.is_some() {
            for note in notes {
                cx.emit(Diagnostic::note(note));
            }
        }
        Ok(Changed::Yes)
    }
}

/// What the search did for one entry function.
struct Searched {
    entry: String,
    outcome: search::Outcome,
    samples: usize,
    evaluations: usize,
    /// Op executions the scores ran, and those they skipped by reuse.
    ops_run: u64,
    ops_reused: u64,
    rounds_for_output: bool,
    /// What a reader of the final figure should know ([`crate::accuracy::metrics::OutputStats::notes`]).
    notes: Vec<String>,
    /// Why `method=auto` left the ranges as calibrated ([`AUTO_MIN_GAIN_DB`]).
    ranges_note: Option<String>,
}

impl SearchPrecision {
    /// Searches entry function `f` on `path` and writes what it chose into `m`.
    fn search_entry(
        &self,
        m: &mut Module,
        f: tqopt_ir::OpId,
        path: &std::path::Path,
        rest: &RestOptions,
        verify_only: bool,
        progress: &ScoreProgress,
    ) -> Result<Searched, String> {
        let threads = tqopt_interp::parallel::default_threads();
        let (entry, mut samples) = data::load_samples(m, f, path, self.scaling)?;
        if self.check_only() {
            samples.truncate(CHECK_SAMPLES);
        }
        let data = if verify_only {
            SearchData::outputs_only(m, entry, samples, threads)?
        } else {
            SearchData::measure(m, entry, samples, threads)?
        };
        let base = m.clone();
        let ev = Evaluator::new(&base, &data, rest, threads)?.with_progress(progress);
        // weight-rounding=auto: decided once, on the model as calibrated, before anything
        // else is scored.
        if rest.weight_rounding == crate::quant::weight_rounding::Mode::Auto {
            ev.choose_rounding(&config::Config::default())?;
        }
        let mut subset_evaluations = 0;
        let mut auto_note = None;
        let mut outcome = match self.target {
            Some(t) if data.samples.len() > SEARCH_SAMPLES => {
                // The search's hundreds of scores run on a subset; its choice is then checked
                // on every sample, and where it falls short the subset's search aims higher
                // by the shortfall (a few rounds), before a search on every sample.
                let as_calibrated = ev.folded_figures(&config::Config::default())?;
                let sub = data.subset(&stratified(&as_calibrated.per_sample_db(), SEARCH_SAMPLES));
                let sub_ev = Evaluator::new(&base, &sub, rest, threads)?.with_progress(progress);
                sub_ev.set_rounds_for_output(ev.rounds_for_output());
                let strict = self.strict_ops.as_deref();
                let on = format!("{SEARCH_SAMPLES} of the {} samples", data.samples.len());
                let mut goal = t + SUBSET_MARGIN_DB;
                let mut found = None;
                for _ in 0..SUBSET_ROUNDS {
                    let mut outcome =
                        search::search_for(&sub_ev, &base, &sub, goal, t, strict, threads)?;
                    let (reached, first) = search::confirm(&ev, &mut outcome, t, &on)?;
                    if reached {
                        found = Some(outcome);
                        break;
                    }
                    goal += t - first + 0.25;
                }
                let outcome = match found {
                    Some(mut outcome) => {
                        let goal = t + SUBSET_MARGIN_DB;
                        self.step_down(&sub_ev, &ev, &mut outcome, t, goal)?;
                        outcome
                    }
                    None => {
                        let mut outcome = search::search(&ev, &base, &data, t, strict, threads)?;
                        self.step_down(&ev, &ev, &mut outcome, t, t)?;
                        outcome
                    }
                };
                subset_evaluations = sub_ev.evaluations.get();
                outcome
            }
            Some(t) => {
                let strict = self.strict_ops.as_deref();
                let mut outcome = search::search(&ev, &base, &data, t, strict, threads)?;
                self.step_down(&ev, &ev, &mut outcome, t, t)?;
                outcome
            }
            // Verify only: the model as calibrated, nothing chosen.
            None if verify_only => search::Outcome {
                config: config::Config::default(),
                start_db: 0.0,
                ranges_db: 0.0,
                reached_db: 0.0,
                reasons: Default::default(),
                costs: Default::default(),
                order: Vec::new(),
            },
            None => {
                // Scored on the folded model: the ranges as calibrated stay unless others are
                // better by more than the samples' noise.
                let (mut config, start_db, mut db) =
                    search::choose_ranges(&ev, &base, &data, threads, None)?;
                if config != config::Config::default() && db - start_db <= AUTO_MIN_GAIN_DB {
                    // A gain too small to see needs no word.
                    auto_note = (db - start_db >= 0.1).then(|| format!(
                        "method=auto: the ranges stay as calibrated: the best ranges found raise the output SQNR on the data by {:.2} dB, not more than the {AUTO_MIN_GAIN_DB} dB that a choice fitted to a few samples gains and loses on others",
                        db - start_db
                    ));
                    (config, db) = (config::Config::default(), start_db);
                }
                search::Outcome {
                    config,
                    start_db,
                    ranges_db: db,
                    reached_db: db,
                    reasons: Default::default(),
                    costs: Default::default(),
                    order: Vec::new(),
                }
            }
        };
        // The figure reported is the folded model's, as written (the search's own scores come
        // from the fast float form).
        let figures = ev.folded_figures(&outcome.config)?;
        outcome.reached_db = figures.sqnr_db();
        let notes = figures.notes(&crate::accuracy::outputs::output_names(m, f));
        let reasons = &outcome.reasons;
        let why = |op| reasons.get(&op).cloned().unwrap_or_default();
        outcome.config.apply(m, Some(&why));
        // verify=: each op's error, as attributes the IR printouts show (the default check
        // only needs the output figure).
        if verify_only && !self.check_only() {
            let quantized = ev.quantized_module(&outcome.config)?;
            annotate::annotate(m, &base, &quantized, &data.entry, &data.samples)?;
        }
        let (ops_run, ops_reused) = ev.reuse();
        Ok(Searched {
            entry: data.entry.clone(),
            samples: data.samples.len(),
            evaluations: ev.evaluations.get() + subset_evaluations,
            ops_run,
            ops_reused,
            rounds_for_output: ev.rounds_for_output(),
            outcome,
            notes,
            ranges_note: auto_note,
        })
    }

    /// With `higher-precision=int16`: [`int16::step_down`].
    fn step_down(
        &self,
        fast: &Evaluator,
        folded: &Evaluator,
        outcome: &mut search::Outcome,
        target: f64,
        goal: f64,
    ) -> Result<(), String> {
        if self.int16 {
            int16::step_down(fast, folded, outcome, target, goal)?;
        }
        Ok(())
    }
}

/// `n` of the samples whose SQNRs are `db`, one from each of `n` equal slices of them sorted
/// by SQNR (the middle one of each), in sample order: a subset whose mean SQNR follows the
/// whole set's, whatever order the samples came in.
fn stratified(db: &[f64], n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..db.len()).collect();
    order.sort_by(|&a, &b| db[a].total_cmp(&db[b]).then(a.cmp(&b)));
    let total = db.len();
    let mut picks: Vec<usize> = (0..n.min(total))
        .map(|j| order[(2 * j + 1) * total / (2 * n.min(total))])
        .collect();
    picks.sort_unstable();
    picks
}

/// The option spelling of a method.
pub fn method_name(m: Method) -> &'static str {
    match m {
        Method::MinMax => "minmax",
        Method::MovingAverage => "moving-average",
        Method::Percentile => "percentile",
        Method::Mse => "mse",
    }
}

#[cfg(test)]
mod tests;
