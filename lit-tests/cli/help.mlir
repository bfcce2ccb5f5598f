// --help lists every pass and pipeline with its one-line summary and options.
// RUN: tqopt --help | FileCheck %s

// CHECK: Usage: tqopt [OPTIONS] [INPUT]
// CHECK: --pass <NAME{opts}>
// CHECK: --mlir-print-ir-after-all
// CHECK: --mlir-pass-pipeline-crash-reproducer <FILE>
// CHECK: Passes (--pass=NAME{option=value ...}):
// CHECK-NEXT: canonicalize{{ +}}Fold float16 constants into float32, remove identity reshapes and dead ops
// CHECK-NEXT: max-iterations=<int, default 10>  Stop after this many rounds over the IR
// CHECK-NEXT: dce{{ +}}Remove operations whose results nothing with an effect depends on
// CHECK-NEXT: fold-constants{{ +}}Fold float16 weights into float32 constants; fail if their values are missing
// CHECK: Pipelines (--pass=NAME{option=value ...}):
// CHECK-NEXT: cleanup{{ +}}Canonicalize, then remove dead code
