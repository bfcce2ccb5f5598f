//! tqopt, the post-training quantization compiler for TensorFlow Lite models, as a library:
//! [`api`] has the steps of a run (read, pipeline, calibration from memory or statistics,
//! export, report) for programs and the Python binding; [`main`] is the whole command line,
//! which the `tqopt` binary and the Python package's `tqopt` command both run.

pub mod api;
mod cli;
mod driver;
mod eval;
mod expectations;
pub mod output;
mod output_kind;
mod shell_hints;

use std::io::IsTerminal;

/// Exit code of a usage error (as clap's).
const USAGE_ERROR: i32 = 2;

const TERMINAL_HINT: &str = "\
tqopt: no input file given, and standard input is a terminal.
Usage: tqopt [OPTIONS] INPUT   (INPUT: a .tflite model or MLIR text; '-' reads standard input)
  e.g. tqopt model.tflite --pass=quantize-int8 --calibration-data=images/ -o model_int8.tflite
       tqopt in.mlir --pass=canonicalize -o out.mlir
Run 'tqopt --help' for the input and output kinds, every option, pass and pipeline.
";

/// Runs the command line with `args` (without the program name); returns the exit code.
/// Usage errors, `--help` and `--version` print and return clap's exit code.
pub fn main(args: &[String]) -> i32 {
    // `tqopt eval ...` is a subcommand; a model file called `eval` is `./eval`.
    if args.first().map(String::as_str) == Some("eval") {
        return eval::main(&args[1..]);
    }
    if let Some(message) = shell_hints::split_pipeline(args) {
        eprintln!("tqopt: error: {message}");
        return USAGE_ERROR;
    }
    // Errors, --help and --version print and return their code (clap's), rather than exit
    // the process: the Python package runs this inside the interpreter.
    let argv = std::iter::once("tqopt".to_string()).chain(args.iter().cloned());
    let matches = match cli::command().try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let config = cli::config(&matches);
    if !config.input_given && std::io::stdin().is_terminal() {
        eprint!("{TERMINAL_HINT}");
        return USAGE_ERROR;
    }
    driver::run(&config)
}
