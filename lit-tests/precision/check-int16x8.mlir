// quantize-int16x8 measures its model on a few calibration samples, as quantize-int8 does,
// and warns when it is far from the float model: x * 0.5 + 1e6 - 1e6, then * 2. The sum lies
// near 1e6, where int16 (symmetric, steps of max|x| / 32767) has steps of about 30, so the
// 16x8 model is useless. check-accuracy=false skips the check. The check only measures: the
// search itself chooses for int8 models, and says so when asked to search in 16x8.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.save('%t/x.npy', r.uniform(-1, 1, (8, 1, 64)).astype(np.float32))"
// RUN: tqopt %s --pass=quantize-int16x8 --calibration-data=%t/x.npy --no-progress -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=CHECK16
// RUN: tqopt %s --pass='quantize-int16x8{check-accuracy=false}' --calibration-data=%t/x.npy --no-progress -o %t/unchecked.mlir 2>&1 | FileCheck %s --check-prefix=NOCHECK
// The check changes nothing but the summary it leaves for the report.
// RUN: grep -v '^module' %t/out.mlir > %t/checked.body
// RUN: grep -v '^module' %t/unchecked.mlir > %t/unchecked.body
// RUN: cmp %t/checked.body %t/unchecked.body
// RUN: not tqopt %s --pass='calibrate{data=%t/x.npy}' --pass='search-precision{target-sqnr=30 activations=int16 data=%t/x.npy}' --no-progress -o %t/e1.mlir 2>&1 | FileCheck %s --check-prefix=SEARCH16
// RUN: not test -e %t/e1.mlir

// CHECK16: warning: the quantized model's output SQNR is {{-?[0-9]+\.[0-9][0-9]}} dB on 8 samples of {{.*}}x.npy (below 20 dB: its outputs are far from the float model's); deny= keeps the ops at fault float, and `tqopt eval --per-layer` shows where the error comes from
// CHECK16: quantized 4 of 4 ops
// CHECK16: verify: output SQNR {{-?[0-9]+\.[0-9][0-9]}} dB on 8 samples of {{.*}}x.npy
// NOCHECK-NOT: warning
// NOCHECK: quantized 4 of 4 ops
// NOCHECK-NOT: verify:
// SEARCH16: activations=int16 only measures a 16x8 model (check or verify): target-sqnr and method=auto choose for int8 models

func.func @main(%arg0: tensor<1x64xf32> loc("x")) -> tensor<1x64xf32> {
  %half = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %0 = "tfl.mul"(%arg0, %half) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("m0")
  %big = "tfl.pseudo_const"() <{value = dense<1000000.0> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %1 = "tfl.add"(%0, %big) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("big_add")
  %2 = "tfl.sub"(%1, %big) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("big_sub")
  %two = "tfl.pseudo_const"() <{value = dense<2.0> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %3 = "tfl.mul"(%2, %two) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("m1")
  return %3 : tensor<1x64xf32>
}
