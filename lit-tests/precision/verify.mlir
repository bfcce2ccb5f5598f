// quantize-int8{verify=EVAL}: the quantized model's output SQNR on EVAL goes into the normal
// report, measured as `tqopt eval` does, and nothing in the model changes. The model is
// target-sqnr.mlir's: all int8 it is useless (x * 0.5 + 1000 - 1000 in steps of about 4), with
// its add and sub kept float it is good, and verify tells the two apart.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.save('%t/x.npy', r.uniform(-1, 1, (8, 1, 64)).astype(np.float32)); np.save('%t/v.npy', r.uniform(-1, 1, (4, 1, 64)).astype(np.float32)); np.save('%t/bad.npy', r.uniform(-1, 1, (4, 1, 3)).astype(np.float32))"
// RUN: tqopt %s --pass='quantize-int8{verify=%t/v.npy}' --calibration-data=%t/x.npy --no-progress --report=%t/r.json -o %t/int8.mlir 2>&1 | FileCheck %s --check-prefix=INT8
// RUN: FileCheck %s --check-prefix=JSON < %t/r.json
// RUN: tqopt %s --pass='quantize-int8{verify=%t/v.npy deny=big_}' --calibration-data=%t/x.npy --no-progress -o %t/mixed.mlir 2>&1 | FileCheck %s --check-prefix=MIXED
// Each op carries its error (accumulated and isolated SQNR) for IR printouts: the sub is
// where the model breaks (its input, the sum near 1000, is quantized in steps of 4).
// RUN: FileCheck %s --check-prefix=IR < %t/int8.mlir
// The model written is the one written without verify=, byte for byte.
// RUN: tqopt %s --pass='quantize-int8{verify=%t/v.npy}' --calibration-data=%t/x.npy --no-progress -o %t/verified.tflite
// RUN: tqopt %s --pass='quantize-int8' --calibration-data=%t/x.npy --no-progress -o %t/plain.tflite
// RUN: cmp %t/verified.tflite %t/plain.tflite
// Data of the wrong shape: an error naming the file, and no output.
// RUN: not tqopt %s --pass='quantize-int8{verify=%t/bad.npy}' --calibration-data=%t/x.npy --no-progress -o %t/e.mlir 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not test -e %t/e.mlir

// INT8: quantized 4 of 4 ops (100%)
// INT8: verify: output SQNR {{-?[0-9]\.[0-9][0-9]}} dB on 4 samples of {{.*}}v.npy (tqopt's interpreter
// INT8-NOT: kept float
// JSON: "precision": {"mode": "verify",
// IR: "tfl.mul"{{.*}}tqopt.isolated_sqnr_db = {{[3-9][0-9]\.[0-9]+}} : f32, tqopt.sqnr_db = {{[3-9][0-9]\.[0-9]+}} : f32{{.*}} loc("m0")
// IR: "tfl.sub"{{.*}}tqopt.isolated_sqnr_db = {{-?[0-9]\.[0-9]+}} : f32, tqopt.sqnr_db = {{-?[0-9]\.[0-9]+}} : f32{{.*}} loc("big_sub")
// MIXED: quantized 2 of 4 ops (50%)
// MIXED: verify: output SQNR {{[3-9][0-9]\.[0-9][0-9]}} dB on 4 samples of {{.*}}v.npy
// SHAPE: error: verify: {{.*}}bad.npy
func.func @main(%arg0: tensor<1x64xf32> loc("x")) -> tensor<1x64xf32> {
  %half = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %0 = "tfl.mul"(%arg0, %half) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("m0")
  %big = "tfl.pseudo_const"() <{value = dense<1000.0> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %1 = "tfl.add"(%0, %big) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("big_add")
  %2 = "tfl.sub"(%1, %big) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("big_sub")
  %two = "tfl.pseudo_const"() <{value = dense<2.0> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %3 = "tfl.mul"(%2, %two) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("m1")
  return %3 : tensor<1x64xf32>
}
