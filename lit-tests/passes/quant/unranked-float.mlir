// An unranked float tensor (`tensor<*xf32>`, which converters write for a reduction over a
// computed axis list) gets no quantization parameters: the ops that make or read it stay
// float, and the int8 model stays valid IR. openWakeWord's mel spectrogram (a max over every
// axis, less 80) failed with "'tfl.sub' op requires the same element type for all operands and
// results" after fold-quant.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.random.default_rng(0).standard_normal((4, 2, 8)).astype(np.float32))"
// RUN: tqopt %s --pass='quantize-int8{check-accuracy=false}' --calibration-data=%t/x.npy --no-progress -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: FileCheck %s < %t/out.mlir
// REPORT: left float
// REPORT: tfl.reduce_max: result #0 has no quantization parameters
// REPORT: tfl.sub: operand #0 has no quantization parameters
// CHECK: "tfl.fully_connected"({{.*}}!quant.uniform<i8
// CHECK: %[[MAX:.*]] = "tfl.reduce_max"({{.*}}) <{keep_dims = false}> : (tensor<2x8xf32>, tensor<2xi32>) -> tensor<*xf32>
// CHECK: "tfl.sub"(%[[MAX]], %{{.*}}) <{fused_activation_function = "NONE"}> : (tensor<*xf32>, tensor<f32>) -> tensor<*xf32>
func.func @main(%arg0: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<0.25> : tensor<8x8xf32>}> : () -> tensor<8x8xf32>
  %b = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<8xf32>}> : () -> tensor<8xf32>
  %r = "tfl.fully_connected"(%arg0, %w, %b) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<2x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %axes = "tfl.pseudo_const"() <{value = dense<[0, 1]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %m = "tfl.reduce_max"(%r, %axes) <{keep_dims = false}> : (tensor<2x8xf32>, tensor<2xi32>) -> tensor<*xf32>
  %c = "tfl.pseudo_const"() <{value = dense<8.0e+01> : tensor<f32>}> : () -> tensor<f32>
  %s = "tfl.sub"(%m, %c) <{fused_activation_function = "NONE"}> : (tensor<*xf32>, tensor<f32>) -> tensor<*xf32>
  %y = "tfl.maximum"(%r, %s) : (tensor<2x8xf32>, tensor<*xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
