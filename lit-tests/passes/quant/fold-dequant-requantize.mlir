// A logistic kept float whose result two kept-float slices read: its fixed int8 range gave a
// quantize, a requantize to the slices' range and a dequantize, two roundings of noise between
// float ops. fold-dequant reads past the requantize, and the pair then goes as any pair after
// a kept-float op does: with every op denied, the model is the float model.
// RUN: tqopt %s --pass='quantize-int8{deny=".*"}' | FileCheck %s

// CHECK-LABEL: func.func @kept_float
// CHECK-NOT: tfl.quantize
// CHECK-NOT: tfl.dequantize
// CHECK: %[[L:.*]] = "tfl.logistic"(%arg0)
// CHECK-NOT: tfl.quantize
// CHECK-NOT: tfl.dequantize
// CHECK: "tfl.strided_slice"(%[[L]],
// CHECK-NOT: tfl.quantize
// CHECK-NOT: tfl.dequantize
// CHECK: return
func.func @kept_float(%arg0: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-4.0, 4.0]> : tensor<2xf32>} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %1 = "tfl.logistic"(%0) : (tensor<4x4xf32>) -> tensor<4x4xf32> loc("sigmoid")
  %2 = "quantfork.stats"(%1) {layerStats = dense<[0.02, 0.98]> : tensor<2xf32>} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %b0 = "tfl.pseudo_const"() <{value = dense<[0, 0]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %b1 = "tfl.pseudo_const"() <{value = dense<[0, 2]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %e1 = "tfl.pseudo_const"() <{value = dense<[4, 2]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %e2 = "tfl.pseudo_const"() <{value = dense<[4, 4]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %st = "tfl.pseudo_const"() <{value = dense<[1, 1]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %3 = "tfl.strided_slice"(%2, %b0, %e1, %st) <{begin_mask = 0 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}> : (tensor<4x4xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<4x2xf32> loc("left")
  %4 = "quantfork.stats"(%3) {layerStats = dense<[0.02, 0.98]> : tensor<2xf32>} : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %5 = "tfl.strided_slice"(%2, %b1, %e2, %st) <{begin_mask = 0 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}> : (tensor<4x4xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<4x2xf32> loc("right")
  %6 = "quantfork.stats"(%5) {layerStats = dense<[0.02, 0.98]> : tensor<2xf32>} : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %7 = "tfl.minimum"(%4, %6) : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32> loc("min")
  %8 = "quantfork.stats"(%7) {layerStats = dense<[0.02, 0.98]> : tensor<2xf32>} : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %9 = "tfl.maximum"(%4, %6) : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32> loc("max")
  %10 = "quantfork.stats"(%9) {layerStats = dense<[0.02, 0.98]> : tensor<2xf32>} : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %11 = "tfl.concatenation"(%8, %10) <{axis = 1 : i32, fused_activation_function = "NONE"}> : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x4xf32> loc("corners")
  %12 = "quantfork.stats"(%11) {layerStats = dense<[0.02, 0.98]> : tensor<2xf32>} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %12 : tensor<4x4xf32>
}
