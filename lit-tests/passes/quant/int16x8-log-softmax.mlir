// 16x8 mode: log_softmax has no int16 kernel in LiteRT and stays float; its result is
// quantized to int16 for the REDUCE_MAX after it, with log_softmax's fixed range [-16, 0]
// stored symmetrically (scale 16/32768, zero point 0): LiteRT's int16 kernels refuse any
// other zero point (a zero point of 32767 made it refuse the model).
// RUN: tqopt %s --pass=quantize-int16x8 | FileCheck %s
// CHECK: "tfl.log_softmax"
// CHECK-NEXT: "tfl.quantize"({{.*}}) <{qtype = tensor<1x8x!quant.uniform<i16<-32767:32767>:f32, 4.8828125E-4>>}>
// CHECK: "tfl.reduce_max"({{.*}}) <{keep_dims = false}> : (tensor<1x8x!quant.uniform<i16<-32767:32767>:f32, 4.8828125E-4>>
// CHECK-NOT: E-4:32767>

func.func @main(%x: tensor<1x8xf32> loc("x")) -> tensor<1xf32> {
  %xs = "quantfork.stats"(%x) {layerStats = dense<[-4.0, 4.0]> : tensor<2xf32>} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %l = "tfl.log_softmax"(%xs) : (tensor<1x8xf32>) -> tensor<1x8xf32> loc("logp")
  %ls = "quantfork.stats"(%l) {layerStats = dense<[-9.0, -0.01]> : tensor<2xf32>} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %axis = "tfl.pseudo_const"() <{value = dense<1> : tensor<1xi32>}> : () -> tensor<1xi32>
  %m = "tfl.reduce_max"(%ls, %axis) <{keep_dims = false}> : (tensor<1x8xf32>, tensor<1xi32>) -> tensor<1xf32> loc("max")
  %ms = "quantfork.stats"(%m) {layerStats = dense<[-4.0, -0.01]> : tensor<2xf32>} : (tensor<1xf32>) -> tensor<1xf32>
  return %ms : tensor<1xf32>
}
