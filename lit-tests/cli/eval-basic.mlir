// tqopt eval: a model against itself gives the 99 dB cap on every output; its int8 version
// (quantize-int8, as .tflite) a finite SQNR; --report writes the same figures as JSON; models
// and data that do not match are errors that name the input or output and write no report.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(7); np.save('%t/data.npy', r.uniform(-2, 2, (16, 1, 4)).astype(np.float32)); np.save('%t/wide.npy', np.zeros((3, 1, 5), np.float32)); np.save('%t/empty.npy', np.zeros((0, 1, 4), np.float32))"
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/data.npy --no-progress -o %t/int8.tflite
//
// RUN: tqopt eval %s --reference %s --data %t/data.npy --no-progress --report %t/self.json | FileCheck %s --check-prefix=SELF
// SELF: tqopt eval: {{.*}}eval-basic.mlir against {{.*}}eval-basic.mlir on 16 samples of {{.*}}data.npy
// SELF-NEXT: output  SQNR (dB)    cosine  max abs error   top-1
// SELF-NEXT: fc          99.00   1.00000   0.000000e0  100.0%
// SELF-NEXT: probs       99.00   1.00000   0.000000e0  100.0%
// SELF-NEXT: model SQNR: 99.00 dB (mean over 2 outputs)
// RUN: FileCheck %s --check-prefix=SELFJSON < %t/self.json
// SELFJSON: "sqnr_db": 99,
// SELFJSON-NEXT: "samples": 16,
// SELFJSON: {"name": "fc", "sqnr_db": 99, "cosine": 1, "max_abs_error": 0, "top1_agreement": 1, "pooled_sqnr_db": 99, "weak_samples": []},
// SELFJSON-NEXT: {"name": "probs", "sqnr_db": 99,
//
// The int8 model: int8 weights, activations and softmax; finite SQNRs well under the cap.
// RUN: tqopt eval %t/int8.tflite --reference %s --data %t/data.npy --no-progress --report %t/int8.json | FileCheck %s --check-prefix=INT8
// INT8: on 16 samples
// INT8: fc {{[1-4][0-9]\.[0-9][0-9]}} 0.9{{[0-9]+}} {{[0-9.]+e-[0-9]+}} {{[0-9.]+}}%
// INT8: probs {{[1-4][0-9]\.[0-9][0-9]}} 0.9{{[0-9]+}} {{[0-9.]+e-[0-9]+}} {{[0-9.]+}}%
// INT8: model SQNR: {{[1-4][0-9]\.[0-9][0-9]}} dB (mean over 2 outputs)
// RUN: FileCheck %s --check-prefix=INT8JSON < %t/int8.json
// INT8JSON: "sqnr_db": {{[1-4][0-9]\.[0-9]+}},
// INT8JSON: {"name": "fc", "sqnr_db": {{[1-4][0-9]\.[0-9]+}}, "cosine": 0.9{{[0-9]+}}, "max_abs_error": 0.{{[0-9]+}}, "top1_agreement": {{0\.9[0-9]*|1}}, "pooled_sqnr_db": {{[1-4][0-9]\.[0-9]+}},
//
// With int8 input and outputs, samples are quantized and outputs dequantized with their own
// parameters: the figures stay those of the float-I/O model to within rounding.
// RUN: tqopt %s --pass='quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}' --calibration-data=%t/data.npy --no-progress -o %t/strict.mlir
// RUN: FileCheck %s --check-prefix=STRICTIR < %t/strict.mlir
// STRICTIR: func.func @main(%arg0: tensor<1x4x!quant.uniform<i8:f32
// RUN: tqopt eval %t/strict.mlir --reference %s --data %t/data.npy --no-progress | FileCheck %s --check-prefix=STRICT
// STRICT: fc {{[1-4][0-9]\.[0-9][0-9]}} 0.9{{[0-9]+}}
// STRICT: probs {{[1-4][0-9]\.[0-9][0-9]}} 0.9{{[0-9]+}}
//
// RUN: not tqopt eval %t/int8.tflite --reference %t/other.mlir --data %t/data.npy --report %t/bad.json 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: tqopt eval: error: cannot open '{{.*}}other.mlir'
// RUN: %python -c "open('%t/other.mlir', 'w').write('func.func @main(%%a: tensor<1x4xf32>) -> tensor<1x4xf32> {\n  return %%a : tensor<1x4xf32>\n}\n')"
// RUN: not tqopt eval %t/int8.tflite --reference %t/other.mlir --data %t/data.npy --report %t/bad.json 2>&1 | FileCheck %s --check-prefix=OUTPUTS
// OUTPUTS: tqopt eval: error: the models do not match: the reference {{.*}}other.mlir has 1 outputs but {{.*}}int8.tflite has 2
// RUN: not tqopt eval %t/int8.tflite --reference %s --data %t/wide.npy --report %t/bad.json 2>&1 | FileCheck %s --check-prefix=WIDE
// WIDE: tqopt eval: error: evaluation data: {{.*}}wide.npy{{.*}}
// RUN: not tqopt eval %t/int8.tflite --reference %s --data %t/empty.npy --report %t/bad.json 2>&1 | FileCheck %s --check-prefix=EMPTY
// EMPTY: tqopt eval: error: evaluation data: {{.*}}empty.npy{{.*}}no samples
// RUN: not test -e %t/bad.json
// RUN: not tqopt eval %t/int8.tflite --data %t/data.npy 2>&1 | FileCheck %s --check-prefix=USAGE
// USAGE: error: the following required arguments were not provided:
// USAGE-NEXT: --reference <FLOAT>
func.func @main(%arg0: tensor<1x4xf32> loc("x")) -> (tensor<1x3xf32>, tensor<1x3xf32>) {
  %w = "tfl.pseudo_const"() <{value = dense<[[0.5, -1.0, 0.25, 2.0], [1.5, 0.75, -0.5, -1.0], [-0.25, 1.0, 1.25, 0.5]]> : tensor<3x4xf32>}> : () -> tensor<3x4xf32> loc("w")
  %b = "tfl.pseudo_const"() <{value = dense<[0.1, -0.2, 0.3]> : tensor<3xf32>}> : () -> tensor<3xf32> loc("b")
  %0 = "tfl.fully_connected"(%arg0, %w, %b) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<1x3xf32> loc("fc")
  %1 = "tfl.softmax"(%0) <{beta = 1.000000e+00 : f32}> : (tensor<1x3xf32>) -> tensor<1x3xf32> loc("probs")
  return %0, %1 : tensor<1x3xf32>, tensor<1x3xf32>
}
