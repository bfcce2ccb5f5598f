//! Imports a `.tflite` model and exports it again, without passes:
//! `cargo run --release -p tqopt-backend --example roundtrip -- IN.tflite OUT.tflite`.
//! Several pairs may follow each other (`IN1 OUT1 IN2 OUT2 ...`). Used by the interop tests.

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || !args.len().is_multiple_of(2) {
        eprintln!("usage: roundtrip IN.tflite OUT.tflite [IN2 OUT2 ...]");
        std::process::exit(2);
    }
    for pair in args.chunks(2) {
        let (input, output) = (Path::new(&pair[0]), Path::new(&pair[1]));
        let module = match tqopt_frontend::import_file(input) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        };
        let model = match tqopt_backend::export(&module) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("{}: {e}", input.display());
                std::process::exit(1);
            }
        };
        if let Err(e) = model.write_atomically(output) {
            eprintln!("{}: cannot write: {e}", output.display());
            std::process::exit(1);
        }
        eprintln!(
            "{} -> {} ({} bytes)",
            input.display(),
            output.display(),
            model.len()
        );
    }
}
