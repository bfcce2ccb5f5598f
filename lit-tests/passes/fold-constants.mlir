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

// A sparse float16 constant (rows dense, columns CSR) behind densify and dequantize becomes one
// dense float32 constant: [[0, 1.5, 0], [2, 0, -3]].
// CHECK-LABEL: func.func @sparse
// CHECK: "tfl.pseudo_const"() <{value = dense<{{\[}}[0.000000e+00, 1.500000e+00, 0.000000e+00], [2.000000e+00, 0.000000e+00, -3.000000e+00]]> : tensor<2x3xf32>}>
// CHECK-NOT: tfl.densify
// CHECK-NOT: tfl.dequantize
func.func @sparse() -> tensor<2x3xf32> {
  %0 = "tfl.pseudo_sparse_const"() <{compressed_data = dense<[1.5, 2.0, -3.0]> : tensor<3xf16>, s_param = #tfl.sparsity_parameter<traversal_order = [0, 1], block_map = [], dim_metadata = <format =  DENSE, dense_size = 2, segments = [], indices = []>, <format =  SPARSE_CSR, dense_size = 0, segments = [0, 1, 3], indices = [1, 0, 2]>>, value = dense<0.000000e+00> : tensor<2x3xf16>}> : () -> tensor<2x3xf16>
  %1 = "tfl.densify"(%0) : (tensor<2x3xf16>) -> tensor<2x3xf16>
  %2 = "tfl.dequantize"(%1) : (tensor<2x3xf16>) -> tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

func.func @elided_sparse() -> tensor<2x3xf16> {
  %0 = "tfl.pseudo_sparse_const"() <{compressed_data = dense_resource<__elided__> : tensor<3xf16>, s_param = #tfl.sparsity_parameter<traversal_order = [0, 1], block_map = [], dim_metadata = <format =  DENSE, dense_size = 2, segments = [], indices = []>, <format =  SPARSE_CSR, dense_size = 0, segments = [0, 1, 3], indices = [1, 0, 2]>>, value = dense<0.000000e+00> : tensor<2x3xf16>}> : () -> tensor<2x3xf16>
  // expected-error@+1 {{cannot fold this densify: the sparse constant's values were left out of the IR}}
  %1 = "tfl.densify"(%0) : (tensor<2x3xf16>) -> tensor<2x3xf16>
  return %1 : tensor<2x3xf16>
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
