// A float16 constant whose values were elided cannot be folded: canonicalize leaves it in
// place and warns.
// RUN: tqopt %s --pass=canonicalize --verify-diagnostics | FileCheck %s

// CHECK: tfl.dequantize
func.func @main() -> tensor<24xf32> {
  %0 = "tfl.pseudo_const"() <{value = dense_resource<__elided__> : tensor<24xf16>}> : () -> tensor<24xf16>
  // expected-warning@+1 {{cannot fold this float16 dequantize: the constant's values were left out of the IR}}
  %1 = "tfl.dequantize"(%0) : (tensor<24xf16>) -> tensor<24xf32>
  return %1 : tensor<24xf32>
}
