// tqopt eval where a model's output is NaN or infinite on a sample: no SQNR means anything
// there, so eval stops with an error that names the data, the sample and the output, says
// which model computes the values, and writes no report.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; x = np.ones((3, 1, 4), np.float32); x[1, 0, 2] = 0.0; np.save('%t/data.npy', x)"
// The reference (this file) takes the log of a 0 in sample 1:
// RUN: not tqopt eval %s --reference %s --data %t/data.npy --no-progress --report %t/r.json 2>&1 | FileCheck %s
// RUN: test ! -e %t/r.json
// CHECK: tqopt eval: error: {{.*}}data.npy, sample 1, output 'y': the reference model itself computes 1 NaN or infinite values of 4, so no error can be measured against it
// Only the evaluated model's log: the reference's output is finite (a square root of 0).
// RUN: %python -c "open('%t/sqrt.mlir', 'w').write(open('%s').read().replace('tfl.log', 'tfl.sqrt'))"
// RUN: not tqopt eval %s --reference %t/sqrt.mlir --data %t/data.npy --no-progress 2>&1 | FileCheck %s --check-prefix=QUANT
// QUANT: tqopt eval: error: {{.*}}data.npy, sample 1, output 'y': the quantized model computes 1 NaN or infinite values of 4 where the reference model's are finite

func.func @main(%x: tensor<1x4xf32> loc("x")) -> tensor<1x4xf32> {
  %y = "tfl.log"(%x) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("y")
  return %y : tensor<1x4xf32>
}
