// quantize-int8{int16=REGEX}: mixed int8/int16 precision. The matching ops (fc2, gate) get
// 16x8's rules (symmetric int16 activations at zero point 0, int64 biases, logistic at
// 1/32768), the others int8's; each value is quantized in its producer's precision, and a
// tfl.quantize converts it where an op of the other precision reads it, with parameters from
// its calibrated range. An op marked int16 without an int16 kernel stays float.
// RUN: tqopt %s '--pass=quantize-int8{int16=^(fc2|gate|inv)$ target=reference}' | FileCheck %s
// RUN: tqopt %s '--pass=quantize-int8{int16=^(fc2|gate|inv)$ target=reference}' -o %t.tflite
// RUN: tqopt %t.tflite | FileCheck %s --check-prefix=FLAT
// RUN: tqopt %s '--pass=quantize-int8{int16=^nothing$ target=reference}' | FileCheck %s --check-prefix=NONE
// RUN: not tqopt %s '--pass=quantize-int8{int16=(}' -o %t.bad.mlir 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not test -e %t.bad.mlir

// CHECK-LABEL: func.func @main
// fc1 is int8: int8 input (asymmetric), int32 bias.
// CHECK: %[[IN:.*]] = "tfl.quantize"(%arg0) <{qtype = tensor<1x4x!quant.uniform<i8:f32, 0.011764706112444401:-43>>}>
// CHECK: %[[B32:.*]] = "tfl.pseudo_qconst"() <{qtype = tensor<4x!quant.uniform<i32:f32:0,
// fc2 reads int16 (scale 4 / 32767), so its int64 bias scale is that x the weight scale 1 / 127.
// CHECK: %[[B64:.*]] = "tfl.pseudo_qconst"() <{qtype = tensor<4x!tqopt.uniform<i64:f32:0, {9.6121289061557036E-7,
// CHECK: %[[FC1:.*]] = "tfl.fully_connected"(%[[IN]], %{{.*}}, %[[B32]]) {{.*}} -> tensor<1x4x!quant.uniform<i8:f32, 0.027450980618596077:-19>> loc("fc1")
// int8 -> int16 for fc2, from fc1's calibrated range [-3, 4]: scale 4 / 32767.
// CHECK: %[[UP:.*]] = "tfl.quantize"(%[[FC1]]) <{qtype = tensor<1x4x!quant.uniform<i16<-32767:32767>:f32, 1.2207403779029846E-4>>}>
// CHECK: %[[FC2:.*]] = "tfl.fully_connected"(%[[UP]], %{{.*}}, %[[B64]]) {{.*}} {tqopt.int16} {{.*}} -> tensor<1x4x!quant.uniform<i16<-32767:32767>:f32, 1.5259254723787308E-4>> loc("fc2")
// int16 -> int8 for the int8 add, from fc2's calibrated range [-5, 5].
// CHECK: %[[DOWN:.*]] = "tfl.quantize"(%[[FC2]]) <{qtype = tensor<1x4x!quant.uniform<i8:f32, 0.039215687662363052:-1>>}>
// CHECK: "tfl.add"(%[[DOWN]], %[[FC1]]) {{.*}} -> tensor<1x4x!quant.uniform<i8:f32, 0.066666670143604279:-8>> loc("sum")
// CHECK: %[[GATE:.*]] = "tfl.logistic"(%[[FC2]]) {tqopt.int16} : {{.*}} -> tensor<1x4x!quant.uniform<i16<-32767:32767>:f32, 3.0517578125E-5>> loc("gate")
// rsqrt has an int8 kernel but no int16 one: marked int16, it stays float.
// CHECK: "tfl.dequantize"(%[[GATE]])
// CHECK: "tfl.rsqrt"({{.*}}) {tqopt.float_reason = "LiteRT has an int8 kernel for it but no int16 one (16x8 mode)", tqopt.int16, tqopt.keep_float} : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("inv")

// The flatbuffer holds the conversions as QUANTIZE ops and the int64 bias.
// FLAT: "tfl.quantize"({{.*}}) <{qtype = tensor<1x4x!quant.uniform<i16:f32, 1.2207403779029846E-4>>}> : (tensor<1x4x!quant.uniform<i8:f32, 0.027450980618596077:-19>>)
// FLAT: tensor<4x!tqopt.uniform<i64:f32:0,
// FLAT: "tfl.quantize"({{.*}}) <{qtype = tensor<1x4x!quant.uniform<i8:f32, 0.039215687662363052:-1>>}> : (tensor<1x4x!quant.uniform<i16:f32, 1.5259254723787308E-4>>)

// NONE-NOT: i16
// NONE-NOT: tqopt.int16

// BAD: error: option 'int16' of 'quantize-int8' must be a regular expression, not '(' (unclosed group)

func.func @main(%arg0: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 2.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %w1 = "tfl.pseudo_const"() <{value = dense<[[0.5, -1.0, 0.25, 0.0], [1.0, 1.0, 1.0, 1.0], [-0.1, 0.2, -0.3, 0.4], [0.3, 0.3, -0.3, 0.3]]> : tensor<4x4xf32>}> : () -> tensor<4x4xf32>
  %b1 = "tfl.pseudo_const"() <{value = dense<[0.1, -0.2, 0.3, 0.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %1 = "tfl.fully_connected"(%0, %w1, %b1) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x4xf32> loc("fc1")
  %2 = "quantfork.stats"(%1) {layerStats = dense<[-3.0, 4.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %3 = "tfl.fully_connected"(%2, %w1, %b1) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x4xf32> loc("fc2")
  %4 = "quantfork.stats"(%3) {layerStats = dense<[-5.0, 5.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %5 = "tfl.add"(%4, %2) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("sum")
  %6 = "quantfork.stats"(%5) {layerStats = dense<[-8.0, 9.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %7 = "tfl.logistic"(%4) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("gate")
  %8 = "quantfork.stats"(%7) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %9 = "tfl.rsqrt"(%8) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("inv")
  %10 = "quantfork.stats"(%9) {layerStats = dense<[1.0, 8.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %6, %10 : tensor<1x4xf32>, tensor<1x4xf32>
}
