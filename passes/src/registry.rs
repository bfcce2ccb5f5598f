//! The one table of passes and named pipelines. The CLI's `--pass`, `--pass-pipeline`,
//! `--help` and `--dump-pass-pipeline` all read it, and so does the driver when it asks which
//! option takes a tool-level flag (`--calibration-data`) or which report a pipeline makes: that
//! knowledge is declared with each pass ([`PassTraits`]) and, for pipelines, follows from their
//! forwarding ([`crate::expansion`]).

use crate::expansion::Step;
use crate::options::{OptionInfo, PassOptions};
use crate::pass::Pass;
use crate::pipeline::PassSpec;
use crate::quant::report::Kind as ReportKind;

/// A tool-level input (a command-line flag) that a pass option takes when the user did not
/// set the option itself.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ToolInput {
    /// `--calibration-data`
    CalibrationData,
    /// `--calibration-method` (or the method saved statistics were collected with)
    CalibrationMethod,
    /// `--input-range`
    InputRange,
}

/// What a pass means to the tool around it, beyond its options.
#[derive(Copy, Clone, Debug)]
pub struct PassTraits {
    /// Options that take a tool-level input: `(input, option name)`.
    pub inputs: &'static [(ToolInput, &'static str)],
    /// The quantization report worth printing after a pipeline that runs this pass.
    pub report: Option<ReportKind>,
}

impl PassTraits {
    /// No tool-level inputs, no report.
    pub const NONE: PassTraits = PassTraits {
        inputs: &[],
        report: None,
    };
}

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
    pub traits: PassTraits,
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

/// A registered pipeline: a name that expands into passes, declared as data.
pub struct PipelineInfo {
    pub name: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    pub options: &'static [OptionInfo],
    /// Its passes and where their options come from.
    pub steps: &'static [Step],
}

impl PipelineInfo {
    /// The passes (or pipelines) it runs with `options`.
    pub fn expand(&self, options: &PassOptions) -> Result<Vec<PassSpec>, String> {
        crate::expansion::expand(self.steps, options)
    }

    /// Where its option `name` goes, as `pass{option}` for each step argument that reads it
    /// (`--help` shows it).
    pub fn destinations(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let all = self.steps.iter().flat_map(|step| {
            step.args
                .iter()
                .filter(|a| a.reads().contains(&name))
                .map(move |a| format!("{}{{{}}}", step.pass, a.to()))
        });
        // A pass that runs twice (search-precision) is named once per option.
        for d in all {
            if !out.contains(&d) {
                out.push(d);
            }
        }
        out
    }
}

/// Every pass, in `--help` order.
pub static PASSES: &[&PassInfo] = &[
    &crate::canonicalize::INFO,
    &crate::dce::INFO,
    &crate::fold_constants::INFO,
    &crate::fold_constant_ops::INFO,
    &crate::fuse_activations::INFO,
    &crate::quant::equalize::INFO,
    &crate::calibration::calibrate::INFO,
    &crate::quant::bound_masks::INFO,
    &crate::quant::guard_divisions::INFO,
    &crate::quant::guard_concatenations::INFO,
    &crate::quant::propagate_ranges::INFO,
    &crate::quant::mixed_precision::INFO,
    &crate::quant::insert_fake_quant::INFO,
    &crate::quant::legalize_opset::INFO,
    &crate::quant::rewrite_for_target::INFO,
    &crate::quant::prelu_int16::INFO,
    &crate::quant::fold_quant::INFO,
    &crate::quant::fold_dequant::INFO,
    &crate::quant::quantize_weights::INFO,
    &crate::quant::compact_float_weights::INFO,
    &crate::quant::sparsify_weights::INFO,
    &crate::quant::precision::INFO,
    &crate::quant::weight_rounding::INFO,
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
    steps: &[
        crate::expansion::step("canonicalize"),
        crate::expansion::step("dce"),
    ],
};

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

/// The option of pass or pipeline `name` that takes `input`: a pass declares it in its
/// traits; a pipeline's is the option it forwards to such an option of one of its steps.
pub fn option_taking(name: &str, input: ToolInput) -> Option<&'static str> {
    option_taking_at(name, input, 0)
}

fn option_taking_at(name: &str, input: ToolInput, depth: usize) -> Option<&'static str> {
    match lookup(name)? {
        Entry::Pass(p) => p
            .traits
            .inputs
            .iter()
            .find(|(i, _)| *i == input)
            .map(|(_, o)| *o),
        Entry::Pipeline(_) if depth > 16 => None,
        Entry::Pipeline(p) => p.steps.iter().find_map(|step| {
            let inner = option_taking_at(step.pass, input, depth + 1)?;
            step.args.iter().find_map(|a| a.source_of(inner))
        }),
    }
}

/// Gives `value` to the option of `spec` that takes `input` (as [`option_taking`] finds it),
/// unless the spec names that option itself; a pass or pipeline that takes no such input is
/// left as it is. The command line's flags (`--calibration-data`...) and the library's arrays
/// in memory reach the passes this way.
pub fn supply_input(spec: &mut PassSpec, input: ToolInput, value: &str) {
    let Some(option) = option_taking(&spec.name, input) else {
        return;
    };
    if !spec.options.iter().any(|(k, _)| k == option) {
        spec.options.push((option.to_string(), value.to_string()));
    }
}

/// The registered names (pipelines first) that take `input`, for messages such as
/// "--save-stats needs a pipeline that calibrates (...)".
pub fn names_taking(input: ToolInput) -> Vec<&'static str> {
    let pipelines = PIPELINES.iter().map(|p| p.name);
    let passes = PASSES.iter().map(|p| p.argument);
    pipelines
        .chain(passes)
        .filter(|n| option_taking(n, input).is_some())
        .collect()
}

/// "a, b or c".
pub fn either(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
