//! What a pass is: a stateless transformation of a module that reports whether it changed it.

use tqopt_ir::{Diagnostic, Module};

/// Whether a pass changed the IR.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Changed {
    Yes,
    No,
}

impl Changed {
    pub fn from(changed: bool) -> Changed {
        if changed {
            Changed::Yes
        } else {
            Changed::No
        }
    }
}

/// A pass failure: one or more error diagnostics (the pass manager prints them).
#[derive(Debug)]
pub struct PassError {
    pub diagnostics: Vec<Diagnostic>,
}

impl PassError {
    pub fn new(diagnostics: Vec<Diagnostic>) -> PassError {
        PassError { diagnostics }
    }
}

impl From<Diagnostic> for PassError {
    fn from(d: Diagnostic) -> PassError {
        PassError {
            diagnostics: vec![d],
        }
    }
}

/// A counter a pass reports, shown by `--mlir-pass-statistics`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Statistic {
    pub name: &'static str,
    pub description: &'static str,
}

/// Receives progress of long work: what is done, out of how many, and the unit.
pub type ProgressFn = dyn FnMut(&Progress) + Send;

/// A report of progress on long work (calibration samples, say).
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub what: &'static str,
    /// What is counted ("samples", "scores").
    pub unit: &'static str,
    pub done: usize,
    /// 0 when not known ahead.
    pub total: usize,
    pub elapsed: std::time::Duration,
}

/// What a running pass may use besides the module: statistics, non-fatal diagnostics and a
/// progress channel. Passes report; the pass manager decides what to show.
#[derive(Default)]
pub struct PassContext {
    pub(crate) statistics: Vec<(Statistic, u64)>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) progress: Option<Box<ProgressFn>>,
}

impl std::fmt::Debug for PassContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassContext")
            .field("statistics", &self.statistics)
            .field("diagnostics", &self.diagnostics)
            .finish()
    }
}

impl PassContext {
    pub fn new() -> PassContext {
        PassContext::default()
    }

    /// A context whose progress reports go to `f` (for passes run outside the pass manager).
    pub fn with_progress(mut self, f: Box<ProgressFn>) -> PassContext {
        self.progress = Some(f);
        self
    }

    /// Sends progress reports to `f` from now on.
    pub fn set_progress(&mut self, f: Box<ProgressFn>) {
        self.progress = Some(f);
    }

    /// Takes the progress channel (to hand to work that reports without the context; give it
    /// back with [`PassContext::set_progress`]).
    pub fn take_progress(&mut self) -> Option<Box<ProgressFn>> {
        self.progress.take()
    }

    /// Adds `n` to a statistic.
    pub fn count(&mut self, stat: Statistic, n: u64) {
        match self.statistics.iter_mut().find(|(s, _)| *s == stat) {
            Some((_, v)) => *v += n,
            None => self.statistics.push((stat, n)),
        }
    }

    /// Reports progress on long work; shown on a terminal by the pass manager.
    pub fn progress(&mut self, report: &Progress) {
        if let Some(f) = self.progress.as_mut() {
            f(report);
        }
    }

    /// Reports a warning or remark that does not stop the pipeline.
    pub fn emit(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn statistics(&self) -> &[(Statistic, u64)] {
        &self.statistics
    }

    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }
}

/// A transformation of a module. Implementations hold only their options.
pub trait Pass: Send + Sync {
    fn run(&self, module: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError>;
}
