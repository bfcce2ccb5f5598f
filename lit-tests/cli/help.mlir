// --help lists every pass and pipeline with its one-line summary and options.
// RUN: tqopt --help | FileCheck %s

// CHECK: Reads MLIR text or a .tflite model
// CHECK: tqopt model.tflite --pass=quantize-int8 --calibration-data=photos/ -o model_int8.tflite
// CHECK: Usage: tqopt [OPTIONS] [INPUT]
// CHECK: --pass <NAME{opts}>
// CHECK: --mlir-print-ir-after-all
// CHECK: --mlir-pass-pipeline-crash-reproducer <FILE>
// CHECK: Passes (--pass=NAME{option=value ...}):
// CHECK-NEXT: canonicalize{{ +}}Fold float16 constants into float32, remove identity reshapes and dead ops
// CHECK-NEXT: max-iterations=<int, default 10>  Stop after this many rounds over the IR
// CHECK-NEXT: dce{{ +}}Remove operations whose results nothing with an effect depends on
// CHECK-NEXT: fold-constants{{ +}}Fold sparse and float16 weights into float32 constants; fail if their values are missing
// CHECK-NEXT: fuse-activations{{ +}}Fuse relu, relu6 and relu_n1_to_1 into the convolution or arithmetic op before them
// CHECK: Pipelines (--pass=NAME{option=value ...}):
// CHECK-NEXT: cleanup{{ +}}Canonicalize, then remove dead code
