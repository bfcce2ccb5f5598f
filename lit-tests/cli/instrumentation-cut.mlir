// With --save-stats or --statistics the pipeline is cut at calibrate, which the library runs
// itself; the instrumentation hooks still see it as a pass: IR dumps, timing, and a crash
// reproducer holding the rest of the whole pipeline.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.ones((2, 4), np.float32))"
// RUN: tqopt %s --pass-pipeline='builtin.module(canonicalize,calibrate,dce)' --calibration-data=%t/x.npy --save-stats=%t/s.json --no-progress --mlir-print-ir-after-all --mlir-timing -o %t/out.mlir 2>&1 | FileCheck %s
// CHECK: // -----// IR Dump After Canonicalize (canonicalize) //----- //
// CHECK: // -----// IR Dump After Calibrate (calibrate) //----- //
// CHECK: "quantfork.stats"
// CHECK: // -----// IR Dump After Dce (dce) //----- //
// CHECK: Execution time report
// CHECK: Canonicalize
// CHECK-NEXT: Calibrate
// CHECK-NEXT: Dce
// RUN: not tqopt %s --pass-pipeline='builtin.module(calibrate,fold-constants,dce)' --calibration-data=%t/missing.npy --save-stats=%t/t.json --no-progress --mlir-print-ir-after-failure --mlir-pass-pipeline-crash-reproducer=%t/repro.mlir -o %t/never.mlir 2>&1 | FileCheck %s --check-prefix=FAIL
// FAIL: // -----// IR Dump After Calibrate Failed (calibrate) //----- //
// FAIL: a reproducer was written to
// RUN: FileCheck %s --check-prefix=REPRO < %t/repro.mlir
// REPRO: pipeline: "builtin.module(calibrate{data={{.*}}missing.npy},fold-constants,dce)"
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "tfl.relu"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
