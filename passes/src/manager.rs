//! The pass manager: runs a pipeline over a module with MLIR's instrumentation.
//!
//! Between passes it verifies the IR (`--verify-each`, on by default), prints the IR before or
//! after chosen passes with MLIR's dump headers, times each pass, gathers statistics, and on a
//! failure can write a crash reproducer: the IR the failing pass started from plus the rest of
//! the pipeline, in MLIR's `external_resources` format, so `tqopt --run-reproducer FILE` replays
//! it.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tqopt_ir::{verifier, Diagnostic, Module};
use tqopt_textual_ir::{print_module, print_module_to, PrintOptions};

use crate::options::PassOptions;
use crate::pass::{Pass, PassContext, Statistic};
use crate::pipeline::{format_pipeline, PassSpec};
use crate::registry::{self, Entry, PassInfo};

/// What to report while running, with mlir-opt's flag names.
#[derive(Clone, Debug)]
pub struct Instrumentation {
    /// `--mlir-print-ir-before=a,b`
    pub print_before: Vec<String>,
    /// `--mlir-print-ir-after=a,b`
    pub print_after: Vec<String>,
    pub print_before_all: bool,
    pub print_after_all: bool,
    /// Print after a pass only when it changed the IR.
    pub print_after_change: bool,
    pub print_after_failure: bool,
    pub verify_each: bool,
    pub print: PrintOptions,
    pub crash_reproducer: Option<PathBuf>,
    /// Show progress of long passes on standard error (when it is a terminal).
    pub progress: bool,
}

impl Default for Instrumentation {
    fn default() -> Self {
        Instrumentation {
            print_before: Vec::new(),
            print_after: Vec::new(),
            print_before_all: false,
            print_after_all: false,
            print_after_change: false,
            print_after_failure: false,
            verify_each: true,
            print: PrintOptions::default(),
            crash_reproducer: None,
            progress: false,
        }
    }
}

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

    fn remaining_pipeline(&self, from: usize) -> String {
        let specs: Vec<PassSpec> = self.passes[from..]
            .iter()
            .map(|s| PassSpec {
                name: s.info.argument.to_string(),
                options: s.options.non_default(s.info.options),
            })
            .collect();
        format_pipeline(&specs)
    }

    /// Runs every pass in order; IR dumps go to `dumps` (stderr in the CLI).
    pub fn run(
        &self,
        m: &mut Module,
        instr: &Instrumentation,
        dumps: &mut dyn Write,
    ) -> Result<RunReport, RunError> {
        let mut report = RunReport::default();
        for (index, s) in self.passes.iter().enumerate() {
            let name = s.info.display_name();
            let arg = s.info.argument;
            let wants = |list: &[String]| list.iter().any(|p| p == arg);
            if instr.print_before_all || wants(&instr.print_before) {
                dump(
                    dumps,
                    &format!("IR Dump Before {name} ({arg})"),
                    m,
                    &instr.print,
                );
            }
            let fingerprint_before = instr
                .print_after_change
                .then(|| fingerprint(m, &instr.print));
            let saved = instr.crash_reproducer.as_ref().map(|_| m.clone());

            let mut cx = PassContext::new();
            if instr.progress {
                cx.progress = Some(Box::new(render_progress));
            }
            let start = Instant::now();
            let result = s.pass.run(m, &mut cx);
            if matches!(result, Ok(crate::pass::Changed::Yes)) {
                drop_operator_indices(m, &mut cx, arg);
            }
            let mut failure = match result {
                Ok(_) => None,
                Err(e) => Some(e.diagnostics),
            };
            if failure.is_none() && instr.verify_each {
                let errors = verifier::verify(m);
                if !errors.is_empty() {
                    let mut errors = errors;
                    errors.push(Diagnostic::note(format!(
                        "the IR is invalid after pass '{arg}'"
                    )));
                    failure = Some(errors);
                }
            }
            report.timings.push((name.clone(), start.elapsed()));
            report
                .statistics
                .push((name.clone(), cx.statistics().to_vec()));
            report.diagnostics.extend(cx.take_diagnostics());

            if let Some(mut diagnostics) = failure {
                if instr.print_after_failure {
                    dump(
                        dumps,
                        &format!("IR Dump After {name} Failed ({arg})"),
                        m,
                        &instr.print,
                    );
                }
                if let (Some(path), Some(saved)) = (&instr.crash_reproducer, saved) {
                    diagnostics.push(write_reproducer(
                        path,
                        &saved,
                        &self.remaining_pipeline(index),
                        instr,
                    ));
                }
                return Err(RunError {
                    pass: arg.to_string(),
                    diagnostics,
                    report,
                });
            }
            let changed = match fingerprint_before {
                Some(before) => before != fingerprint(m, &instr.print),
                None => true,
            };
            if instr.print_after_all
                || wants(&instr.print_after)
                || (instr.print_after_change && changed)
            {
                dump(
                    dumps,
                    &format!("IR Dump After {name} ({arg})"),
                    m,
                    &instr.print,
                );
            }
        }
        Ok(report)
    }
}

/// Module attributes that index operators go stale when a pass changes the IR: they are
/// dropped, with a warning, rather than exported pointing at the wrong operators.
fn drop_operator_indices(m: &mut Module, cx: &mut PassContext, pass: &str) {
    let root = m.op;
    if m.op_mut(root)
        .attributes
        .remove(tqopt_ir::CONTROL_DEPENDENCIES_ATTR)
        .is_some()
    {
        cx.emit(Diagnostic::warning(format!(
            "pass '{pass}' changed the operators, so the model's control dependencies \
             (model_control_dependencies, by operator index) no longer hold and are dropped"
        )));
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
                let inner =
                    (p.expand)(&options).map_err(|e| format!("pipeline '{}': {e}", p.name))?;
                expand(&inner, out, depth + 1)?;
            }
            None => {
                let hint = closest(&spec.name, &registry::names())
                    .map(|n| format!("; did you mean '{n}'?"))
                    .unwrap_or_default();
                return Err(format!(
                    "'{}' is not a registered pass or pipeline{hint} (see --help for the list)",
                    spec.name
                ));
            }
        }
    }
    Ok(())
}

/// The registered name nearest to `name` by edit distance, if reasonably near.
fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                cur.push(
                    (prev[j] + (ca != *cb) as usize)
                        .min(prev[j + 1] + 1)
                        .min(cur[j] + 1),
                );
            }
            prev = cur;
        }
        prev[b.len()]
    }
    candidates
        .iter()
        .map(|c| (distance(name, c), *c))
        .filter(|(d, c)| *d <= 3.max(c.len() / 3))
        .min()
        .map(|(_, c)| c)
}

/// `calibrating: 12/64 samples, 5.3/s, about 10 s left`, redrawn in place on standard error.
pub fn render_progress(p: &crate::pass::Progress) {
    let secs = p.elapsed.as_secs_f64().max(1e-9);
    let rate = p.done as f64 / secs;
    let left = if rate > 0.0 {
        (p.total.saturating_sub(p.done)) as f64 / rate
    } else {
        0.0
    };
    let line = format!(
        "{}: {}/{} samples, {:.1}/s, about {:.0} s left",
        p.what, p.done, p.total, rate, left
    );
    let mut err = std::io::stderr();
    let _ = write!(err, "\r{line}\x1b[K");
    if p.done >= p.total {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

fn dump(out: &mut dyn Write, header: &str, m: &Module, print: &PrintOptions) {
    let _ = writeln!(out, "// -----// {header} //----- //");
    let _ = print_module_to(m, print, out);
    let _ = writeln!(out);
}

fn fingerprint(m: &Module, print: &PrintOptions) -> u64 {
    let mut h = DefaultHasher::new();
    print_module(m, print).hash(&mut h);
    h.finish()
}

/// Writes the reproducer file and returns the note that says where it is.
fn write_reproducer(
    path: &PathBuf,
    m: &Module,
    pipeline: &str,
    instr: &Instrumentation,
) -> Diagnostic {
    let mut text = print_module(
        m,
        &PrintOptions {
            elide_elements_larger_than: None,
            ..instr.print.clone()
        },
    );
    text.push_str(&format!(
        "\n{{-#\n  external_resources: {{\n    mlir_reproducer: {{\n      pipeline: \"{}\",\n      disable_threading: true,\n      verify_each: {}\n    }}\n  }}\n#-}}\n",
        pipeline.replace('\\', "\\\\").replace('"', "\\22"),
        instr.verify_each
    ));
    match std::fs::write(path, text) {
        Ok(()) => Diagnostic::note(format!(
            "pipeline failed; a reproducer was written to '{}' (replay it with: tqopt --run-reproducer {})",
            path.display(),
            path.display()
        )),
        Err(e) => Diagnostic::error(format!("could not write the crash reproducer '{}': {e}", path.display())),
    }
}

/// MLIR's execution time report.
pub fn format_timing(entries: &[(String, Duration)], total: Duration) -> String {
    let rule = "===-------------------------------------------------------------------------===";
    let mut s = format!("{rule}\n                         ... Execution time report ...\n{rule}\n");
    let total_secs = total.as_secs_f64().max(1e-9);
    s.push_str(&format!(
        "  Total Execution Time: {:.4} seconds\n\n  ----Wall Time----  ----Name----\n",
        total_secs
    ));
    let mut listed = Duration::ZERO;
    for (name, d) in entries {
        listed += *d;
        s.push_str(&format!(
            "  {:>8.4} ({:>5.1}%)  {name}\n",
            d.as_secs_f64(),
            100.0 * d.as_secs_f64() / total_secs
        ));
    }
    let rest = total.saturating_sub(listed);
    s.push_str(&format!(
        "  {:>8.4} ({:>5.1}%)  Rest\n",
        rest.as_secs_f64(),
        100.0 * rest.as_secs_f64() / total_secs
    ));
    s.push_str(&format!("  {:>8.4} (100.0%)  Total\n", total_secs));
    s
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
