// A model that already holds float16 (or quantized) weights is reported and left unchanged.
// RUN: tqopt %s --pass=quantize-dynamic-range --verify-diagnostics | FileCheck %s
// RUN: tqopt %s --pass=quantize-float16 --verify-diagnostics
// RUN: tqopt %s --pass=quantize-float16 2>&1 | FileCheck %s --check-prefix=WARN

// CHECK: tensor<2x4xf16>
// WARN: quantize-weights-twice.mlir:10:8: warning: the model already holds float16 weights; it is left unchanged (run canonicalize first to quantize again from float32)
func.func @main(%arg0: tensor<1x4xf32>) -> tensor<1x2xf32> {
  // expected-warning@below {{the model already holds float16 weights}}
  %w = "tfl.pseudo_const"() <{value = dense<1.0> : tensor<2x4xf16>}> : () -> tensor<2x4xf16>
  %d = "tfl.dequantize"(%w) : (tensor<2x4xf16>) -> tensor<2x4xf32>
  %n = "tfl.no_value"() <{value}> : () -> none
  %0 = "tfl.fully_connected"(%arg0, %d, %n) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<2x4xf32>, none) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}
