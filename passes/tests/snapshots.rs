//! Snapshot tests: each pass on an input from tests/inputs/, the printed result compared with
//! the reviewed snapshot in tests/snapshots/ (update with INSTA_UPDATE=always and review the
//! diff).

use std::path::PathBuf;

use tqopt_ir::{verifier, SourceFile};
use tqopt_passes::{parse_pipeline, Instrumentation, PassManager};
use tqopt_textual_ir::{parse, print_module, PrintOptions};

/// Runs `pipeline` on tests/inputs/`input` and returns the printed IR.
fn run(input: &str, pipeline: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/inputs")
        .join(input);
    let source = SourceFile::new(input, std::fs::read_to_string(&path).unwrap());
    let mut module = parse(&source)
        .unwrap_or_else(|d| panic!("{}", source.render(&d)))
        .module;
    assert!(
        verifier::verify(&module).is_empty(),
        "input does not verify"
    );
    let pm = PassManager::new(&parse_pipeline(pipeline).unwrap()).unwrap();
    let mut dumps = Vec::new();
    if let Err(e) = pm.run(&mut module, &Instrumentation::default(), &mut dumps) {
        panic!("{pipeline} failed: {:?}", e.diagnostics);
    }
    print_module(&module, &PrintOptions::default())
}

#[test]
fn canonicalize() {
    insta::assert_snapshot!(run("canonicalize.mlir", "canonicalize"));
}

#[test]
fn fold_constants() {
    insta::assert_snapshot!(run("fold-constants.mlir", "fold-constants"));
}

#[test]
fn dce() {
    insta::assert_snapshot!(run("dce.mlir", "dce"));
}

#[test]
fn cleanup_pipeline() {
    insta::assert_snapshot!(run("canonicalize.mlir", "cleanup"));
}

#[test]
fn propagate_ranges() {
    insta::assert_snapshot!(run("calibrated.mlir", "propagate-ranges"));
}

#[test]
fn insert_fake_quant() {
    insta::assert_snapshot!(run(
        "calibrated.mlir",
        "builtin.module(propagate-ranges,insert-fake-quant)"
    ));
}

#[test]
fn fold_quant() {
    insta::assert_snapshot!(run(
        "calibrated.mlir",
        "builtin.module(propagate-ranges,insert-fake-quant,legalize-opset,fold-quant)"
    ));
}

#[test]
fn quantize_int8_pipeline() {
    insta::assert_snapshot!(run("calibrated.mlir", "quantize-int8"));
}

#[test]
fn quantize_int8_integer_io() {
    insta::assert_snapshot!(run(
        "calibrated.mlir",
        "quantize-int8{io=int8 ops=TFLITE_BUILTINS_INT8}"
    ));
}

/// The calibration data next to the inputs, as a pass option.
fn calibration_option() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/inputs/float_calibration.npy");
    format!("data={}", path.display())
}

#[test]
fn fuse_activations() {
    insta::assert_snapshot!(run("float.mlir", "fuse-activations"));
}

#[test]
fn calibrate_minmax() {
    let pipeline = format!("calibrate{{{}}}", calibration_option());
    insta::assert_snapshot!(run("float.mlir", &pipeline));
}

#[test]
fn calibrate_moving_average_after_fusion() {
    let pipeline = format!(
        "fuse-activations,calibrate{{{} method=moving-average}}",
        calibration_option()
    );
    insta::assert_snapshot!(run("float.mlir", &pipeline));
}

#[test]
fn quantize_int8_calibrating_in_the_pipeline() {
    // check-accuracy=false and method=minmax: the check's and method=auto's summaries name
    // the data by its path on this machine.
    let pipeline = format!(
        "quantize-int8{{check-accuracy=false method=minmax calibration={}}}",
        calibration_option().trim_start_matches("data=")
    );
    insta::assert_snapshot!(run("float.mlir", &pipeline));
}

#[test]
fn quantize_dynamic_range() {
    insta::assert_snapshot!(run("float.mlir", "quantize-dynamic-range{min-elements=8}"));
}

#[test]
fn quantize_float16() {
    insta::assert_snapshot!(run("float.mlir", "quantize-float16"));
}

#[test]
fn quantize_dynamic_range_float16_weights() {
    // The fully_connected's float16 weight becomes int8 (per channel), its float16 bias a
    // float32 constant; the small conv weight and the add's constant stay float16.
    let out = run("float16_weights.mlir", "quantize-dynamic-range");
    assert!(out.contains("tfl.pseudo_qconst"), "{out}");
    insta::assert_snapshot!(out);
}

/// Parses tests/inputs/`input`.
fn parse_input(input: &str) -> tqopt_ir::Module {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/inputs")
        .join(input);
    let source = SourceFile::new(input, std::fs::read_to_string(&path).unwrap());
    parse(&source)
        .unwrap_or_else(|d| panic!("{}", source.render(&d)))
        .module
}

#[test]
fn weight_report_counts_float16_storage_as_float() {
    use tqopt_passes::quant::report::{Kind, Report};
    // The model as it comes: float16 weights behind dequantize are not a quantization.
    let m = parse_input("float16_weights.mlir");
    let r = Report::of(&m, 0, Kind::Weights);
    assert_eq!((r.quantized_ops, r.total_ops), (0, 3), "{}", r.text());
    // After dynamic range: the fully_connected reads int8; the conv's weight is too small.
    let mut m = parse_input("float16_weights.mlir");
    let pm = PassManager::new(&parse_pipeline("quantize-dynamic-range").unwrap()).unwrap();
    pm.run(&mut m, &Instrumentation::default(), &mut Vec::new())
        .unwrap();
    let r = Report::of(&m, 0, Kind::Weights);
    assert_eq!((r.quantized_ops, r.total_ops), (1, 3), "{}", r.text());
    assert!(
        r.text().contains("128 elements, fewer than min-elements"),
        "{}",
        r.text()
    );
    // After float16 quantization (its metadata says so), float16 weights count.
    let mut m = parse_input("float.mlir");
    let pm = PassManager::new(&parse_pipeline("quantize-float16").unwrap()).unwrap();
    pm.run(&mut m, &Instrumentation::default(), &mut Vec::new())
        .unwrap();
    let r = Report::of(&m, 0, Kind::Weights);
    assert!(
        r.total_ops > 0 && r.quantized_ops == r.total_ops,
        "{}",
        r.text()
    );
}
