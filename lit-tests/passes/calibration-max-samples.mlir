// calibrate{max-samples=N} reads only the first N samples of the data set (equalize-channels'
// comparison calibrates on the samples it scores on, not on a whole large data set); the
// ranges are those of these samples. 0 (the default) reads all; a negative count is an error
// and writes no file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; x = np.zeros((5, 4), np.float32); x[:, 0] = [1, 2, 3, 40, 50]; np.save('%t/x.npy', x)"
// RUN: tqopt %s --pass='calibrate{data=%t/x.npy max-samples=3}' --mlir-pass-statistics -o %t/three.mlir 2>&1 | FileCheck %s --check-prefix=THREE
// RUN: FileCheck %s --check-prefix=RANGE3 < %t/three.mlir
// RUN: tqopt %s --pass='calibrate{data=%t/x.npy}' --mlir-pass-statistics -o %t/all.mlir 2>&1 | FileCheck %s --check-prefix=ALL
// RUN: FileCheck %s --check-prefix=RANGE5 < %t/all.mlir
// RUN: not tqopt %s --pass='calibrate{data=%t/x.npy max-samples=-1}' -o %t/bad.mlir 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not test -e %t/bad.mlir

// THREE: (S) 3 num-samples
// ALL: (S) 5 num-samples
// RANGE3: "quantfork.stats"(%arg0) {layerStats = dense<[0.000000e+00, 3.000000e+00]>
// RANGE5: "quantfork.stats"(%arg0) {layerStats = dense<[0.000000e+00, 5.000000e+01]>
// BAD: max-samples must be 0 (all) or more
func.func @main(%x: tensor<4xf32> loc("x")) -> tensor<4xf32> {
  %0 = "tfl.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32> loc("r")
  return %0 : tensor<4xf32>
}
