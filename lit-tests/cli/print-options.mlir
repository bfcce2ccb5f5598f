// Printing options: elide large constants, print every op generically, drop locations.
// RUN: tqopt %s --mlir-elide-elementsattrs-if-larger=2 | FileCheck %s --check-prefix=ELIDE
// RUN: tqopt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// RUN: tqopt %s --print-locations=false | FileCheck %s --check-prefix=NOLOC
// RUN: tqopt %s --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// ELIDE: dense_resource<__elided__> : tensor<3xf32>
// ELIDE: dense<[1, 2]> : tensor<2xi32>
// GENERIC: "builtin.module"() ({
// GENERIC: "func.return"
// NOLOC-NOT: loc(
// LOC: loc("weights")
func.func @main() -> (tensor<3xf32>, tensor<2xi32>) {
  %0 = "tfl.pseudo_const"() <{value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>}> : () -> tensor<3xf32> loc("weights")
  %1 = "tfl.pseudo_const"() <{value = dense<[1, 2]> : tensor<2xi32>}> : () -> tensor<2xi32>
  return %0, %1 : tensor<3xf32>, tensor<2xi32>
}
