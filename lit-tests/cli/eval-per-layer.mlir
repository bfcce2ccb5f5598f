// tqopt eval --per-layer: every quantized tensor of the int8 model is matched to the float
// model's tensor (by name; the input's quantize, renamed x_1 by the exporter, to x) and gets
// an accumulated and an isolated SQNR; the worst layers are ranked and a deny= list is suggested, which
// quantize-int8 accepts as printed. --report adds "layers" and "suggested_deny"; --html writes a
// self-contained page where names are escaped; --model-explorer writes node data (accumulated
// and isolated). Bad output paths fail before anything runs and write nothing.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(7); np.save('%t/data.npy', r.uniform(-2, 2, (16, 1, 4)).astype(np.float32))"
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/data.npy --no-progress -o %t/int8.tflite
//
// RUN: tqopt eval %t/int8.tflite --reference %s --data %t/data.npy --no-progress --per-layer --report %t/r.json --html %t/r.html --model-explorer %t/me.json | FileCheck %s
// CHECK: model SQNR: {{[1-9][0-9]\.[0-9][0-9]}} dB (mean over 1 outputs)
// CHECK-NEXT: per-layer error: 3 quantized tensors matched to the float model
// CHECK-NEXT: worst 3 layers, by isolated SQNR:
// CHECK-NEXT: rank  op                   isolated (dB)  accumulated (dB)    cosine  tensor
// CHECK-NEXT: 1  tfl.fully_connected  {{[1-9][0-9]\.[0-9][0-9]}}  {{[1-9][0-9]\.[0-9][0-9]}}  0.9{{[0-9]+}}  fc2{{$}}
// CHECK-NEXT: 2  tfl.quantize         {{[1-9][0-9]\.[0-9][0-9]}}  {{[1-9][0-9]\.[0-9][0-9]}}  0.9{{[0-9]+}}  x_1{{$}}
// CHECK-NEXT: 3  tfl.fully_connected  {{[1-9][0-9]\.[0-9][0-9]}}  {{[1-9][0-9]\.[0-9][0-9]}}  0.9{{[0-9]+}}  fc1<b>&'{{$}}
// CHECK-NEXT: suggested deny list (the 2 ops with the worst isolated error): --pass='quantize-int8{deny="^(?:fc2|fc1<b>\&'\'')$"}'
// CHECK-NEXT: Model Explorer node data: accumulated SQNR in {{.*}}me.json, isolated SQNR in {{.*}}me.isolated.json
//
// RUN: FileCheck %s --check-prefix=JSON < %t/r.json
// JSON: "layers": [
// JSON-NEXT: {"name": "x_1", "op": "tfl.quantize", "location": "\"x_1\"", "reference": "x", "matched_by": "renamed", "accumulated": {"sqnr_db": [[XQ:[0-9.]+]], "cosine": {{[0-9.]+}}, "max_abs_error": {{[0-9.]+}}}, "isolated": {"sqnr_db": [[XQ]],
// JSON-NEXT: {"name": "fc1<b>&'", "op": "tfl.fully_connected", {{.*}}"reference": "fc1<b>&'", "matched_by": "name", "accumulated": {"sqnr_db": {{[0-9.]+}}, {{.*}}"isolated": {"sqnr_db": {{[0-9.]+}}
// JSON-NEXT: {"name": "fc2", {{.*}}"matched_by": "name"
// JSON-NEXT: ],
// JSON-NEXT: "suggested_deny": "^(?:{{.*}})$"
//
// The page: one SVG plot, the worst-layers table, every name escaped, nothing fetched.
// RUN: FileCheck %s --check-prefix=HTML --implicit-check-not="fc1<b>" --implicit-check-not="src=" --implicit-check-not="href=" < %t/r.html
// HTML: <!DOCTYPE html>
// HTML: <h2>Outputs</h2>
// HTML: <td class="t">probs</td>
// HTML: <svg xmlns="http://www.w3.org/2000/svg"
// HTML: <polyline class="acc" points="{{[0-9., ]+}}"/>
// HTML: <title>fc1&lt;b&gt;&amp;&#39; (tfl.fully_connected): isolated
// HTML: </svg>
// HTML: <h2>Worst 3 layers, by isolated SQNR</h2>
// HTML: <td class="t">fc1&lt;b&gt;&amp;&#39;</td>
// HTML: Suggested deny list
//
// RUN: FileCheck %s --check-prefix=ME < %t/me.json
// RUN: FileCheck %s --check-prefix=ME < %t/me.isolated.json
// ME: "results": {
// ME-NEXT: "x_1": {"value": {{[0-9.]+}}},
// ME-NEXT: "fc1<b>&'": {"value": {{[0-9.]+}}},
// ME-NEXT: "fc2": {"value": {{[0-9.]+}}}
// ME: "gradient": [
// ME-NEXT: {"stop": 0, "bgColor":
//
// The suggestion, pasted, keeps both fully connected layers float.
// RUN: tqopt %s --pass='quantize-int8{deny="^(?:fc2|fc1<b>\&'\'')$"}' --calibration-data=%t/data.npy --no-progress -o %t/deny.mlir 2>&1 | FileCheck %s --check-prefix=DENY
// DENY: 2 x tfl.fully_connected at "fc1<b>&'", "fc2": denied by the deny pattern
//
// A 16x8 model: its suggestion names the 16x8 pipeline.
// RUN: tqopt %s --pass=quantize-int16x8 --calibration-data=%t/data.npy --no-progress -o %t/i16.tflite
// RUN: tqopt eval %t/i16.tflite --reference %s --data %t/data.npy --no-progress --per-layer | FileCheck %s --check-prefix=I16
// I16: per-layer error: 4 quantized tensors matched to the float model
// I16: suggested deny list {{.*}}: --pass='quantize-int16x8{deny="^(?:{{.*}})$"}'
//
// A reference whose tensors have other names: only the input is matched, the rest is listed.
// RUN: sed -e 's/loc("fc1<b>&.")/loc("other1")/' -e 's/loc("fc2")/loc("other2")/' %s > %t/renamed.mlir
// RUN: tqopt eval %t/int8.tflite --reference %t/renamed.mlir --data %t/data.npy --no-progress --per-layer | FileCheck %s --check-prefix=RENAMED
// RENAMED: per-layer error: 1 quantized tensors matched to the float model
// RENAMED-NEXT: 2 quantized tensors have no float counterpart: fc1<b>&', fc2
//
// --labels: the float model's own argmax (computed here in numpy) gives the reference 100%;
// labels that are all 0 give the fraction of samples whose argmax is 0, printed by numpy.
// RUN: %python -c "import numpy as np; x = np.load('%t/data.npy')[:, 0]; w = np.array([[0.5, -1.0, 0.25, 2.0], [1.5, 0.75, -0.5, -1.0], [-0.25, 1.0, 1.25, 0.5], [0.3, 0.1, -0.7, 0.9]], np.float32); h = np.maximum(x @ w.T + [0.1, -0.2, 0.3, 0.0], 0); y = h @ w[:3].T + [0.1, -0.2, 0.3]; np.save('%t/labels.npy', y.argmax(1)); np.save('%t/zeros.npy', np.zeros(16, np.int64)); np.save('%t/short.npy', np.zeros(3, np.int64)); print('ZEROS %%.2f%%%%' %% (100 * np.mean(y.argmax(1) == 0)))" > %t/zeros.txt
// RUN: tqopt eval %t/int8.tflite --reference %s --data %t/data.npy --no-progress --labels %t/labels.npy --report %t/labels.json | FileCheck %s --check-prefix=LABELS
// LABELS: model SQNR:
// LABELS-NEXT: accuracy on output 'probs' (16 labels): {{[0-9.]+}}% (reference 100.00%)
// RUN: FileCheck %s --check-prefix=LABELSJSON < %t/labels.json
// LABELSJSON: "accuracy": {"output": "probs", "labels": 16, "accuracy": {{[0-9.]+}}, "reference_accuracy": 1}
// RUN: tqopt eval %t/int8.tflite --reference %s --data %t/data.npy --no-progress --labels %t/zeros.npy > %t/zeros.out
// RUN: cat %t/zeros.txt %t/zeros.out | FileCheck %s --check-prefix=ZEROS
// ZEROS: ZEROS [[PCT:[0-9.]+%]]
// ZEROS: accuracy on output 'probs' (16 labels): {{[0-9.]+}}% (reference [[PCT]])
// RUN: not tqopt eval %t/int8.tflite --reference %s --data %t/data.npy --labels %t/short.npy 2>&1 | FileCheck %s --check-prefix=SHORT
// SHORT: tqopt eval: error: --labels: '{{.*}}short.npy' holds 3 labels (or rows of labels) but the evaluation data has 16 samples
//
// RUN: mkdir %t/dir
// RUN: not tqopt eval %t/int8.tflite --reference %s --data %t/data.npy --report %t/bad.json --html %t/dir 2>&1 | FileCheck %s --check-prefix=DIR
// DIR: tqopt eval: error: --html: {{.*}}dir{{.*}}
// RUN: not tqopt eval %t/int8.tflite --reference %s --data %t/data.npy --report %t/bad.json --model-explorer %t/nowhere/me.json 2>&1 | FileCheck %s --check-prefix=NOWHERE
// NOWHERE: tqopt eval: error: --model-explorer: cannot write '{{.*}}nowhere/me.json': its folder does not exist
// RUN: not test -e %t/bad.json
func.func @main(%arg0: tensor<1x4xf32> loc("x")) -> tensor<1x3xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<[[0.5, -1.0, 0.25, 2.0], [1.5, 0.75, -0.5, -1.0], [-0.25, 1.0, 1.25, 0.5], [0.3, 0.1, -0.7, 0.9]]> : tensor<4x4xf32>}> : () -> tensor<4x4xf32> loc("w")
  %b = "tfl.pseudo_const"() <{value = dense<[0.1, -0.2, 0.3, 0.0]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("b")
  %0 = "tfl.fully_connected"(%arg0, %w, %b) <{fused_activation_function = "RELU", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x4xf32> loc("fc1<b>&'")
  %w2 = "tfl.pseudo_const"() <{value = dense<[[0.5, -1.0, 0.25, 2.0], [1.5, 0.75, -0.5, -1.0], [-0.25, 1.0, 1.25, 0.5]]> : tensor<3x4xf32>}> : () -> tensor<3x4xf32> loc("w2")
  %b2 = "tfl.pseudo_const"() <{value = dense<[0.1, -0.2, 0.3]> : tensor<3xf32>}> : () -> tensor<3xf32> loc("b2")
  %1 = "tfl.fully_connected"(%0, %w2, %b2) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<1x3xf32> loc("fc2")
  %2 = "tfl.softmax"(%1) <{beta = 1.000000e+00 : f32}> : (tensor<1x3xf32>) -> tensor<1x3xf32> loc("probs")
  return %2 : tensor<1x3xf32>
}
