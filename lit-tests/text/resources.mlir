// dense_resource data lives in the {-# dialect_resources #-} section, printed after the module.
// RUN: tqopt %s | FileCheck %s
// RUN: tqopt %s | mlir-opt --allow-unregistered-dialect | tqopt | FileCheck %s
// RUN: tqopt %s --mlir-elide-elementsattrs-if-larger=1 | FileCheck %s --check-prefix=ELIDED

// CHECK: "tfl.pseudo_const"() <{value = dense_resource<weights> : tensor<2xf32>}>
// ELIDED: "tfl.pseudo_const"() <{value = dense_resource<__elided__> : tensor<2xf32>}>
// ELIDED: "tfl.pseudo_const"() <{value = dense_resource<__elided__> : tensor<3xi32>}>
// ELIDED-NOT: dialect_resources
func.func @main() -> (tensor<2xf32>, tensor<3xi32>) {
  %0 = "tfl.pseudo_const"() <{value = dense_resource<weights> : tensor<2xf32>}> : () -> tensor<2xf32>
  %1 = "tfl.pseudo_const"() <{value = dense<[1, 2, 3]> : tensor<3xi32>}> : () -> tensor<3xi32>
  return %0, %1 : tensor<2xf32>, tensor<3xi32>
}

// CHECK: {-#
// CHECK-NEXT: dialect_resources: {
// CHECK-NEXT: builtin: {
// CHECK-NEXT: weights: "0x040000000000803F00000040"
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: #-}
{-#
  dialect_resources: {
    builtin: {
      weights: "0x040000000000803F00000040"
    }
  }
#-}
