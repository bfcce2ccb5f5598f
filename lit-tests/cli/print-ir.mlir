// IR dumps around passes, with MLIR's headers, on stderr.
// RUN: tqopt %s --pass-pipeline='builtin.module(canonicalize,dce)' --mlir-print-ir-after-all -o %t.mlir 2>&1 | FileCheck %s --check-prefix=AFTER-ALL
// RUN: tqopt %s --pass-pipeline='builtin.module(canonicalize,dce)' --mlir-print-ir-before-all -o %t.mlir 2>&1 | FileCheck %s --check-prefix=BEFORE-ALL
// RUN: tqopt %s --pass-pipeline='builtin.module(canonicalize,dce)' --mlir-print-ir-before=dce -o %t.mlir 2>&1 | FileCheck %s --check-prefix=BEFORE
// RUN: tqopt %s --pass-pipeline='builtin.module(canonicalize,dce)' --mlir-print-ir-after=canonicalize -o %t.mlir 2>&1 | FileCheck %s --check-prefix=AFTER
// RUN: tqopt %s --pass-pipeline='builtin.module(canonicalize,dce)' --mlir-print-ir-after-change -o %t.mlir 2>&1 | FileCheck %s --check-prefix=CHANGE

// AFTER-ALL: // -----// IR Dump After Canonicalize (canonicalize) //----- //
// AFTER-ALL-NEXT: module {
// AFTER-ALL-NOT: tfl.dequantize
// AFTER-ALL: // -----// IR Dump After Dce (dce) //----- //

// BEFORE-ALL: // -----// IR Dump Before Canonicalize (canonicalize) //----- //
// BEFORE-ALL: tfl.dequantize
// BEFORE-ALL: // -----// IR Dump Before Dce (dce) //----- //

// BEFORE-NOT: IR Dump Before Canonicalize
// BEFORE: // -----// IR Dump Before Dce (dce) //----- //

// AFTER: // -----// IR Dump After Canonicalize (canonicalize) //----- //
// AFTER-NOT: IR Dump After Dce

// canonicalize changes the IR, dce finds nothing left to do.
// CHANGE: // -----// IR Dump After Canonicalize (canonicalize) //----- //
// CHANGE-NOT: IR Dump After Dce
func.func @main() -> tensor<2xf32> {
  %0 = "tfl.pseudo_const"() <{value = dense<[1.0, 2.0]> : tensor<2xf16>}> : () -> tensor<2xf16>
  %1 = "tfl.dequantize"(%0) : (tensor<2xf16>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}
