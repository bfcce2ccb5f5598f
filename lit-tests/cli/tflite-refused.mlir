// A .tflite that is empty or whose root table offset points into its header is refused as a
// model (not read as an empty MLIR module): exit code 1, the file named, no output written.
// RUN: rm -f %t.out.tflite
// RUN: printf '' > %t.empty.tflite
// RUN: not tqopt %t.empty.tflite -o %t.out.tflite 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: not test -e %t.out.tflite
// RUN: printf '\0\0\0\0' > %t.root0.tflite
// RUN: tail -c +5 %shared/models/mediapipe/hand_recrop.tflite >> %t.root0.tflite
// RUN: not tqopt %t.root0.tflite --pass=quantize-int8 -o %t.out.tflite 2>&1 | FileCheck %s --check-prefix=ROOT0
// RUN: not test -e %t.out.tflite

// EMPTY: empty.tflite: error: the file is 0 bytes long, too short to be a TFLite model
// ROOT0: root0.tflite: error: the root table offset is 0, inside the file's 8-byte header: the model is damaged
