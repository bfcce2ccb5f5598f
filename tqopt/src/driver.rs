//! The driver: reads the input, splits it, parses, verifies, runs the pipeline, checks
//! expected diagnostics, and writes the output — reporting every error with its place and
//! returning the exit code.

use std::time::{Duration, Instant};

use tqopt_ir::{verifier, Diagnostic, Module, Severity, SourceFile};
use tqopt_passes::calibration::statistics::Statistics;
use tqopt_passes::manager::{format_statistics, format_timing, RunReport};
use tqopt_passes::quant::report::Report;
use tqopt_passes::registry::{self, ToolInput};
use tqopt_passes::{parse_pipeline, Instrumentation, PassSpec};
use tqopt_textual_ir::{parse, print_module_to};

use crate::api::{self, CalibrationInput, Input, Pipeline};
use crate::cli::Config;
use crate::expectations;
use crate::output::write_output;
use crate::output_kind::{output_kind, OutputKind};

/// Timings and statistics gathered over all chunks.
#[derive(Default)]
struct Totals {
    timings: Vec<(String, Duration)>,
    statistics: Vec<(String, Vec<(tqopt_passes::Statistic, u64)>)>,
}

impl Totals {
    fn add_time(&mut self, name: &str, d: Duration) {
        match self.timings.iter_mut().find(|(n, _)| n == name) {
            Some((_, t)) => *t += d,
            None => self.timings.push((name.to_string(), d)),
        }
    }

    fn absorb(&mut self, report: &RunReport) {
        for (name, d) in &report.timings {
            self.add_time(name, *d);
        }
        self.statistics.extend(report.statistics.iter().cloned());
    }
}

/// Prints a message as a tool-level error and returns the failure exit code.
fn fail(message: impl std::fmt::Display) -> i32 {
    eprintln!("tqopt: error: {message}");
    1
}

pub fn run(cfg: &Config) -> i32 {
    let started = Instant::now();
    let mut totals = Totals::default();

    let input = match Input::read(&cfg.input) {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    let is_tflite = input.is_tflite;
    let input_size = input.bytes.len() as u64;
    let source = match input.source() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };

    let emit_tflite = match output_kind(&cfg.output, cfg.emit.as_deref()) {
        Ok(kind) => kind == OutputKind::Tflite,
        Err(e) => return fail(e),
    };
    if emit_tflite && cfg.split_input_file {
        return fail("--split-input-file writes MLIR text: a .tflite output holds one model");
    }

    // Saved statistics, merged; their method is the pipeline's unless one was given.
    let statistics = if cfg.statistics_files.is_empty() {
        None
    } else {
        match Statistics::load_merged(&cfg.statistics_files) {
            Ok(s) => Some(s),
            Err(e) => return fail(e),
        }
    };
    let mut cfg = cfg.clone();
    if let (Some(s), None) = (&statistics, &cfg.calibration_method) {
        cfg.calibration_method = Some(s.method.name().to_string());
    }
    let cfg = &cfg;
    if let Err(e) = check_print_flags(&cfg.instrumentation) {
        return fail(e);
    }
    let specs = match pipeline_specs(cfg, &source) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    // Saving or reading statistics cuts the pipeline at calibration (see api::Pipeline).
    let cut = cfg.save_stats.is_some() || statistics.is_some();
    if cut && cfg.split_input_file {
        return fail("--save-stats and --statistics take one model, not --split-input-file chunks");
    }
    let pm = match Pipeline::new(&specs, cut) {
        Ok(pm) => pm,
        Err(e) => return fail(e),
    };
    let report_kind = pm.report_kind();
    if cut && !pm.calibrates() {
        let flag = if statistics.is_some() {
            "--statistics"
        } else {
            "--save-stats"
        };
        let calibrating = registry::names_taking(ToolInput::CalibrationData);
        return fail(format!(
            "{flag} needs a pipeline that calibrates (--pass={})",
            registry::either(&calibrating)
        ));
    }
    let calibration = match statistics {
        Some(s) => CalibrationInput::Statistics(s),
        None => CalibrationInput::FromOptions,
    };
    let mut collected: Option<Statistics> = None;
    if cfg.dump_pass_pipeline {
        eprintln!(
            "Pass Manager with {} passes:\n{}\n",
            pm.len(),
            pm.pipeline_text()
        );
    }
    let instr = &cfg.instrumentation;
    let print = &instr.print;

    let units: Vec<(SourceFile, Result<Module, Diagnostic>)> = if is_tflite {
        let start = Instant::now();
        let imported = api::import(&input.name, input.bytes.clone());
        totals.add_time("Import", start.elapsed());
        vec![(source, imported)]
    } else {
        let chunks = if cfg.split_input_file {
            split_chunks(&source)
        } else {
            vec![source.clone()]
        };
        chunks
            .into_iter()
            .map(|chunk| {
                let start = Instant::now();
                let parsed = parse(&chunk).map(|p| p.module);
                totals.add_time("Parser", start.elapsed());
                (chunk, parsed)
            })
            .collect()
    };
    let mut outputs: Vec<Module> = Vec::new();
    let mut constants_before: Vec<u64> = Vec::new();
    let mut failed = false;
    for (source, module) in units {
        let unit = process_unit(
            &source,
            module,
            &pm,
            (instr, &calibration),
            cfg,
            &mut totals,
            &mut collected,
        );
        match unit {
            Some((module, size)) => {
                outputs.push(module);
                constants_before.push(size);
            }
            None => failed = true,
        }
    }

    // Export first: the model's size goes into the report.
    let mut model = None;
    if emit_tflite && !failed {
        let start = Instant::now();
        // --split-input-file is refused with a .tflite output: there is one module.
        if let Some(m) = outputs.first() {
            match tqopt_backend::export(m) {
                Ok(bytes) => model = Some(bytes),
                Err(e) => return fail(e),
            }
        }
        totals.add_time("Export", start.elapsed());
    }

    // Reports are made before the output is written: writing may replace the input file,
    // whose memory-mapped bytes the modules may still hold.
    let reports: Vec<Report> = match report_kind {
        Some(kind) if !failed => outputs
            .iter()
            .zip(&constants_before)
            .map(|(m, &constants)| {
                // Both sizes are files' only when a .tflite was read and one is written;
                // otherwise both count constant data, never one of each.
                let files = match (is_tflite, &model) {
                    (true, Some(model)) => Some((input_size, model.len() as u64)),
                    _ => None,
                };
                api::report(m, constants, kind, files, &totals.statistics)
            })
            .collect(),
        _ => Vec::new(),
    };
    // The statistics are saved before the output: the run that made them succeeded.
    if let (Some(path), false) = (&cfg.save_stats, failed) {
        match &collected {
            Some(s) => {
                if let Err(e) = write_output(path, |w| w.write_all(s.to_json().as_bytes())) {
                    return fail(e);
                }
            }
            None => {
                return fail(format!(
                    "--save-stats: no statistics were collected (the IR already held quantfork.stats), so '{path}' was not written"
                ))
            }
        }
    }

    if let Some(model) = &model {
        let start = Instant::now();
        if let Err(e) = write_output(&cfg.output, |w| w.write_all(model.as_bytes())) {
            return fail(e);
        }
        totals.add_time("Export", start.elapsed());
    } else if !emit_tflite && (!failed || cfg.output == "-") {
        // MLIR text; after a failure only to standard output (what succeeded), never to a file.
        let start = Instant::now();
        let result = write_output(&cfg.output, |w| {
            for (i, m) in outputs.iter().enumerate() {
                if i > 0 {
                    w.write_all(b"// -----\n")?;
                }
                print_module_to(m, print, w)?;
            }
            Ok(())
        });
        totals.add_time("Output", start.elapsed());
        if let Err(e) = result {
            return fail(e);
        }
    }

    for report in &reports {
        eprint!("{}", report.text());
        if let Some(path) = &cfg.report {
            if let Err(e) = write_output(path, |w| w.write_all(report.json().as_bytes())) {
                return fail(e);
            }
        }
    }

    if cfg.timing {
        eprint!("{}", format_timing(&totals.timings, started.elapsed()));
    }
    if cfg.statistics {
        eprint!("{}", format_statistics(&totals.statistics));
    }
    i32::from(failed)
}

/// The pipeline: `--pass-pipeline`, then each `--pass`; or the reproducer's.
fn pipeline_specs(cfg: &Config, source: &SourceFile) -> Result<Vec<PassSpec>, String> {
    let mut specs = Vec::new();
    if cfg.run_reproducer {
        let parsed = parse(source).map_err(|d| source.render(&d))?;
        let pipeline = parsed
            .external_resources
            .get("mlir_reproducer")
            .and_then(|r| r.get("pipeline"))
            .ok_or("--run-reproducer: the input has no 'external_resources: { mlir_reproducer: { pipeline: ... } }' section")?;
        specs.extend(parse_pipeline(pipeline)?);
    }
    if let Some(p) = &cfg.pass_pipeline {
        specs.extend(parse_pipeline(p)?);
    }
    for p in &cfg.passes {
        specs.extend(parse_pipeline(p)?);
    }
    for spec in &mut specs {
        apply_calibration_flags(spec, cfg);
    }
    Ok(specs)
}

/// Hands `--calibration-data`, `--calibration-method` and `--input-range` to the options of
/// passes and pipelines that take them (as the registry says), unless already given.
fn apply_calibration_flags(spec: &mut PassSpec, cfg: &Config) {
    let flags = [
        (ToolInput::CalibrationData, &cfg.calibration_data),
        (ToolInput::CalibrationMethod, &cfg.calibration_method),
        (ToolInput::InputRange, &cfg.input_range),
    ];
    for (input, value) in flags {
        if let Some(value) = value {
            registry::supply_input(spec, input, value);
        }
    }
}

/// `--mlir-print-ir-before/after=NAME` must name registered passes: a typo would otherwise
/// print nothing, silently.
fn check_print_flags(instr: &Instrumentation) -> Result<(), String> {
    let passes: Vec<&str> = registry::PASSES.iter().map(|p| p.argument).collect();
    let flags = [
        ("--mlir-print-ir-before", &instr.print_before),
        ("--mlir-print-ir-after", &instr.print_after),
    ];
    for (flag, names) in flags {
        if let Some(name) = names.iter().find(|n| !passes.contains(&n.as_str())) {
            let what = if registry::PIPELINES.iter().any(|p| p.name == name) {
                " (a pipeline; name one of the passes it runs, see --dump-pass-pipeline)"
                    .to_string()
            } else {
                tqopt_passes::suggest::did_you_mean(name, &passes)
            };
            return Err(format!("{flag}: '{name}' is not a registered pass{what}"));
        }
    }
    Ok(())
}

/// Verifies and transforms one parsed chunk or imported model; returns the module when
/// everything succeeded (or, with `--verify-diagnostics`, when the diagnostics were exactly
/// the expected ones).
fn process_unit(
    source: &SourceFile,
    parsed: Result<Module, Diagnostic>,
    pm: &Pipeline,
    (instr, calibration): (&Instrumentation, &CalibrationInput),
    cfg: &Config,
    totals: &mut Totals,
    collected: &mut Option<Statistics>,
) -> Option<(Module, u64)> {
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut module = None;
    let mut size_before = 0;
    match parsed {
        Err(d) => diagnostics.push(d),
        Ok(mut m) => {
            size_before = tqopt_passes::quant::report::constant_bytes(&m);
            let errors = verifier::verify(&m);
            if !errors.is_empty() {
                diagnostics.extend(errors);
            } else if !pm.is_empty() {
                let stderr = std::io::stderr();
                let mut dumps = stderr.lock();
                match pm.run(&mut m, instr, calibration, false, None, &mut dumps) {
                    Ok(run) => {
                        totals.absorb(&run.report);
                        diagnostics.extend(run.report.diagnostics);
                        *collected = run.statistics;
                        module = Some(m);
                    }
                    Err(e) => {
                        totals.absorb(&e.report);
                        diagnostics.extend(e.report.diagnostics);
                        diagnostics.extend(e.diagnostics);
                    }
                }
            } else {
                module = Some(m);
            }
        }
    }

    if cfg.verify_diagnostics {
        let problems = expectations::check(source, &diagnostics);
        for p in &problems {
            eprint!("{}", source.render(p));
        }
        return if problems.is_empty() {
            Some((module.unwrap_or_default(), size_before))
        } else {
            None
        };
    }
    let mut has_error = false;
    for d in &diagnostics {
        has_error |= d.severity == Severity::Error;
        eprint!("{}", source.render(d));
    }
    if has_error {
        None
    } else {
        module.map(|m| (m, size_before))
    }
}

/// Splits at lines that start with `// -----`, keeping file line numbers.
fn split_chunks(source: &SourceFile) -> Vec<SourceFile> {
    let text = source.text();
    let mut chunks = Vec::new();
    let mut chunk_start = 0usize;
    let mut chunk_first_line = 0u32;
    let mut offset = 0usize;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_end().starts_with("// -----") {
            chunks.push(SourceFile::with_line_offset(
                &source.name,
                &text[chunk_start..offset],
                chunk_first_line,
            ));
            chunk_start = offset + line.len();
            chunk_first_line = i as u32 + 1;
        }
        offset += line.len();
    }
    chunks.push(SourceFile::with_line_offset(
        &source.name,
        &text[chunk_start..],
        chunk_first_line,
    ));
    chunks
}
