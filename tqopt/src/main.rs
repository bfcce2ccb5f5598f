//! `tqopt`: the command-line driver of the tqopt compiler, in the style of mlir-opt.

mod cli;
mod driver;
mod eval;
mod expectations;
mod output;
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

fn main() {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // `tqopt eval ...` is a subcommand; a model file called `eval` is `./eval`.
    if args.first().map(String::as_str) == Some("eval") {
        std::process::exit(eval::main(&args[1..]));
    }
    if let Some(message) = shell_hints::split_pipeline(&args) {
        eprintln!("tqopt: error: {message}");
        std::process::exit(USAGE_ERROR);
    }
    let matches = cli::command().get_matches();
    let config = cli::config(&matches);
    if !config.input_given && std::io::stdin().is_terminal() {
        eprint!("{TERMINAL_HINT}");
        std::process::exit(USAGE_ERROR);
    }
    std::process::exit(driver::run(&config));
}
