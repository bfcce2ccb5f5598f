// --verify-diagnostics fails when an expected diagnostic is missing or an unexpected one
// appears, and says which.
// RUN: not tqopt %s --verify-diagnostics 2>&1 | FileCheck %s

// CHECK-DAG: verify-diagnostics.mlir:[[@LINE+3]]:6: error: expected error "this is never reported" was not produced
// CHECK-DAG: verify-diagnostics.mlir:[[@LINE+4]]:8: error: unexpected error: 'tfl.relu' op requires the same shape for all operands and results
func.func @main(%arg0: tensor<2xf32>) -> tensor<3xf32> {
  // expected-error@+1 {{this is never reported}}
  %0 = "tfl.exp"(%arg0) : (tensor<2xf32>) -> tensor<2xf32>
  %1 = "tfl.relu"(%0) : (tensor<2xf32>) -> tensor<3xf32>
  return %1 : tensor<3xf32>
}
