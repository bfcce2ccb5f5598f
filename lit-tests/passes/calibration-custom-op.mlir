// A custom op the interpreter has no kernel for does not stop calibration: everything that
// does not depend on it is calibrated; the ops computing values that depend on it get no
// statistics, carry tqopt.uncalibrated with the reason, and stay float; the pass warns once.
// Strict int8 still refuses the model, listing the ops, and writes nothing.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.linspace(-2, 2, 16, dtype=np.float32).reshape(4, 1, 4))"
//
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/x.npy --no-progress -o %t/cal.mlir 2>&1 | FileCheck %s --check-prefix=WARN
// WARN: warning: tqopt's interpreter cannot run custom op 'Landmarks2TransformMatrixV2' at loc("landmarks/transform"): 3 float values that depend on it got no calibrated range, and the 3 ops computing them stay float (marked tqopt.uncalibrated)
// WARN-NOT: warning
// RUN: FileCheck %s < %t/cal.mlir
// CHECK: "quantfork.stats"(%arg0) {layerStats = dense<[-2.000000e+00, 2.000000e+00]>
// CHECK: %[[FC:.*]] = "tfl.fully_connected"
// CHECK: %[[S:.*]] = "quantfork.stats"(%[[FC]]) {layerStats
// CHECK: "tfl.custom"(%[[S]]) <{{.*}}> {tqopt.uncalibrated = "custom op 'Landmarks2TransformMatrixV2' (at landmarks/transform) has no kernel in tqopt's interpreter, so its results could not be calibrated"}
// CHECK-NEXT: "tfl.add"({{.*}}) <{{.*}}> {tqopt.uncalibrated = "depends on custom op 'Landmarks2TransformMatrixV2' (at landmarks/transform), which tqopt cannot run"}
// CHECK-NEXT: "tfl.tanh"({{.*}}) {tqopt.uncalibrated = "depends on custom op 'Landmarks2TransformMatrixV2' (at landmarks/transform), which tqopt cannot run"}
// CHECK-NEXT: "tfl.logistic"
// CHECK-NEXT: "quantfork.stats"({{.*}}) {layerStats
//
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/x.npy --no-progress -o %t/q.tflite 2>&1 | FileCheck %s --check-prefix=QUANT
// Neither method=auto (the default) nor the accuracy check can run the model: a note says so,
// the ranges stay minmax, and the model is written.
// QUANT: note: method=auto skipped, the ranges stay as calibrated: the precision search cannot run the float model: 'tfl.custom' at loc("landmarks/transform"): the interpreter has no kernel for the custom op 'Landmarks2TransformMatrixV2'
// QUANT: quantized 2 of 5 ops
// QUANT: tfl.custom at "landmarks/transform"
// QUANT: tfl.add at "after_custom": depends on custom op 'Landmarks2TransformMatrixV2' (at landmarks/transform), which tqopt cannot run
// QUANT: tfl.tanh at "after_custom/tanh": depends on custom op 'Landmarks2TransformMatrixV2' (at landmarks/transform), which tqopt cannot run
// RUN: test -s %t/q.tflite
//
// RUN: not tqopt %s --pass='quantize-int8{ops=TFLITE_BUILTINS_INT8}' --calibration-data=%t/x.npy --no-progress -o %t/strict.tflite 2>&1 | FileCheck %s --check-prefix=STRICT
// STRICT: error: 3 ops cannot be quantized to int8 under TFLITE_BUILTINS_INT8
// STRICT: note: 'tfl.custom' at loc("landmarks/transform")
// STRICT: note: 'tfl.add' at loc("after_custom")
// STRICT: note: 'tfl.tanh' at loc("after_custom/tanh")
// RUN: not test -e %t/strict.tflite
//
// A custom op the interpreter has a kernel for still runs (and bad options are still an error).
// RUN: sed 's/Landmarks2TransformMatrixV2/Convolution2DTransposeBias/' %s > %t/known.mlir
// RUN: not tqopt %t/known.mlir --pass=calibrate --calibration-data=%t/x.npy 2>&1 | FileCheck %s --check-prefix=KNOWN
// KNOWN: error: cannot run the model to calibrate it: 'tfl.custom' at loc("landmarks/transform"): expects at least 3 operands
func.func @main(%arg0: tensor<1x4xf32> loc("x")) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %w = "tfl.pseudo_const"() <{value = dense<[[1.0, 0.5, -0.5, 0.25], [0.0, 1.0, 0.5, -1.0], [0.5, 0.5, 0.5, 0.5], [-1.0, 0.0, 1.0, 0.0]]> : tensor<4x4xf32>}> : () -> tensor<4x4xf32> loc("fc/w")
  %n = "tfl.no_value"() <{value}> : () -> none loc("none")
  %0 = "tfl.fully_connected"(%arg0, %w, %n) <{asymmetric_quantize_inputs = false, fused_activation_function = "RELU", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<4x4xf32>, none) -> tensor<1x4xf32> loc("fc")
  %1 = "tfl.custom"(%0) <{custom_code = "Landmarks2TransformMatrixV2", custom_option = #tfl<const_bytes : "0x00">}> : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("landmarks/transform")
  %2 = "tfl.add"(%1, %0) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("after_custom")
  %3 = "tfl.tanh"(%2) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("after_custom/tanh")
  %4 = "tfl.logistic"(%0) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("independent")
  return %3, %4 : tensor<1x4xf32>, tensor<1x4xf32>
}
