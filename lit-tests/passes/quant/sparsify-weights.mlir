// sparsify-weights stores an int8 weight that is mostly zeros as a tfl.pseudo_sparse_qconst
// (last dimension SPARSE_CSR) behind a tfl.densify; dense or small weights stay as they are (the
// densify op and its tensor, which repeats the per-channel scales, count against the savings).
// RUN: tqopt %s --pass=sparsify-weights --split-input-file --mlir-pass-statistics 2>%t.stats | FileCheck %s
// RUN: FileCheck %s --check-prefix=STATS < %t.stats
// STATS: 1 num-sparsified
// STATS: 195 num-bytes-saved
// STATS: 1 num-sparsified
// STATS-NOT: num-sparsified

// CHECK-LABEL: func.func @pruned
// CHECK: %[[S:.*]] = "tfl.pseudo_sparse_qconst"() <{compressed_data = dense<[5, -7, 9, 3]> : tensor<4xi8>, qtype = tensor<4x1x1x128x!quant.uniform<i8<-127:127>:f32:0, {1.000000e-01,1.000000e-01,1.000000e-01,1.000000e-01}>>, s_param = #tfl.sparsity_parameter<traversal_order = [0, 1, 2, 3], block_map = [], dim_metadata = <format =  DENSE, dense_size = 4, segments = [], indices = []>, <format =  DENSE, dense_size = 1, segments = [], indices = []>, <format =  DENSE, dense_size = 1, segments = [], indices = []>, <format =  SPARSE_CSR, dense_size = 0, segments = [0, 1, 2, 2, 4], indices = [3, 0, 1, 31]>>, value = dense<0> : tensor<4x1x1x128xi8>}>
// CHECK: %[[D:.*]] = "tfl.densify"(%[[S]])
// CHECK: "tfl.conv_2d"(%arg0, %[[D]], %{{.*}})
func.func @pruned(%x: tensor<1x2x2x128x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x2x2x4x!quant.uniform<i8:f32, 0.2>> {
  %w = "tfl.pseudo_qconst"() <{qtype = tensor<4x1x1x128x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.1, 0.1, 0.1}>>, value = dense<[[[[0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]], [[[-7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]]]> : tensor<4x1x1x128xi8>}> : () -> tensor<4x1x1x128x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.1, 0.1, 0.1}>>
  %b = "tfl.pseudo_qconst"() <{qtype = tensor<4x!quant.uniform<i32:f32:0, {0.01, 0.01, 0.01, 0.01}>>, value = dense<0> : tensor<4xi32>}> : () -> tensor<4x!quant.uniform<i32:f32:0, {0.01, 0.01, 0.01, 0.01}>>
  %c = "tfl.conv_2d"(%x, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x2x2x128x!quant.uniform<i8:f32, 0.1>>, tensor<4x1x1x128x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.1, 0.1, 0.1}>>, tensor<4x!quant.uniform<i32:f32:0, {0.01, 0.01, 0.01, 0.01}>>) -> tensor<1x2x2x4x!quant.uniform<i8:f32, 0.2>>
  return %c : tensor<1x2x2x4x!quant.uniform<i8:f32, 0.2>>
}

// -----

// Half zeros, but the sparse form would not be smaller: left dense.
// CHECK-LABEL: func.func @not_worth_it
// CHECK-NOT: tfl.densify
func.func @not_worth_it(%x: tensor<1x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x2x!quant.uniform<i8:f32, 0.2>> {
  %w = "tfl.pseudo_qconst"() <{qtype = tensor<2x4x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.1}>>, value = dense<[[1, 0, 2, 0], [0, 3, 0, 4]]> : tensor<2x4xi8>}> : () -> tensor<2x4x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.1}>>
  %n = "tfl.no_value"() <{value}> : () -> none
  %f = "tfl.fully_connected"(%x, %w, %n) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4x!quant.uniform<i8:f32, 0.1>>, tensor<2x4x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.1}>>, none) -> tensor<1x2x!quant.uniform<i8:f32, 0.2>>
  return %f : tensor<1x2x!quant.uniform<i8:f32, 0.2>>
}

// -----

// A float op's float16 weight behind a dequantize (what compact-float-weights writes), 3 of 4
// values zero: stored as a tfl.pseudo_sparse_const in front of the dequantize, as TensorFlow
// stores pruned float16 weights.
// CHECK-LABEL: func.func @pruned_float16
// CHECK: %[[S:.*]] = "tfl.pseudo_sparse_const"() <{compressed_data = dense<[5.000000e-01, -2.500000e-01, 1.000000e+00, 2.000000e+00]> : tensor<4xf16>, s_param = #tfl.sparsity_parameter<{{.*}}SPARSE_CSR
// CHECK: %[[D:.*]] = "tfl.densify"(%[[S]]) : (tensor<4x1x1x128xf16>) -> tensor<4x1x1x128xf16>
// CHECK: %[[F:.*]] = "tfl.dequantize"(%[[D]]) : (tensor<4x1x1x128xf16>) -> tensor<4x1x1x128xf32>
// CHECK: "tfl.conv_2d"(%arg0, %[[F]], %{{.*}})
func.func @pruned_float16(%x: tensor<1x2x2x128xf32>) -> tensor<1x2x2x4xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<[[[[0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]], [[[-0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]], [[[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]]], [[[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]]]> : tensor<4x1x1x128xf16>}> : () -> tensor<4x1x1x128xf16>
  %f = "tfl.dequantize"(%w) : (tensor<4x1x1x128xf16>) -> tensor<4x1x1x128xf32>
  %b = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %c = "tfl.conv_2d"(%x, %f, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x2x2x128xf32>, tensor<4x1x1x128xf32>, tensor<4xf32>) -> tensor<1x2x2x4xf32>
  return %c : tensor<1x2x2x4xf32>
}

// -----

// All zeros (a weight whose bias forced its scale up, see requant-bounds): nothing to store,
// and TFLite reads an empty buffer as no data, so LiteRT's DENSIFY would refuse the model.
// Left dense.
// CHECK-LABEL: func.func @all_zero
// CHECK-NOT: tfl.densify
// CHECK: "tfl.pseudo_qconst"() <{qtype = tensor<2x256x
func.func @all_zero(%x: tensor<1x256x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x2x!quant.uniform<i8:f32, 0.2>> {
  %w = "tfl.pseudo_qconst"() <{qtype = tensor<2x256x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.1}>>, value = dense<0> : tensor<2x256xi8>}> : () -> tensor<2x256x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.1}>>
  %n = "tfl.no_value"() <{value}> : () -> none
  %f = "tfl.fully_connected"(%x, %w, %n) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x256x!quant.uniform<i8:f32, 0.1>>, tensor<2x256x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.1}>>, none) -> tensor<1x2x!quant.uniform<i8:f32, 0.2>>
  return %f : tensor<1x2x!quant.uniform<i8:f32, 0.2>>
}
