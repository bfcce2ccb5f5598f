// The requantization bound of requant-bounds.mlir where an affine op's input takes its range
// from another op once propagate-ranges shares ranges, so the input scale XNNPACK sees is not
// the input's own calibrated one:
// - @pool: a convolution reads an average pool, which shares the image's scale (the pooled
//   values span far less). Image [-3.899, 3.066], weights 0.5:
//   6.9654/255 * 0.5/127 = 1.0754e-4 (without the sharing: about a fifth of that, and
//   XNNPACK refused the model).
// - @gate: a fully connected layer reads a logistic, whose fixed range [0, 255/256] is wider
//   than the values calibration saw. Weights 0.25: 0.99609/255 * 0.25/127 = 7.6895e-6.
// Both layers output zeros on the data (bias -100 and a ReLU).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.savez('%t/d.npz', image=r.standard_normal((4, 1, 8, 8, 4)).astype(np.float32), x=r.standard_normal((4, 1, 16)).astype(np.float32))"
// RUN: tqopt %s --pass-pipeline='builtin.module(calibrate{data=%t/d.npz},propagate-ranges)' --no-progress | FileCheck %s
// CHECK: %[[C:.*]] = "tfl.conv_2d"
// CHECK: "quantfork.stats"(%[[C]]) {layerStats = dense<[0.000000e+00, 1.07541433E-4]>
// CHECK: %[[F:.*]] = "tfl.fully_connected"
// CHECK: "quantfork.stats"(%[[F]]) {layerStats = dense<[0.000000e+00, 7.68946847E-6]>
// The quantized models run in LiteRT's default interpreter: tests/interop/test_requant_bounds.py.
func.func @main(%arg0: tensor<1x8x8x4xf32> loc("image"), %arg1: tensor<1x16xf32> loc("x")) -> (tensor<1x1x1x8xf32>, tensor<1x4xf32>) {
  %p = "tfl.average_pool_2d"(%arg0) <{filter_height = 8 : i32, filter_width = 8 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 8 : i32, stride_w = 8 : i32}> : (tensor<1x8x8x4xf32>) -> tensor<1x1x1x4xf32> loc("pool")
  %w = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<8x1x1x4xf32>}> : () -> tensor<8x1x1x4xf32> loc("conv/w")
  %b = "tfl.pseudo_const"() <{value = dense<-100.0> : tensor<8xf32>}> : () -> tensor<8xf32> loc("conv/b")
  %0 = "tfl.conv_2d"(%p, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x1x1x4xf32>, tensor<8x1x1x4xf32>, tensor<8xf32>) -> tensor<1x1x1x8xf32> loc("conv")
  %g = "tfl.logistic"(%arg1) : (tensor<1x16xf32>) -> tensor<1x16xf32> loc("gate")
  %v = "tfl.pseudo_const"() <{value = dense<0.25> : tensor<4x16xf32>}> : () -> tensor<4x16xf32> loc("fc/w")
  %c = "tfl.pseudo_const"() <{value = dense<-100.0> : tensor<4xf32>}> : () -> tensor<4xf32> loc("fc/b")
  %1 = "tfl.fully_connected"(%g, %v, %c) <{asymmetric_quantize_inputs = false, fused_activation_function = "RELU", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x16xf32>, tensor<4x16xf32>, tensor<4xf32>) -> tensor<1x4xf32> loc("fc")
  return %0, %1 : tensor<1x1x1x8xf32>, tensor<1x4xf32>
}
