//! The pass manager: runs a pipeline over a module, calling instrumentation hooks around
//! every pass (IR dumps, timing, crash reproducers: see [`crate::instrumentation`]).
//!
//! Between passes it verifies the IR (`--verify-each`, on by default) and gathers each pass's
//! statistics and diagnostics. After a pass that changed the IR it drops the module attributes
//! that index operators ([`tqopt_ir::OPERATOR_INDEX_ATTRS`]), with a warning.

use std::io::Write;
use std::time::Duration;

use tqopt_ir::{verifier, Diagnostic, Module};

use crate::instrumentation::{PassInstrumentation, PassRun};
use crate::options::PassOptions;
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::pipeline::{format_pipeline, PassSpec};
use crate::quant::report::Kind as ReportKind;
use crate::registry::{self, Entry, PassInfo};
use crate::suggest::did_you_mean;

pub use crate::instrumentation::{format_timing, Instrumentation};

struct Scheduled {
    info: &'static PassInfo,
    options: PassOptions,
    pass: Box<dyn Pass>,
}

/// A pipeline of instantiated passes.
pub struct PassManager {
    passes: Vec<Scheduled>,
}

/// What a run measured and said.
#[derive(Debug, Default)]
pub struct RunReport {
    /// Wall time per pass, in run order (display name).
    pub timings: Vec<(String, Duration)>,
    /// Statistics per pass, in run order (display name).
    pub statistics: Vec<(String, Vec<(Statistic, u64)>)>,
    /// Warnings and remarks passes emitted.
    pub diagnostics: Vec<Diagnostic>,
}

/// A failed run: which pass, why, and what was measured up to then.
#[derive(Debug)]
pub struct RunError {
    pub pass: String,
    pub diagnostics: Vec<Diagnostic>,
    pub report: RunReport,
}

impl PassManager {
    /// Instantiates passes, expanding named pipelines; unknown names and bad options are
    /// errors that say what is valid.
    pub fn new(specs: &[PassSpec]) -> Result<PassManager, String> {
        let mut passes = Vec::new();
        expand(specs, &mut passes, 0)?;
        Ok(PassManager { passes })
    }

    pub fn is_empty(&self) -> bool {
        self.passes.is_empty()
    }

    /// The number of passes after expanding pipelines.
    pub fn len(&self) -> usize {
        self.passes.len()
    }

    /// The expanded pipeline with every option spelled out, as `--dump-pass-pipeline` shows it.
    pub fn pipeline_text(&self) -> String {
        let specs: Vec<PassSpec> = self
            .passes
            .iter()
            .map(|s| PassSpec {
                name: s.info.argument.to_string(),
                options: s.options.all(s.info.options),
            })
            .collect();
        format_pipeline(&specs)
    }

    /// The pipeline from pass `from` on, with the options that differ from their defaults
    /// (what a crash reproducer replays).
    pub fn remaining_pipeline(&self, from: usize) -> String {
        let specs: Vec<PassSpec> = self.passes[from..]
            .iter()
            .map(|s| PassSpec {
                name: s.info.argument.to_string(),
                options: s.options.non_default(s.info.options),
            })
            .collect();
        format_pipeline(&specs)
    }

    /// The report a run of this pipeline makes worth printing: the fullest any of its passes
    /// declares (a full-integer report over a weights-only one), if any.
    pub fn report_kind(&self) -> Option<ReportKind> {
        let kinds = self.passes.iter().filter_map(|s| s.info.traits.report);
        kinds.fold(None, |acc, k| match (acc, k) {
            (Some(ReportKind::Full), _) | (_, ReportKind::Full) => Some(ReportKind::Full),
            _ => Some(k),
        })
    }

    /// Runs every pass in order with the instrumentation `instr` asks for; IR dumps go to
    /// `dumps` (stderr in the CLI) and pass timings into the report.
    pub fn run(
        &self,
        m: &mut Module,
        instr: &Instrumentation,
        dumps: &mut dyn Write,
    ) -> Result<RunReport, RunError> {
        let (result, timings) =
            instr.run_hooked(dumps, |hooks| self.run_with(m, hooks, &instr.config()));
        match result {
            Ok(mut report) => {
                report.timings = timings;
                Ok(report)
            }
            Err(mut e) => {
                e.report.timings = timings;
                Err(e)
            }
        }
    }

    /// Runs every pass in order, calling `hooks` around each (before: in order; after: in
    /// reverse order).
    pub fn run_with(
        &self,
        m: &mut Module,
        hooks: &mut [&mut dyn PassInstrumentation],
        config: &RunConfig,
    ) -> Result<RunReport, RunError> {
        let mut report = RunReport::default();
        match self.run_range(0..self.passes.len(), m, hooks, config, &mut report) {
            Ok(()) => Ok(report),
            Err(mut e) => {
                e.report = report;
                Err(e)
            }
        }
    }

    /// Runs the passes at `range` of the expanded pipeline, adding what they report to
    /// `report`; the error of a failure carries no report (the caller's `report` has it).
    pub fn run_range(
        &self,
        range: std::ops::Range<usize>,
        m: &mut Module,
        hooks: &mut [&mut dyn PassInstrumentation],
        config: &RunConfig,
        report: &mut RunReport,
    ) -> Result<(), RunError> {
        for index in range {
            let pass = &self.passes[index].pass;
            self.run_one(index, m, hooks, config, report, &mut |m, cx| {
                pass.run(m, cx)
            })?;
        }
        Ok(())
    }

    /// Runs pass `index` by calling `body` in its place, with everything the pass manager does
    /// around a pass: hooks, verification, statistics, diagnostics, stale operator indices.
    /// The library uses it to run `calibrate` its own way (on arrays in memory, or saved
    /// statistics). The error of a failure carries no report (`report` has it).
    pub fn run_one(
        &self,
        index: usize,
        m: &mut Module,
        hooks: &mut [&mut dyn PassInstrumentation],
        config: &RunConfig,
        report: &mut RunReport,
        body: &mut dyn FnMut(&mut Module, &mut PassContext) -> Result<Changed, PassError>,
    ) -> Result<(), RunError> {
        let s = &self.passes[index];
        let run = PassRun {
            info: s.info,
            options: &s.options,
            index,
            manager: self,
        };
        let arg = s.info.argument;
        for h in hooks.iter_mut() {
            h.run_before_pass(&run, m);
        }
        let mut cx = PassContext::new();
        if config.progress {
            cx.progress = Some(Box::new(render_progress));
        }
        let result = body(m, &mut cx);
        if matches!(result, Ok(Changed::Yes)) {
            for what in m.drop_operator_indices() {
                cx.emit(Diagnostic::warning(format!(
                    "pass '{arg}' changed the operators, so {what} no longer hold and are dropped"
                )));
            }
        }
        let mut failure = match result {
            Ok(_) => None,
            Err(e) => Some(e.diagnostics),
        };
        if failure.is_none() && config.verify_each {
            let errors = verifier::verify(m);
            if !errors.is_empty() {
                let mut errors = errors;
                errors.push(Diagnostic::note(format!(
                    "the IR is invalid after pass '{arg}'"
                )));
                failure = Some(errors);
            }
        }
        report
            .statistics
            .push((s.info.display_name(), cx.statistics().to_vec()));
        report.diagnostics.extend(cx.take_diagnostics());

        if let Some(mut diagnostics) = failure {
            for h in hooks.iter_mut().rev() {
                h.run_after_pass_failed(&run, m, &mut diagnostics);
            }
            return Err(RunError {
                pass: arg.to_string(),
                diagnostics,
                report: RunReport::default(),
            });
        }
        for h in hooks.iter_mut().rev() {
            h.run_after_pass(&run, m);
        }
        Ok(())
    }

    /// The pass at `index` of the expanded pipeline and its options.
    pub fn pass(&self, index: usize) -> (&'static PassInfo, &PassOptions) {
        let s = &self.passes[index];
        (s.info, &s.options)
    }
}

/// How [`PassManager::run_with`] runs, besides its hooks.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Verify the IR after each pass; invalid IR fails the pass.
    pub verify_each: bool,
    /// Draw the progress of long passes on standard error.
    pub progress: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            verify_each: true,
            progress: false,
        }
    }
}

fn expand(specs: &[PassSpec], out: &mut Vec<Scheduled>, depth: usize) -> Result<(), String> {
    if depth > 16 {
        return Err("pipelines nest too deeply (a pipeline expands into itself?)".into());
    }
    for spec in specs {
        match registry::lookup(&spec.name) {
            Some(Entry::Pass(info)) => {
                let options = PassOptions::parse(info.argument, info.options, &spec.options)?;
                let pass = (info.create)(&options)
                    .map_err(|e| format!("pass '{}': {e}", info.argument))?;
                out.push(Scheduled {
                    info,
                    options,
                    pass,
                });
            }
            Some(Entry::Pipeline(p)) => {
                let options = PassOptions::parse(p.name, p.options, &spec.options)?;
                let inner = p
                    .expand(&options)
                    .map_err(|e| format!("pipeline '{}': {e}", p.name))?;
                expand(&inner, out, depth + 1)
                    .map_err(|e| format!("{e} (in pipeline '{}')", p.name))?;
            }
            None => {
                return Err(format!(
                    "'{}' is not a registered pass or pipeline{} (see --help for the list)",
                    spec.name,
                    did_you_mean(&spec.name, &registry::names())
                ));
            }
        }
    }
    Ok(())
}

/// `calibrating: 12/64 samples, 5.3/s, about 10 s left`, redrawn in place on standard error
/// (without a total: `precision search: 40 scores, 2.1/s`; a report with `done == total`
/// ends the line).
pub fn render_progress(p: &crate::pass::Progress) {
    let secs = p.elapsed.as_secs_f64().max(1e-9);
    let rate = p.done as f64 / secs;
    let left = if rate > 0.0 {
        (p.total.saturating_sub(p.done)) as f64 / rate
    } else {
        0.0
    };
    let line = match p.total {
        0 => format!("{}: {} {}, {:.1}/s", p.what, p.done, p.unit, rate),
        total => format!(
            "{}: {}/{} {}, {:.1}/s, about {:.0} s left",
            p.what, p.done, total, p.unit, rate, left
        ),
    };
    let mut err = std::io::stderr();
    let _ = write!(err, "\r{line}\x1b[K");
    if p.total > 0 && p.done >= p.total {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

/// MLIR's pass statistics report.
pub fn format_statistics(statistics: &[(String, Vec<(Statistic, u64)>)]) -> String {
    let rule = "===-------------------------------------------------------------------------===";
    let mut s =
        format!("{rule}\n                         ... Pass statistics report ...\n{rule}\n");
    s.push_str("'builtin.module' Pipeline\n");
    for (name, stats) in statistics {
        s.push_str(&format!("  {name}\n"));
        for (stat, value) in stats {
            s.push_str(&format!(
                "    (S) {value} {} - {}\n",
                stat.name, stat.description
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::parse_pipeline;

    #[test]
    fn unknown_pass_suggests_a_name() {
        let e = PassManager::new(&parse_pipeline("canonicalise").unwrap())
            .err()
            .unwrap();
        assert!(e.contains("did you mean 'canonicalize'"), "{e}");
    }

    #[test]
    fn pipelines_expand() {
        let pm = PassManager::new(&parse_pipeline("cleanup").unwrap()).unwrap();
        assert_eq!(
            pm.pipeline_text(),
            "builtin.module(canonicalize{max-iterations=10},dce)"
        );
    }

    /// Records each hook call as "label when pass".
    struct Recorder {
        label: &'static str,
        log: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
    }

    impl PassInstrumentation for Recorder {
        fn run_before_pass(&mut self, pass: &PassRun, _: &Module) {
            let line = format!("{} before {}", self.label, pass.info.argument);
            self.log.borrow_mut().push(line);
        }
        fn run_after_pass(&mut self, pass: &PassRun, _: &Module) {
            let line = format!("{} after {}", self.label, pass.info.argument);
            self.log.borrow_mut().push(line);
        }
        fn run_after_pass_failed(&mut self, pass: &PassRun, _: &Module, d: &mut Vec<Diagnostic>) {
            let line = format!(
                "{} failed {} ({} diagnostics)",
                self.label,
                pass.info.argument,
                d.len()
            );
            self.log.borrow_mut().push(line);
            d.push(Diagnostic::note(format!("{} was here", self.label)));
        }
    }

    fn recorders() -> (
        Recorder,
        Recorder,
        std::rc::Rc<std::cell::RefCell<Vec<String>>>,
    ) {
        let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let a = Recorder {
            label: "a",
            log: log.clone(),
        };
        let b = Recorder {
            label: "b",
            log: log.clone(),
        };
        (a, b, log)
    }

    /// Hooks run in order before a pass and in reverse order after it, as MLIR's do.
    #[test]
    fn hooks_nest_around_each_pass() {
        let pm = PassManager::new(&parse_pipeline("canonicalize,dce").unwrap()).unwrap();
        let (mut a, mut b, log) = recorders();
        let mut m = Module::default();
        pm.run_with(&mut m, &mut [&mut a, &mut b], &RunConfig::default())
            .unwrap();
        assert_eq!(
            *log.borrow(),
            [
                "a before canonicalize",
                "b before canonicalize",
                "b after canonicalize",
                "a after canonicalize",
                "a before dce",
                "b before dce",
                "b after dce",
                "a after dce",
            ]
        );
    }

    /// A failing pass gets the failure hooks (in reverse order, each able to add a note), and
    /// the passes after it do not run.
    #[test]
    fn failure_hooks_see_the_diagnostics() {
        let pm = PassManager::new(&parse_pipeline("calibrate,dce").unwrap()).unwrap();
        let (mut a, mut b, log) = recorders();
        let mut m = Module::default();
        let e = pm
            .run_with(&mut m, &mut [&mut a, &mut b], &RunConfig::default())
            .expect_err("calibrate without data or statistics fails");
        assert_eq!(e.pass, "calibrate");
        let n = e.diagnostics.len() - 2;
        assert_eq!(
            *log.borrow(),
            [
                "a before calibrate".to_string(),
                "b before calibrate".to_string(),
                format!("b failed calibrate ({n} diagnostics)"),
                format!("a failed calibrate ({} diagnostics)", n + 1),
            ]
        );
        assert_eq!(e.diagnostics.last().unwrap().message, "a was here");
    }

    /// The report a pipeline makes follows from its passes' traits.
    #[test]
    fn report_kind_comes_from_the_passes() {
        let kind = |p: &str| {
            PassManager::new(&parse_pipeline(p).unwrap())
                .unwrap()
                .report_kind()
        };
        assert_eq!(kind("cleanup"), None);
        assert_eq!(kind("quantize-dynamic-range"), Some(ReportKind::Weights));
        assert_eq!(kind("quantize-float16"), Some(ReportKind::Weights));
        assert_eq!(kind("quantize-int8"), Some(ReportKind::Full));
        assert_eq!(kind("quantize-float16,fold-quant"), Some(ReportKind::Full));
    }

    /// An error inside a pipeline's passes names the pipeline too.
    #[test]
    fn errors_in_pipelines_name_the_pipeline() {
        let e = PassManager::new(&parse_pipeline("quantize-int8{input-range=1,-1}").unwrap())
            .err()
            .unwrap();
        assert!(
            e.starts_with("pass 'equalize-channels': expected an input range"),
            "{e}"
        );
        assert!(e.ends_with("(in pipeline 'quantize-int8')"), "{e}");
    }

    #[test]
    fn timing_report_has_mlir_shape() {
        let r = format_timing(
            &[("Canonicalize".into(), Duration::from_millis(5))],
            Duration::from_millis(10),
        );
        assert!(r.contains("Total Execution Time: 0.0100 seconds"), "{r}");
        assert!(r.contains("  0.0050 ( 50.0%)  Canonicalize"), "{r}");
    }
}
