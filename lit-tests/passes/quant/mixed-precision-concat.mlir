// Mixed precision across a concatenation: the int8 concatenation imposes its result's
// parameters on its operands (their statistics are dropped), back through the reshape, onto
// the output of the int16 fully_connected; that op keeps its int16 output and a tfl.quantize
// converts it to the concatenation's int8 (LiteRT refuses a conv or fully_connected whose
// output width differs from its input's).
// RUN: tqopt %s '--pass=quantize-int8{int16=^head$ target=reference}' | FileCheck %s
// RUN: tqopt %s '--pass=quantize-int8{int16=^head$ target=reference}' -o %t.tflite

// CHECK-LABEL: func.func @main
// CHECK: %[[FC:.*]] = "tfl.fully_connected"({{.*}}) {{.*}} {tqopt.int16} : (tensor<1x4x!quant.uniform<i16<-32767:32767>:f32, {{.*}}>>, {{.*}}) -> tensor<1x4x!quant.uniform<i16<-32767:32767>:f32, {{.*}}>> loc("head")
// CHECK: %[[DOWN:.*]] = "tfl.quantize"(%[[FC]]) <{qtype = tensor<1x4x!quant.uniform<i8:f32, [[CAT:.*]]>>}>
// CHECK: %[[R:.*]] = "tfl.reshape"(%[[DOWN]], %{{.*}}) : (tensor<1x4x!quant.uniform<i8:f32, [[CAT]]>>, {{.*}}) -> tensor<1x2x2x!quant.uniform<i8:f32, [[CAT]]>>
// CHECK: "tfl.concatenation"(%[[R]], %{{.*}}) {{.*}} -> tensor<1x4x2x!quant.uniform<i8:f32, [[CAT]]>> loc("cat")
func.func @main(%arg0: tensor<1x4xf32>, %arg1: tensor<1x2x2xf32>) -> tensor<1x4x2xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 2.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %1 = "quantfork.stats"(%arg1) {layerStats = dense<[-6.0, 6.0]> : tensor<2xf32>} : (tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %w = "tfl.pseudo_const"() <{value = dense<[[0.5, -1.0, 0.25, 0.0], [1.0, 1.0, 1.0, 1.0], [-0.1, 0.2, -0.3, 0.4], [0.3, 0.3, -0.3, 0.3]]> : tensor<4x4xf32>}> : () -> tensor<4x4xf32>
  %b = "tfl.pseudo_const"() <{value = dense<[0.1, -0.2, 0.3, 0.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %2 = "tfl.fully_connected"(%0, %w, %b) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x4xf32> loc("head")
  %3 = "quantfork.stats"(%2) {layerStats = dense<[-3.0, 4.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %shape = "tfl.pseudo_const"() <{value = dense<[1, 2, 2]> : tensor<3xi32>}> : () -> tensor<3xi32>
  %4 = "tfl.reshape"(%3, %shape) : (tensor<1x4xf32>, tensor<3xi32>) -> tensor<1x2x2xf32> loc("flat")
  %5 = "quantfork.stats"(%4) {layerStats = dense<[-3.0, 4.0]> : tensor<2xf32>} : (tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %6 = "tfl.concatenation"(%5, %1) <{axis = 1 : i32, fused_activation_function = "NONE"}> : (tensor<1x2x2xf32>, tensor<1x2x2xf32>) -> tensor<1x4x2xf32> loc("cat")
  %7 = "quantfork.stats"(%6) {layerStats = dense<[-6.0, 6.0]> : tensor<2xf32>} : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  return %7 : tensor<1x4x2xf32>
}
