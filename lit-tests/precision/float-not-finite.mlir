// The precision search measures the quantized model against the float model's outputs; where
// those are NaN or infinite on the data (here the log of a 0 in sample 2), nothing can be
// measured. method=auto (quantize-int8's default) then keeps the ranges as calibrated with a
// note saying why; target-sqnr, which was asked for, fails and writes nothing.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; x = np.random.default_rng(0).uniform(0.5, 2, (4, 1, 8)).astype(np.float32); x[2, 0, 5] = 0.0; np.save('%t/x.npy', x)"
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/x.npy --no-progress -o %t/auto.mlir 2>&1 | FileCheck %s --check-prefix=AUTO
// AUTO: note: method=auto skipped, the ranges stay as calibrated: the float model's output #0 holds 1 NaN or infinite values on sample 2 of the data, so no error can be measured against it
// RUN: not tqopt %s --pass='quantize-int8{target-sqnr=30}' --calibration-data=%t/x.npy --no-progress -o %t/t30.mlir 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: test ! -e %t/t30.mlir
// TARGET: error: target-sqnr=30: the float model's output #0 holds 1 NaN or infinite values on sample 2 of the data

func.func @main(%x: tensor<1x8xf32> loc("x")) -> tensor<1x8xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32> loc("w")
  %s = "tfl.mul"(%x, %w) <{fused_activation_function = "NONE"}> : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32> loc("scaled")
  %y = "tfl.log"(%s) : (tensor<1x8xf32>) -> tensor<1x8xf32> loc("y")
  return %y : tensor<1x8xf32>
}
