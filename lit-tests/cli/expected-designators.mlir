// expected-* comments name their line with @+N, @-N, @above, @below, or none (this line).
// RUN: tqopt %s --split-input-file --verify-diagnostics --pass=canonicalize

func.func @plus(%arg0: tensor<2xf32>) {
  // expected-error@+1 {{'tfl.relu' op requires the same shape}}
  %0 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @minus(%arg0: tensor<2xf32>) {
  %0 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<3xf32>
  // expected-error@-1 {{'tfl.relu' op requires the same shape}}
  return
}

// -----

func.func @above(%arg0: tensor<2xf32>) {
  %0 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<3xf32>
  // expected-error@above {{'tfl.relu' op requires the same shape}}
  return
}

// -----

func.func @below(%arg0: tensor<2xf32>) {
  // expected-error@below {{'tfl.relu' op requires the same shape}}
  %0 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @same_line(%arg0: tensor<2xf32>) {
  %0 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<3xf32> // expected-error {{'tfl.relu' op requires the same shape}}
  return
}

// -----

func.func @warning_and_note() -> tensor<4xf32> {
  %0 = "tfl.pseudo_const"() <{value = dense_resource<__elided__> : tensor<4xf16>}> : () -> tensor<4xf16>
  // expected-warning@+1 {{cannot fold this float16 dequantize}}
  %1 = "tfl.dequantize"(%0) : (tensor<4xf16>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}
