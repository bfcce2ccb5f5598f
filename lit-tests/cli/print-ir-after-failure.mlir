// When a pass fails, --mlir-print-ir-after-failure shows the IR it left, and
// --mlir-pass-pipeline-crash-reproducer writes the IR it started from plus the failing
// pipeline; --run-reproducer replays it.
// RUN: rm -f %t.repro.mlir
// RUN: not tqopt %s --pass-pipeline='builtin.module(canonicalize,fold-constants,dce)' --mlir-print-ir-after-failure --mlir-pass-pipeline-crash-reproducer=%t.repro.mlir 2>&1 | FileCheck %s
// RUN: FileCheck %s --input-file=%t.repro.mlir --check-prefix=REPRO
// RUN: not tqopt %t.repro.mlir --run-reproducer 2>&1 | FileCheck %s --check-prefix=REPLAY

// The dump is written when the pass fails, before the diagnostics are printed.
// CHECK: // -----// IR Dump After FoldConstants Failed (fold-constants) //----- //
// CHECK: error: cannot fold this float16 dequantize
// CHECK: note: pipeline failed; a reproducer was written to '{{.*}}repro.mlir' (replay it with: tqopt --run-reproducer {{.*}}repro.mlir)

// REPRO: func.func @main
// REPRO: external_resources: {
// REPRO-NEXT: mlir_reproducer: {
// REPRO-NEXT: pipeline: "builtin.module(fold-constants,dce)",

// REPLAY: error: cannot fold this float16 dequantize
func.func @main() -> tensor<24xf32> {
  %0 = "tfl.pseudo_const"() <{value = dense_resource<__elided__> : tensor<24xf16>}> : () -> tensor<24xf16>
  %1 = "tfl.dequantize"(%0) : (tensor<24xf16>) -> tensor<24xf32>
  return %1 : tensor<24xf32>
}
