//! tqopt as a library: the steps the command line takes (read a model or MLIR text, run a
//! pipeline, export, report), and calibration from arrays in memory or from saved statistics.
//! The CLI's driver and the Python binding both call these, so they give the same bytes and
//! the same messages.
//!
//! A [`Pipeline`] is a pass manager that can be cut at each `calibrate` pass (the one that
//! `quantize-int8` and `quantize-int16x8` expand into): the passes before it run, then
//! calibration runs here, on a [`CalibrationInput`] (arrays in memory, or statistics saved by
//! an earlier run and perhaps merged), then the passes after it. Its statistics are returned,
//! so that they can be saved. Without a cut it is the pass manager, unchanged.

use std::io::Read;

use tqopt_ir::{verifier, Blob, Diagnostic, Module, Severity, SourceFile};
use tqopt_passes::calibration::calibrate::{Calibrate, INFO as CALIBRATE};
use tqopt_passes::calibration::dataset::{register_memory, DataSource};
use tqopt_passes::calibration::statistics::Statistics;
use tqopt_passes::manager::{RunError, RunReport};
use tqopt_passes::pass::ProgressFn;
use tqopt_passes::quant::report::{Kind as ReportKind, Report, SizeMeasure};
use tqopt_passes::registry::{self, ToolInput};
use tqopt_passes::{Changed, Instrumentation, PassContext, PassError, PassManager, PassSpec};
use tqopt_textual_ir::{parse, PrintOptions};

pub use tqopt_passes::calibration::dataset::{MemoryArray, MemoryData};

/// A model (`.tflite` bytes) or MLIR text, with the name messages give it.
#[derive(Clone)]
pub struct Input {
    pub name: String,
    pub bytes: Blob,
    /// Whether it is read as a `.tflite` model: it has the `TFL3` identifier, or its name ends
    /// in `.tflite` (so that an empty or damaged model is refused as one, not parsed as text).
    pub is_tflite: bool,
}

impl Input {
    pub fn new(name: &str, bytes: Blob) -> Input {
        let is_tflite = bytes.as_bytes().get(4..8) == Some(b"TFL3") || name.ends_with(".tflite");
        Input {
            name: name.to_string(),
            bytes,
            is_tflite,
        }
    }

    /// Reads `path` (memory-mapped), or standard input for `-`.
    pub fn read(path: &str) -> Result<Input, String> {
        let name = if path == "-" { "<stdin>" } else { path };
        Ok(Input::new(name, read_bytes(path)?))
    }

    /// The source file diagnostics are rendered against: the text, or nothing for a model
    /// (its diagnostics name tensors, not text positions).
    pub fn source(&self) -> Result<SourceFile, String> {
        if self.is_tflite {
            return Ok(SourceFile::new(&self.name, ""));
        }
        SourceFile::from_blob(&self.name, self.bytes.clone()).map_err(|offset| {
            format!(
                "'{}' is neither MLIR text (invalid UTF-8 at byte {offset}) nor a TFLite model (no TFL3 identifier)",
                self.name
            )
        })
    }

    /// Imports the model or parses the text (a whole file, not split).
    pub fn module(&self) -> Result<Module, Diagnostic> {
        if self.is_tflite {
            import(&self.name, self.bytes.clone())
        } else {
            let source = self.source().map_err(Diagnostic::error)?;
            parse(&source).map(|p| p.module)
        }
    }
}

/// Imports a `.tflite` model; an error names the place (subgraph, operator, tensor).
pub fn import(name: &str, bytes: Blob) -> Result<Module, Diagnostic> {
    tqopt_frontend::import_bytes(name, bytes).map_err(|e| {
        let mut message: String = e.place.iter().map(|p| format!("{p}: ")).collect();
        message.push_str(&e.message);
        Diagnostic::error(message)
    })
}

/// A file's bytes (memory-mapped), or standard input's for `-`.
pub fn read_bytes(path: &str) -> Result<Blob, String> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(Blob::from_vec(buf));
    }
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot open '{path}': {e}"))?;
    if meta.is_dir() {
        return Err(format!("'{path}' is a directory, not an input file"));
    }
    tqopt_ir::map_file(std::path::Path::new(path)).map_err(|e| format!("cannot read '{path}': {e}"))
}

/// Where the `calibrate` passes of a cut [`Pipeline`] get their data.
#[derive(Clone, Default)]
pub enum CalibrationInput {
    /// Their own `data=` option (`--calibration-data`).
    #[default]
    FromOptions,
    /// A data set (arrays in memory, or a file).
    Data(DataSource),
    /// Saved (and perhaps merged) statistics: no data runs.
    Statistics(Statistics),
}

enum Stage {
    /// The passes at these indices of the expanded pipeline.
    Passes(std::ops::Range<usize>),
    /// The `calibrate` pass at this index, run here on a [`CalibrationInput`].
    Calibrate(usize, Calibrate),
}

/// A pipeline, perhaps cut at its `calibrate` passes (see the module documentation).
pub struct Pipeline {
    /// The whole pipeline: its passes run (between cuts) through it.
    full: PassManager,
    stages: Vec<Stage>,
}

/// What a run of a [`Pipeline`] measured, and the statistics its calibration collected or
/// applied (only when cut).
pub struct PipelineRun {
    pub report: RunReport,
    pub statistics: Option<Statistics>,
}

impl Pipeline {
    /// Instantiates `specs`; with `cut`, pipelines are expanded and cut at each `calibrate`.
    pub fn new(specs: &[PassSpec], cut: bool) -> Result<Pipeline, String> {
        let full = PassManager::new(specs)?;
        let mut stages = Vec::new();
        if cut {
            let mut start = 0;
            for index in 0..full.len() {
                let (info, options) = full.pass(index);
                if !std::ptr::eq(info, &CALIBRATE) {
                    continue;
                }
                if start < index {
                    stages.push(Stage::Passes(start..index));
                }
                let pass = Calibrate::from_options(options)
                    .map_err(|e| format!("pass '{}': {e}", info.argument))?;
                stages.push(Stage::Calibrate(index, pass));
                start = index + 1;
            }
            if start < full.len() {
                stages.push(Stage::Passes(start..full.len()));
            }
        }
        Ok(Pipeline { full, stages })
    }

    pub fn is_empty(&self) -> bool {
        self.full.is_empty()
    }

    /// The number of passes after expanding pipelines.
    pub fn len(&self) -> usize {
        self.full.len()
    }

    /// The expanded pipeline, as `--dump-pass-pipeline` prints it.
    pub fn pipeline_text(&self) -> String {
        self.full.pipeline_text()
    }

    /// The report a run makes worth printing (the passes declare it), if any.
    pub fn report_kind(&self) -> Option<ReportKind> {
        self.full.report_kind()
    }

    /// Whether the pipeline is cut and calibrates.
    pub fn calibrates(&self) -> bool {
        self.stages
            .iter()
            .any(|s| matches!(s, Stage::Calibrate(..)))
    }

    /// Runs the pipeline on `m`. When cut, each `calibrate` runs on `calibration`, reporting
    /// progress to `progress` (else drawn on standard error when `instr.progress`); with
    /// `stop_after_calibration` the run ends after the first calibration (its statistics are
    /// what the caller wants).
    pub fn run(
        &self,
        m: &mut Module,
        instr: &Instrumentation,
        calibration: &CalibrationInput,
        stop_after_calibration: bool,
        mut progress: Option<Box<ProgressFn>>,
        dumps: &mut dyn std::io::Write,
    ) -> Result<PipelineRun, RunError> {
        if self.stages.is_empty() {
            let report = self.full.run(m, instr, dumps)?;
            return Ok(PipelineRun {
                report,
                statistics: None,
            });
        }
        let config = instr.config();
        let mut report = RunReport::default();
        let mut statistics = None;
        let (result, timings) = instr.run_hooked(dumps, |hooks| {
            for stage in &self.stages {
                match stage {
                    Stage::Passes(range) => {
                        self.full
                            .run_range(range.clone(), m, hooks, &config, &mut report)?
                    }
                    Stage::Calibrate(index, pass) => {
                        let mut body = |m: &mut Module, cx: &mut PassContext| {
                            if let Some(f) = progress.take() {
                                cx.set_progress(f);
                            }
                            let s = calibrate(pass, m, calibration, cx).map_err(PassError::new)?;
                            let changed = Changed::from(s.is_some());
                            statistics = s.or(statistics.take());
                            Ok(changed)
                        };
                        self.full
                            .run_one(*index, m, hooks, &config, &mut report, &mut body)?;
                        if stop_after_calibration {
                            break;
                        }
                    }
                }
            }
            Ok::<(), RunError>(())
        });
        report.timings = timings;
        match result {
            Ok(()) => Ok(PipelineRun { report, statistics }),
            Err(mut e) => {
                e.report = report;
                Err(e)
            }
        }
    }
}

/// One calibration stage: collects statistics from data (its own option's, or `input`'s) and
/// applies them, or applies the given statistics. Returns the statistics (none when the IR
/// already held some and the pass does nothing).
fn calibrate(
    pass: &Calibrate,
    m: &mut Module,
    input: &CalibrationInput,
    cx: &mut PassContext,
) -> Result<Option<Statistics>, Vec<Diagnostic>> {
    if pass.skips(m) {
        if !matches!(input, CalibrationInput::FromOptions) {
            cx.emit(Diagnostic::warning(
                "the IR already holds calibration statistics (quantfork.stats): they are used, and the calibration data or statistics given are not",
            ));
        }
        return Ok(None);
    }
    let collected = match input {
        CalibrationInput::Statistics(s) => {
            pass.apply(m, s, cx).map_err(|e| e.diagnostics)?;
            return Ok(Some(s.clone()));
        }
        CalibrationInput::Data(data) => pass.collect(m, data, cx),
        CalibrationInput::FromOptions => match pass.data() {
            Some(path) => pass.collect(m, &DataSource::Path(path.to_path_buf()), cx),
            // The pass's own message (no statistics, no data).
            None => {
                tqopt_passes::Pass::run(pass, m, cx).map_err(|e| e.diagnostics)?;
                return Ok(None);
            }
        },
    }
    .map_err(|e| e.diagnostics)?;
    // The collected statistics are applied without being counted twice.
    let mut quiet = PassContext::new();
    pass.apply(m, &collected, &mut quiet)
        .map_err(|e| e.diagnostics)?;
    for (stat, n) in quiet.statistics() {
        if *stat != tqopt_passes::calibration::calibrate::SAMPLES {
            cx.count(*stat, *n);
        }
    }
    for d in quiet.take_diagnostics() {
        cx.emit(d);
    }
    Ok(Some(collected))
}

/// The quantization report of `m`: sizes of the files when a `.tflite` was read and one is
/// written, else of the constant data (never one of each). `statistics` are the run's pass
/// statistics (the precision search's time and reuse).
pub fn report(
    m: &Module,
    constants_before: u64,
    kind: ReportKind,
    files: Option<(u64, u64)>,
    statistics: &[(String, Vec<(tqopt_passes::Statistic, u64)>)],
) -> Report {
    let mut report = Report::of(m, constants_before, kind);
    if let Some(p) = &mut report.precision {
        p.take_run_figures(statistics);
    }
    if let Some((before, after)) = files {
        report.size_before = before;
        report.size_after = after;
        report.size_measure = SizeMeasure::Files;
    }
    report
}

/// Renders diagnostics against `source`; returns the text and whether any is an error.
pub fn render(source: &SourceFile, diagnostics: &[Diagnostic]) -> (String, bool) {
    let mut text = String::new();
    let mut error = false;
    for d in diagnostics {
        error |= d.severity == Severity::Error;
        text.push_str(&source.render(d));
    }
    (text, error)
}

/// What [`quantize`] and [`run`] give back.
pub struct Output {
    /// The `.tflite` model, when one was exported.
    pub model: Option<Vec<u8>>,
    /// The MLIR text, when asked for instead.
    pub text: Option<String>,
    /// The quantization report as JSON (`--report`'s), when the pipeline quantizes.
    pub report_json: Option<String>,
    /// The statistics calibration collected or applied.
    pub statistics: Option<Statistics>,
    /// Warnings and notes, rendered as the CLI prints them.
    pub warnings: String,
}

/// Reads `input`, runs `specs` (cut at calibration when `calibration` is not
/// [`CalibrationInput::FromOptions`] or `keep_statistics`), and exports a `.tflite` (or prints
/// MLIR text with `emit_text`). Errors are the CLI's messages, rendered.
pub fn run(
    input: &Input,
    specs: &[PassSpec],
    calibration: &CalibrationInput,
    keep_statistics: bool,
    emit_text: Option<&PrintOptions>,
    progress: Option<Box<ProgressFn>>,
) -> Result<Output, String> {
    run_until(
        input,
        specs,
        calibration,
        (keep_statistics, false),
        emit_text,
        progress,
    )
}

/// Runs the quantization pipeline up to its calibration and returns the statistics.
pub fn calibrate_only(
    input: &Input,
    specs: &[PassSpec],
    data: DataSource,
    progress: Option<Box<ProgressFn>>,
) -> Result<Statistics, String> {
    let out = run_until(
        input,
        specs,
        &CalibrationInput::Data(data),
        (true, true),
        None,
        progress,
    )?;
    out.statistics.ok_or_else(|| {
        "the pipeline does not calibrate (or the model already holds statistics): nothing to collect"
            .to_string()
    })
}

fn run_until(
    input: &Input,
    specs: &[PassSpec],
    calibration: &CalibrationInput,
    (keep_statistics, stop_after_calibration): (bool, bool),
    emit_text: Option<&PrintOptions>,
    progress: Option<Box<ProgressFn>>,
) -> Result<Output, String> {
    let source = input.source()?;
    let cut = keep_statistics || !matches!(calibration, CalibrationInput::FromOptions);
    // Arrays in memory calibrate, and the passes that read the calibration data by its option
    // (method=auto's search, the accuracy check, equalize-channels, round-weights) find them
    // registered under the name that option then gives: the model is the one the command line
    // writes for the same data in a file. (A run that stops after calibration leaves them out,
    // as it always has: its statistics are what a later run without data applies.)
    let (specs, _registration) = match calibration {
        CalibrationInput::Data(DataSource::Memory(data)) if !stop_after_calibration => {
            let r = register_memory(data.clone());
            let mut specs = specs.to_vec();
            for spec in &mut specs {
                registry::supply_input(spec, ToolInput::CalibrationData, r.key());
            }
            (specs, Some(r))
        }
        _ => (specs.to_vec(), None),
    };
    let specs = &specs[..];
    let pipeline = Pipeline::new(specs, cut)?;
    if cut && !pipeline.calibrates() {
        return Err(
            "calibration data or statistics were given, but the pipeline does not calibrate (use mode int8 or int16x8, or the calibrate pass)"
                .into(),
        );
    }
    let mut m = input
        .module()
        .map_err(|d| render(&source, &[d]).0.trim_end().to_string())?;
    let constants_before = tqopt_passes::quant::report::constant_bytes(&m);
    let errors = verifier::verify(&m);
    if !errors.is_empty() {
        return Err(render(&source, &errors).0.trim_end().to_string());
    }
    let mut sink = std::io::sink();
    let run = pipeline.run(
        &mut m,
        &Instrumentation::default(),
        calibration,
        stop_after_calibration,
        progress,
        &mut sink,
    );
    let (warnings, statistics, pass_statistics) = match run {
        Ok(r) => {
            let (text, error) = render(&source, &r.report.diagnostics);
            if error {
                return Err(text.trim_end().to_string());
            }
            (text, r.statistics, r.report.statistics)
        }
        Err(e) => {
            let mut all = e.report.diagnostics;
            all.extend(e.diagnostics);
            return Err(render(&source, &all).0.trim_end().to_string());
        }
    };
    if stop_after_calibration {
        return Ok(Output {
            model: None,
            text: None,
            report_json: None,
            statistics,
            warnings,
        });
    }
    let (model, text) = match emit_text {
        Some(print) => (None, Some(tqopt_textual_ir::print_module(&m, print))),
        None => (
            Some(
                tqopt_backend::export(&m)
                    .map_err(|e| e.to_string())?
                    .as_bytes()
                    .to_vec(),
            ),
            None,
        ),
    };
    let report_json = pipeline.report_kind().map(|kind| {
        let files = match (&model, input.is_tflite) {
            (Some(out), true) => Some((input.bytes.len() as u64, out.len() as u64)),
            _ => None,
        };
        report(&m, constants_before, kind, files, &pass_statistics).json()
    });
    Ok(Output {
        model,
        text,
        report_json,
        statistics,
        warnings,
    })
}
