// guard-divisions: a division whose divisor's calibrated range holds zero or comes within 4
// int8 steps of it stays float (LiteRT's 8-bit DIV fails at run time on a divisor stored as
// its zero point); strict int8 names it. A divisor far from zero leaves the op alone.
// RUN: tqopt %s --pass=guard-divisions --split-input-file | FileCheck %s
// RUN: tqopt %s --pass-pipeline='builtin.module(guard-divisions,propagate-ranges,insert-fake-quant,legalize-opset{ops=TFLITE_BUILTINS_INT8})' --split-input-file --verify-diagnostics -o %t.mlir

// A sum of positive features (linear attention's normalizer), 0.6 steps above zero.
// CHECK-LABEL: func.func @near
// CHECK: "tfl.div"({{.*}}) <{fused_activation_function = "NONE"}> {tqopt.float_reason = "its divisor reaches [{{.*}}, {{.*}}] on the calibration data, within 4 int8 steps of zero{{.*}}", tqopt.keep_float}
// expected-error@+1 {{1 op cannot be quantized to int8 under TFLITE_BUILTINS_INT8}}
func.func @near(%x: tensor<1x4xf32>, %d: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %x1 = "quantfork.stats"(%x) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %d1 = "quantfork.stats"(%d) {layerStats = dense<[3.7e-4, 0.153]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-note@+1 {{'tfl.div' at loc("q"): its divisor reaches}}
  %q = "tfl.div"(%x1, %d1) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("q")
  %q1 = "quantfork.stats"(%q) {layerStats = dense<[-50.0, 50.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %q1 : tensor<1x4xf32>
}

// -----

// A divisor on both sides of zero.
// CHECK-LABEL: func.func @both_sides
// CHECK: tqopt.keep_float
// expected-error@+1 {{1 op cannot be quantized to int8 under TFLITE_BUILTINS_INT8}}
func.func @both_sides(%x: tensor<1x4xf32>, %d: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %x1 = "quantfork.stats"(%x) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %d1 = "quantfork.stats"(%d) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-note@+1 {{'tfl.div' at loc("q"): its divisor reaches [-1, 1] on the calibration data}}
  %q = "tfl.div"(%x1, %d1) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("q")
  %q1 = "quantfork.stats"(%q) {layerStats = dense<[-50.0, 50.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %q1 : tensor<1x4xf32>
}

// -----

// A layer norm's standard deviation, 42 steps above zero: the division stays integer.
// CHECK-LABEL: func.func @far
// CHECK-NOT: tqopt.keep_float
// CHECK: return
func.func @far(%x: tensor<1x4xf32>, %d: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %x1 = "quantfork.stats"(%x) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %d1 = "quantfork.stats"(%d) {layerStats = dense<[0.5, 3.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %q = "tfl.div"(%x1, %d1) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("q")
  %q1 = "quantfork.stats"(%q) {layerStats = dense<[-2.0, 2.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %q1 : tensor<1x4xf32>
}
