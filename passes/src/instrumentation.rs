//! Pass instrumentation, as MLIR's `PassInstrumentation`: hooks the pass manager calls around
//! every pass. The mlir-opt flags are implementations of it: [`IrPrinter`]
//! (`--mlir-print-ir-*`), [`CrashReproducer`] (`--mlir-pass-pipeline-crash-reproducer`) and
//! [`PassTiming`] (`--mlir-timing`). [`Instrumentation`] holds the flags and builds the hooks.
//!
//! Order (MLIR's): before a pass, hooks run in the order they were given; after it (or after
//! its failure), in the reverse order, so the first hook wraps all the others.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tqopt_ir::{Diagnostic, Module};
use tqopt_textual_ir::{print_module, print_module_to, PrintOptions};

use crate::manager::{PassManager, RunConfig};
use crate::options::PassOptions;
use crate::registry::PassInfo;

/// The pass a hook is called about.
pub struct PassRun<'a> {
    pub info: &'static PassInfo,
    pub options: &'a PassOptions,
    /// Its position in the expanded pipeline.
    pub index: usize,
    /// The pipeline it belongs to.
    pub manager: &'a PassManager,
}

impl PassRun<'_> {
    /// `InsertFakeQuant (insert-fake-quant)`, as MLIR's dump headers name a pass.
    fn title(&self) -> String {
        format!("{} ({})", self.info.display_name(), self.info.argument)
    }
}

/// Hooks around each pass. Every method does nothing by default.
pub trait PassInstrumentation {
    /// Before the pass runs, on the IR it starts from.
    fn run_before_pass(&mut self, _pass: &PassRun, _m: &Module) {}
    /// After the pass succeeded (and the IR verified, with verify-each).
    fn run_after_pass(&mut self, _pass: &PassRun, _m: &Module) {}
    /// After the pass failed, or left invalid IR; a hook may add to the diagnostics (a note
    /// saying where a reproducer was written).
    fn run_after_pass_failed(
        &mut self,
        _pass: &PassRun,
        _m: &Module,
        _diagnostics: &mut Vec<Diagnostic>,
    ) {
    }
}

/// What to report while running, with mlir-opt's flag names: the command line's settings,
/// from which [`Instrumentation::hooks`] builds the hooks.
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
    /// Verify the IR after each pass (the pass manager's, not a hook).
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

impl Instrumentation {
    /// How the pass manager runs under these flags, besides its hooks.
    pub fn config(&self) -> RunConfig {
        RunConfig {
            verify_each: self.verify_each,
            progress: self.progress,
        }
    }

    /// Calls `f` with the hooks these flags ask for (IR dumps to `dumps`, a crash reproducer,
    /// and timing, last so that its clock runs inside the others); returns what `f` returned
    /// and the pass timings.
    pub fn run_hooked<R>(
        &self,
        dumps: &mut dyn Write,
        f: impl FnOnce(&mut [&mut dyn PassInstrumentation]) -> R,
    ) -> (R, Vec<(String, Duration)>) {
        let mut printer = self.ir_printer(dumps);
        let mut reproducer = self.crash_reproducer();
        let mut timing = PassTiming::default();
        let mut hooks: Vec<&mut dyn PassInstrumentation> = Vec::new();
        if let Some(p) = printer.as_mut() {
            hooks.push(p);
        }
        if let Some(r) = reproducer.as_mut() {
            hooks.push(r);
        }
        hooks.push(&mut timing);
        let result = f(&mut hooks);
        drop(hooks);
        (result, timing.timings)
    }

    /// The IR printer these flags ask for, writing to `dumps`, if any printing is asked for.
    pub fn ir_printer<'w>(&self, dumps: &'w mut dyn Write) -> Option<IrPrinter<'w>> {
        let any = self.print_before_all
            || self.print_after_all
            || self.print_after_change
            || self.print_after_failure
            || !self.print_before.is_empty()
            || !self.print_after.is_empty();
        any.then(|| IrPrinter {
            before: Selection::new(self.print_before_all, &self.print_before),
            after: Selection::new(self.print_after_all, &self.print_after),
            after_change: self.print_after_change,
            after_failure: self.print_after_failure,
            print: self.print.clone(),
            out: dumps,
            fingerprint: None,
        })
    }

    /// The crash reproducer these flags ask for, if any.
    pub fn crash_reproducer(&self) -> Option<CrashReproducer> {
        self.crash_reproducer.as_ref().map(|path| CrashReproducer {
            path: path.clone(),
            print: self.print.clone(),
            verify_each: self.verify_each,
            saved: None,
        })
    }
}

/// Which passes a `--mlir-print-ir-before/after` flag selects.
#[derive(Clone, Debug)]
struct Selection {
    all: bool,
    names: Vec<String>,
}

impl Selection {
    fn new(all: bool, names: &[String]) -> Selection {
        Selection {
            all,
            names: names.to_vec(),
        }
    }

    fn wants(&self, pass: &PassRun) -> bool {
        self.all || self.names.iter().any(|n| n == pass.info.argument)
    }
}

/// `--mlir-print-ir-before/after[-all|-change|-failure]`: prints the IR with MLIR's headers,
/// `// -----// IR Dump After Canonicalize (canonicalize) //----- //`.
pub struct IrPrinter<'w> {
    before: Selection,
    after: Selection,
    after_change: bool,
    after_failure: bool,
    print: PrintOptions,
    out: &'w mut dyn Write,
    /// The printed IR's hash before the running pass, for `after_change`.
    fingerprint: Option<u64>,
}

impl IrPrinter<'_> {
    fn dump(&mut self, header: &str, m: &Module) {
        let _ = writeln!(self.out, "// -----// {header} //----- //");
        let _ = print_module_to(m, &self.print, self.out);
        let _ = writeln!(self.out);
    }
}

impl PassInstrumentation for IrPrinter<'_> {
    fn run_before_pass(&mut self, pass: &PassRun, m: &Module) {
        if self.before.wants(pass) {
            self.dump(&format!("IR Dump Before {}", pass.title()), m);
        }
        self.fingerprint = self.after_change.then(|| fingerprint(m, &self.print));
    }

    fn run_after_pass(&mut self, pass: &PassRun, m: &Module) {
        let changed = match self.fingerprint.take() {
            Some(before) => before != fingerprint(m, &self.print),
            None => false,
        };
        if self.after.wants(pass) || changed {
            self.dump(&format!("IR Dump After {}", pass.title()), m);
        }
    }

    fn run_after_pass_failed(&mut self, pass: &PassRun, m: &Module, _: &mut Vec<Diagnostic>) {
        self.fingerprint = None;
        if self.after_failure {
            let header = format!(
                "IR Dump After {} Failed ({})",
                pass.info.display_name(),
                pass.info.argument
            );
            self.dump(&header, m);
        }
    }
}

fn fingerprint(m: &Module, print: &PrintOptions) -> u64 {
    let mut h = DefaultHasher::new();
    print_module(m, print).hash(&mut h);
    h.finish()
}

/// `--mlir-pass-pipeline-crash-reproducer=FILE`: keeps the IR each pass starts from and, when
/// the pass fails, writes it with the rest of the pipeline in MLIR's `external_resources`
/// format (`tqopt --run-reproducer FILE` replays it).
pub struct CrashReproducer {
    path: PathBuf,
    print: PrintOptions,
    verify_each: bool,
    saved: Option<Module>,
}

impl PassInstrumentation for CrashReproducer {
    fn run_before_pass(&mut self, _: &PassRun, m: &Module) {
        self.saved = Some(m.clone());
    }

    fn run_after_pass(&mut self, _: &PassRun, _: &Module) {
        self.saved = None;
    }

    fn run_after_pass_failed(&mut self, pass: &PassRun, _: &Module, d: &mut Vec<Diagnostic>) {
        if let Some(saved) = self.saved.take() {
            let pipeline = pass.manager.remaining_pipeline(pass.index);
            d.push(self.write(&saved, &pipeline));
        }
    }
}

impl CrashReproducer {
    /// Writes the reproducer file and returns the note that says where it is.
    fn write(&self, m: &Module, pipeline: &str) -> Diagnostic {
        let mut text = print_module(
            m,
            &PrintOptions {
                elide_elements_larger_than: None,
                ..self.print.clone()
            },
        );
        text.push_str(&format!(
            "\n{{-#\n  external_resources: {{\n    mlir_reproducer: {{\n      pipeline: \"{}\",\n      disable_threading: true,\n      verify_each: {}\n    }}\n  }}\n#-}}\n",
            pipeline.replace('\\', "\\\\").replace('"', "\\22"),
            self.verify_each
        ));
        let path = &self.path;
        match std::fs::write(path, text) {
            Ok(()) => Diagnostic::note(format!(
                "pipeline failed; a reproducer was written to '{}' (replay it with: tqopt --run-reproducer {})",
                path.display(),
                path.display()
            )),
            Err(e) => Diagnostic::error(format!(
                "could not write the crash reproducer '{}': {e}",
                path.display()
            )),
        }
    }
}

/// `--mlir-timing`: the wall time of each pass, verification included, in run order (by
/// display name). Give it last, so its clock runs inside every other hook's.
#[derive(Default)]
pub struct PassTiming {
    started: Option<Instant>,
    pub timings: Vec<(String, Duration)>,
}

impl PassTiming {
    fn stop(&mut self, pass: &PassRun) {
        if let Some(start) = self.started.take() {
            self.timings
                .push((pass.info.display_name(), start.elapsed()));
        }
    }
}

impl PassInstrumentation for PassTiming {
    fn run_before_pass(&mut self, _: &PassRun, _: &Module) {
        self.started = Some(Instant::now());
    }

    fn run_after_pass(&mut self, pass: &PassRun, _: &Module) {
        self.stop(pass);
    }

    fn run_after_pass_failed(&mut self, pass: &PassRun, _: &Module, _: &mut Vec<Diagnostic>) {
        self.stop(pass);
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
