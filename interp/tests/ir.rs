//! The interpreter on hand-written IR: control flow, calls, dynamic batch, observers, plan-time
//! folding, TFLite semantics of single ops, and the errors a user sees.

use tqopt_interp::{InterpError, Interpreter, Tensor};

fn module(text: &str) -> tqopt_ir::Module {
    tqopt_textual_ir::parse_str("test.mlir", text).unwrap_or_else(|d| panic!("{d:?}"))
}

fn f32s(shape: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_f32(shape, v.to_vec()).unwrap()
}

fn run1(text: &str, inputs: &[Tensor]) -> Vec<Tensor> {
    let m = module(text);
    let interp = Interpreter::new(&m, "main").unwrap_or_else(|e| panic!("{e}"));
    interp.run(inputs).unwrap_or_else(|e| panic!("{e}"))
}

fn assert_close(got: &Tensor, shape: &[usize], want: &[f32]) {
    assert_eq!(got.shape(), shape);
    let g = got.as_f32().expect("f32");
    for (i, (a, b)) in g.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= 1e-5 * b.abs().max(1.0),
            "element {i}: {a} != {b} ({g:?})"
        );
    }
}

#[test]
fn interpreter_is_sync_and_send() {
    fn check<T: Send + Sync>() {}
    check::<Interpreter>();
}

#[test]
fn while_loop_runs_its_regions_and_reports_their_values() {
    let text = r#"
func.func @main(%arg0: tensor<i32>, %arg1: tensor<2xf32>) -> tensor<2xf32> {
  %0:2 = "tfl.while"(%arg0, %arg1) <{is_stateless = true}> ({
  ^bb0(%a: tensor<i32>, %b: tensor<2xf32>):
    %limit = "tfl.pseudo_const"() <{value = dense<3> : tensor<i32>}> : () -> tensor<i32>
    %c = "tfl.less"(%a, %limit) : (tensor<i32>, tensor<i32>) -> tensor<i1>
    "tfl.yield"(%c) : (tensor<i1>) -> ()
  }, {
  ^bb0(%a: tensor<i32>, %b: tensor<2xf32>):
    %one = "tfl.pseudo_const"() <{value = dense<1> : tensor<i32>}> : () -> tensor<i32>
    %next = tfl.add %a, %one {fused_activation_function = "NONE"} : tensor<i32>
    %d = tfl.add %b, %b {fused_activation_function = "NONE"} : tensor<2xf32>
    "tfl.yield"(%next, %d) : (tensor<i32>, tensor<2xf32>) -> ()
  }) : (tensor<i32>, tensor<2xf32>) -> (tensor<i32>, tensor<2xf32>)
  return %0#1 : tensor<2xf32>
}"#;
    let m = module(text);
    let interp = Interpreter::new(&m, "main").unwrap();
    let inputs = [Tensor::scalar(0i32), f32s(&[2], &[1.0, -2.0])];
    let mut seen = 0usize;
    let mut doubled = Vec::new();
    let outs = interp
        .run_observed(&inputs, &mut |v, t| {
            seen += 1;
            if m.value_type(v).to_string() == "tensor<2xf32>" && m.defining_op(v).is_some() {
                doubled.push(t.as_f32().unwrap().to_vec());
            }
        })
        .unwrap();
    assert_close(&outs[0], &[2], &[8.0, -16.0]);
    // Three iterations: each doubles inside the body, then the while's own result.
    assert_eq!(doubled.len(), 4, "{doubled:?}");
    assert_eq!(doubled[0], [2.0, -4.0]);
    // 2 inputs + per iteration (cond arg x2, less, body arg x2, 2 adds) + final cond + result x2
    assert!(seen > 20, "only {seen} values were reported");
}

#[test]
fn if_picks_a_region() {
    let text = r#"
func.func @main(%arg0: tensor<i1>, %arg1: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "tfl.if"(%arg0) ({
    %r = "tfl.relu"(%arg1) : (tensor<2xf32>) -> tensor<2xf32>
    "tfl.yield"(%r) : (tensor<2xf32>) -> ()
  }, {
    %n = "tfl.neg"(%arg1) : (tensor<2xf32>) -> tensor<2xf32>
    "tfl.yield"(%n) : (tensor<2xf32>) -> ()
  }) : (tensor<i1>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}"#;
    let x = f32s(&[2], &[1.5, -2.0]);
    let out = run1(text, &[Tensor::scalar(true), x.clone()]);
    assert_close(&out[0], &[2], &[1.5, 0.0]);
    let out = run1(text, &[Tensor::scalar(false), x]);
    assert_close(&out[0], &[2], &[-1.5, 2.0]);
}

#[test]
fn calls_run_the_callee() {
    let text = r#"
func.func private @square(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = "tfl.mul"(%x, %x) <{fused_activation_function = "NONE"}> : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
func.func @main(%arg0: tensor<3xf32>) -> tensor<3xf32> {
  %0 = call @square(%arg0) : (tensor<3xf32>) -> tensor<3xf32>
  %1 = call @square(%0) : (tensor<3xf32>) -> tensor<3xf32>
  return %1 : tensor<3xf32>
}"#;
    let out = run1(text, &[f32s(&[3], &[1.0, 2.0, -3.0])]);
    assert_close(&out[0], &[3], &[1.0, 16.0, 81.0]);
}

#[test]
fn dynamic_batch_is_resolved_at_run_time() {
    let text = r#"
func.func @main(%arg0: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<[[1.0, 0.0, 1.0], [0.0, 2.0, 0.0]]> : tensor<2x3xf32>}> : () -> tensor<2x3xf32>
  %b = "tfl.pseudo_const"() <{value = dense<[0.5, -10.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = "tfl.fully_connected"(%arg0, %w, %b) <{fused_activation_function = "RELU", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<?x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}"#;
    let m = module(text);
    let interp = Interpreter::new(&m, "main").unwrap();
    let one = interp.run(&[f32s(&[1, 3], &[1.0, 2.0, 3.0])]).unwrap();
    assert_close(&one[0], &[1, 2], &[4.5, 0.0]);
    let three = interp
        .run(&[f32s(
            &[3, 3],
            &[1.0, 2.0, 3.0, 0.0, 6.0, 0.0, -1.0, 0.0, -1.0],
        )])
        .unwrap();
    assert_close(&three[0], &[3, 2], &[4.5, 0.0, 0.5, 2.0, 0.0, 0.0]);
    // A static dimension that does not match is an input error.
    let err = interp.run(&[f32s(&[1, 4], &[0.0; 4])]).unwrap_err();
    assert!(matches!(err, InterpError::Input { .. }), "{err}");
}

#[test]
fn an_op_without_a_kernel_is_named_with_its_location() {
    let text = r#"
func.func @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "mydialect.fancy_new_op"(%arg0) : (tensor<2xf32>) -> tensor<2xf32> loc("model/layer3/fancy")
  return %0 : tensor<2xf32>
}"#;
    let m = module(text);
    let err = Interpreter::new(&m, "main").err().expect("an error");
    let msg = err.to_string();
    assert!(matches!(err, InterpError::NoKernel { .. }), "{msg}");
    assert!(
        msg.contains("mydialect.fancy_new_op") && msg.contains("model/layer3/fancy"),
        "{msg}"
    );
    assert!(Interpreter::new(&m, "nope").is_err());
}

#[test]
fn shape_mismatches_are_errors_naming_the_op() {
    let text = r#"
func.func @main(%arg0: tensor<?x3xf32>, %arg1: tensor<?xf32>) -> tensor<?x3xf32> {
  %0 = "tfl.add"(%arg0, %arg1) <{fused_activation_function = "NONE"}> : (tensor<?x3xf32>, tensor<?xf32>) -> tensor<?x3xf32> loc("block1/add")
  return %0 : tensor<?x3xf32>
}"#;
    let m = module(text);
    let interp = Interpreter::new(&m, "main").unwrap();
    let err = interp
        .run(&[f32s(&[2, 3], &[0.0; 6]), f32s(&[2], &[0.0; 2])])
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("tfl.add") && msg.contains("block1/add") && msg.contains("broadcast"),
        "{msg}"
    );
    let err = interp.run(&[f32s(&[2, 3], &[0.0; 6])]).unwrap_err();
    assert!(matches!(err, InterpError::Input { .. }), "{err}");
}

#[test]
fn float16_and_sparse_weights_are_folded_at_plan_time() {
    let text = r#"
func.func @main(%arg0: tensor<1x2xf32>) -> tensor<1x3xf32> {
  %h = "tfl.pseudo_const"() <{value = dense<[[1.0, 2.0], [0.5, -1.0], [0.0, 4.0]]> : tensor<3x2xf16>}> : () -> tensor<3x2xf16>
  %w = "tfl.dequantize"(%h) : (tensor<3x2xf16>) -> tensor<3x2xf32>
  %s = "tfl.pseudo_sparse_const"() <{compressed_data = dense<[1.0, 3.0]> : tensor<2xf32>, s_param = #tfl.sparsity_parameter<traversal_order = [0], block_map = [], dim_metadata = <format =  SPARSE_CSR, dense_size = 0, segments = [0, 2], indices = [0, 2]>>, value = dense<0.0> : tensor<3xf32>}> : () -> tensor<3xf32>
  %b = "tfl.densify"(%s) : (tensor<3xf32>) -> tensor<3xf32>
  %none = "tfl.no_value"() <{value}> : () -> none
  %0 = "tfl.fully_connected"(%arg0, %w, %b) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x2xf32>, tensor<3x2xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  %1 = "tfl.fully_connected"(%arg0, %w, %none) <{fused_activation_function = "NONE", keep_num_dims = true, weights_format = "DEFAULT"}> : (tensor<1x2xf32>, tensor<3x2xf32>, none) -> tensor<1x3xf32>
  %2 = tfl.add %0, %1 {fused_activation_function = "NONE"} : tensor<1x3xf32>
  return %2 : tensor<1x3xf32>
}"#;
    let m = module(text);
    let interp = Interpreter::new(&m, "main").unwrap_or_else(|e| panic!("{e}"));
    // Only the two fully_connected ops and the add are left to run.
    assert_eq!(interp.num_steps(), 3);
    let out = interp.run(&[f32s(&[1, 2], &[1.0, 1.0])]).unwrap();
    // x W^T = [3, -0.5, 4]; bias densified to [1, 0, 3]
    assert_close(&out[0], &[1, 3], &[7.0, -1.0, 11.0]);
}

#[test]
fn conv_same_padding_stride_and_fused_relu6() {
    // 1x4x4x1 input 0..15, 3x3 filter of ones, stride 2, SAME: pad 0 before, 1 after.
    let text = r#"
func.func @main(%arg0: tensor<1x4x4x1xf32>) -> tensor<1x2x2x1xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<1.0> : tensor<1x3x3x1xf32>}> : () -> tensor<1x3x3x1xf32>
  %b = "tfl.pseudo_const"() <{value = dense<-20.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = "tfl.conv_2d"(%arg0, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU6", padding = "SAME", stride_h = 2 : i32, stride_w = 2 : i32}> : (tensor<1x4x4x1xf32>, tensor<1x3x3x1xf32>, tensor<1xf32>) -> tensor<1x2x2x1xf32>
  return %0 : tensor<1x2x2x1xf32>
}"#;
    let x: Vec<f32> = (0..16).map(|v| v as f32).collect();
    let out = run1(text, &[f32s(&[1, 4, 4, 1], &x)]);
    // Windows: rows 0-2 x cols 0-2 = 45, cols 2-3 = 33 ... minus 20, clamped to [0, 6].
    assert_close(&out[0], &[1, 2, 2, 1], &[6.0, 6.0, 6.0, 6.0]);
    let small: Vec<f32> = (0..16).map(|v| v as f32 * 0.1).collect();
    let out = run1(text, &[f32s(&[1, 4, 4, 1], &small)]);
    // 0.1 * (0+1+2+4+5+6+8+9+10) = 4.5 -> 0; bottom-right window 10,11,14,15 -> 5.0 -> 0
    assert_close(&out[0], &[1, 2, 2, 1], &[0.0, 0.0, 0.0, 0.0]);
}

#[test]
fn depthwise_conv_with_multiplier_and_dilation() {
    let text = r#"
func.func @main(%arg0: tensor<1x3x3x2xf32>) -> tensor<1x3x3x4xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<[[[[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]]]> : tensor<1x2x2x4xf32>}> : () -> tensor<1x2x2x4xf32>
  %b = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %0 = "tfl.depthwise_conv_2d"(%arg0, %w, %b) <{depth_multiplier = 2 : i32, dilation_h_factor = 2 : i32, dilation_w_factor = 2 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x3x3x2xf32>, tensor<1x2x2x4xf32>, tensor<4xf32>) -> tensor<1x3x3x4xf32>
  return %0 : tensor<1x3x3x4xf32>
}"#;
    // channel 0 = 1..9, channel 1 = 10 x (1..9)
    let x: Vec<f32> = (1..=9).flat_map(|v| [v as f32, 10.0 * v as f32]).collect();
    let out = run1(text, &[f32s(&[1, 3, 3, 2], &x)]);
    // Effective filter 3x3 (dilation 2), SAME pads 1 on each side. Output (1,1) reads input
    // (0,0) through filter tap (0,0) = [1,2,3,4] and input (2,2) through tap (1,1) = [1,1,1,1];
    // output channel c * 2 + m reads input channel c.
    let at = |y: usize, xx: usize, c: usize| out[0].as_f32().unwrap()[(y * 3 + xx) * 4 + c];
    assert_eq!(at(1, 1, 0), 1.0 * 1.0 + 9.0);
    assert_eq!(at(1, 1, 1), 1.0 * 2.0 + 9.0);
    assert_eq!(at(1, 1, 2), 10.0 * 3.0 + 90.0);
    assert_eq!(at(1, 1, 3), 10.0 * 4.0 + 90.0);
    // Output (0,0) has only tap (1,1) inside the image: input (1,1).
    assert_eq!(at(0, 0, 0), 5.0);
}

#[test]
fn resize_bilinear_half_pixel_centers_and_align_corners() {
    let text = |align: bool, half: bool| {
        format!(
            r#"
func.func @main(%arg0: tensor<1x1x2x1xf32>) -> tensor<1x1x4x1xf32> {{
  %s = "tfl.pseudo_const"() <{{value = dense<[1, 4]> : tensor<2xi32>}}> : () -> tensor<2xi32>
  %0 = "tfl.resize_bilinear"(%arg0, %s) <{{align_corners = {align}, half_pixel_centers = {half}}}> : (tensor<1x1x2x1xf32>, tensor<2xi32>) -> tensor<1x1x4x1xf32>
  return %0 : tensor<1x1x4x1xf32>
}}"#
        )
    };
    let x = f32s(&[1, 1, 2, 1], &[0.0, 1.0]);
    let out = run1(&text(false, true), std::slice::from_ref(&x));
    assert_close(&out[0], &[1, 1, 4, 1], &[0.0, 0.25, 0.75, 1.0]);
    let out = run1(&text(true, false), std::slice::from_ref(&x));
    assert_close(&out[0], &[1, 1, 4, 1], &[0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0]);
    let out = run1(&text(false, false), std::slice::from_ref(&x));
    assert_close(&out[0], &[1, 1, 4, 1], &[0.0, 0.5, 1.0, 1.0]);
}

#[test]
fn average_pool_counts_only_pixels_inside_the_image() {
    let text = r#"
func.func @main(%arg0: tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32> {
  %0 = "tfl.average_pool_2d"(%arg0) <{filter_height = 3 : i32, filter_width = 3 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %1 = "tfl.max_pool_2d"(%0) <{filter_height = 2 : i32, filter_width = 2 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32>
  return %0 : tensor<1x2x2x1xf32>
}"#;
    let out = run1(text, &[f32s(&[1, 2, 2, 1], &[1.0, 2.0, 3.0, 6.0])]);
    assert_close(&out[0], &[1, 2, 2, 1], &[3.0, 3.0, 3.0, 3.0]);
}

#[test]
fn shape_ops_on_integer_tensors() {
    let text = r#"
func.func @main(%arg0: tensor<?x4xf32>) -> (tensor<2xi32>, tensor<?x2xf32>, tensor<2x?xf32>) {
  %s = "tfl.shape"(%arg0) : (tensor<?x4xf32>) -> tensor<2xi32>
  %b = "tfl.pseudo_const"() <{value = dense<[0, 1]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %e = "tfl.pseudo_const"() <{value = dense<[0, 4]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %st = "tfl.pseudo_const"() <{value = dense<[1, 2]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %0 = "tfl.strided_slice"(%arg0, %b, %e, %st) <{begin_mask = 1 : i32, ellipsis_mask = 0 : i32, end_mask = 1 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}> : (tensor<?x4xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<?x2xf32>
  %p = "tfl.pseudo_const"() <{value = dense<[1, 0]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %1 = "tfl.transpose"(%0, %p) : (tensor<?x2xf32>, tensor<2xi32>) -> tensor<2x?xf32>
  return %s, %0, %1 : tensor<2xi32>, tensor<?x2xf32>, tensor<2x?xf32>
}"#;
    let x: Vec<f32> = (0..12).map(|v| v as f32).collect();
    let out = run1(text, &[f32s(&[3, 4], &x)]);
    assert_eq!(out[0].as_slice::<i32>().unwrap(), &[3, 4]);
    assert_close(&out[1], &[3, 2], &[1.0, 3.0, 5.0, 7.0, 9.0, 11.0]);
    assert_close(&out[2], &[2, 3], &[1.0, 5.0, 9.0, 3.0, 7.0, 11.0]);
}

#[test]
fn quantize_and_dequantize_round_trip() {
    let text = r#"
func.func @main(%arg0: tensor<4xf32>) -> (tensor<4x!quant.uniform<i8:f32, 5.000000e-01:-3>>, tensor<4xf32>) {
  %q = "tfl.quantize"(%arg0) <{qtype = tensor<4x!quant.uniform<i8:f32, 5.000000e-01:-3>>}> : (tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 5.000000e-01:-3>>
  %d = "tfl.dequantize"(%q) : (tensor<4x!quant.uniform<i8:f32, 5.000000e-01:-3>>) -> tensor<4xf32>
  return %q, %d : tensor<4x!quant.uniform<i8:f32, 5.000000e-01:-3>>, tensor<4xf32>
}"#;
    let out = run1(text, &[f32s(&[4], &[0.25, -0.75, 100.0, 1.0])]);
    // round(x / 0.5) rounds ties to even (LiteRT's default kernels), then + zero point,
    // clamped to [-128, 127]
    assert_eq!(out[0].as_slice::<i8>().unwrap(), &[-3, -5, 127, -1]);
    assert_close(&out[1], &[4], &[0.0, -1.0, 65.0, 1.0]);
}

#[test]
fn lstm_follows_the_gate_equations() {
    let c = |name: &str, v: f32, shape: &str| {
        format!(
            "  %{name} = \"tfl.pseudo_const\"() <{{value = dense<{v:?}> : tensor<{shape}xf32>}}> : () -> tensor<{shape}xf32>\n"
        )
    };
    let mut text = String::from("func.func @main(%x: tensor<2x1x1xf32>) -> tensor<2x1x1xf32> {\n");
    text += "  %none = \"tfl.no_value\"() <{value}> : () -> none\n";
    for (n, v) in [("wi", 0.5), ("wf", 0.25), ("wc", 1.0), ("wo", -0.5)] {
        text += &c(n, v, "1x1");
    }
    text += &c("r", 0.1, "1x1");
    text += &c("b", 0.0, "1");
    text += &c("h0", 0.2, "1x1");
    text += &c("c0", 0.3, "1x1");
    let m = "tensor<1x1xf32>";
    let v = "tensor<1xf32>";
    text += &format!(
        "  %0 = \"tfl.unidirectional_sequence_lstm\"(%x, %wi, %wf, %wc, %wo, %r, %r, %r, %r, %none, %none, %none, %b, %b, %b, %b, %none, %none, %h0, %c0, %none, %none, %none, %none) <{{cell_clip = 0.0 : f32, fused_activation_function = \"TANH\", proj_clip = 0.0 : f32, time_major = true}}> : (tensor<2x1x1xf32>, {m}, {m}, {m}, {m}, {m}, {m}, {m}, {m}, none, none, none, {v}, {v}, {v}, {v}, none, none, {m}, {m}, none, none, none, none) -> tensor<2x1x1xf32>\n"
    );
    text += "  return %0 : tensor<2x1x1xf32>\n}\n";
    let out = run1(&text, &[f32s(&[2, 1, 1], &[1.0, 2.0])]);
    // h_t = o * tanh(c_t), c_t = f * c_{t-1} + i * tanh(g), gates on W x + R h_{t-1}
    assert_close(&out[0], &[2, 1, 1], &[0.219_279_38, 0.220_669_01]);
}

#[test]
fn transpose_conv_scatters_each_input_pixel() {
    // input 1x3x3x2, weights 2x3x3x2 (OHWI), stride 2, SAME, output 1x6x6x2, bias [0.5, -1]
    let x: Vec<f32> = (0..18).map(|v| (v as f32 - 7.0) * 0.25).collect();
    let w: Vec<f32> = (0..36).map(|v| ((v * 7 % 11) as f32 - 5.0) * 0.1).collect();
    let wtext: Vec<String> = w.iter().map(|v| format!("{v:?}")).collect();
    let text = format!(
        r#"
func.func @main(%arg0: tensor<1x3x3x2xf32>) -> tensor<1x6x6x2xf32> {{
  %s = "tfl.pseudo_const"() <{{value = dense<[1, 6, 6, 2]> : tensor<4xi32>}}> : () -> tensor<4xi32>
  %w = "tfl.pseudo_const"() <{{value = dense<[{}]> : tensor<36xf32>}}> : () -> tensor<36xf32>
  %shape = "tfl.pseudo_const"() <{{value = dense<[2, 3, 3, 2]> : tensor<4xi32>}}> : () -> tensor<4xi32>
  %w4 = "tfl.reshape"(%w, %shape) : (tensor<36xf32>, tensor<4xi32>) -> tensor<2x3x3x2xf32>
  %b = "tfl.pseudo_const"() <{{value = dense<[0.5, -1.0]> : tensor<2xf32>}}> : () -> tensor<2xf32>
  %0 = "tfl.transpose_conv"(%s, %w4, %arg0, %b) <{{fused_activation_function = "NONE", padding = "SAME", stride_h = 2 : i32, stride_w = 2 : i32}}> : (tensor<4xi32>, tensor<2x3x3x2xf32>, tensor<1x3x3x2xf32>, tensor<2xf32>) -> tensor<1x6x6x2xf32>
  return %0 : tensor<1x6x6x2xf32>
}}"#,
        wtext.join(", ")
    );
    let out = run1(&text, &[f32s(&[1, 3, 3, 2], &x)]);
    // TFLite's padding for output 6, filter 3, stride 2: total (3 - 1) * 2 + 3 - 6 = 1, 0 before.
    let mut want = vec![0.0f32; 72];
    for iy in 0..3 {
        for ix in 0..3 {
            for ic in 0..2 {
                for fy in 0..3 {
                    for fx in 0..3 {
                        let (oy, ox) = (iy * 2 + fy, ix * 2 + fx);
                        if oy >= 6 || ox >= 6 {
                            continue;
                        }
                        for oc in 0..2 {
                            want[(oy * 6 + ox) * 2 + oc] +=
                                x[(iy * 3 + ix) * 2 + ic] * w[((oc * 3 + fy) * 3 + fx) * 2 + ic];
                        }
                    }
                }
            }
        }
    }
    for (i, v) in want.iter_mut().enumerate() {
        *v += [0.5, -1.0][i % 2];
    }
    assert_close(&out[0], &[1, 6, 6, 2], &want);
}

#[test]
fn quantized_concat_with_different_scales_requantizes() {
    // Operands with other parameters than the result's are requantized (emulation), as
    // TFLite's concatenation does: b's 0.25-steps become 0.5-steps, ties to even (1.5 -> 2, -2.5 -> -2).
    let text = r#"
func.func @main(%a: tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>, %b: tensor<2x!quant.uniform<i8:f32, 2.500000e-01>>) -> tensor<4x!quant.uniform<i8:f32, 5.000000e-01>> {
  %0 = "tfl.concatenation"(%a, %b) <{axis = 0 : i32, fused_activation_function = "NONE"}> : (tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>, tensor<2x!quant.uniform<i8:f32, 2.500000e-01>>) -> tensor<4x!quant.uniform<i8:f32, 5.000000e-01>> loc("cat")
  return %0 : tensor<4x!quant.uniform<i8:f32, 5.000000e-01>>
}"#;
    let m = module(text);
    let interp = Interpreter::new(&m, "main").unwrap_or_else(|e| panic!("{e}"));
    let a = Tensor::from_vec(&[2], vec![1i8, -2]).unwrap();
    let b = Tensor::from_vec(&[2], vec![3i8, -5]).unwrap();
    let out = interp.run(&[a, b]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out[0].as_slice::<i8>().unwrap(), &[1, -2, 2, -2]);
}

/// A TFLite variable tensor (an LSTM's state) starts as LiteRT resets it: zeros, and an int8
/// one at its zero point, whatever placeholder value the importer gave it (it numbers
/// variables 0, 1, 2, ... so that they stay distinct; a cell state imported as 1.0 made
/// tqopt's LSTM outputs differ from LiteRT's).
#[test]
fn variable_tensors_start_at_zero() {
    let text = r#"
func.func @main(%arg0: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %v = "tfl.pseudo_const"() <{value = dense<1.0> : tensor<2xf32>}> {tfl.is_variable} : () -> tensor<2xf32>
  %s = tfl.add %arg0, %v {fused_activation_function = "NONE"} : tensor<2xf32>
  %q = "tfl.pseudo_qconst"() <{qtype = tensor<2x!quant.uniform<i8:f32, 0.5:5>>, value = dense<2> : tensor<2xi8>}> {tfl.is_variable} : () -> tensor<2x!quant.uniform<i8:f32, 0.5:5>>
  %d = "tfl.dequantize"(%q) : (tensor<2x!quant.uniform<i8:f32, 0.5:5>>) -> tensor<2xf32>
  return %s, %d : tensor<2xf32>, tensor<2xf32>
}"#;
    let outs = run1(text, &[f32s(&[2], &[3.0, -4.0])]);
    assert_close(&outs[0], &[2], &[3.0, -4.0]);
    assert_close(&outs[1], &[2], &[0.0, 0.0]);
}
