// The report's size line names what it measures and never compares a file with constant
// bytes: file sizes only when a .tflite is read and a .tflite written (and then they are the
// files' real sizes), constant data otherwise (2x4 f32 weights: 32 bytes -> 16 as float16).
// RUN: rm -rf %t && mkdir -p %t
// RUN: tqopt %s --pass=quantize-float16 2>&1 | FileCheck %s --check-prefix=TEXT
// RUN: tqopt %s --pass=quantize-float16 -o %t/from-text.tflite 2>&1 | FileCheck %s --check-prefix=TEXT
// RUN: tqopt %s -o %t/in.tflite
// RUN: tqopt %t/in.tflite --pass=quantize-float16 2>&1 | FileCheck %s --check-prefix=TEXT
// RUN: tqopt %t/in.tflite --pass=quantize-float16 -o %t/out.tflite 2> %t/report.txt
// RUN: FileCheck %s --check-prefix=FILES --input-file=%t/report.txt
// RUN: %python -c "import os, re; b, a = map(int, re.search(r'file size: (\d+) -> (\d+) bytes', open(r'%t/report.txt').read()).groups()); real = (os.path.getsize(r'%t/in.tflite'), os.path.getsize(r'%t/out.tflite')); assert (b, a) == real, ((b, a), real)"
// RUN: tqopt %s --pass=quantize-float16 --report=%t/report.json -o %t/out.mlir
// RUN: FileCheck %s --check-prefix=JSON --input-file=%t/report.json

// TEXT: constant data: 32 -> 16 bytes (50.0%)
// FILES: file size: {{[0-9]+}} -> {{[0-9]+}} bytes
// JSON: "size_before": 32,
// JSON-NEXT: "size_after": 16,
// JSON-NEXT: "size_measure": "constant_data"
func.func @main(%arg0: tensor<1x4xf32> loc("input")) -> tensor<1x2xf32> attributes {tf.entry_function = {inputs = "input", outputs = "output"}} {
  %w = "tfl.pseudo_const"() <{value = dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf32>}> : () -> tensor<2x4xf32> loc("w")
  %n = "tfl.no_value"() <{value}> : () -> none loc("none")
  %0 = "tfl.fully_connected"(%arg0, %w, %n) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<2x4xf32>, none) -> tensor<1x2xf32> loc("output")
  return %0 : tensor<1x2xf32>
}
