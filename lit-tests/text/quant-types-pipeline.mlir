// Quant types that MLIR accepts but that make no sense for TFLite (zero points far outside the
// storage type, a negative quantized dimension) go through the passes, the interpreter and the
// exporter without an overflow panic (debug build): a result or a clean error, exit code 0 or 1.
// RUN: %python -c "import numpy as np; np.save('%t.npy', np.ones((2, 2), np.float32))"
// RUN: tqopt %s --split-input-file --pass=canonicalize -o %t.discard.mlir
// RUN: tqopt %s --split-input-file --pass=fold-dequant -o %t.discard.mlir
// RUN: tqopt %s --split-input-file --pass=fold-quant -o %t.discard.mlir
// RUN: tqopt %s --split-input-file --pass=fold-constants -o %t.discard.mlir
// RUN: tqopt %s --split-input-file --pass=quantize-dynamic-range -o %t.discard.mlir
// RUN: %python %S/Inputs/chunk.py %s 0 > %t.0.mlir
// RUN: tqopt %t.0.mlir --pass=quantize-int8 --calibration-data=%t.npy -o %t.tflite 2>&1 | FileCheck %s --check-prefix=INT8
// RUN: %python %S/Inputs/chunk.py %s 1 > %t.1.mlir
// RUN: not tqopt %t.1.mlir --pass=quantize-int8 --calibration-data=%t.npy -o %t.1.tflite 2>&1 | FileCheck %s --check-prefix=AXIS
// INT8: quantized
// INT8-NOT: panicked
// AXIS: error: {{.*}}quantized dimension -1 is negative
// AXIS-NOT: panicked

func.func @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  %w = "tfl.pseudo_qconst"() {qtype = tensor<2x!quant.uniform<i8:f32:0, {1.0:9223372036854775807, 2.0:-9999999999999999}>>, value = dense<[-128, 127]> : tensor<2xi8>} : () -> tensor<2x!quant.uniform<i8:f32:0, {1.0:9223372036854775807, 2.0:-9999999999999999}>>
  %d = "tfl.dequantize"(%w) : (tensor<2x!quant.uniform<i8:f32:0, {1.0:9223372036854775807, 2.0:-9999999999999999}>>) -> tensor<2xf32>
  %c = "tfl.pseudo_qconst"() {qtype = tensor<2x!quant.uniform<i8:f32, 1.0:-0x7FFFFFFFFFFFFFFF>>, value = dense<[1, 2]> : tensor<2xi8>} : () -> tensor<2x!quant.uniform<i8:f32, 1.0:-0x7FFFFFFFFFFFFFFF>>
  %e = "tfl.dequantize"(%c) : (tensor<2x!quant.uniform<i8:f32, 1.0:-0x7FFFFFFFFFFFFFFF>>) -> tensor<2xf32>
  %q = "tfl.quantize"(%arg0) {qtype = tensor<2x!quant.uniform<i8:f32, 1.0:9223372036854775807>>} : (tensor<2xf32>) -> tensor<2x!quant.uniform<i8:f32, 1.0:9223372036854775807>>
  %f = "tfl.dequantize"(%q) : (tensor<2x!quant.uniform<i8:f32, 1.0:9223372036854775807>>) -> tensor<2xf32>
  %s = "tfl.add"(%d, %e) {fused_activation_function = "NONE"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %t = "tfl.add"(%s, %f) {fused_activation_function = "NONE"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %t : tensor<2xf32>
}

// -----

func.func @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  %w = "tfl.pseudo_qconst"() {qtype = tensor<2x!quant.uniform<i8:f32:-1, {1.0, 2.0}>>, value = dense<[1, 2]> : tensor<2xi8>} : () -> tensor<2x!quant.uniform<i8:f32:-1, {1.0, 2.0}>>
  %d = "tfl.dequantize"(%w) : (tensor<2x!quant.uniform<i8:f32:-1, {1.0, 2.0}>>) -> tensor<2xf32>
  %s = "tfl.add"(%arg0, %d) {fused_activation_function = "NONE"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %s : tensor<2xf32>
}
