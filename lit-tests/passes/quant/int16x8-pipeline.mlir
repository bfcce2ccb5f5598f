// quantize-int16x8 (TFLite's 16x8 mode): int16 activations, symmetric with zero point 0 and
// scale = max|x| / 32767; int8 per-channel weights; int64 biases (scale = input x weight);
// softmax and logistic outputs at the fixed scale 1/32768 (3.0517578125E-5); ops without an
// int16 kernel in LiteRT stay float, and under the strict OpsSet one error lists them all.
// RUN: tqopt %s --pass=quantize-int16x8 --split-input-file | FileCheck %s
// RUN: tqopt %s '--pass=quantize-int16x8{bias=int32}' --split-input-file | FileCheck %s --check-prefix=B32
// RUN: not tqopt %s '--pass=quantize-int16x8{ops=EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8}' -o %t.mlir 2>&1 | FileCheck %s --check-prefix=STRICT
// RUN: not test -e %t.mlir
// RUN: not tqopt %s '--pass=quantize-int16x8{ops=TFLITE_BUILTINS_INT8}' 2>&1 | FileCheck %s --check-prefix=BADOPS

// CHECK-LABEL: func.func @main
// The input: [-1, 2] -> scale 2/32767, zero point 0 (printed without one).
// CHECK: "tfl.quantize"(%arg0) <{qtype = tensor<1x4x!quant.uniform<i16<-32767:32767>:f32, 6.1037018895149231E-5>>}>
// Weights int8 per channel, narrow range, one scale per output channel (max|w| / 127).
// CHECK: %[[W:.*]] = "tfl.pseudo_qconst"() <{qtype = tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {0.0078740157186985015,0.0078740157186985015,0.0031496062874794006}>>, value = dense<{{\[\[}}64, -127, 32, 0], [127, 127, 127, 127], [-32, 64, -95, 127]]> : tensor<3x4xi8>}>
// Bias int64: 0.1 / (6.1037e-5 x 0.0078740) = 208070.
// CHECK: %[[B:.*]] = "tfl.pseudo_qconst"() <{qtype = tensor<3x!tqopt.uniform<i64:f32:0, {{.*}}>>, value = dense<[208070, -416141, 1560528]> : tensor<3xi64>}>
// CHECK: "tfl.fully_connected"(%{{.*}}, %[[W]], %[[B]]) {{.*}} -> tensor<1x3x!quant.uniform<i16<-32767:32767>:f32, 1.2207403779029846E-4>> loc("fc")
// CHECK: "tfl.softmax"({{.*}} -> tensor<1x3x!quant.uniform<i16<-32767:32767>:f32, 3.0517578125E-5>> loc("probs")
// CHECK: "tfl.logistic"({{.*}} -> tensor<1x3x!quant.uniform<i16<-32767:32767>:f32, 3.0517578125E-5>> loc("gate")
// rsqrt has an int8 kernel but no int16 one: float, between a dequantize and the return.
// CHECK: %[[DQ:.*]] = "tfl.dequantize"
// CHECK: "tfl.rsqrt"(%[[DQ]]) {tqopt.float_reason = "LiteRT has an int8 kernel for it but no int16 one (16x8 mode)", tqopt.keep_float} : (tensor<1x3xf32>) -> tensor<1x3xf32> loc("inv_sqrt")
// CHECK: "tfl.cumsum"({{.*}}) <{exclusive = false, reverse = false}> {tqopt.float_reason = "LiteRT has no int16 kernel for it (16x8 mode)"}

// B32-LABEL: func.func @main
// B32: value = dense<[208070, -416141, 1560528]> : tensor<3xi32>

// STRICT: error: 2 ops cannot be quantized to int16x8 under EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
// STRICT: note: 'tfl.rsqrt' at loc("inv_sqrt"): LiteRT has an int8 kernel for it but no int16 one (16x8 mode)
// STRICT: note: 'tfl.cumsum' at loc("running_total"): LiteRT has no int16 kernel for it (16x8 mode)

// BADOPS: error: option 'ops' of 'quantize-int16x8' must be one of TFLITE_BUILTINS, EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8, not 'TFLITE_BUILTINS_INT8'

func.func @main(%arg0: tensor<1x4xf32>) -> (tensor<1x3xf32>, tensor<1x3xf32>, tensor<1x3xf32>) {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 2.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %w = "tfl.pseudo_const"() <{value = dense<[[0.5, -1.0, 0.25, 0.0], [1.0, 1.0, 1.0, 1.0], [-0.1, 0.2, -0.3, 0.4]]> : tensor<3x4xf32>}> : () -> tensor<3x4xf32>
  %b = "tfl.pseudo_const"() <{value = dense<[0.1, -0.2, 0.3]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %1 = "tfl.fully_connected"(%0, %w, %b) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<1x3xf32> loc("fc")
  %2 = "quantfork.stats"(%1) {layerStats = dense<[-3.0, 4.0]> : tensor<2xf32>} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  %3 = "tfl.softmax"(%2) <{beta = 1.0 : f32}> : (tensor<1x3xf32>) -> tensor<1x3xf32> loc("probs")
  %4 = "quantfork.stats"(%3) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  %5 = "tfl.logistic"(%2) : (tensor<1x3xf32>) -> tensor<1x3xf32> loc("gate")
  %6 = "quantfork.stats"(%5) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  %7 = "tfl.rsqrt"(%6) : (tensor<1x3xf32>) -> tensor<1x3xf32> loc("inv_sqrt")
  %8 = "quantfork.stats"(%7) {layerStats = dense<[0.0, 8.0]> : tensor<2xf32>} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  %ax = "tfl.pseudo_const"() <{value = dense<1> : tensor<i32>}> : () -> tensor<i32>
  %9 = "tfl.cumsum"(%4, %ax) <{exclusive = false, reverse = false}> : (tensor<1x3xf32>, tensor<i32>) -> tensor<1x3xf32> loc("running_total")
  %10 = "quantfork.stats"(%9) {layerStats = dense<[0.0, 3.0]> : tensor<2xf32>} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  return %4, %8, %10 : tensor<1x3xf32>, tensor<1x3xf32>, tensor<1x3xf32>
}
