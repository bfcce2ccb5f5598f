//! Tests of the registry: names, defaults, and the pipelines' forwarding read as data.

use super::*;
use crate::expansion::{forward, same, set, with, Arg};
use crate::options::OptionKind;

#[test]
fn names_are_unique_and_defaults_valid() {
    let mut seen = std::collections::HashSet::new();
    for n in names() {
        assert!(seen.insert(n), "{n} registered twice");
    }
    for p in PASSES {
        let options = PassOptions::parse(p.argument, p.options, &[])
            .unwrap_or_else(|e| panic!("a default of {} does not parse: {e}", p.argument));
        assert!(
            (p.create)(&options).is_ok(),
            "{} fails with default options",
            p.argument
        );
    }
}

/// Whether a value of `from` is always a valid value of `to` (a string takes any text).
fn compatible(from: OptionKind, to: OptionKind) -> bool {
    match (from, to) {
        (_, OptionKind::String) => true,
        (OptionKind::Enum(a), OptionKind::Enum(b)) => a.iter().all(|v| b.contains(v)),
        (a, b) => a == b,
    }
}

fn declared(options: &[OptionInfo], name: &str) -> Option<OptionInfo> {
    options.iter().find(|o| o.name == name).copied()
}

fn target_options(step: &str) -> Option<&'static [OptionInfo]> {
    match lookup(step)? {
        Entry::Pass(p) => Some(p.options),
        Entry::Pipeline(p) => Some(p.options),
    }
}

/// Everything wrong with `p`'s forwarding, read from its steps: a step that is no pass, an
/// argument to an option the pass does not declare, a forward from an option the pipeline does
/// not declare or of an incompatible type, a fixed value the pass refuses, and a pipeline
/// option no step reads.
fn forwarding_errors(p: &PipelineInfo) -> Vec<String> {
    let mut errors = Vec::new();
    let mut read = std::collections::HashSet::new();
    for step in p.steps {
        let Some(to_options) = target_options(step.pass) else {
            errors.push(format!(
                "{} runs '{}', which is not registered",
                p.name, step.pass
            ));
            continue;
        };
        for name in step.when.iter().flat_map(|w| w.reads) {
            read.insert(*name);
        }
        for arg in step.args {
            read.extend(arg.reads().iter().copied());
            let place = format!("{} -> {}{{{}}}", p.name, step.pass, arg.to());
            let Some(to) = declared(to_options, arg.to()) else {
                errors.push(format!("{place}: '{}' declares no such option", step.pass));
                continue;
            };
            for from in arg.reads() {
                if declared(p.options, from).is_none() {
                    errors.push(format!(
                        "{place}: reads '{from}', which {} does not declare",
                        p.name
                    ));
                }
            }
            match *arg {
                Arg::Forward { from, .. } => {
                    if let Some(from) = declared(p.options, from) {
                        if !compatible(from.kind, to.kind) {
                            errors.push(format!(
                                "{place}: forwards '{}' ({:?}), which does not fit {:?}",
                                from.name, from.kind, to.kind
                            ));
                        }
                    }
                }
                Arg::Set { value, .. } => {
                    let given = [(to.name.to_string(), value.to_string())];
                    if let Err(e) = PassOptions::parse(step.pass, to_options, &given) {
                        errors.push(format!("{place}: {e}"));
                    }
                }
                Arg::Computed { .. } => {}
            }
        }
    }
    for o in p.options {
        if !read.contains(o.name) {
            errors.push(format!("{}: option '{}' reaches no step", p.name, o.name));
        }
    }
    errors
}

/// Every pipeline's forwarding, read from its declaration, is sound.
#[test]
fn pipelines_forward_declared_options_of_compatible_types() {
    for p in PIPELINES {
        let errors = forwarding_errors(p);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
}

/// Every pipeline expands with its default options (computed values included), and every pass
/// it expands into accepts what it is given.
#[test]
fn pipelines_expand_into_valid_passes() {
    for p in PIPELINES {
        let options = PassOptions::parse(p.name, p.options, &[]).unwrap();
        let specs = p
            .expand(&options)
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

static BROKEN_OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        name: "iterations",
        kind: OptionKind::Float,
        default: "3",
        help: "",
    },
    OptionInfo {
        name: "unused",
        kind: OptionKind::Bool,
        default: "false",
        help: "",
    },
];

static BROKEN: PipelineInfo = PipelineInfo {
    name: "broken",
    summary: "",
    description: "",
    options: BROKEN_OPTIONS,
    steps: &[
        with("canonicalize", &[forward("max-iterations", "iterations")]),
        with("calibrate", &[same("methd"), set("method", "fastest")]),
        with("no-such-pass", &[]),
    ],
};

/// The forwarding check catches each kind of mistake (so the test above can fail).
#[test]
fn forwarding_mistakes_are_caught() {
    let errors = forwarding_errors(&BROKEN).join("\n");
    for expected in [
        "broken -> canonicalize{max-iterations}: forwards 'iterations' (Float), which does not fit Int",
        "broken -> calibrate{methd}: 'calibrate' declares no such option",
        "broken -> calibrate{method}: option 'method' of 'calibrate' must be one of",
        "broken runs 'no-such-pass', which is not registered",
        "broken: option 'unused' reaches no step",
    ] {
        assert!(errors.contains(expected), "missing '{expected}' in:\n{errors}");
    }
}

/// Renamed forwards are found through the declaration: the driver hands `--calibration-data`
/// to `quantize-int8{calibration=}` because it forwards to `calibrate{data=}`.
#[test]
fn tool_inputs_follow_the_forwarding() {
    use ToolInput::*;
    assert_eq!(option_taking("calibrate", CalibrationData), Some("data"));
    assert_eq!(
        option_taking("quantize-int8", CalibrationData),
        Some("calibration")
    );
    assert_eq!(
        option_taking("quantize-int16x8", CalibrationData),
        Some("calibration")
    );
    assert_eq!(
        option_taking("quantize-int8", CalibrationMethod),
        Some("method")
    );
    assert_eq!(
        option_taking("quantize-int16x8", InputRange),
        Some("input-range")
    );
    assert_eq!(option_taking("cleanup", CalibrationData), None);
    assert_eq!(
        option_taking("quantize-dynamic-range", CalibrationData),
        None
    );
    assert_eq!(
        either(&names_taking(CalibrationData)),
        "quantize-int8, quantize-int16x8 or calibrate"
    );
}

/// Every option a pass says takes a tool-level input is one it declares.
#[test]
fn traits_name_declared_options() {
    for p in PASSES {
        for (input, name) in p.traits.inputs {
            assert!(
                declared(p.options, name).is_some(),
                "{} says '{name}' takes {input:?}, but declares no such option",
                p.argument
            );
        }
    }
}

#[test]
fn reading_an_undeclared_option_is_an_error() {
    let options =
        PassOptions::parse("canonicalize", crate::canonicalize::INFO.options, &[]).unwrap();
    let e = options.int("max-iteration").unwrap_err();
    assert!(
        e.contains("reads option 'max-iteration', which it does not declare; did you mean 'max-iterations'?"),
        "{e}"
    );
}

#[test]
fn display_names_are_camel_case() {
    assert_eq!(crate::canonicalize::INFO.display_name(), "Canonicalize");
    assert_eq!(crate::fold_constants::INFO.display_name(), "FoldConstants");
}

/// `--help` shows where a pipeline option goes, read from the same declaration.
#[test]
fn destinations_follow_the_steps() {
    let int8 = &crate::quant::pipeline::QUANTIZE_INT8;
    assert_eq!(
        int8.destinations("calibration"),
        [
            "equalize-channels{data}",
            "calibrate{data}",
            // method=auto chooses ranges only with data.
            "search-precision{method}",
            "search-precision{data}",
            "search-precision{verify}",
            "round-weights{data}"
        ]
    );
    assert_eq!(
        int8.destinations("tflite-compat"),
        [
            "calibrate{tflite-inplace}",
            "search-precision{method}",
            "search-precision{data}",
            "search-precision{verify}"
        ]
    );
    assert!(int8.destinations("sparse-weights").is_empty());
}
