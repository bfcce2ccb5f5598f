// legalize-opset: under TFLITE_BUILTINS_INT8 every op that cannot become integer is listed in
// one error, with its location and why; deny=REGEX keeps matching ops float.
// RUN: tqopt %s --pass-pipeline='builtin.module(insert-fake-quant,legalize-opset{ops=TFLITE_BUILTINS_INT8})' --split-input-file --verify-diagnostics
// RUN: tqopt %s --pass-pipeline='builtin.module(insert-fake-quant,legalize-opset{deny=relu})' --split-input-file | FileCheck %s --check-prefix=DENY
// RUN: not tqopt %s --pass='legalize-opset{deny=(}' 2>&1 | FileCheck %s --check-prefix=BADRE

// expected-error@below {{2 ops cannot be quantized to int8 under TFLITE_BUILTINS_INT8; use ops=TFLITE_BUILTINS to keep them float}}
func.func @strict(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  %ax = "tfl.pseudo_const"() <{value = dense<0> : tensor<i32>}> : () -> tensor<i32>
  // expected-note@+1 {{'tfl.cumsum' at loc("running_total"): TFLite has no int8 kernel for it}}
  %1 = "tfl.cumsum"(%0, %ax) <{exclusive = false, reverse = false}> : (tensor<4xf32>, tensor<i32>) -> tensor<4xf32> loc("running_total")
  %2 = "quantfork.stats"(%1) {layerStats = dense<[-4.0, 4.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  // expected-note@+1 {{'tfl.relu': result #0 has no quantization parameters (no calibrated range)}}
  %3 = "tfl.relu"(%2) : (tensor<4xf32>) -> tensor<4xf32>
  return %3 : tensor<4xf32>
}

// -----

func.func @fine(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tfl.relu"(%0) : (tensor<4xf32>) -> tensor<4xf32> loc("relu")
  %2 = "quantfork.stats"(%1) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}
// DENY-LABEL: func.func @fine
// DENY: "tfl.relu"(%{{.*}}) {tqopt.keep_float} : (tensor<4xf32>) -> tensor<4xf32> loc("relu")
// BADRE: tqopt: error: option 'deny' of 'legalize-opset' must be a regular expression, not '(' (unclosed group)

// -----

// An op marked tqopt.keep_float (by the precision search, or in the input IR) would stay float
// too, which the strict OpsSet does not allow; the note gives the reason the mark carries.
// expected-error@below {{1 op cannot be quantized to int8 under TFLITE_BUILTINS_INT8; use ops=TFLITE_BUILTINS to keep them float}}
func.func @marked(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  // expected-note@+1 {{'tfl.relu' at loc("kept"): kept float for target-sqnr=30}}
  %1 = "tfl.relu"(%0) {tqopt.keep_float, tqopt.float_reason = "kept float for target-sqnr=30"} : (tensor<4xf32>) -> tensor<4xf32> loc("kept")
  %2 = "quantfork.stats"(%1) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}
