// fold-constants promises float32 constants: a float16 constant without values is an error
// that names the op, and the pipeline fails.
// RUN: tqopt %s --pass=fold-constants --split-input-file --verify-diagnostics | FileCheck %s
// RUN: not tqopt %s --pass=fold-constants --split-input-file 2>&1 | FileCheck %s --check-prefix=ERR

// CHECK-LABEL: func.func @folds
// CHECK: "tfl.pseudo_const"() <{value = dense<[1.000000e+00, 2.500000e-01]> : tensor<2xf32>}>
// CHECK-NOT: tfl.dequantize
func.func @folds() -> tensor<2xf32> {
  %0 = "tfl.pseudo_const"() <{value = dense<[1.0, 0.25]> : tensor<2xf16>}> : () -> tensor<2xf16>
  %1 = "tfl.dequantize"(%0) : (tensor<2xf16>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}

// -----

func.func @elided() -> tensor<24xf32> {
  %0 = "tfl.pseudo_const"() <{value = dense_resource<__elided__> : tensor<24xf16>}> : () -> tensor<24xf16>
  // expected-error@+1 {{cannot fold this float16 dequantize: the constant's values were left out of the IR}}
  %1 = "tfl.dequantize"(%0) : (tensor<24xf16>) -> tensor<24xf32> loc("conv1/weights")
  return %1 : tensor<24xf32>
}
// ERR: fold-constants.mlir:[[@LINE-3]]:8: error: cannot fold this float16 dequantize
// ERR-NEXT: {{^}}  %1 = "tfl.dequantize"(%0)
// ERR-NEXT: {{^}}       ^
