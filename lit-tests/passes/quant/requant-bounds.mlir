// An affine op whose outputs were all zero on the calibration data (a ReLU after a large
// negative bias) must not get an output scale so small that input scale x weight scale /
// output scale reaches 256: LiteRT's XNNPACK delegate then fails to prepare the model.
// propagate-ranges widens the output range to the span where that ratio is 255:
// input range [-3.899, 3.066] (scale 6.9654/255), weights 0.5 (scale 0.5/127):
// 6.9654/255 * 0.5/127 = 1.0754e-4.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.random.default_rng(0).standard_normal((4, 1, 8, 8, 4)).astype(np.float32))"
// RUN: tqopt %s --pass-pipeline='builtin.module(calibrate{data=%t/x.npy},propagate-ranges)' --no-progress | FileCheck %s
// CHECK: "quantfork.stats"(%arg0) {layerStats = dense<[-3.89942169, 3.0660367]>
// CHECK: %[[C:.*]] = "tfl.conv_2d"
// CHECK: "quantfork.stats"(%[[C]]) {layerStats = dense<[0.000000e+00, 1.07541433E-4]>
// The quantized model runs in LiteRT's default interpreter: tests/interop/test_requant_bounds.py.
func.func @main(%arg0: tensor<1x8x8x4xf32> loc("image")) -> tensor<1x6x6x8xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<8x3x3x4xf32>}> : () -> tensor<8x3x3x4xf32> loc("conv/w")
  %b = "tfl.pseudo_const"() <{value = dense<-100.0> : tensor<8xf32>}> : () -> tensor<8xf32> loc("conv/b")
  %0 = "tfl.conv_2d"(%arg0, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x8x8x4xf32>, tensor<8x3x3x4xf32>, tensor<8xf32>) -> tensor<1x6x6x8xf32> loc("conv")
  return %0 : tensor<1x6x6x8xf32>
}
