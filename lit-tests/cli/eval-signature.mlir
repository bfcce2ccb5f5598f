// tqopt eval on a model with several signatures (public functions nothing calls): the first
// runs unless --signature names another; a note says which ran and what else there is, and an
// unknown name is an error that lists the signatures.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/data.npy', np.random.default_rng(3).uniform(-1, 1, (4, 1, 4)).astype(np.float32))"
// RUN: tqopt eval %s --reference %s --data %t/data.npy --no-progress 2>&1 | FileCheck %s --check-prefix=FIRST
// FIRST: note: {{.*}}eval-signature.mlir: evaluating signature 'encode' of 2 (encode, score); choose another with --signature
// FIRST: code
// FIRST-NOT: score
// RUN: tqopt eval %s --reference %s --data %t/data.npy --no-progress --signature score 2>&1 | FileCheck %s --check-prefix=SCORE
// SCORE: evaluating signature 'score' of 2
// SCORE: score 99.00
// RUN: not tqopt eval %s --reference %s --data %t/data.npy --no-progress --signature decode 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: tqopt eval: error: {{.*}}eval-signature.mlir: no signature 'decode' (it has: encode, score)

func.func @encode(%x: tensor<1x4xf32> loc("x")) -> tensor<1x4xf32> {
  %0 = "tfl.tanh"(%x) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("code")
  return %0 : tensor<1x4xf32>
}
func.func @score(%x: tensor<1x4xf32> loc("x")) -> tensor<1x4xf32> {
  %0 = "tfl.logistic"(%x) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("score")
  return %0 : tensor<1x4xf32>
}
