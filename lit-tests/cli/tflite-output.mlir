// -o x.tflite exports through the backend; a model round trips import -> export -> import.
// RUN: tqopt %s -o %t.tflite
// RUN: tqopt %t.tflite | FileCheck %s
// RUN: tqopt %s --emit=tflite -o %t.bin && cmp %t.tflite %t.bin
// RUN: not tqopt %s --split-input-file -o %t.split.tflite 2>&1 | FileCheck %s --check-prefix=SPLIT

// CHECK: func.func @main(%arg0: tensor<1x4xf32> {tf_saved_model.index_path = ["input"]} loc("input"))
// CHECK: "tfl.relu"(%arg0) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("activation")
// SPLIT: tqopt: error: --split-input-file writes MLIR text: a .tflite output holds one model
func.func @main(%arg0: tensor<1x4xf32> loc("input")) -> tensor<1x4xf32> attributes {tf.entry_function = {inputs = "input", outputs = "activation"}} {
  %0 = "tfl.relu"(%arg0) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("activation")
  return %0 : tensor<1x4xf32>
}
