//! A stable-Rust fuzz test: deterministic mutants of two small real models (byte flips,
//! truncations, flatbuffer words overwritten with huge offsets, bad indices, NaN and the like)
//! go through import, `quantize-int8` on one generated sample, and export. Errors are fine; a
//! panic anywhere fails the test, and the failing mutants are written to a temporary directory
//! (to be kept as regressions in `tests/regressions/`).
//!
//! `MUTANTS=N` changes the number of mutants per model (default below); `MUTANT_SEED=S` the seed.

mod mutation;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use mutation::{mutants, Harness, Outcome};

/// Mutants per model: enough to reach every class of damage, few enough for well under a
/// minute in the debug test profile.
const DEFAULT_MUTANTS: usize = 1500;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn check_model(path: &Path, seed: u64) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let count = env_number("MUTANTS", DEFAULT_MUTANTS as u64) as usize;
    let seed = env_number("MUTANT_SEED", seed);
    let mut harness = Harness::new("mutants");
    let started = Instant::now();
    // The unmutated model goes all the way: otherwise the mutants test nothing past import.
    assert_eq!(
        harness.run(bytes.clone()),
        Outcome::Exported,
        "{} itself does not quantize",
        path.display()
    );
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    let crash_dir = std::env::temp_dir().join(format!("tqopt-mutant-crashers-{}", std::process::id()));
    let mut tally: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut crashes = Vec::new();
    for (i, (what, mutant)) in mutants(&bytes, count, seed).into_iter().enumerate() {
        let outcome = harness.run(mutant.clone());
        let key = match &outcome {
            Outcome::Refused => "refused by the importer",
            Outcome::Unverified => "imported, does not verify",
            Outcome::PipelineError => "quantize-int8 error",
            Outcome::ExportError => "export error",
            Outcome::Exported => "exported",
            Outcome::Panicked(_) => "panicked",
        };
        *tally.entry(key).or_default() += 1;
        if let Outcome::Panicked(message) = outcome {
            std::fs::create_dir_all(&crash_dir).unwrap();
            let file = crash_dir.join(format!("{name}-{seed}-{i}.tflite"));
            std::fs::write(&file, &mutant).unwrap();
            crashes.push(format!("mutant {i} ({what}), saved as {}: {message}", file.display()));
        }
    }
    eprintln!(
        "{}: {count} mutants (seed {seed}) in {:.1} s: {tally:?}",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        crashes.is_empty(),
        "{} of {count} mutants of {} panicked:\n{}",
        crashes.len(),
        path.display(),
        crashes.join("\n")
    );
}

#[test]
fn hand_recrop_mutants_do_not_panic() {
    check_model(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hand_recrop.tflite"),
        0x5eed_0001,
    );
}

#[test]
fn face_detection_mutants_do_not_panic() {
    check_model(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/models/face_detection_short_range.tflite"),
        0x5eed_0002,
    );
}
