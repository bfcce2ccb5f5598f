// --mlir-timing and --mlir-pass-statistics report in MLIR's format on stderr.
// RUN: tqopt %s --pass=canonicalize --mlir-timing -o %t.mlir 2>&1 | FileCheck %s --check-prefix=TIMING
// RUN: tqopt %s --pass=canonicalize --mlir-pass-statistics -o %t.mlir 2>&1 | FileCheck %s --check-prefix=STATS

// TIMING: ... Execution time report ...
// TIMING: Total Execution Time: {{[0-9.]+}} seconds
// TIMING: ----Wall Time----  ----Name----
// TIMING: Parser
// TIMING: Canonicalize
// TIMING: Output
// TIMING: Total

// STATS: ... Pass statistics report ...
// STATS: Canonicalize
// STATS-NEXT: (S) 1 num-folded-dequantize - float16 dequantize ops folded into float32 constants
func.func @main() -> tensor<2xf32> {
  %0 = "tfl.pseudo_const"() <{value = dense<[1.0, 2.0]> : tensor<2xf16>}> : () -> tensor<2xf16>
  %1 = "tfl.dequantize"(%0) : (tensor<2xf16>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}
