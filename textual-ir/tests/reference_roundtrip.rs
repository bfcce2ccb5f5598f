//! Every TensorFlow printout in `tests/shared/reference-mlir/` parses, verifies, and prints to a
//! fixed point: print(parse(print(parse(file)))) == print(parse(file)).

use std::path::PathBuf;

use tqopt_ir::verifier::verify;
use tqopt_ir::SourceFile;
use tqopt_textual_ir::{parse, print_module, PrintOptions};

fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/shared/reference-mlir")
}

fn reference_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(reference_dir())
        .expect("tests/shared/reference-mlir must exist")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mlir"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 10, "expected the ten reference printouts");
    files
}

#[test]
fn every_reference_file_round_trips_to_a_fixed_point() {
    for path in reference_files() {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let source = SourceFile::new(&name, text);
        let parsed = parse(&source).unwrap_or_else(|d| panic!("{}", source.render(&d)));
        let errors = verify(&parsed.module);
        assert!(
            errors.is_empty(),
            "{name}: {}",
            errors.iter().map(|d| source.render(d)).collect::<String>()
        );
        let first = print_module(&parsed.module, &PrintOptions::default());
        let again = parse(&SourceFile::new("printed", first.clone()))
            .unwrap_or_else(|d| panic!("{name}: {d}"));
        let second = print_module(&again.module, &PrintOptions::default());
        assert!(first == second, "{name}: printing is not a fixed point");
        // Same number of ops as the original text has op lines.
        let op_lines = source
            .text()
            .lines()
            .filter(|l| l.contains(" = ") || l.trim_start().starts_with("return"))
            .count();
        let ops = parsed.module.all_ops().len();
        assert!(ops >= op_lines, "{name}: {ops} ops for {op_lines} op lines");
    }
}
