//! Tests of rewrite-for-target: each rewrite computes what the op it replaces computes.

use super::*;
use tqopt_interp::{Interpreter, Tensor};

fn parse(text: &str) -> Module {
    tqopt_textual_ir::parse_str("test.mlir", text).expect("parses")
}

fn rewrite(text: &str) -> (Module, Module, String) {
    rewrite_with(text, false)
}

fn rewrite_with(text: &str, int16: bool) -> (Module, Module, String) {
    run_rewrite(text, Target::Strict, int16)
}

fn rewrite_on(text: &str, target: Target) -> (Module, Module, String) {
    run_rewrite(text, target, false)
}

fn run_rewrite(text: &str, target: Target, int16: bool) -> (Module, Module, String) {
    let before = parse(text);
    let mut after = parse(text);
    let mut cx = PassContext::new();
    RewriteForTarget { target, int16 }
        .run(&mut after, &mut cx)
        .expect("runs");
    let printed = tqopt_textual_ir::print_module(&after, &Default::default());
    (before, after, printed)
}

/// Runs both modules on the same input; the largest absolute difference of the outputs.
fn max_diff(before: &Module, after: &Module, shape: &[usize]) -> f32 {
    let n: usize = shape.iter().product();
    let x: Vec<f32> = (0..n)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
        .collect();
    let input = Tensor::from_f32(shape, x).unwrap();
    let a = Interpreter::new(before, "main")
        .unwrap()
        .run(std::slice::from_ref(&input))
        .unwrap();
    let b = Interpreter::new(after, "main")
        .unwrap()
        .run(&[input])
        .unwrap();
    assert_eq!(a[0].shape(), b[0].shape());
    let (a, b) = (a[0].to_f32_vec(), b[0].to_f32_vec());
    a.iter()
        .zip(&b)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f32::max)
}

const PRELU_CHANNEL: &str = r#"
func.func @main(%x: tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[[0.25, -0.5, 1.0, 0.0]]]> : tensor<1x1x4xf32>}> : () -> tensor<1x1x4xf32>
  %0 = "tfl.prelu"(%x, %a) : (tensor<1x3x3x4xf32>, tensor<1x1x4xf32>) -> tensor<1x3x3x4xf32> loc("p")
  return %0 : tensor<1x3x3x4xf32>
}
"#;

#[test]
fn per_channel_prelu_becomes_depthwise_relu_plus_add_and_computes_the_same() {
    let (before, after, out) = rewrite(PRELU_CHANNEL);
    assert!(!out.contains("tfl.prelu"), "{out}");
    assert!(out.contains("tfl.depthwise_conv_2d"), "{out}");
    assert!(
        out.contains(r#"fused_activation_function = "RELU""#),
        "{out}"
    );
    assert!(out.contains(r#"loc("p")"#), "{out}");
    let d = max_diff(&before, &after, &[1, 3, 3, 4]);
    assert!(d <= 1e-6, "max difference {d}");
}

#[test]
fn int16_per_channel_prelu_carries_its_slope_in_a_mul_and_computes_the_same() {
    // Every slope <= 1, which int8 folds into the depthwise weights: int16 does not.
    let (before, after, out) = rewrite_with(PRELU_CHANNEL, true);
    assert!(!out.contains("tfl.prelu"), "{out}");
    assert!(out.contains("tfl.mul"), "{out}");
    assert!(out.contains("prelu_scale"), "{out}");
    let d = max_diff(&before, &after, &[1, 3, 3, 4]);
    assert!(d <= 1e-6, "max difference {d}");
    let (_, _, int8) = rewrite_with(PRELU_CHANNEL, false);
    assert!(!int8.contains("tfl.mul"), "{int8}");
}

#[test]
fn scalar_prelu_becomes_leaky_relu() {
    let text = PRELU_CHANNEL.replace("[[[0.25, -0.5, 1.0, 0.0]]]", "[[[0.2, 0.2, 0.2, 0.2]]]");
    let (before, after, out) = rewrite(&text);
    assert!(out.contains("tfl.leaky_relu"), "{out}");
    assert!(out.contains("alpha = 2.000000e-01"), "{out}");
    assert_eq!(max_diff(&before, &after, &[1, 3, 3, 4]), 0.0);
}

#[test]
fn prelu_with_a_slope_above_one_scales_relu_of_minus_x_and_computes_the_same() {
    let text = PRELU_CHANNEL.replace("[[[0.25, -0.5, 1.0, 0.0]]]", "[[[0.25, 1.5, 1.0, -0.3]]]");
    let (before, after, out) = rewrite(&text);
    assert!(!out.contains("tfl.prelu"), "{out}");
    assert!(out.contains("tfl.mul"), "{out}");
    let d = max_diff(&before, &after, &[1, 3, 3, 4]);
    assert!(d <= 1e-6, "max difference {d}");
}

#[test]
fn prelu_whose_slope_varies_in_space_is_left_alone() {
    let text = r#"
func.func @main(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[[0.1, 0.2], [0.3, 0.4]]]> : tensor<1x2x2xf32>}> : () -> tensor<1x2x2xf32>
  %0 = "tfl.prelu"(%x, %a) : (tensor<1x1x2x2xf32>, tensor<1x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}
"#;
    let (_, _, out) = rewrite(text);
    assert!(out.contains("tfl.prelu"), "{out}");
}

#[test]
fn hard_swish_becomes_add_relu6_mul_mul_and_computes_the_same() {
    let (before, after, out) = rewrite(
        r#"
func.func @main(%x: tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32> {
  %0 = "tfl.hard_swish"(%x) : (tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32> loc("h")
  return %0 : tensor<1x3x3x4xf32>
}
"#,
    );
    assert!(!out.contains("tfl.hard_swish"), "{out}");
    assert!(
        out.contains(r#"fused_activation_function = "RELU6""#),
        "{out}"
    );
    let d = max_diff(&before, &after, &[1, 3, 3, 4]);
    assert!(d <= 1e-5, "max difference {d}");
}

#[test]
fn neg_becomes_mul_by_minus_one_and_computes_the_same() {
    let (before, after, text) = rewrite(
        r#"
func.func @main(%arg0: tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32> {
  %0 = "tfl.neg"(%arg0) : (tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32> loc("n")
  return %0 : tensor<1x4x4x3xf32>
}"#,
    );
    assert!(
        !text.contains("tfl.neg") && text.contains("tfl.mul"),
        "{text}"
    );
    assert_eq!(max_diff(&before, &after, &[1, 4, 4, 3]), 0.0);
}

#[test]
fn square_becomes_mul_of_x_by_itself_and_computes_the_same_on_every_target_but_reference() {
    const SQUARE: &str = r#"
func.func @main(%arg0: tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32> {
  %0 = "tfl.square"(%arg0) : (tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32> loc("sq")
  return %0 : tensor<1x4x4x3xf32>
}"#;
    for target in [Target::Strict, Target::Xnnpack] {
        let (before, after, text) = rewrite_on(SQUARE, target);
        assert!(
            !text.contains("tfl.square")
                && text.contains(r#""tfl.mul"(%arg0, %arg0)"#)
                && text.contains(r#"loc("sq")"#),
            "{target:?}: {text}"
        );
        assert_eq!(max_diff(&before, &after, &[1, 4, 4, 3]), 0.0);
    }
    let (_, _, text) = rewrite_on(SQUARE, Target::Reference);
    assert!(text.contains("tfl.square"), "{text}");
}

#[test]
fn add_n_becomes_a_chain_of_adds_in_order_and_computes_the_same() {
    let (before, after, text) = rewrite_on(
        r#"
func.func @main(%arg0: tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<1x4x4x3xf32>}> : () -> tensor<1x4x4x3xf32>
  %b = "tfl.exp"(%arg0) : (tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32>
  %0 = "tfl.add_n"(%arg0, %a, %b) : (tensor<1x4x4x3xf32>, tensor<1x4x4x3xf32>, tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32> loc("fuse")
  return %0 : tensor<1x4x4x3xf32>
}"#,
        Target::Xnnpack,
    );
    assert!(!text.contains("tfl.add_n"), "{text}");
    assert!(
        text.contains(r#"= "tfl.add"(%arg0, %0)"#)
            && text.contains(r#"loc("fuse/add_n_partial_1")"#),
        "{text}"
    );
    assert!(text.contains(r#"loc("fuse")"#), "{text}");
    assert_eq!(max_diff(&before, &after, &[1, 4, 4, 3]), 0.0);
}

#[test]
fn global_average_pool_becomes_mean() {
    let (before, after, out) = rewrite(
        r#"
func.func @main(%x: tensor<1x3x3x4xf32>) -> tensor<1x1x1x4xf32> {
  %0 = "tfl.average_pool_2d"(%x) <{filter_height = 3 : i32, filter_width = 3 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 3 : i32, stride_w = 3 : i32}> : (tensor<1x3x3x4xf32>) -> tensor<1x1x1x4xf32> loc("gap")
  return %0 : tensor<1x1x1x4xf32>
}
"#,
    );
    assert!(out.contains("tfl.mean"), "{out}");
    let d = max_diff(&before, &after, &[1, 3, 3, 4]);
    assert!(d <= 1e-6, "max difference {d}");
}

#[test]
fn xnnpack_makes_no_chains() {
    // A per-channel prelu stays one prelu (widened), a hard_swish stays itself.
    let (_, _, out) = rewrite_on(PRELU_CHANNEL, Target::Xnnpack);
    assert!(out.contains("tfl.prelu"), "{out}");
    assert!(
        !out.contains("tfl.depthwise_conv_2d") && !out.contains("tfl.add"),
        "{out}"
    );
    let hard_swish = r#"
func.func @main(%x: tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32> {
  %0 = "tfl.hard_swish"(%x) : (tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32>
  return %0 : tensor<1x3x3x4xf32>
}
"#;
    let mut m = parse(hard_swish);
    let changed = RewriteForTarget {
        target: Target::Xnnpack,
        int16: false,
    }
    .run(&mut m, &mut PassContext::new())
    .unwrap();
    assert_eq!(changed, Changed::No);
    let scalar = PRELU_CHANNEL.replace("[[[0.25, -0.5, 1.0, 0.0]]]", "[[[0.2, 0.2, 0.2, 0.2]]]");
    let (_, _, out) = rewrite_on(&scalar, Target::Xnnpack);
    assert!(out.contains("tfl.leaky_relu"), "{out}");
}

/// A prelu over 8 channels, 16 pixels wide: 16 of its rows make one of 128 channels.
const PRELU_NARROW: &str = r#"
func.func @main(%x: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[[0.25, -0.5, 1.5, 0.0, 0.1, 0.2, 0.3, 0.4]]]> : tensor<1x1x8xf32>}> : () -> tensor<1x1x8xf32>
  %0 = "tfl.prelu"(%x, %a) : (tensor<1x2x16x8xf32>, tensor<1x1x8xf32>) -> tensor<1x2x16x8xf32> loc("p")
  return %0 : tensor<1x2x16x8xf32>
}
"#;

#[test]
fn xnnpack_runs_a_narrow_prelu_on_wide_rows_bit_for_bit() {
    let (before, after, out) = rewrite_on(PRELU_NARROW, Target::Xnnpack);
    assert!(
        out.contains("(tensor<1x2x1x128xf32>, tensor<1x1x128xf32>) -> tensor<1x2x1x128xf32>"),
        "{out}"
    );
    assert_eq!(out.matches("\"tfl.reshape\"").count(), 2, "{out}");
    // The last reshape carries the prelu's name, so the tensor keeps it.
    assert!(out.contains(r#"tensor<1x2x16x8xf32> loc("p")"#), "{out}");
    assert_eq!(max_diff(&before, &after, &[1, 2, 16, 8]), 0.0);
}

#[test]
fn the_widening_factor_is_the_smallest_divisor_of_the_width_that_reaches_128() {
    // Width 48, 16 channels: 8 rows of 128 (not 16 of 256); width 6: all 6 rows (96).
    let wide = PRELU_NARROW
        .replace("1x2x16x8", "1x2x48x16")
        .replace(
            "[[[0.25, -0.5, 1.5, 0.0, 0.1, 0.2, 0.3, 0.4]]]",
            &format!(
                "[[[{}]]]",
                (0..16)
                    .map(|i| format!("0.{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .replace("1x1x8", "1x1x16");
    let (before, after, out) = rewrite_on(&wide, Target::Xnnpack);
    assert!(out.contains("tensor<1x2x6x128xf32>"), "{out}");
    assert_eq!(max_diff(&before, &after, &[1, 2, 48, 16]), 0.0);
    let narrow = PRELU_NARROW.replace("1x2x16x8", "1x2x6x8");
    let (_, _, out) = rewrite_on(&narrow, Target::Xnnpack);
    assert!(out.contains("tensor<1x2x1x48xf32>"), "{out}");
    // 128 channels or more: already wide, left alone.
    let (_, _, again) = rewrite_on(&out, Target::Xnnpack);
    assert_eq!(again.matches("\"tfl.reshape\"").count(), 2, "{again}");
}

/// MediaPipe's transposed convolution: 2x2 kernel, stride 2, SAME, 3 -> 2 channels; on a
/// 3x3 input SAME removes one row and column (the output is 5x5), on 4x4 none (8x8).
const TRANSPOSE_CONV_BIAS: &str = r#"
func.func @main(%x: tensor<1x3x3x3xf32>) -> tensor<1x5x5x2xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<[[[[0.5, -1.0, 0.25], [1.0, 0.5, -0.5]], [[-0.25, 0.75, 1.0], [0.1, 0.2, 0.3]]], [[[0.3, -0.2, 0.1], [-1.0, 1.0, 0.5]], [[0.6, 0.4, -0.8], [0.2, -0.3, 0.9]]]]> : tensor<2x2x2x3xf32>}> : () -> tensor<2x2x2x3xf32>
  %b = "tfl.pseudo_const"() <{value = dense<[0.5, -0.25]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = "tfl.custom"(%x, %w, %b) <{custom_code = "Convolution2DTransposeBias", custom_option = #tfl<const_bytes : "0x010000000200000002000000">}> : (tensor<1x3x3x3xf32>, tensor<2x2x2x3xf32>, tensor<2xf32>) -> tensor<1x5x5x2xf32> loc("segment")
  return %0 : tensor<1x5x5x2xf32>
}
"#;

#[test]
fn mediapipe_transpose_conv_bias_becomes_the_builtin_and_computes_the_same() {
    for target in [Target::Xnnpack, Target::Strict] {
        let (before, after, out) = rewrite_on(TRANSPOSE_CONV_BIAS, target);
        assert!(!out.contains("tfl.custom"), "{out}");
        assert!(
            out.contains(r#"padding = "SAME", stride_h = 2 : i32, stride_w = 2 : i32"#),
            "{out}"
        );
        assert!(out.contains(r#"loc("segment")"#), "{out}");
        assert!(max_diff(&before, &after, &[1, 3, 3, 3]) <= 1e-6);
    }
    let even = TRANSPOSE_CONV_BIAS
        .replace("1x3x3x3", "1x4x4x3")
        .replace("1x5x5x2", "1x8x8x2");
    let (before, after, _) = rewrite_on(&even, Target::Xnnpack);
    assert!(max_diff(&before, &after, &[1, 4, 4, 3]) <= 1e-6);
    let valid = even.replace("0x01000000", "0x02000000");
    let (before, after, out) = rewrite_on(&valid, Target::Xnnpack);
    assert!(out.contains(r#"padding = "VALID""#), "{out}");
    assert!(max_diff(&before, &after, &[1, 4, 4, 3]) <= 1e-6);
    // Another custom op, or option bytes that do not parse: left alone.
    let other =
        TRANSPOSE_CONV_BIAS.replace("Convolution2DTransposeBias\"", "MaxPoolingWithArgmax2D\"");
    let (_, _, out) = rewrite_on(&other, Target::Xnnpack);
    assert!(out.contains("tfl.custom"), "{out}");
    let short = TRANSPOSE_CONV_BIAS.replace("0x010000000200000002000000", "0x0100000002000000");
    let (_, _, out) = rewrite_on(&short, Target::Xnnpack);
    assert!(out.contains("tfl.custom"), "{out}");
    let (_, _, out) = rewrite_on(TRANSPOSE_CONV_BIAS, Target::Reference);
    assert!(out.contains("tfl.custom"), "{out}");
}

#[test]
fn reference_rewrites_nothing() {
    let mut m = parse(PRELU_CHANNEL);
    let mut cx = PassContext::new();
    let changed = RewriteForTarget {
        target: Target::Reference,
        int16: false,
    }
    .run(&mut m, &mut cx)
    .unwrap();
    assert_eq!(changed, Changed::No);
}

#[test]
fn a_narrow_prelu_over_a_sequence_is_widened_too() {
    // [batch, time, channels] with a [1, channels] slope, as Keras writes a PReLU after Conv1D.
    let text = r#"
func.func @main(%x: tensor<1x64x4xf32>) -> tensor<1x64x4xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[0.25, -0.5, 1.5, 0.0]]> : tensor<1x4xf32>}> : () -> tensor<1x4xf32>
  %0 = "tfl.prelu"(%x, %a) : (tensor<1x64x4xf32>, tensor<1x4xf32>) -> tensor<1x64x4xf32> loc("p")
  return %0 : tensor<1x64x4xf32>
}
"#;
    let (before, after, out) = rewrite_on(text, Target::Xnnpack);
    assert!(
        out.contains("(tensor<1x2x128xf32>, tensor<1x128xf32>) -> tensor<1x2x128xf32>"),
        "{out}"
    );
    assert_eq!(max_diff(&before, &after, &[1, 64, 4]), 0.0);
}
