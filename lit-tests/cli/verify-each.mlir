// The IR is verified before the pipeline and after each pass (--verify-each, on by default);
// invalid input is reported with every error and nothing is written.
// RUN: rm -f %t.out.mlir
// RUN: not tqopt %s --pass=canonicalize -o %t.out.mlir 2>&1 | FileCheck %s
// RUN: not test -e %t.out.mlir
// RUN: not tqopt %s --verify-each=false --pass=dce --split-input-file 2>&1 | FileCheck %s --check-prefix=NOVERIFY

// CHECK: verify-each.mlir:[[@LINE+3]]:8: error: 'tfl.relu' op requires the same shape for all operands and results
// CHECK: verify-each.mlir:[[@LINE+3]]:8: error: 'tfl.relu' op requires the same shape
func.func @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<3xf32>
  %1 = "tfl.relu"(%0) : (tensor<3xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}
// Input verification still happens with --verify-each=false (as in mlir-opt).
// NOVERIFY: error: 'tfl.relu' op requires the same shape
