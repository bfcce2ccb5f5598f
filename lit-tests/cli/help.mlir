// --help says what input and output kinds there are, and lists every pass and pipeline
// with its one-line summary and options.
// RUN: tqopt --help | FileCheck %s

// CHECK: Reads MLIR text or a .tflite model
// CHECK: Input (INPUT, or standard input when it is '-' or left out):
// CHECK-NEXT: a .tflite model, recognized by its TFL3 identifier whatever the file is called;
// CHECK-NEXT: anything else is read as MLIR text
// CHECK: Output (-o FILE, standard output by default):
// CHECK-NEXT: -o x.mlir     MLIR text
// CHECK-NEXT: -o x.tflite   a .tflite model
// CHECK-NEXT: -o -          MLIR text on standard output (the default)
// CHECK-NEXT: --emit=mlir|tflite forces the kind whatever the name; any other extension is an
// CHECK-NEXT: error, so a typo such as x.tfl is caught.
// CHECK: --pass='quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}'
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
// CHECK-NEXT: fold-constant-ops{{ +}}Replace ops whose operands are all constants by constants of their results
// CHECK-NEXT: fuse-activations{{ +}}Fuse relu, relu6 and relu_n1_to_1 into the convolution or arithmetic op before them
// CHECK: Pipelines (--pass=NAME{option=value ...}):
// CHECK-NEXT: cleanup{{ +}}Canonicalize, then remove dead code
// A pipeline option says which pass options it sets, and every option shows its type:
// CHECK: quantize-int8{{ +}}Full-integer int8 quantization
// CHECK: calibration=<string>  The data set: {{.*}} (to equalize-channels{data}, calibrate{data}, search-precision{method}, search-precision{data}, search-precision{verify}, round-weights{data})
// CHECK: input-range=<number,..., default 0,1>  {{.*}} (to equalize-channels{input-range}, calibrate{input-range}, search-precision{input-range}, round-weights{input-range})
// CHECK: tflite-compat=<bool, default false>  {{.*}} (to calibrate{tflite-inplace}, search-precision{method}, search-precision{data}, search-precision{verify})
// CHECK: deny=<regex>  {{.*}} (to equalize-channels{deny}, search-precision{deny}, legalize-opset{deny})
