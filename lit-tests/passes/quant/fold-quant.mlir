// fold-quant: dequantize -> op -> quantize becomes the op on quantized types; quantize(const)
// becomes tfl.pseudo_qconst with TensorFlow's rounding; ops without an int8 kernel stay float.
// RUN: tqopt %s --pass-pipeline='builtin.module(insert-fake-quant,fold-quant)' --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @conv
// Weights: round(w / scale) per channel, half away from zero: -0.25 / (0.5/127) = -63.5 -> -64.
// CHECK: %[[W:.*]] = "tfl.pseudo_qconst"() <{qtype = tensor<2x1x1x2x!quant.uniform<i8<-127:127>:f32:0, {0.0039370078593492508,0.0078740157186985015}>>, value = dense<{{\[\[\[\[}}127, -64]]], {{\[\[\[}}127, 16]]]]> : tensor<2x1x1x2xi8>}>
// CHECK: %[[B:.*]] = "tfl.pseudo_qconst"() <{qtype = tensor<2x!quant.uniform<i32:f32:0, {3.0878494726493955E-5,6.1756989452987909E-5}>>, value = dense<[3238, -3238]> : tensor<2xi32>}>
// CHECK: %[[C:.*]] = "tfl.conv_2d"(%{{.*}}, %[[W]], %[[B]]) {{.*}} -> tensor<1x2x2x2x!quant.uniform<i8:f32, 0.023529412224888802:-128>>
// CHECK-NEXT: "tfl.dequantize"(%[[C]])
func.func @conv(%arg0: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %in = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %w = "tfl.pseudo_const"() <{value = dense<[[[[0.5, -0.25]]], [[[1.0, 0.125]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tfl.pseudo_const"() <{value = dense<[0.1, -0.2]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %c = "tfl.conv_2d"(%in, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU6", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x2x2x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %cs = "quantfork.stats"(%c) {layerStats = dense<[0.0, 6.0]> : tensor<2xf32>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %cs : tensor<1x2x2x2xf32>
}

// -----

// pow has no int8 kernel: it reads dequantized values, its constant stays float.
// CHECK-LABEL: func.func @float_fallback
// CHECK-DAG: %[[E:.*]] = "tfl.pseudo_const"() <{value = dense<2.000000e+00> : tensor<f32>}>
// CHECK-DAG: %[[X:.*]] = "tfl.dequantize"
// CHECK: "tfl.pow"(%[[X]], %[[E]]) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
func.func @float_fallback(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  %e = "tfl.pseudo_const"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %1 = "tfl.pow"(%0, %e) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %2 = "quantfork.stats"(%1) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}
