//! The command line: mlir-opt's flags, with `--help` derived from the pass registry.

use clap::{Arg, ArgAction, ArgMatches, Command};
use tqopt_passes::options::describe;
use tqopt_passes::{Instrumentation, PASSES, PIPELINES};
use tqopt_textual_ir::PrintOptions;

/// Everything the driver needs from the command line.
#[derive(Debug, Clone)]
pub struct Config {
    pub input: String,
    /// Whether INPUT was on the command line (`-` included), not the default.
    pub input_given: bool,
    pub output: String,
    pub emit: Option<String>,
    pub passes: Vec<String>,
    pub pass_pipeline: Option<String>,
    pub dump_pass_pipeline: bool,
    pub split_input_file: bool,
    pub verify_diagnostics: bool,
    pub timing: bool,
    pub statistics: bool,
    /// `--calibration-data`, `--calibration-method`, `--input-range`: handed to the calibrating
    /// passes and pipelines that were not given them explicitly.
    pub calibration_data: Option<String>,
    pub calibration_method: Option<String>,
    pub input_range: Option<String>,
    /// `--report=FILE.json`: the quantization report as JSON.
    pub report: Option<String>,
    /// `--save-stats=FILE.json`: the calibration statistics, saved.
    pub save_stats: Option<String>,
    /// `--statistics=FILE[,FILE...]`: saved statistics, merged and used instead of data.
    pub statistics_files: Vec<String>,
    /// The pass manager's instrumentation, printing options included.
    pub instrumentation: Instrumentation,
    pub run_reproducer: bool,
}

fn registry_help() -> String {
    let mut s = String::from("Passes (--pass=NAME{option=value ...}):\n");
    for p in PASSES {
        s.push_str(&format!("  {:<24} {}\n", p.argument, p.summary));
        for o in p.options {
            s.push_str(&format!("      {}\n", describe(o)));
        }
    }
    s.push_str("\nPipelines (--pass=NAME{option=value ...}):\n");
    for p in PIPELINES {
        s.push_str(&format!("  {:<24} {}\n", p.name, p.summary));
        for o in p.options {
            let to = p.destinations(o.name);
            let to = if to.is_empty() {
                String::new()
            } else {
                format!(" (to {})", to.join(", "))
            };
            s.push_str(&format!("      {}{to}\n", describe(o)));
        }
    }
    s.push_str(
        "\nExamples:\n  tqopt in.mlir --pass=canonicalize -o out.mlir\n  tqopt in.mlir --pass-pipeline='builtin.module(canonicalize,dce)' --mlir-print-ir-after-all\n  tqopt tests.mlir --split-input-file --verify-diagnostics\n",
    );
    s
}

fn flag(name: &'static str, long: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .long(long)
        .action(ArgAction::SetTrue)
        .help(help)
}

/// `--name` or `--name=true|false`, true by default.
fn bool_option(name: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .value_name("BOOL")
        .value_parser(clap::value_parser!(bool))
        .num_args(0..=1)
        .require_equals(true)
        .default_value("true")
        .default_missing_value("true")
        .help(help)
}

fn pass_list(name: &'static str, long: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .long(long)
        .value_name("PASS[,PASS]")
        .action(ArgAction::Append)
        .value_delimiter(',')
        .help(help)
}

pub fn command() -> Command {
    Command::new("tqopt")
        .version(env!("CARGO_PKG_VERSION"))
        .about("tqopt: a post-training quantization compiler for TensorFlow Lite models, driven like mlir-opt")
        .long_about(
            "Reads MLIR text or a .tflite model, runs a pipeline of passes, and writes MLIR text \
             or a .tflite model. Without passes it verifies and prints the input.\n\n\
             Input (INPUT, or standard input when it is '-' or left out):\n  \
             a .tflite model, recognized by its TFL3 identifier whatever the file is called;\n  \
             anything else is read as MLIR text (the tfl dialect, as TensorFlow prints it).\n  \
             With no INPUT on a terminal, tqopt prints a usage hint instead of waiting.\n\n\
             Output (-o FILE, standard output by default):\n  \
             -o x.mlir     MLIR text\n  \
             -o x.tflite   a .tflite model (a flatbuffer LiteRT runs)\n  \
             -o -          MLIR text on standard output (the default)\n  \
             --emit=mlir|tflite forces the kind whatever the name; any other extension is an\n  \
             error, so a typo such as x.tfl is caught.\n  \
             Devices, FIFOs and sockets (-o /dev/null) are written directly, as MLIR text\n  \
             unless --emit says otherwise. A regular file is written whole to a temporary file\n  \
             that then replaces it, keeping its mode, owner and links (through a symbolic\n  \
             link, the file it points to is written); after an error or an interrupt the old\n  \
             file is unchanged.\n\n\
             Pass options go in braces; quote them, or the shell splits or expands them:\n  \
             --pass='quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}'\n\n\
             Examples:\n  \
             tqopt model.tflite --pass=quantize-int8 --calibration-data=photos/ -o model_int8.tflite\n  \
             tqopt model.tflite --pass='quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}' --calibration-data=calib.npy -o model_int8.tflite\n  \
             tqopt model.tflite --pass=canonicalize --pass=quantize-dynamic-range -o model_dr.tflite\n  \
             tqopt model.tflite --pass=quantize-float16 -o model_f16.tflite\n  \
             tqopt model.tflite -o model.mlir   (import: .tflite -> MLIR text)\n  \
             tqopt model.mlir -o model.tflite   (export: MLIR text -> .tflite)\n  \
             tqopt model.tflite --mlir-elide-elementsattrs-if-larger=16   (print the IR)\n  \
             tqopt in.mlir --pass=quantize-int8 --mlir-print-ir-after-all   (debug a pass)\n  \
             tqopt eval model_int8.tflite --reference model.tflite --data photos/   (output SQNR; see tqopt eval --help)",
        )
        .after_help(registry_help())
        .arg(Arg::new("input").value_name("INPUT").default_value("-").help("Input: a .tflite model or MLIR text ('-' or nothing: standard input)"))
        .arg(Arg::new("output").short('o').value_name("FILE").default_value("-").help("Output file: .mlir for MLIR text, .tflite for a model ('-': standard output, MLIR text)"))
        .arg(Arg::new("emit").long("emit").value_parser(["mlir", "tflite"]).help("Force the output kind: mlir (text) or tflite (model); default from -o's extension, MLIR text on standard output"))
        .arg(Arg::new("pass").long("pass").value_name("NAME{opts}").action(ArgAction::Append).help("Run a pass or named pipeline (repeatable, in order); quote options: --pass='NAME{opt=value ...}'"))
        .arg(Arg::new("pass-pipeline").long("pass-pipeline").value_name("PIPELINE").help("Run a textual pipeline, e.g. 'builtin.module(canonicalize,dce)'"))
        .arg(flag("dump-pass-pipeline", "dump-pass-pipeline", "Print the expanded pipeline with all options to stderr"))
        .arg(flag("split-input-file", "split-input-file", "Split the input at '// -----' lines and process each chunk on its own"))
        .arg(flag("verify-diagnostics", "verify-diagnostics", "Check diagnostics against '// expected-error {{...}}' comments"))
        .arg(bool_option("verify-each", "Verify the IR after each pass (default true; --verify-each=false to skip)"))
        .arg(pass_list("print-before", "mlir-print-ir-before", "Print the IR before the named passes"))
        .arg(pass_list("print-after", "mlir-print-ir-after", "Print the IR after the named passes"))
        .arg(flag("print-before-all", "mlir-print-ir-before-all", "Print the IR before every pass"))
        .arg(flag("print-after-all", "mlir-print-ir-after-all", "Print the IR after every pass"))
        .arg(flag("print-after-change", "mlir-print-ir-after-change", "Print the IR after a pass only if it changed it"))
        .arg(flag("print-after-failure", "mlir-print-ir-after-failure", "Print the IR after a pass that failed"))
        .arg(flag("timing", "mlir-timing", "Report the wall time of parsing, each pass and output"))
        .arg(flag("statistics", "mlir-pass-statistics", "Report each pass's statistics"))
        .arg(
            Arg::new("elide")
                .long("mlir-elide-elementsattrs-if-larger")
                .value_name("N")
                .value_parser(clap::value_parser!(usize))
                .help("Print constants with more than N elements as dense_resource<__elided__>"),
        )
        .arg(flag("print-generic", "mlir-print-op-generic", "Print every op in the generic form"))
        .arg(bool_option("print-locations", "Print op locations (tensor names) as loc(...) (default true)"))
        .arg(flag("debuginfo", "mlir-print-debuginfo", "Accepted for mlir-opt compatibility: locations are printed by default"))
        .arg(
            Arg::new("crash-reproducer")
                .long("mlir-pass-pipeline-crash-reproducer")
                .value_name("FILE")
                .help("On a pass failure, write the IR and the failing pipeline to FILE"),
        )
        .arg(flag("run-reproducer", "run-reproducer", "Run the pipeline stored in the input's reproducer section"))
        .arg(
            Arg::new("calibration-data")
                .long("calibration-data")
                .value_name("PATH")
                .help(format!(
                    "Calibration data for calibrate and quantize-int8, used when the IR holds no statistics yet. {}",
                    tqopt_passes::calibration::calibrate::DATA_HELP
                )),
        )
        .arg(
            Arg::new("calibration-method")
                .long("calibration-method")
                .value_name("METHOD")
                .value_parser(tqopt_passes::quant::precision::METHODS_WITH_AUTO.to_vec())
                .help("How calibration turns values into ranges: minmax (TensorFlow's), moving-average, percentile, mse; auto (quantize-int8's default): minmax, then each tensor's range chosen among them by the output SQNR on the calibration data, kept when it gains more than 0.5 dB (calibrate's default: minmax)"),
        )
        .arg(
            Arg::new("input-range")
                .long("input-range")
                .value_name("LO,HI")
                .allow_hyphen_values(true)
                .help("The range calibration images are scaled to (default 0,1; MediaPipe detectors use -1,1)"),
        )
        .arg(
            Arg::new("report")
                .long("report")
                .value_name("FILE.json")
                .help("Write the quantization report (ops quantized, ops left float and why, sizes) as JSON"),
        )
        .arg(
            Arg::new("save-stats")
                .long("save-stats")
                .value_name("FILE.json")
                .help("Save the calibration statistics (each tensor's collector state, as JSON) to merge with other shards' or to quantize again without data"),
        )
        .arg(
            Arg::new("statistics-files")
                .long("statistics")
                .value_name("FILE[,FILE...]")
                .action(ArgAction::Append)
                .value_delimiter(',')
                .conflicts_with("calibration-data")
                .help("Quantize with saved calibration statistics instead of data: the files (--save-stats of shards of a data set, same model and options) are merged, which for minmax gives exactly one run over all the data"),
        )
        .arg(flag("no-progress", "no-progress", "Do not show progress of long passes (shown on a terminal by default)"))
}

pub fn config(m: &ArgMatches) -> Config {
    let strings = |name: &str| {
        m.get_many::<String>(name)
            .map(|v| v.cloned().collect())
            .unwrap_or_default()
    };
    Config {
        input: m
            .get_one::<String>("input")
            .cloned()
            .unwrap_or_else(|| "-".into()),
        input_given: m.value_source("input") == Some(clap::parser::ValueSource::CommandLine),
        output: m
            .get_one::<String>("output")
            .cloned()
            .unwrap_or_else(|| "-".into()),
        emit: m.get_one::<String>("emit").cloned(),
        passes: strings("pass"),
        pass_pipeline: m.get_one::<String>("pass-pipeline").cloned(),
        dump_pass_pipeline: m.get_flag("dump-pass-pipeline"),
        split_input_file: m.get_flag("split-input-file"),
        verify_diagnostics: m.get_flag("verify-diagnostics"),
        timing: m.get_flag("timing"),
        statistics: m.get_flag("statistics"),
        instrumentation: Instrumentation {
            print_before: strings("print-before"),
            print_after: strings("print-after"),
            print_before_all: m.get_flag("print-before-all"),
            print_after_all: m.get_flag("print-after-all"),
            print_after_change: m.get_flag("print-after-change"),
            print_after_failure: m.get_flag("print-after-failure"),
            verify_each: m.get_one::<bool>("verify-each").copied().unwrap_or(true),
            print: PrintOptions {
                generic: m.get_flag("print-generic"),
                elide_elements_larger_than: m.get_one::<usize>("elide").copied(),
                locations: m
                    .get_one::<bool>("print-locations")
                    .copied()
                    .unwrap_or(true),
                ..PrintOptions::default()
            },
            crash_reproducer: m.get_one::<String>("crash-reproducer").map(Into::into),
            progress: !m.get_flag("no-progress")
                && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        },
        calibration_data: m.get_one::<String>("calibration-data").cloned(),
        calibration_method: m.get_one::<String>("calibration-method").cloned(),
        input_range: m.get_one::<String>("input-range").cloned(),
        report: m.get_one::<String>("report").cloned(),
        save_stats: m.get_one::<String>("save-stats").cloned(),
        statistics_files: strings("statistics-files"),
        run_reproducer: m.get_flag("run-reproducer"),
    }
}
