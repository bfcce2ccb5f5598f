// A cast from integers or bools to float (an attention mask, a position index) quantizes as a
// cast to int8 with scale 1 and zero point 0: LiteRT's CAST writes the integers into the
// storage unscaled. Calibrated values int8 cannot hold keep the cast float (LiteRT would wrap
// them), and strict int8 then names the cast and why; int16 storage holds more. A cast from
// float stays float.
// RUN: tqopt %s --pass-pipeline='builtin.module(propagate-ranges,insert-fake-quant,legalize-opset{ops=TFLITE_BUILTINS_INT8},fold-quant)' --split-input-file --verify-diagnostics | FileCheck %s
// With int16 activations (16x8 mode), positions up to 300 fit: the cast writes int16.
// RUN: tqopt %s --pass-pipeline='builtin.module(propagate-ranges{activations=int16},insert-fake-quant{activations=int16 bias=int64},legalize-opset{activations=int16},fold-quant)' --split-input-file | FileCheck %s --check-prefix=I16
// I16-LABEL: func.func @wide
// I16: "tfl.cast"(%arg1) : (tensor<1x4xi32>) -> tensor<1x4x!quant.uniform<i16<-32767:32767>:f32, 1.000000e+00>>

// The mask's statistics go: its parameters are the integers themselves.
// CHECK-LABEL: func.func @mask
// CHECK: %[[C:.*]] = "tfl.cast"(%arg1) : (tensor<1x4xi32>) -> tensor<1x4x!quant.uniform<i8:f32, 1.000000e+00>>
// CHECK: "tfl.sub"(%{{.*}}, %[[C]])
// CHECK-NOT: "tfl.dequantize"(%[[C]])
func.func @mask(%x: tensor<1x4xf32>, %mask: tensor<1x4xi32>) -> tensor<1x4xf32> {
  %x1 = "quantfork.stats"(%x) {layerStats = dense<[-2.0, 2.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %f = "tfl.cast"(%mask) : (tensor<1x4xi32>) -> tensor<1x4xf32> loc("mask_float")
  %f1 = "quantfork.stats"(%f) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = "tfl.sub"(%x1, %f1) {fused_activation_function = "NONE"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %y1 = "quantfork.stats"(%y) {layerStats = dense<[-3.0, 2.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y1 : tensor<1x4xf32>
}

// -----

// A bool flag quantizes the same way.
// CHECK-LABEL: func.func @flag
// CHECK: "tfl.cast"(%arg1) : (tensor<1x4xi1>) -> tensor<1x4x!quant.uniform<i8:f32, 1.000000e+00>>
func.func @flag(%x: tensor<1x4xf32>, %flag: tensor<1x4xi1>) -> tensor<1x4xf32> {
  %x1 = "quantfork.stats"(%x) {layerStats = dense<[-2.0, 2.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %f = "tfl.cast"(%flag) : (tensor<1x4xi1>) -> tensor<1x4xf32> loc("flag_float")
  %f1 = "quantfork.stats"(%f) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = "tfl.mul"(%x1, %f1) {fused_activation_function = "NONE"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %y1 = "quantfork.stats"(%y) {layerStats = dense<[-2.0, 2.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y1 : tensor<1x4xf32>
}

// -----

// Positions up to 300 do not fit int8: the cast stays float, and strict int8 says why.
// expected-error@+1 {{1 op cannot be quantized to int8 under TFLITE_BUILTINS_INT8}}
func.func @wide(%x: tensor<1x4xf32>, %pos: tensor<1x4xi32>) -> tensor<1x4xf32> {
  %x1 = "quantfork.stats"(%x) {layerStats = dense<[-2.0, 2.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-note@+1 {{'tfl.cast' at loc("positions"): its integer values reach [0, 300] on the calibration data, beyond int8's [-128, 127], which LiteRT's integer cast would wrap}}
  %f = "tfl.cast"(%pos) : (tensor<1x4xi32>) -> tensor<1x4xf32> loc("positions")
  %f1 = "quantfork.stats"(%f) {layerStats = dense<[0.0, 300.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = "tfl.add"(%x1, %f1) {fused_activation_function = "NONE"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %y1 = "quantfork.stats"(%y) {layerStats = dense<[-2.0, 302.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y1 : tensor<1x4xf32>
}

// -----

// A cast from float has no integer form: LiteRT's would convert the stored integers.
// expected-error@+1 {{1 op cannot be quantized to int8 under TFLITE_BUILTINS_INT8}}
func.func @from_float(%x: tensor<1x4xf32>) -> tensor<1x4xi32> {
  %x1 = "quantfork.stats"(%x) {layerStats = dense<[-2.0, 2.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %r = "tfl.relu"(%x1) : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %r1 = "quantfork.stats"(%r) {layerStats = dense<[0.0, 2.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-note@+1 {{'tfl.cast' at loc("to_int"): LiteRT's integer cast converts stored integers, not real values: only a cast from integers or bools to float quantizes}}
  %i = "tfl.cast"(%r1) : (tensor<1x4xf32>) -> tensor<1x4xi32> loc("to_int")
  return %i : tensor<1x4xi32>
}
