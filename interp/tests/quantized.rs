//! Quantized ops run by emulation (dequantize, float kernel, quantize as TFLite rounds):
//! per-tensor and per-axis weights, int32 biases, operands with different scales, rounding
//! half away from zero, saturation, and data movement that copies storage integers.

use tqopt_interp::{Interpreter, Tensor};

fn module(text: &str) -> tqopt_ir::Module {
    tqopt_textual_ir::parse_str("test.mlir", text).unwrap_or_else(|d| panic!("{d:?}"))
}

fn run(text: &str, inputs: &[Tensor]) -> Vec<Tensor> {
    let m = module(text);
    let interp = Interpreter::new(&m, "main").unwrap_or_else(|e| panic!("{e}"));
    interp.run(inputs).unwrap_or_else(|e| panic!("{e}"))
}

fn i8s(shape: &[usize], v: &[i8]) -> Tensor {
    Tensor::from_vec(shape, v.to_vec()).unwrap()
}

#[test]
fn add_with_different_scales_rounds_ties_to_even() {
    // a = [5, -10], b = [1, -0.5]: sums 6 and -10.5, which rounds to -10 (ties to even, as
    // LiteRT's default kernels; not -11).
    let text = r#"
func.func @main(%a: tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>, %b: tensor<2x!quant.uniform<i8:f32, 2.500000e-01:3>>) -> tensor<2x!quant.uniform<i8:f32, 1.000000e+00>> {
  %0 = "tfl.add"(%a, %b) <{fused_activation_function = "NONE"}> : (tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>, tensor<2x!quant.uniform<i8:f32, 2.500000e-01:3>>) -> tensor<2x!quant.uniform<i8:f32, 1.000000e+00>>
  return %0 : tensor<2x!quant.uniform<i8:f32, 1.000000e+00>>
}"#;
    let out = run(text, &[i8s(&[2], &[10, -20]), i8s(&[2], &[7, 1])]);
    assert_eq!(out[0].as_slice::<i8>().unwrap(), &[6, -10]);
}

#[test]
fn results_saturate_to_the_storage_range_and_fused_activations_apply() {
    // 100 * 0.5 + 100 * 0.5 = 100 -> 200 steps of 0.5 saturates at 127; a negative sum is
    // cut to 0 by RELU, which is the zero point -128 of a [0, 63.75] range.
    let text = r#"
func.func @main(%a: tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>) -> tensor<2x!quant.uniform<i8:f32, 2.500000e-01:-128>> {
  %0 = "tfl.add"(%a, %a) <{fused_activation_function = "RELU"}> : (tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>, tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>) -> tensor<2x!quant.uniform<i8:f32, 2.500000e-01:-128>>
  return %0 : tensor<2x!quant.uniform<i8:f32, 2.500000e-01:-128>>
}"#;
    let out = run(text, &[i8s(&[2], &[100, -3])]);
    assert_eq!(out[0].as_slice::<i8>().unwrap(), &[127, -128]);
}

#[test]
fn fully_connected_with_per_axis_weights_and_int32_bias() {
    // x = [1, 2] (scale 0.5, zero point -1: q = 1, 3); w rows [2, -1] * 0.5 and [1, 1] * 0.25;
    // bias [4, -8] with scales 0.5 * 0.5 and 0.5 * 0.25: [1.0, -1.0].
    // y0 = (1*1 + 2*-0.5) + 1 = 1, y1 = (1*0.25 + 2*0.25) - 1 = -0.25; output scale 0.1.
    let text = r#"
func.func @main(%x: tensor<1x2x!quant.uniform<i8:f32, 5.000000e-01:-1>>) -> tensor<1x2x!quant.uniform<i8:f32, 1.000000e-01>> {
  %w = "tfl.pseudo_qconst"() <{qtype = tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {5.000000e-01,2.500000e-01}>>, value = dense<[[2, -1], [1, 1]]> : tensor<2x2xi8>}> : () -> tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {5.000000e-01,2.500000e-01}>>
  %b = "tfl.pseudo_qconst"() <{qtype = tensor<2x!quant.uniform<i32:f32:0, {2.500000e-01,1.250000e-01}>>, value = dense<[4, -8]> : tensor<2xi32>}> : () -> tensor<2x!quant.uniform<i32:f32:0, {2.500000e-01,1.250000e-01}>>
  %0 = "tfl.fully_connected"(%x, %w, %b) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x2x!quant.uniform<i8:f32, 5.000000e-01:-1>>, tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {5.000000e-01,2.500000e-01}>>, tensor<2x!quant.uniform<i32:f32:0, {2.500000e-01,1.250000e-01}>>) -> tensor<1x2x!quant.uniform<i8:f32, 1.000000e-01>>
  return %0 : tensor<1x2x!quant.uniform<i8:f32, 1.000000e-01>>
}"#;
    let out = run(text, &[i8s(&[1, 2], &[1, 3])]);
    // -0.25 / 0.1 is -2.5 in f32 arithmetic up to rounding: -2 or -3 are both within 1 LSB,
    // 10 is exact.
    let v = out[0].as_slice::<i8>().unwrap();
    assert_eq!(v[0], 10);
    assert!(v[1] == -2 || v[1] == -3, "{v:?}");
}

#[test]
fn softmax_quantizes_with_its_fixed_output_parameters() {
    let text = r#"
func.func @main(%x: tensor<1x2x!quant.uniform<i8:f32, 1.000000e-01>>) -> tensor<1x2x!quant.uniform<i8:f32, 3.906250e-03:-128>> {
  %0 = "tfl.softmax"(%x) <{beta = 1.000000e+00 : f32}> : (tensor<1x2x!quant.uniform<i8:f32, 1.000000e-01>>) -> tensor<1x2x!quant.uniform<i8:f32, 3.906250e-03:-128>>
  return %0 : tensor<1x2x!quant.uniform<i8:f32, 3.906250e-03:-128>>
}"#;
    // softmax([0, 1]) = [0.2689, 0.7311]: 68.84 and 187.16 steps of 1/256.
    let out = run(text, &[i8s(&[1, 2], &[0, 10])]);
    assert_eq!(out[0].as_slice::<i8>().unwrap(), &[-59, 59]);
}

#[test]
fn uint8_and_int16_activations_run_too() {
    let text = r#"
func.func @main(%a: tensor<2x!quant.uniform<u8:f32, 5.000000e-01:128>>) -> tensor<2x!quant.uniform<i16:f32, 1.000000e-02>> {
  %0 = "tfl.mul"(%a, %a) <{fused_activation_function = "NONE"}> : (tensor<2x!quant.uniform<u8:f32, 5.000000e-01:128>>, tensor<2x!quant.uniform<u8:f32, 5.000000e-01:128>>) -> tensor<2x!quant.uniform<i16:f32, 1.000000e-02>>
  return %0 : tensor<2x!quant.uniform<i16:f32, 1.000000e-02>>
}"#;
    let a = Tensor::from_vec(&[2], vec![130u8, 0]).unwrap();
    let out = run(text, &[a]);
    // (1)^2 = 1 -> 100; (-64)^2 = 4096 -> 409600 saturates at 32767.
    assert_eq!(out[0].as_slice::<i16>().unwrap(), &[100, 32767]);
}

#[test]
fn data_movement_with_one_type_copies_the_integers() {
    // With equal parameters a reshape keeps every integer, including ones a round trip
    // through real values would not change either; a max pool picks the largest integer.
    let text = r#"
func.func @main(%a: tensor<1x2x2x1x!quant.uniform<i8:f32, 3.000000e-01:5>>) -> (tensor<4x!quant.uniform<i8:f32, 3.000000e-01:5>>, tensor<1x1x1x1x!quant.uniform<i8:f32, 3.000000e-01:5>>) {
  %s = "tfl.pseudo_const"() <{value = dense<4> : tensor<1xi32>}> : () -> tensor<1xi32>
  %0 = "tfl.reshape"(%a, %s) : (tensor<1x2x2x1x!quant.uniform<i8:f32, 3.000000e-01:5>>, tensor<1xi32>) -> tensor<4x!quant.uniform<i8:f32, 3.000000e-01:5>>
  %1 = "tfl.max_pool_2d"(%a) <{filter_height = 2 : i32, filter_width = 2 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 2 : i32, stride_w = 2 : i32}> : (tensor<1x2x2x1x!quant.uniform<i8:f32, 3.000000e-01:5>>) -> tensor<1x1x1x1x!quant.uniform<i8:f32, 3.000000e-01:5>>
  return %0, %1 : tensor<4x!quant.uniform<i8:f32, 3.000000e-01:5>>, tensor<1x1x1x1x!quant.uniform<i8:f32, 3.000000e-01:5>>
}"#;
    let out = run(text, &[i8s(&[1, 2, 2, 1], &[-128, 127, 3, 5])]);
    assert_eq!(out[0].as_slice::<i8>().unwrap(), &[-128, 127, 3, 5]);
    assert_eq!(out[1].as_slice::<i8>().unwrap(), &[127]);
}

#[test]
fn public_quantize_and_dequantize_round_trip() {
    let m = module(
        r#"func.func @main(%a: tensor<3x!quant.uniform<i8:f32, 5.000000e-01:-3>>) -> tensor<3x!quant.uniform<i8:f32, 5.000000e-01:-3>> {
  return %a : tensor<3x!quant.uniform<i8:f32, 5.000000e-01:-3>>
}"#,
    );
    let interp = Interpreter::new(&m, "main").unwrap();
    let q = interp.input_types()[0]
        .element_type()
        .and_then(|e| e.as_quant())
        .unwrap()
        .clone();
    let x = Tensor::from_f32(&[4], vec![1.25, -0.75, 100.0, 1.75]).unwrap();
    let x = x.reshape(&[4]).unwrap();
    let q4 = q.clone();
    let t = tqopt_interp::quantize_tensor(&x, &q4).unwrap();
    // Ties to even: 2.5 -> 2, -1.5 -> -2, 3.5 -> 4; 200 saturates; then + zero point -3.
    assert_eq!(t.as_slice::<i8>().unwrap(), &[-1, -5, 127, 1]);
    let back = tqopt_interp::dequantize_tensor(&t, &q).unwrap();
    assert_eq!(back.as_f32().unwrap(), &[1.0, -1.0, 65.0, 2.0]);
}
