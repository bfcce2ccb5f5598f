// The output kind comes from --emit or -o's extension (.mlir, .tflite); any other extension,
// or none, is an error that lists the known ones, and writes nothing.
// RUN: rm -rf %t && mkdir -p %t
// RUN: not tqopt %s -o %t/model.tfl 2>&1 | FileCheck %s --check-prefix=TYPO
// RUN: not test -e %t/model.tfl
// RUN: not tqopt %s -o %t/model 2>&1 | FileCheck %s --check-prefix=NOEXT
// RUN: not tqopt %s -o %t/model.txt 2>&1 | FileCheck %s --check-prefix=TXT
// RUN: not test -e %t/model
// RUN: tqopt %s --emit=mlir -o %t/model.tfl
// RUN: FileCheck %s --check-prefix=TEXT --input-file=%t/model.tfl
// RUN: tqopt %s --emit=tflite -o %t/model.bin
// RUN: tqopt %t/model.bin | FileCheck %s --check-prefix=TEXT
// RUN: tqopt %s -o %t/UPPER.TFLITE
// RUN: cmp %t/model.bin %t/UPPER.TFLITE

// TYPO: tqopt: error: cannot tell what to write to '{{.*}}model.tfl': its extension '.tfl' is not one tqopt writes (did you mean '.tflite'?); known extensions: .mlir (MLIR text), .tflite (TFLite model); --emit=mlir or --emit=tflite forces a kind
// NOEXT: tqopt: error: cannot tell what to write to '{{.*}}model': it has no extension; known extensions: .mlir (MLIR text), .tflite (TFLite model); --emit=mlir or --emit=tflite forces a kind
// TXT: its extension '.txt' is not one tqopt writes; known extensions
// TEXT: func.func @main(%arg0: tensor<1x4xf32>
func.func @main(%arg0: tensor<1x4xf32> loc("input")) -> tensor<1x4xf32> attributes {tf.entry_function = {inputs = "input", outputs = "activation"}} {
  %0 = "tfl.relu"(%arg0) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("activation")
  return %0 : tensor<1x4xf32>
}
