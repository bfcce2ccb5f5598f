// Values the interpreter computes from constants when it plans a run (an attention mask built
// by ops on constants, 19699 values larger than its operands: more than fold-constant-ops
// folds) are activations like any other:
// calibration records their ranges, so their ops quantize. Values computed from float16
// weights (a tfl.dequantize, and ops on it) are weights, and get none.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.linspace(-2, 2, 40000, dtype=np.float32).reshape(2, 1, 100, 200))"
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/x.npy --no-progress --split-input-file | FileCheck %s
//
// Strict int8 quantizes the mask's ops (the first model).
// RUN: sed '/^\/\/ -----/,$d' %s > %t/mask.mlir
// RUN: tqopt %t/mask.mlir '--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8}' --calibration-data=%t/x.npy --no-progress -o %t/q.mlir
// RUN: FileCheck %s --check-prefix=STRICT < %t/q.mlir
//
// CHECK: %[[M:.*]] = "tfl.select_v2"
// CHECK-NEXT: "quantfork.stats"(%[[M]]) {layerStats = dense<[-1.000000e+01, 1.17549435E-38]> : tensor<2xf32>} : (tensor<1x100x200xf32>) -> tensor<1x100x200xf32> loc("mask")
// CHECK-LABEL: func.func @weights
// CHECK: %[[W:.*]] = "tfl.dequantize"
// CHECK-NOT: "quantfork.stats"(%[[W]])
// CHECK: %[[T:.*]] = "tfl.transpose"(%[[W]]
// CHECK-NOT: "quantfork.stats"(%[[T]])
// STRICT: "tfl.select_v2"({{.*}}) : (tensor<200xi1>, tensor<1x100x1x!quant.uniform<i8:f32{{.*}}>>, tensor<!quant.uniform<i8:f32{{.*}}>>) -> tensor<1x100x200x!quant.uniform<i8:f32
func.func @main(%x: tensor<1x100x200xf32> loc("x")) -> tensor<1x100x200xf32> {
  %start = "tfl.pseudo_const"() <{value = dense<0> : tensor<i32>}> : () -> tensor<i32> loc("start")
  %limit = "tfl.pseudo_const"() <{value = dense<200> : tensor<i32>}> : () -> tensor<i32> loc("limit")
  %delta = "tfl.pseudo_const"() <{value = dense<1> : tensor<i32>}> : () -> tensor<i32> loc("delta")
  %pos = "tfl.range"(%start, %limit, %delta) : (tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<200xi32> loc("positions")
  %len = "tfl.pseudo_const"() <{value = dense<150> : tensor<i32>}> : () -> tensor<i32> loc("length")
  %valid = "tfl.less"(%pos, %len) : (tensor<200xi32>, tensor<i32>) -> tensor<200xi1> loc("valid")
  %zero = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<1x100x1xf32>}> : () -> tensor<1x100x1xf32> loc("zero")
  %low = "tfl.pseudo_const"() <{value = dense<-10.0> : tensor<f32>}> : () -> tensor<f32> loc("low")
  %mask = "tfl.select_v2"(%valid, %zero, %low) : (tensor<200xi1>, tensor<1x100x1xf32>, tensor<f32>) -> tensor<1x100x200xf32> loc("mask")
  %y = "tfl.add"(%x, %mask) <{fused_activation_function = "NONE"}> : (tensor<1x100x200xf32>, tensor<1x100x200xf32>) -> tensor<1x100x200xf32> loc("scores")
  return %y : tensor<1x100x200xf32>
}

// -----

func.func @weights(%x: tensor<1x100x200xf32> loc("x")) -> (tensor<1x100x200xf32>, tensor<4x4xf32>) {
  %y = "tfl.relu"(%x) : (tensor<1x100x200xf32>) -> tensor<1x100x200xf32> loc("y")
  %w16 = "tfl.pseudo_const"() <{value = dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<4x4xf16>}> : () -> tensor<4x4xf16> loc("w16")
  %w = "tfl.dequantize"(%w16) : (tensor<4x4xf16>) -> tensor<4x4xf32> loc("w")
  %perm = "tfl.pseudo_const"() <{value = dense<[1, 0]> : tensor<2xi32>}> : () -> tensor<2xi32> loc("perm")
  %wt = "tfl.transpose"(%w, %perm) : (tensor<4x4xf32>, tensor<2xi32>) -> tensor<4x4xf32> loc("wt")
  return %y, %wt : tensor<1x100x200xf32>, tensor<4x4xf32>
}
