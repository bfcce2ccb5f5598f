//! Every model in `tests/regressions/` once made tqopt panic (found by `mutants.rs` or by
//! hand): each must now go through import, `quantize-int8` and export without a panic.

mod mutation;

use mutation::{regressions_dir, Harness, Outcome};

#[test]
fn regressions_do_not_panic() {
    let mut files: Vec<_> = std::fs::read_dir(regressions_dir())
        .expect("tests/regressions")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tflite"))
        .collect();
    files.sort();
    let mut harness = Harness::new("regressions");
    let mut failures = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        if let Outcome::Panicked(message) = harness.run(bytes) {
            failures.push(format!("{}: {message}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} regressions panic:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
