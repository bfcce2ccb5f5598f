// Quantized types with storage wider than MLIR's 32 bits (16x8 models' int64 biases) print as
// `!tqopt.uniform<...>`, the body of `!quant.uniform`: tqopt reads its own printout back,
// mlir-opt (which refuses `!quant.uniform<i64:...>`, see quant-types-wide-invalid.mlir) keeps them
// as opaque types of an unregistered dialect, and the .tflite written from either printout is
// the same model with 64-bit biases.
// RUN: tqopt %s | FileCheck %s
// RUN: tqopt %s | tqopt | FileCheck %s
// RUN: tqopt %s | mlir-opt --allow-unregistered-dialect --mlir-print-debuginfo | tqopt | FileCheck %s
// RUN: tqopt %s -o %t.tflite
// RUN: tqopt %t.tflite | FileCheck %s
// RUN: tqopt %s | mlir-opt --allow-unregistered-dialect --mlir-print-debuginfo | tqopt -o %t.again.tflite
// RUN: cmp %t.tflite %t.again.tflite

// CHECK-LABEL: func.func @main
// Scales print in full after a trip through the flatbuffer (float32 there).
// CHECK: "tfl.pseudo_qconst"() <{qtype = tensor<3x!tqopt.uniform<i64:f32:0, {[[S:.*]]}>>, value = dense<[208070, -4161410000000, 1560528]> : tensor<3xi64>}> : () -> tensor<3x!tqopt.uniform<i64:f32:0, {[[S]]}>> loc("fc/bias")
// CHECK: "tfl.fully_connected"
// CHECK-SAME: tensor<3x!tqopt.uniform<i64:f32:0, {[[S]]}>>
func.func @main(%arg0: tensor<1x4x!quant.uniform<i16:f32, 6.1037018895149231E-5>>) -> tensor<1x3x!quant.uniform<i16:f32, 1.2207403779029846E-4>> {
  %w = "tfl.pseudo_qconst"() <{qtype = tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {0.0124,0.0124,0.0031}>>, value = dense<[[64, -127, 32, 0], [127, 127, 127, 127], [-32, 64, -95, 127]]> : tensor<3x4xi8>}> : () -> tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {0.0124,0.0124,0.0031}>> loc("fc/weights")
  %b = "tfl.pseudo_qconst"() <{qtype = tensor<3x!tqopt.uniform<i64:f32:0, {7.61e-7,7.61e-7,1.9e-7}>>, value = dense<[208070, -4161410000000, 1560528]> : tensor<3xi64>}> : () -> tensor<3x!tqopt.uniform<i64:f32:0, {7.61e-7,7.61e-7,1.9e-7}>> loc("fc/bias")
  %0 = "tfl.fully_connected"(%arg0, %w, %b) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4x!quant.uniform<i16:f32, 6.1037018895149231E-5>>, tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {0.0124,0.0124,0.0031}>>, tensor<3x!tqopt.uniform<i64:f32:0, {7.61e-7,7.61e-7,1.9e-7}>>) -> tensor<1x3x!quant.uniform<i16:f32, 1.2207403779029846E-4>> loc("fc")
  return %0 : tensor<1x3x!quant.uniform<i16:f32, 1.2207403779029846E-4>>
}
