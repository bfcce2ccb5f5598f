// Integer I/O asked for, but an input and an output have no quantization parameters (no
// calibrated range) and are read and computed in float: an error that says which ones.
// RUN: tqopt %s --pass='quantize-int8{io=int8}' --verify-diagnostics

// expected-error@+1 {{input #0 of @float_last cannot be made integer: its first user is not quantized (it is read in float)}}
func.func @float_last(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %e = "tfl.pseudo_const"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %1 = "tfl.pow"(%arg0, %e) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %2 = "quantfork.stats"(%1) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  %3 = "tfl.pow"(%2, %e) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  // expected-error@+1 {{output #0 of @float_last cannot be made integer: it is computed in float}}
  return %3 : tensor<4xf32>
}
