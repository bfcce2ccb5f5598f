//! Scores a configuration: the calibrated module with the configuration applied goes through
//! the rest of the int8 pipeline (the same passes and options `quantize-int8` runs after
//! calibration), and the quantized model runs in tqopt's interpreter on the search samples.
//! The score is the model's output SQNR as `tqopt eval` defines it: per output the mean over
//! samples of [`sqnr_db`](crate::accuracy::metrics::sqnr_db), then the mean over outputs.
//! Runs reuse the values of earlier scores that the new model computes the same way
//! ([`super::incremental`]; one cache for the fast form, one for the folded model).
//!
//! Weights are rounded as `round-weights` rounds them (with the moments of the float model on
//! the search samples, measured once), so what is scored is what the pipeline writes when the
//! search measures on the calibration data.
//!
//! `qdq` builds the fake-quant form only (quantize/dequantize pairs around float ops, every
//! original value keeping its id): [`super::sensitivity`] compares its values with the float
//! model's one by one.

use std::cell::{Cell, RefCell};

use tqopt_interp::{Interpreter, Tensor};
use tqopt_ir::Module;

use super::config::Config;
use super::data::SearchData;
use super::incremental::ValueCache;
use super::progress::ScoreProgress;
use crate::accuracy::metrics::OutputStats;
use crate::accuracy::outputs::output_steps;
use crate::manager::{Instrumentation, PassManager};
use crate::pipeline::PassSpec;
use crate::quant::weight_rounding::moments::InputMoments;
use crate::quant::weight_rounding::targets;
use crate::quant::weight_rounding::Mode;

/// The options of the passes after calibration that the search must reproduce.
#[derive(Clone, Debug)]
pub struct RestOptions {
    pub per_channel: String,
    pub per_channel_dense: String,
    pub target: String,
    pub deny: String,
    /// `weight-rounding`: how weights are rounded (auto: as [`Evaluator::choose_rounding`]
    /// decides).
    pub weight_rounding: Mode,
    /// Integer model inputs and outputs (`io=int8` or `uint8`): their quantization is scored
    /// too (`fold-dequant{quantized-io}`).
    pub quantized_io: bool,
    /// The activations' storage and the affine ops' bias storage of the model scored:
    /// `int8`/`int32` (quantize-int8), or `int16` with `int64` or `int32` (quantize-int16x8,
    /// measured only: [`super::SearchPrecision`] refuses to search in 16x8).
    pub storage: Storage,
}

/// Activation and bias storage of the quantized model (`insert-fake-quant`'s options).
#[derive(Clone, Debug, PartialEq)]
pub struct Storage {
    pub activations: String,
    pub bias: String,
}

impl Default for Storage {
    fn default() -> Storage {
        Storage {
            activations: "int8".into(),
            bias: "int32".into(),
        }
    }
}

/// Runs configurations through the rest of the pipeline and scores them.
pub struct Evaluator<'a> {
    base: &'a Module,
    data: &'a SearchData,
    qdq: PassManager,
    fold: PassManager,
    /// The moments `round-weights` rounds with, measured once on the search samples (empty
    /// with `weight-rounding=nearest`).
    moments: InputMoments,
    /// Whether weights are rounded with `moments` (else to nearest).
    round: Cell<bool>,
    threads: usize,
    /// How many configurations were scored.
    pub evaluations: Cell<usize>,
    /// Scores count the quantization of the model's inputs and outputs.
    quantized_io: bool,
    /// The last fast-form and folded models' activations ([`super::incremental`]).
    fast_values: RefCell<ValueCache>,
    folded_values: RefCell<ValueCache>,
    /// Told of every score ([`Evaluator::with_progress`]).
    progress: Option<&'a ScoreProgress>,
}

/// A pass of a nested pipeline with its options.
pub(crate) fn spec(name: &str, options: &[(&str, &str)]) -> PassSpec {
    PassSpec {
        name: name.to_string(),
        options: options
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

impl<'a> Evaluator<'a> {
    pub fn new(
        base: &'a Module,
        data: &'a SearchData,
        o: &RestOptions,
        threads: usize,
    ) -> Result<Evaluator<'a>, String> {
        let qdq = PassManager::new(&qdq_specs(
            &o.per_channel,
            &o.per_channel_dense,
            &o.deny,
            &o.target,
            &o.storage,
        ))?;
        let fold = PassManager::new(&fold_specs(o.quantized_io))?;
        // As round-weights does, a model the interpreter cannot run keeps round to nearest.
        let moments = if o.weight_rounding != Mode::Nearest {
            InputMoments::measure(base, &data.entry, &data.samples, &targets(base), threads)
                .unwrap_or_default()
        } else {
            InputMoments::default()
        };
        Ok(Evaluator {
            base,
            data,
            qdq,
            fold,
            round: Cell::new(o.weight_rounding != Mode::Nearest && !moments.by_op.is_empty()),
            moments,
            threads,
            evaluations: Cell::new(0),
            quantized_io: o.quantized_io,
            fast_values: RefCell::default(),
            folded_values: RefCell::default(),
            progress: None,
        })
    }

    /// The evaluator, reporting each score to `progress`.
    pub fn with_progress(mut self, progress: &'a ScoreProgress) -> Evaluator<'a> {
        self.progress = Some(progress);
        self
    }

    /// The module in fake-quant form under `config`.
    pub fn qdq_module(&self, config: &Config) -> Result<Module, String> {
        let mut m = self.base.clone();
        config.apply(&mut m, None);
        run_passes(&self.qdq, &mut m)?;
        if self.round.get() {
            crate::quant::weight_rounding::apply(&mut m, &self.moments);
        }
        Ok(m)
    }

    /// The quantized model under `config`, as the pipeline would write it.
    pub fn quantized_module(&self, config: &Config) -> Result<Module, String> {
        let mut m = self.qdq_module(config)?;
        run_passes(&self.fold, &mut m)?;
        Ok(m)
    }

    /// Rounds weights for the output (when this evaluator measured the moments to) or to
    /// nearest, as another evaluator of the same model decided.
    pub fn set_rounds_for_output(&self, round: bool) {
        self.round.set(round && !self.moments.by_op.is_empty());
    }

    /// `weight-rounding=auto`: rounds weights for the output from now on only when that
    /// scores `config`'s folded model higher than round to nearest; returns the choice.
    pub fn choose_rounding(&self, config: &Config) -> Result<Mode, String> {
        if !self.round.get() {
            return Ok(Mode::Nearest);
        }
        let rounded = self.score_folded(config)?;
        self.round.set(false);
        let nearest = self.score_folded(config)?;
        self.round.set(rounded > nearest);
        Ok(if rounded > nearest {
            Mode::Output
        } else {
            Mode::Nearest
        })
    }

    /// Whether weights are rounded for the output.
    pub fn rounds_for_output(&self) -> bool {
        self.round.get()
    }

    /// The output SQNR (dB) of the model `config` describes on the search samples, computed
    /// with the fast float form of the fake-quant model ([`super::fake_quant`]).
    pub fn score(&self, config: &Config) -> Result<f64, String> {
        let mut m = self.qdq_module(config)?;
        super::fake_quant::lower(&mut m, self.quantized_io);
        self.run(m, &self.fast_values)
    }

    /// The same on the folded quantized model, as the pipeline writes it (run by the
    /// interpreter's integer emulation: slower, exact to the interpreter's contract).
    pub fn score_folded(&self, config: &Config) -> Result<f64, String> {
        let m = self.quantized_module(config)?;
        self.run(m, &self.folded_values)
    }

    /// The figures behind [`Evaluator::score_folded`], and the outputs' quantization steps
    /// (for the notes on the final choice; the search's scores need neither).
    pub fn folded_figures(&self, config: &Config) -> Result<FoldedFigures, String> {
        let m = self.quantized_module(config)?;
        let steps = m
            .lookup_func(&self.data.entry)
            .map(|f| output_steps(&m, f))
            .unwrap_or_default();
        Ok(FoldedFigures {
            stats: self.run_stats(m, &self.folded_values)?,
            steps,
        })
    }

    /// Runs `m` on the search samples, reusing what `values` holds of the last such run.
    fn run(&self, m: Module, values: &RefCell<ValueCache>) -> Result<f64, String> {
        Ok(mean_sqnr(&self.run_stats(m, values)?))
    }

    fn run_stats(
        &self,
        m: Module,
        values: &RefCell<ValueCache>,
    ) -> Result<Vec<(usize, OutputStats)>, String> {
        self.evaluations.set(self.evaluations.get() + 1);
        if let Some(p) = self.progress {
            p.tick();
        }
        let outputs =
            values
                .borrow_mut()
                .run(m, &self.data.entry, &self.data.samples, self.threads)?;
        stats_of_outputs(&self.data.reference, &outputs)
    }

    /// Keeps the values of the configurations scored last (fast and folded) for reuse by the
    /// scores that follow, until the next call ([`super::incremental`]): the search calls this
    /// when it accepts the configuration it scored last, which its next trials change.
    pub fn pin_last(&self) {
        self.fast_values.borrow_mut().pin_last();
        self.folded_values.borrow_mut().pin_last();
    }

    /// Ops run and ops whose values were reused, over every score so far.
    pub fn reuse(&self) -> (u64, u64) {
        let (f, q) = (self.fast_values.borrow(), self.folded_values.borrow());
        (f.ops_run + q.ops_run, f.ops_reused + q.ops_reused)
    }
}

/// A folded model's figures on the search samples: per float output (with its position
/// among the function's results) its statistics, and each result's quantization step.
pub struct FoldedFigures {
    pub stats: Vec<(usize, OutputStats)>,
    pub steps: Vec<Option<f64>>,
}

impl FoldedFigures {
    /// The model's output SQNR (the mean over outputs).
    pub fn sqnr_db(&self) -> f64 {
        mean_sqnr(&self.stats)
    }

    /// Each sample's SQNR: the mean over outputs of the sample's SQNR on each (the figure whose
    /// mean over samples is [`FoldedFigures::sqnr_db`]).
    pub fn per_sample_db(&self) -> Vec<f64> {
        let samples = self.stats.first().map_or(0, |(_, s)| s.per_sample().len());
        (0..samples)
            .map(|i| {
                self.stats
                    .iter()
                    .map(|(_, s)| s.per_sample()[i].sqnr_db)
                    .sum::<f64>()
                    / self.stats.len() as f64
            })
            .collect()
    }

    /// [`OutputStats::notes`] of every output, named by `names` (by position).
    pub fn notes(&self, names: &[Option<String>]) -> Vec<String> {
        self.stats
            .iter()
            .flat_map(|(k, s)| {
                let name = names
                    .get(*k)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| format!("output{k}"));
                s.notes(&name, self.steps.get(*k).copied().flatten())
            })
            .collect()
    }
}

/// The float model's outputs on samples, which other models are scored against: their output
/// SQNR as `tqopt eval` defines it ([`output_sqnr`]).
pub(crate) struct Reference<'a> {
    entry: &'a str,
    samples: &'a [Vec<Tensor>],
    /// The float model's outputs, per sample.
    outputs: Vec<Vec<Tensor>>,
    threads: usize,
}

impl<'a> Reference<'a> {
    /// Runs the float model `float` (function `entry`) on `samples`.
    pub(crate) fn run(
        float: &Module,
        entry: &'a str,
        samples: &'a [Vec<Tensor>],
        threads: usize,
    ) -> Result<Reference<'a>, String> {
        let interp = Interpreter::new(float, entry).map_err(|e| e.to_string())?;
        let outputs = tqopt_interp::parallel::map(samples, threads, |inputs| {
            interp.run(inputs).map_err(|e| e.to_string())
        })
        .into_iter()
        .collect::<Result<_, _>>()?;
        Ok(Reference::of_outputs(entry, samples, outputs, threads))
    }

    /// The float model's `outputs` on `samples`, already computed.
    pub(crate) fn of_outputs(
        entry: &'a str,
        samples: &'a [Vec<Tensor>],
        outputs: Vec<Vec<Tensor>>,
        threads: usize,
    ) -> Reference<'a> {
        Reference {
            entry,
            samples,
            outputs,
            threads,
        }
    }

    /// The output SQNR of what `pm` makes of a copy of `m`.
    pub(crate) fn sqnr_after(&self, pm: &PassManager, m: &Module) -> Result<f64, String> {
        let mut q = m.clone();
        run_passes(pm, &mut q)?;
        output_sqnr(&q, self.entry, self.samples, &self.outputs, self.threads)
    }
}

/// The output SQNR (dB) of `m` (function `entry`) on `samples` against the float outputs
/// `reference` (one list per sample): per output the mean over samples of
/// [`sqnr_db`](crate::accuracy::metrics::sqnr_db), then the mean over outputs, as `tqopt eval`
/// defines it.
pub(crate) fn output_sqnr(
    m: &Module,
    entry: &str,
    samples: &[Vec<Tensor>],
    reference: &[Vec<Tensor>],
    threads: usize,
) -> Result<f64, String> {
    let interp =
        Interpreter::new(m, entry).map_err(|e| format!("cannot run the quantized model: {e}"))?;
    let outputs = super::data::run_samples(&interp, samples, threads)?;
    sqnr_of_outputs(reference, &outputs)
}

/// The output SQNR (dB) of `outputs` against `reference` (one list per sample), as
/// [`output_sqnr`] defines it.
fn sqnr_of_outputs(reference: &[Vec<Tensor>], outputs: &[Vec<Tensor>]) -> Result<f64, String> {
    Ok(mean_sqnr(&stats_of_outputs(reference, outputs)?))
}

/// The mean over outputs of their SQNR (the model's figure).
fn mean_sqnr(stats: &[(usize, OutputStats)]) -> f64 {
    stats.iter().map(|(_, s)| s.sqnr_db()).sum::<f64>() / stats.len().max(1) as f64
}

/// Per output that is float on both sides (with its position among the results), its figures
/// over the samples; an error when no output is float.
fn stats_of_outputs(
    reference: &[Vec<Tensor>],
    outputs: &[Vec<Tensor>],
) -> Result<Vec<(usize, OutputStats)>, String> {
    let mut stats: Vec<(usize, OutputStats)> = Vec::new();
    for (want, got) in reference.iter().zip(outputs) {
        let pairs = want
            .iter()
            .zip(got)
            .enumerate()
            .filter_map(|(k, (r, g))| Some((k, r, r.as_slice::<f32>()?, g.as_slice::<f32>()?)));
        for (k, r, rv, gv) in pairs {
            let at = match stats.iter().position(|(i, _)| *i == k) {
                Some(at) => at,
                None => {
                    stats.push((k, OutputStats::default()));
                    stats.len() - 1
                }
            };
            let last = r.shape().last().copied().unwrap_or(1);
            stats[at].1.add(rv, gv, last);
        }
    }
    if stats.is_empty() {
        return Err("the model has no float output to measure".into());
    }
    Ok(stats)
}

/// The passes that fold the fake-quant form into the quantized model.
pub(crate) fn fold_passes() -> Result<PassManager, String> {
    PassManager::new(&fold_specs(false))
}

/// `fold-quant`, `fold-dequant`: the fake-quant form folded into the quantized model (with
/// `quantized_io`, as an integer-I/O model computes, behind a float interface).
pub(crate) fn fold_specs(quantized_io: bool) -> Vec<PassSpec> {
    let io = if quantized_io { "true" } else { "false" };
    vec![
        spec("fold-quant", &[]),
        spec("fold-dequant", &[("quantized-io", io)]),
    ]
}

/// What `quantize-int8` (or, with int16 activations, `quantize-int16x8`) runs between its
/// calibrated model and the fake-quant form (`propagate-ranges`, `insert-fake-quant`,
/// `legalize-opset`), with its options.
pub(crate) fn qdq_specs(
    per_channel: &str,
    per_channel_dense: &str,
    deny: &str,
    target: &str,
    storage: &Storage,
) -> Vec<PassSpec> {
    let activations = storage.activations.as_str();
    vec![
        spec("propagate-ranges", &[("activations", activations)]),
        spec(
            "insert-fake-quant",
            &[
                ("per-channel", per_channel),
                ("per-channel-dense", per_channel_dense),
                ("activations", activations),
                ("bias", storage.bias.as_str()),
            ],
        ),
        spec(
            "legalize-opset",
            &[
                ("deny", deny),
                ("target", target),
                ("activations", activations),
            ],
        ),
    ]
}

/// Runs `pm` on `m` without verifying after each pass or printing; a failure names the pass.
pub(crate) fn run_passes(pm: &PassManager, m: &mut Module) -> Result<(), String> {
    let instr = Instrumentation {
        verify_each: false,
        ..Instrumentation::default()
    };
    pm.run(m, &instr, &mut std::io::sink()).map_err(|e| {
        let text: Vec<String> = e.diagnostics.iter().map(|d| d.message.clone()).collect();
        format!(
            "pass '{}' failed on a trial quantization: {}",
            e.pass,
            text.join("; ")
        )
    })?;
    Ok(())
}
