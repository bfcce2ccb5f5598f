//! What tqopt prints, upstream mlir-opt 19 accepts; what mlir-opt prints back parses in tqopt
//! to the same IR. This test fails (it does not skip) when mlir-opt cannot be found: the
//! README's test command installs Debian's mlir-19-tools.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tqopt_ir::SourceFile;
use tqopt_textual_ir::{parse, print_module, PrintOptions};

fn mlir_opt() -> PathBuf {
    let candidates = [
        std::env::var("MLIR_OPT").ok(),
        Some("/usr/lib/llvm-19/bin/mlir-opt".into()),
        Some("/usr/bin/mlir-opt-19".into()),
    ];
    for c in candidates.into_iter().flatten() {
        if Path::new(&c).exists() {
            return c.into();
        }
    }
    panic!("mlir-opt 19 not found (set MLIR_OPT, or install Debian's mlir-19-tools: scripts/test.sh does)");
}

fn run_mlir_opt(text: &str, extra: &[&str]) -> String {
    let mut child = Command::new(mlir_opt())
        .arg("--allow-unregistered-dialect")
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mlir-opt");
    let mut stdin = child.stdin.take().unwrap();
    let input = text.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("mlir-opt output");
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "mlir-opt rejected tqopt's output:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn reference_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/shared/reference-mlir");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn reprint(name: &str, text: &str) -> String {
    let source = SourceFile::new(name, text);
    let parsed = parse(&source).unwrap_or_else(|d| panic!("{}", source.render(&d)));
    print_module(&parsed.module, &PrintOptions::default())
}

#[test]
fn reference_models_round_trip_through_mlir_opt() {
    for path in reference_files() {
        let name = path.display().to_string();
        let ours = reprint(&name, &std::fs::read_to_string(&path).unwrap());
        let theirs = run_mlir_opt(&ours, &[]);
        let back = reprint("mlir-opt output", &theirs);
        assert!(
            back == ours,
            "{name}: mlir-opt's printout parses to different IR"
        );
        // Stronger: mlir-opt prints exactly what we print.
        assert_eq!(
            theirs.trim_end(),
            ours.trim_end(),
            "{name}: mlir-opt prints the IR differently"
        );
    }
}

#[test]
fn locations_and_generic_form_round_trip_through_mlir_opt() {
    // Every op carries a location: mlir-opt gives unlocated ops a file location.
    let text = r#"
module {
func.func @main(%arg0: tensor<1x4xf32> loc("input"), %arg1: tensor<i32> loc("n")) -> tensor<1x4xf32> {
  %0 = "tfl.pseudo_const"() <{value = dense<[1.5, -2.25, 3.0, 0.1]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("w")
  %1 = tfl.add(%arg0, %0) <{fused_activation_function = "RELU6"}> : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32> loc("model/add")
  %2:2 = "tfl.while"(%arg1, %1) ({
  ^bb0(%a: tensor<i32> loc("a"), %b: tensor<1x4xf32> loc("b")):
    %c = "tfl.pseudo_const"() <{value = dense<true> : tensor<i1>}> : () -> tensor<i1> loc("c")
    "tfl.yield"(%c) : (tensor<i1>) -> () loc("y1")
  }, {
  ^bb0(%a: tensor<i32> loc("a2"), %b: tensor<1x4xf32> loc("b2")):
    "tfl.yield"(%a, %b) : (tensor<i32>, tensor<1x4xf32>) -> () loc("y2")
  }) : (tensor<i32>, tensor<1x4xf32>) -> (tensor<i32>, tensor<1x4xf32>) loc(fused["w1", "w2"])
  %3 = "tfl.pseudo_qconst"() <{qtype = tensor<2x!quant.uniform<i8<-127:127>:f32:0, {0.5,0.25}>>, value = dense<[1, -127]> : tensor<2xi8>}> : () -> tensor<2x!quant.uniform<i8<-127:127>:f32:0, {0.5,0.25}>> loc("q")
  return %2#1 : tensor<1x4xf32> loc("ret")
} loc("f")
} loc("m")
"#;
    let ours = reprint("inline", text);
    let theirs = run_mlir_opt(&ours, &["--mlir-print-debuginfo"]);
    assert_eq!(
        reprint("mlir-opt output", &theirs),
        ours,
        "locations do not survive mlir-opt"
    );
    let generic = run_mlir_opt(
        &ours,
        &["--mlir-print-op-generic", "--mlir-print-debuginfo"],
    );
    assert_eq!(
        reprint("mlir-opt generic output", &generic),
        ours,
        "the generic form does not parse to the same IR"
    );
}
