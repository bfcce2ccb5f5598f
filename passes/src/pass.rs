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

/// What a running pass may use besides the module: statistics and non-fatal diagnostics.
#[derive(Debug, Default)]
pub struct PassContext {
    pub(crate) statistics: Vec<(Statistic, u64)>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl PassContext {
    pub fn new() -> PassContext {
        PassContext::default()
    }

    /// Adds `n` to a statistic.
    pub fn count(&mut self, stat: Statistic, n: u64) {
        match self.statistics.iter_mut().find(|(s, _)| *s == stat) {
            Some((_, v)) => *v += n,
            None => self.statistics.push((stat, n)),
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
