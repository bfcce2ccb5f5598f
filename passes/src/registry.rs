//! The one table of passes and named pipelines. The CLI's `--pass`, `--pass-pipeline`,
//! `--help` and `--dump-pass-pipeline` all read it.

use crate::options::{OptionInfo, PassOptions};
use crate::pass::Pass;
use crate::pipeline::PassSpec;

/// A registered pass.
pub struct PassInfo {
    /// The name used on the command line and in pipelines (`canonicalize`).
    pub argument: &'static str,
    /// One line for `--help`.
    pub summary: &'static str,
    /// A paragraph for `--help=PASS`.
    pub description: &'static str,
    pub options: &'static [OptionInfo],
    pub create: fn(&PassOptions) -> Result<Box<dyn Pass>, String>,
}

impl PassInfo {
    /// The name in IR dump headers: `insert-fake-quant` -> `InsertFakeQuant`.
    pub fn display_name(&self) -> String {
        self.argument
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                match c.next() {
                    Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                    None => String::new(),
                }
            })
            .collect()
    }
}

/// A registered pipeline: a name that expands into passes.
pub struct PipelineInfo {
    pub name: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    pub options: &'static [OptionInfo],
    pub expand: fn(&PassOptions) -> Result<Vec<PassSpec>, String>,
}

/// Every pass, in `--help` order.
pub static PASSES: &[&PassInfo] = &[
    &crate::canonicalize::INFO,
    &crate::dce::INFO,
    &crate::fold_constants::INFO,
    &crate::fuse_activations::INFO,
    &crate::calibration::calibrate::INFO,
    &crate::quant::propagate_ranges::INFO,
    &crate::quant::mixed_precision::INFO,
    &crate::quant::insert_fake_quant::INFO,
    &crate::quant::legalize_opset::INFO,
    &crate::quant::rewrite_for_target::INFO,
    &crate::quant::prelu_int16::INFO,
    &crate::quant::fold_quant::INFO,
    &crate::quant::fold_dequant::INFO,
    &crate::quant::quantize_weights::INFO,
    &crate::quant::sparsify_weights::INFO,
    &crate::quant::precision::INFO,
];

/// Every named pipeline.
pub static PIPELINES: &[&PipelineInfo] = &[
    &CLEANUP,
    &crate::quant::pipeline::QUANTIZE_INT8,
    &crate::quant::pipeline_int16x8::QUANTIZE_INT16X8,
    &crate::quant::pipeline::QUANTIZE_DYNAMIC_RANGE,
    &crate::quant::pipeline::QUANTIZE_FLOAT16,
];

static CLEANUP: PipelineInfo = PipelineInfo {
    name: "cleanup",
    summary: "Canonicalize, then remove dead code",
    description:
        "The simplifications every later pipeline starts from: canonicalize followed by dce.",
    options: &[],
    expand: |_| Ok(vec![spec("canonicalize"), spec("dce")]),
};

pub(crate) fn spec(name: &str) -> PassSpec {
    PassSpec {
        name: name.to_string(),
        options: Vec::new(),
    }
}

/// A pass or a pipeline.
pub enum Entry {
    Pass(&'static PassInfo),
    Pipeline(&'static PipelineInfo),
}

pub fn lookup(name: &str) -> Option<Entry> {
    if let Some(p) = PASSES.iter().find(|p| p.argument == name) {
        return Some(Entry::Pass(p));
    }
    PIPELINES
        .iter()
        .find(|p| p.name == name)
        .map(|p| Entry::Pipeline(p))
}

/// All registered names, for "did you mean" hints.
pub fn names() -> Vec<&'static str> {
    PASSES
        .iter()
        .map(|p| p.argument)
        .chain(PIPELINES.iter().map(|p| p.name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_options_valid() {
        let mut seen = std::collections::HashSet::new();
        for n in names() {
            assert!(seen.insert(n), "{n} registered twice");
        }
        for p in PASSES {
            let options = PassOptions::parse(p.argument, p.options, &[]).unwrap();
            assert!(
                (p.create)(&options).is_ok(),
                "{} fails with default options",
                p.argument
            );
        }
    }

    /// Every pipeline expands with its default options (every option it reads is declared:
    /// `PassOptions::str` checks that in debug builds), and every pass it expands into accepts
    /// the options the pipeline forwards to it, so a forwarding typo fails here, not at a
    /// user's run.
    #[test]
    fn pipelines_forward_only_declared_options() {
        for p in PIPELINES {
            let options = PassOptions::parse(p.name, p.options, &[]).unwrap();
            let specs = (p.expand)(&options)
                .unwrap_or_else(|e| panic!("{} fails with default options: {e}", p.name));
            for spec in specs {
                let Some(Entry::Pass(info)) = lookup(&spec.name) else {
                    panic!("{} expands into '{}', which is no pass", p.name, spec.name);
                };
                let forwarded = PassOptions::parse(info.argument, info.options, &spec.options)
                    .unwrap_or_else(|e| panic!("{} -> {}: {e}", p.name, info.argument));
                (info.create)(&forwarded)
                    .unwrap_or_else(|e| panic!("{} -> {}: {e}", p.name, info.argument));
            }
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "reads option 'max-iteration', which it does not declare")]
    fn reading_an_undeclared_option_is_caught() {
        let options =
            PassOptions::parse("canonicalize", crate::canonicalize::INFO.options, &[]).unwrap();
        options.str("max-iteration");
    }

    #[test]
    fn display_names_are_camel_case() {
        assert_eq!(crate::canonicalize::INFO.display_name(), "Canonicalize");
        assert_eq!(crate::fold_constants::INFO.display_name(), "FoldConstants");
    }
}
