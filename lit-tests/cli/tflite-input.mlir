// A .tflite input (recognised by its TFL3 identifier) is imported; tensor names become
// locations. A file that is neither MLIR text nor a model is an error.
// RUN: tqopt %shared/models/mediapipe/hand_recrop.tflite --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s
// RUN: head -c 1000 %shared/models/mediapipe/hand_recrop.tflite > %t.truncated.tflite
// RUN: not tqopt %t.truncated.tflite 2>&1 | FileCheck %s --check-prefix=TRUNCATED
// RUN: printf '\xff\xfe' > %t.binary
// RUN: not tqopt %t.binary 2>&1 | FileCheck %s --check-prefix=BINARY

// CHECK: module attributes {tf_saved_model.semantics, tfl.description = "keras2tflite_handrecrop_2020_07_21_v0.tflite.generated"
// CHECK: func.func @main(%arg0: tensor<1x256x256x3xf32> {tf_saved_model.index_path = ["input_1"]} loc("input_1"))
// CHECK: "tfl.conv_2d"(%arg0, %{{.*}}, %{{.*}}) <{dilation_h_factor = 1 : i32, {{.*}}}> : (tensor<1x256x256x3xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x128x128x8xf32> loc("conv2d")
// TRUNCATED: error
// TRUNCATED-NOT: panicked
// BINARY: tqopt: error: '{{.*}}' is neither MLIR text (invalid UTF-8 at byte 0) nor a TFLite model (no TFL3 identifier)
