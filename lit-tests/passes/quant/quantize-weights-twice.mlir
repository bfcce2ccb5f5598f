// A model that already holds float16 weights: quantize-float16 reports it and leaves it
// unchanged; quantize-dynamic-range decodes the float16 weights a hybrid kernel reads and
// quantizes them to int8 (here with min-elements=1, the weight having 8 elements), and says so;
// with the default min-elements the weight is too small and stays float16, with no warning.
// RUN: tqopt %s --pass=quantize-float16 --verify-diagnostics
// RUN: tqopt %s --pass=quantize-float16 2>&1 | FileCheck %s --check-prefix=WARN
// RUN: tqopt %s --pass='quantize-dynamic-range{min-elements=1}' 2>%t.err | FileCheck %s --check-prefix=DR
// RUN: FileCheck %s --check-prefix=NOTE < %t.err
// RUN: tqopt %s --pass=quantize-dynamic-range 2>%t.small.err | FileCheck %s --check-prefix=SMALL
// RUN: FileCheck %s --check-prefix=SMALLREPORT < %t.small.err

// WARN: quantize-weights-twice.mlir:[[@LINE+11]]:8: warning: the model already holds float16 weights; it is left unchanged (run canonicalize first to quantize again from float32)
// DR: %[[W:.*]] = "tfl.pseudo_qconst"() <{qtype = tensor<2x4x!quant.uniform<i8<-127:127>:f32:0, {0.0078740157480314959,0.0078740157480314959}>>, value = dense<127> : tensor<2x4xi8>}>
// DR-NOT: f16
// DR: "tfl.fully_connected"(%arg0, %[[W]],
// NOTE: note: 1 float16 constant (behind a dequantize) of ops with hybrid or weight-only int8 forms decoded to float32
// NOTE: quantized 1 of 1 ops with constant weights (100%)
// SMALL: tensor<2x4xf16>
// SMALLREPORT: quantized 0 of 1 ops with constant weights (0%)
// SMALLREPORT: tfl.fully_connected: its weights have 8 elements, fewer than min-elements
func.func @main(%arg0: tensor<1x4xf32>) -> tensor<1x2xf32> {
  // expected-warning@below {{the model already holds float16 weights}}
  %w = "tfl.pseudo_const"() <{value = dense<1.0> : tensor<2x4xf16>}> : () -> tensor<2x4xf16>
  %d = "tfl.dequantize"(%w) : (tensor<2x4xf16>) -> tensor<2x4xf32>
  %n = "tfl.no_value"() <{value}> : () -> none
  %0 = "tfl.fully_connected"(%arg0, %d, %n) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<2x4xf32>, none) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}
