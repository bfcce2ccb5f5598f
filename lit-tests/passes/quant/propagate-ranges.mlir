// propagate-ranges drops the statistics quantization will not use: results of fixed-range
// ops, results of single-input same-scale ops, and operands of multi-input same-scale ops.
// RUN: tqopt %s --pass=propagate-ranges --split-input-file | FileCheck %s

// A reshape passes its input's range on: its result's stats go, the input's stay.
// CHECK-LABEL: func.func @forward
// CHECK: "quantfork.stats"(%arg0) {layerStats = dense<[-1.000000e+00, 1.000000e+00]>
// CHECK-NEXT: "tfl.pseudo_const"
// CHECK-NEXT: %[[R:.*]] = "tfl.reshape"
// CHECK-NOT: quantfork.stats
// CHECK: return %[[R]]
func.func @forward(%arg0: tensor<1x4xf32>) -> tensor<4xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %s = "tfl.pseudo_const"() <{value = dense<4> : tensor<1xi32>}> : () -> tensor<1xi32>
  %1 = "tfl.reshape"(%0, %s) : (tensor<1x4xf32>, tensor<1xi32>) -> tensor<4xf32>
  %2 = "quantfork.stats"(%1) {layerStats = dense<[-3.0, 3.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// A concatenation imposes its result's range on its operands: their stats go.
// CHECK-LABEL: func.func @backward
// CHECK-NOT: layerStats = dense<[-1.000000e+00
// CHECK-NOT: layerStats = dense<[-2.000000e+00
// CHECK: "tfl.concatenation"
// CHECK-NEXT: "quantfork.stats"(%{{.*}}) {layerStats = dense<[-3.000000e+00, 3.000000e+00]>
func.func @backward(%a: tensor<1x2xf32>, %b: tensor<1x2xf32>) -> tensor<1x4xf32> {
  %0 = "tfl.relu"(%a) : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %1 = "quantfork.stats"(%0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %2 = "tfl.relu"(%b) : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %3 = "quantfork.stats"(%2) {layerStats = dense<[-2.0, 2.0]> : tensor<2xf32>} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %4 = "tfl.concatenation"(%1, %3) <{axis = 1 : i32, fused_activation_function = "NONE"}> : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  %5 = "quantfork.stats"(%4) {layerStats = dense<[-3.0, 3.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %5 : tensor<1x4xf32>
}

// -----

// A fixed-range op's result gets its fixed range later: its stats go.
// CHECK-LABEL: func.func @fixed
// CHECK: "tfl.logistic"
// CHECK-NOT: quantfork.stats
func.func @fixed(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-5.0, 5.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tfl.logistic"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "quantfork.stats"(%1) {layerStats = dense<[0.01, 0.99]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}
