//! A stable-Rust fuzz test: deterministic mutants of two small real models (byte flips,
//! truncations, flatbuffer words overwritten with huge offsets, damaged dimensions, indices,
//! quantization numbers, options and weights) go through import, `quantize-int8` on one
//! generated sample, and export. Errors are fine; a panic anywhere fails the test, and the
//! failing mutants are written to a temporary directory (to be kept as regressions in
//! `tests/regressions/`).
//!
//! `FLOAT_MUTANTS=N`, `CALIBRATED_MUTANTS=N` and `QUANTIZED_MUTANTS=N` change the number of mutants per model
//! (defaults below), `MUTANT_SEED=S` the seed, and `MUTANTS_VERBOSE=1` prints why the importer
//! refused each mutant; `MUTANTS_TRACE=1` names each mutant before it runs (to find one that
//! aborts the process).

mod mutation;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use mutation::{mutants, Harness, Outcome};

/// Mutants per model: of the float model (each of whose calibrations runs the interpreter, the
/// slow part in a debug build), and of the model calibrated once (whose min/max statistics
/// spare the mutants that keep them a calibration run). Enough to reach every class of damage,
/// few enough for well under a minute in the debug test profile.
const FLOAT_MUTANTS: u64 = 300;
const CALIBRATED_MUTANTS: u64 = 900;
/// Mutants of the model quantized once (int8 tensors, scales, zero points, per-axis
/// parameters): import, round-trip export, and quantize-int8's refusal to calibrate it.
const QUANTIZED_MUTANTS: u64 = 500;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn check_model(path: &Path, seed: u64) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let seed = env_number("MUTANT_SEED", seed);
    let mut harness = Harness::new("mutants");
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    let calibrated = harness.calibrated(&bytes);
    let quantized = harness.quantized(&bytes);
    let mut crashes = Vec::new();
    for (label, model, count, seed) in [
        (
            name.clone(),
            bytes,
            env_number("FLOAT_MUTANTS", FLOAT_MUTANTS),
            seed,
        ),
        (
            format!("{name}-calibrated"),
            calibrated,
            env_number("CALIBRATED_MUTANTS", CALIBRATED_MUTANTS),
            seed ^ 0xca1,
        ),
        (
            format!("{name}-int8"),
            quantized,
            env_number("QUANTIZED_MUTANTS", QUANTIZED_MUTANTS),
            seed ^ 0x18,
        ),
    ] {
        crashes.extend(check_mutants(
            &mut harness,
            &label,
            &model,
            count as usize,
            seed,
        ));
    }
    assert!(
        crashes.is_empty(),
        "{} mutants of {} panicked:\n{}",
        crashes.len(),
        path.display(),
        crashes.join("\n")
    );
}

/// Runs `count` mutants of `bytes`; returns a line for each that panicked (and saves it to a
/// temporary directory).
fn check_mutants(
    harness: &mut Harness,
    label: &str,
    bytes: &[u8],
    count: usize,
    seed: u64,
) -> Vec<String> {
    let started = Instant::now();
    // The unmutated model goes all the way (the interpreter runs quantized models too, so an
    // int8 copy is calibrated and exported as well): otherwise the mutants test nothing past
    // import.
    assert_eq!(
        harness.run(bytes.to_vec()),
        Outcome::Exported,
        "{label} itself does not get as far as it should"
    );
    let crash_dir =
        std::env::temp_dir().join(format!("tqopt-mutant-crashers-{}", std::process::id()));
    let verbose = std::env::var_os("MUTANTS_VERBOSE").is_some();
    // An abort (a failed allocation) cannot be caught: this names the mutant before it runs.
    let trace = std::env::var_os("MUTANTS_TRACE").is_some();
    // Per outcome: how many, and the seconds they took.
    let mut tally: BTreeMap<&'static str, (usize, f64)> = BTreeMap::new();
    let mut crashes = Vec::new();
    for (i, (what, mutant)) in mutants(bytes, count, seed).into_iter().enumerate() {
        if trace {
            eprintln!("{label} mutant {i} ({what})");
        }
        let start = Instant::now();
        let outcome = harness.run(mutant.clone());
        let key = match &outcome {
            Outcome::Refused(message) => {
                if verbose {
                    eprintln!("{label} mutant {i} ({what}): {message}");
                }
                "refused by the importer"
            }
            Outcome::Unverified(message) => {
                if verbose {
                    eprintln!("{label} mutant {i} ({what}) does not verify: {message}");
                }
                "imported, does not verify"
            }
            Outcome::PipelineError => "quantize-int8 error",
            Outcome::ExportError => "export error",
            Outcome::Exported => "exported",
            Outcome::Panicked(_) => "panicked",
        };
        let entry = tally.entry(key).or_default();
        entry.0 += 1;
        entry.1 += start.elapsed().as_secs_f64();
        if let Outcome::Panicked(message) = outcome {
            std::fs::create_dir_all(&crash_dir).unwrap();
            let file = crash_dir.join(format!("{label}-{seed}-{i}.tflite"));
            std::fs::write(&file, &mutant).unwrap();
            crashes.push(format!(
                "{label} mutant {i} ({what}), saved as {}: {message}",
                file.display()
            ));
        }
    }
    let summary: Vec<String> = tally
        .iter()
        .map(|(k, (n, secs))| format!("{k}: {n} ({secs:.1} s)"))
        .collect();
    eprintln!(
        "{label}: {count} mutants (seed {seed}) in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        summary.join(", ")
    );
    crashes
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
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/models/face_detection_short_range.tflite"),
        0x5eed_0002,
    );
}
