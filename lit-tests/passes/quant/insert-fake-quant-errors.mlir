// A calibrated range whose scale does not fit a float32 (values near ±3.4e38): an error that
// names the tensor, never a model with scale=inf.
// RUN: tqopt %s --pass=insert-fake-quant --split-input-file --verify-diagnostics

func.func @huge_activation(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  // expected-error@+1 {{cannot quantize tensor 'sum': the scale is inf: its range is too wide for a float32 scale}}
  %1 = "tfl.add"(%0, %0) <{fused_activation_function = "NONE"}> : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> loc("sum")
  %2 = "quantfork.stats"(%1) {layerStats = dense<[-3.4e38, 3.4e38]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// A constant operand of a quantized op whose values span more than float32 can scale.
func.func @huge_constant(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  // expected-error@+1 {{cannot quantize tensor 'big': the scale is inf}}
  %c = "tfl.pseudo_const"() <{value = dense<[-3.0e38, 3.0e38, 0.0, 1.0]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("big")
  %1 = "tfl.mul"(%0, %c) <{fused_activation_function = "NONE"}> : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> loc("prod")
  %2 = "quantfork.stats"(%1) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}
