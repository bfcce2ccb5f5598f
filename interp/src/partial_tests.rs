//! Tests of partial plans (custom ops without a kernel left out with what depends on them) and
//! of the memory budget on sizes that come from the model.

use std::collections::HashSet;

use crate::{Interpreter, Tensor};

fn module(text: &str) -> tqopt_ir::Module {
    tqopt_textual_ir::parse_str("test.mlir", text).unwrap_or_else(|d| panic!("{d:?}"))
}

fn name_of(m: &tqopt_ir::Module, op: tqopt_ir::OpId) -> String {
    m.op(op).loc.first_name().unwrap_or("?").to_string()
}

const CUSTOM_IN_THE_MIDDLE: &str = r#"
func.func @main(%arg0: tensor<2xf32> loc("x")) -> (tensor<2xf32>, tensor<2xf32>) {
  %0 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<2xf32> loc("relu")
  %1 = "tfl.custom"(%0) <{custom_code = "Landmarks2TransformMatrixV2", custom_option = #tfl<const_bytes : "0x00">}> : (tensor<2xf32>) -> tensor<2xf32> loc("custom")
  %2 = "tfl.add"(%1, %0) <{fused_activation_function = "NONE"}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("after")
  %3 = "tfl.tanh"(%2) : (tensor<2xf32>) -> tensor<2xf32> loc("after/tanh")
  %4 = "tfl.neg"(%0) : (tensor<2xf32>) -> tensor<2xf32> loc("independent")
  return %3, %4 : tensor<2xf32>, tensor<2xf32>
}"#;

#[test]
fn a_custom_op_without_kernel_is_an_error_for_a_complete_plan() {
    let m = module(CUSTOM_IN_THE_MIDDLE);
    let e = Interpreter::new(&m, "main").err().expect("an error");
    assert!(
        e.to_string()
            .contains("no kernel for the custom op 'Landmarks2TransformMatrixV2'"),
        "{e}"
    );
}

#[test]
fn a_partial_plan_runs_everything_that_does_not_depend_on_the_custom_op() {
    let m = module(CUSTOM_IN_THE_MIDDLE);
    let interp = Interpreter::new_partial(&m, "main").unwrap();
    assert_eq!(interp.unrunnable().len(), 1);
    let u = &interp.unrunnable()[0];
    assert_eq!(
        u.custom_code.as_deref(),
        Some("Landmarks2TransformMatrixV2")
    );
    assert_eq!(
        u.describe(),
        "custom op 'Landmarks2TransformMatrixV2' at loc(\"custom\")"
    );
    let skipped: Vec<String> = interp.skipped().map(|(op, _)| name_of(&m, op)).collect();
    assert_eq!(skipped, ["custom", "after", "after/tanh"]);
    assert!(interp.skipped().all(|(_, cause)| cause == u));

    let x = Tensor::from_f32(&[2], vec![-1.0, 2.0]).unwrap();
    let mut seen = HashSet::new();
    let outs = interp
        .run_partial_observed(std::slice::from_ref(&x), &mut |v, _| {
            seen.insert(
                m.defining_op(v)
                    .map(|op| name_of(&m, op))
                    .unwrap_or_else(|| "arg".into()),
            );
        })
        .unwrap();
    assert!(outs[0].is_none());
    assert_eq!(outs[1].as_ref().unwrap().as_f32().unwrap(), &[-0.0, -2.0]);
    let mut seen: Vec<String> = seen.into_iter().collect();
    seen.sort();
    assert_eq!(seen, ["arg", "independent", "relu"]);

    // A full run cannot give the first result, and says why.
    let e = interp.run(&[x]).unwrap_err().to_string();
    assert!(
        e.contains("result #0 depends on custom op 'Landmarks2TransformMatrixV2'"),
        "{e}"
    );
}

#[test]
fn a_region_op_or_a_call_that_reads_a_left_out_value_is_left_out_whole() {
    let text = r#"
func.func @main(%arg0: tensor<i1> loc("c"), %arg1: tensor<2xf32> loc("x")) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %0 = "tfl.custom"(%arg1) <{custom_code = "Unknown", custom_option = #tfl<const_bytes : "0x00">}> : (tensor<2xf32>) -> tensor<2xf32> loc("custom")
  %1 = "tfl.if"(%arg0) ({
    %a = "tfl.neg"(%0) : (tensor<2xf32>) -> tensor<2xf32> loc("then/neg")
    "tfl.yield"(%a) : (tensor<2xf32>) -> ()
  }, {
    "tfl.yield"(%arg1) : (tensor<2xf32>) -> ()
  }) : (tensor<i1>) -> tensor<2xf32> loc("if")
  %2 = func.call @helper(%arg1) : (tensor<2xf32>) -> tensor<2xf32> loc("call")
  %3 = "tfl.abs"(%arg1) : (tensor<2xf32>) -> tensor<2xf32> loc("abs")
  return %1, %2, %3 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}
func.func private @helper(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "tfl.custom"(%arg0) <{custom_code = "AlsoUnknown", custom_option = #tfl<const_bytes : "0x00">}> : (tensor<2xf32>) -> tensor<2xf32> loc("helper/custom")
  return %0 : tensor<2xf32>
}"#;
    let m = module(text);
    let interp = Interpreter::new_partial(&m, "main").unwrap();
    let skipped: Vec<String> = interp.skipped().map(|(op, _)| name_of(&m, op)).collect();
    assert!(skipped.contains(&"if".to_string()), "{skipped:?}");
    assert!(skipped.contains(&"call".to_string()), "{skipped:?}");
    assert!(!skipped.contains(&"abs".to_string()), "{skipped:?}");
    let codes: Vec<_> = interp
        .unrunnable()
        .iter()
        .map(|u| u.custom_code.clone().unwrap())
        .collect();
    assert_eq!(codes, ["Unknown", "AlsoUnknown"]);
    let inputs = [
        Tensor::scalar(false),
        Tensor::from_f32(&[2], vec![-1.0, 2.0]).unwrap(),
    ];
    let outs = interp
        .run_partial_observed(&inputs, &mut |_, _| {})
        .unwrap();
    assert!(outs[0].is_none() && outs[1].is_none());
    assert_eq!(outs[2].as_ref().unwrap().as_f32().unwrap(), &[1.0, 2.0]);
}

#[test]
fn pad_amounts_beyond_the_budget_are_an_error_naming_the_op() {
    for (pads, ty) in [
        ("[[0, 1000000000], [0, 1000000000]]", "i32"),
        (
            "[[0, 9223372036854775807], [0, 9223372036854775807]]",
            "i64",
        ),
    ] {
        for op in ["tfl.pad", "tfl.mirror_pad"] {
            let attrs = if op == "tfl.mirror_pad" {
                " <{mode = #tfl<mirror_pad_type SYMMETRIC>}>"
            } else {
                ""
            };
            let text = format!(
                r#"
func.func @main(%arg0: tensor<2x2xf32>) -> tensor<?x?xf32> {{
  %p = "tfl.pseudo_const"() <{{value = dense<{pads}> : tensor<2x2x{ty}>}}> : () -> tensor<2x2x{ty}>
  %0 = "{op}"(%arg0, %p){attrs} : (tensor<2x2xf32>, tensor<2x2x{ty}>) -> tensor<?x?xf32> loc("corrupt")
  return %0 : tensor<?x?xf32>
}}"#
            );
            let m = module(&text);
            let interp = Interpreter::new(&m, "main").unwrap();
            let x = Tensor::from_f32(&[2, 2], vec![1.0; 4]).unwrap();
            let e = interp.run(&[x]).unwrap_err().to_string();
            let expected = if op == "tfl.pad" {
                "more than the memory limit"
            } else {
                "is too large for dimension"
            };
            assert!(
                e.contains(op) && e.contains("loc(\"corrupt\")") && e.contains(expected),
                "{op} {pads}: {e}"
            );
        }
    }
}

#[test]
fn tile_multiples_and_resize_sizes_beyond_the_budget_are_errors() {
    let tile = r#"
func.func @main(%arg0: tensor<2x2xf32>) -> tensor<?x?xf32> {
  %m = "tfl.pseudo_const"() <{value = dense<[4611686018427387904, 4]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %0 = "tfl.tile"(%arg0, %m) : (tensor<2x2xf32>, tensor<2xi64>) -> tensor<?x?xf32> loc("tile")
  return %0 : tensor<?x?xf32>
}"#;
    let resize = r#"
func.func @main(%arg0: tensor<1x2x2x3xf32>) -> tensor<1x?x?x3xf32> {
  %s = "tfl.pseudo_const"() <{value = dense<[2147483647, 2147483647]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %0 = "tfl.resize_bilinear"(%arg0, %s) <{align_corners = false, half_pixel_centers = true}> : (tensor<1x2x2x3xf32>, tensor<2xi32>) -> tensor<1x?x?x3xf32> loc("resize")
  return %0 : tensor<1x?x?x3xf32>
}"#;
    for (text, shape, name) in [
        (tile, vec![2, 2], "tile"),
        (resize, vec![1, 2, 2, 3], "resize"),
    ] {
        let m = module(text);
        let interp = Interpreter::new(&m, "main").unwrap();
        let n = shape.iter().product();
        let x = Tensor::from_f32(&shape, vec![1.0; n]).unwrap();
        let e = interp.run(&[x]).unwrap_err().to_string();
        assert!(
            e.contains(&format!("loc(\"{name}\")"))
                && (e.contains("more than the memory limit") || e.contains("overflow")),
            "{name}: {e}"
        );
    }
}

#[test]
fn splat_constants_are_not_expanded_beyond_the_budget() {
    let text = r#"
func.func @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "tfl.pseudo_const"() <{value = dense<1.0> : tensor<1000000000x1000000000xf32>}> : () -> tensor<1000000000x1000000000xf32> loc("huge/splat")
  %1 = "tfl.add"(%arg0, %arg0) <{fused_activation_function = "NONE"}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}"#;
    let m = module(text);
    let e = Interpreter::new(&m, "main")
        .err()
        .expect("an error")
        .to_string();
    assert!(
        e.contains("loc(\"huge/splat\")")
            && e.contains("a constant of shape [1000000000, 1000000000] needs 3.5 EiB, more than the memory limit"),
        "{e}"
    );
}
