//! equalize-channels: the scales it picks for a wide channel, that it leaves balanced tensors
//! alone, that rescaling is exact in float, and which chains form a pair.

use tqopt_interp::{Interpreter, Tensor};
use tqopt_ir::Module;

use tqopt_ir::dialect::tfl::operands::Weighted;

use super::pairs::{consumer_weights, find, rescale, SUFFIX};
use super::scales::{choose, modelled_noise, ConsumerWeights, TensorStats};
use crate::folds::const_f32_values;

/// A fixed xorshift sequence in [-1, 1).
fn noise(state: &mut u32) -> f32 {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    (*state as f32 / u32::MAX as f32) * 2.0 - 1.0
}

/// A 1x1 consumer with `rows` rows over `channels` channels of random weights.
fn random_weights(rows: usize, channels: usize, state: &mut u32) -> ConsumerWeights {
    let w: Vec<(usize, usize, f32)> = (0..rows)
        .flat_map(|r| (0..channels).map(move |c| (r, c)))
        .map(|(r, c)| (r, c, noise(state) * 0.5))
        .collect();
    ConsumerWeights::collect(rows, w.into_iter())
}

/// Channels of range ±`width[c]` with a mean square of a third of its square (uniform).
fn stats(width: &[f64]) -> TensorStats {
    TensorStats {
        ranges: vec![width.iter().map(|&w| (-w, w)).collect()],
        mean_square: width.iter().map(|w| w * w / 3.0).collect(),
    }
}

#[test]
fn a_wide_channel_is_divided_down_and_the_modelled_noise_drops() {
    let mut state = 0x2468_ace1u32;
    let mut width = vec![2.0; 16];
    width[5] = 240.0;
    let (st, w) = (stats(&width), random_weights(8, 16, &mut state));
    let s = choose(&st, &w).expect("a 120x wider channel is worth rescaling");
    let widest = (0..16).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap();
    assert_eq!(widest, 5, "{s:?}");
    let before = modelled_noise(&st, &w, &[1.0; 16]);
    let after = modelled_noise(&st, &w, &s);
    assert!(after < 0.2 * before, "{after} vs {before}");
    assert!(
        s.iter().all(|x| x.log2().fract() == 0.0),
        "powers of two: {s:?}"
    );
    // The rescaled tensor's widest channel is within a few times of the others.
    let scaled: Vec<f64> = width.iter().zip(&s).map(|(w, s)| w / s).collect();
    let (hi, lo) = (
        scaled.iter().cloned().fold(0.0, f64::max),
        scaled.iter().cloned().fold(f64::INFINITY, f64::min),
    );
    assert!(hi / lo < 20.0, "{scaled:?}");
}

#[test]
fn balanced_channels_are_left_alone() {
    let mut state = 0x1357_9bdfu32;
    let w = ConsumerWeights::collect(
        4,
        (0..4).flat_map(|r| (0..8).map(move |c| (r, c, if (r + c) % 2 == 0 { 0.5 } else { -0.5 }))),
    );
    assert_eq!(choose(&stats(&[3.0; 8]), &w), None);
    // Random weights over equal channels: whatever is picked must model less noise.
    let w = random_weights(6, 8, &mut state);
    let st = stats(&[3.0; 8]);
    if let Some(s) = choose(&st, &w) {
        assert!(modelled_noise(&st, &w, &s) < modelled_noise(&st, &w, &[1.0; 8]));
    }
}

#[test]
fn the_noise_model_ignores_a_common_factor() {
    let mut state = 0x0f0f_1234u32;
    let w = random_weights(5, 6, &mut state);
    let st = stats(&[1.0, 4.0, 0.5, 9.0, 2.0, 3.0]);
    let s: Vec<f64> = (0..6).map(|c| 0.5 + c as f64 * 0.3).collect();
    let scaled: Vec<f64> = s.iter().map(|x| x * 8.0).collect();
    let (a, b) = (
        modelled_noise(&st, &w, &s),
        modelled_noise(&st, &w, &scaled),
    );
    assert!((a - b).abs() <= 1e-9 * a, "{a} vs {b}");
}

/// A depthwise convolution whose channel 1 is 100x wider, a prelu, and a 1x1 convolution.
const DEPTHWISE_PRELU_CONV: &str = r#"
func.func @main(%x: tensor<1x4x4x3xf32> loc("x")) -> tensor<1x4x4x2xf32> {
  %dw = "tfl.pseudo_const"() <{value = dense<[[[[0.5, 50.0, -0.25], [0.1, 20.0, 0.3]], [[-0.2, 30.0, 0.4], [0.3, -10.0, 0.2]]]]> : tensor<1x2x2x3xf32>}> : () -> tensor<1x2x2x3xf32>
  %db = "tfl.pseudo_const"() <{value = dense<[0.1, 5.0, -0.1]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %0 = "tfl.depthwise_conv_2d"(%x, %dw, %db) <{depth_multiplier = 1 : i32, dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x3xf32>, tensor<1x2x2x3xf32>, tensor<3xf32>) -> tensor<1x4x4x3xf32> loc("dw")
  %a = "tfl.pseudo_const"() <{value = dense<[[[0.25, 0.1, 0.5]]]> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %1 = "tfl.prelu"(%0, %a) : (tensor<1x4x4x3xf32>, tensor<1x1x3xf32>) -> tensor<1x4x4x3xf32> loc("act")
  %w = "tfl.pseudo_const"() <{value = dense<[[[[0.5, 0.01, -0.3]]], [[[-0.2, 0.02, 0.6]]]]> : tensor<2x1x1x3xf32>}> : () -> tensor<2x1x1x3xf32>
  %b = "tfl.pseudo_const"() <{value = dense<[0.0, 0.5]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %2 = "tfl.conv_2d"(%1, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x3xf32>, tensor<2x1x1x3xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32> loc("pw")
  return %2 : tensor<1x4x4x2xf32>
}
"#;

fn parse(text: &str) -> Module {
    tqopt_textual_ir::parse_str("test.mlir", text).expect("parses")
}

fn run(m: &Module, x: &Tensor) -> Vec<f32> {
    Interpreter::new(m, "main")
        .unwrap()
        .run(std::slice::from_ref(x))
        .unwrap()[0]
        .to_f32_vec()
}

#[test]
fn rescaling_a_pair_is_exact_in_float_and_renames_the_tensors_between() {
    let before = parse(DEPTHWISE_PRELU_CONV);
    let mut after = before.clone();
    let pairs = find(&after);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(
        pairs[0].between.len(),
        2,
        "the depthwise result and the prelu's"
    );
    let w = consumer_weights(&after, &pairs[0]).unwrap();
    assert_eq!(w.rows, 2);
    rescale(&mut after, &pairs[0], &[0.5, 128.0, 2.0]).unwrap();
    let mut state = 0x9e37_79b9u32;
    let x = Tensor::from_f32(&[1, 4, 4, 3], (0..48).map(|_| noise(&mut state)).collect()).unwrap();
    let (a, b) = (run(&before, &x), run(&after, &x));
    // Powers of two (what the pass picks) rescale exactly: the outputs are bit-identical.
    assert_eq!(a, b);
    let printed = tqopt_textual_ir::print_module(&after, &Default::default());
    assert!(printed.contains(&format!("\"dw/{SUFFIX}\"")), "{printed}");
    assert!(printed.contains(&format!("\"act/{SUFFIX}\"")), "{printed}");
    assert!(!printed.contains(&format!("\"pw/{SUFFIX}\"")), "{printed}");
    // The depthwise filter's channels were divided by 0.5, 128 and 2, the bias too, and the
    // consumer's columns multiplied by them.
    let filter = |op| {
        let v = Weighted::of(&after, op).unwrap();
        let f = const_f32_values(&after, after.defining_op(v.filter).unwrap()).unwrap();
        let b = const_f32_values(&after, after.defining_op(v.bias.unwrap()).unwrap()).unwrap();
        (f, b)
    };
    let (dw, db) = filter(pairs[0].producer);
    assert_eq!(&dw[..3], &[1.0, 50.0 / 128.0, -0.125]);
    assert_eq!(db, vec![0.2, 5.0 / 128.0, -0.05]);
    let (pw, pb) = filter(pairs[0].consumer);
    assert_eq!(&pw[..3], &[0.25, 0.01 * 128.0, -0.6]);
    assert_eq!(pb, vec![0.0, 0.5]);
}

#[test]
fn a_clamping_activation_or_a_second_user_breaks_the_pair() {
    let relu6 = DEPTHWISE_PRELU_CONV.replace(
        r#"%1 = "tfl.prelu"(%0, %a) : (tensor<1x4x4x3xf32>, tensor<1x1x3xf32>)"#,
        r#"%1 = "tfl.relu6"(%0) : (tensor<1x4x4x3xf32>)"#,
    );
    assert!(find(&parse(&relu6)).is_empty(), "relu6 is not homogeneous");
    let relu = relu6.replace("tfl.relu6", "tfl.relu");
    assert_eq!(find(&parse(&relu)).len(), 1, "relu is");
    let fused_relu6 = DEPTHWISE_PRELU_CONV.replacen(
        r#"fused_activation_function = "NONE", padding = "SAME""#,
        r#"fused_activation_function = "RELU6", padding = "SAME""#,
        1,
    );
    assert!(find(&parse(&fused_relu6)).is_empty());
    let second_user = DEPTHWISE_PRELU_CONV
        .replace(
            "-> tensor<1x4x4x2xf32> {",
            "-> (tensor<1x4x4x2xf32>, tensor<1x4x4x3xf32>) {",
        )
        .replace(
            "return %2 : tensor<1x4x4x2xf32>",
            "return %2, %1 : tensor<1x4x4x2xf32>, tensor<1x4x4x3xf32>",
        );
    assert!(
        find(&parse(&second_user)).is_empty(),
        "the prelu's result is an output too"
    );
}
