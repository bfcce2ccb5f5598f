// The verifier checks ops against the op tables and SSA rules, and reports every error it
// finds, each at its op.
// RUN: tqopt %s --split-input-file --verify-diagnostics

func.func @operand_count(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{'tfl.add' op expected 2 operands, but found 3}}
  %0 = "tfl.add"(%arg0, %arg0, %arg0) <{fused_activation_function = "NONE"}> : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @every_error_is_reported(%arg0: tensor<1x8x8x3xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x8x8x4xf32> {
  // expected-error@+3 {{'tfl.conv_2d' op requires attribute 'padding'}}
  // expected-error@+2 {{'tfl.conv_2d' op attribute 'fused_activation_function' is "SIGMOID", but must be one of NONE, RELU, RELU_N1_TO_1, RELU6, TANH, SIGN_BIT}}
  // expected-error@+1 {{'tfl.conv_2d' op attribute 'stride_w' must be a 32-bit integer, not string}}
  %0 = "tfl.conv_2d"(%arg0, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "SIGMOID", stride_h = 1 : i32, stride_w = "1"}> : (tensor<1x8x8x3xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32>
  return %0 : tensor<1x8x8x4xf32>
}

// -----

func.func @dominance(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{'tfl.relu' op operand #0 does not dominate this use}}
  %0 = "tfl.relu"(%1) : (tensor<2xf32>) -> tensor<2xf32>
  %1 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @element_types(%arg0: tensor<2xf32>) -> tensor<2xi32> {
  // expected-error@+2 {{'tfl.logical_not' op operand #0 ('lhs') must be i1, but got 'tensor<2xf32>'}}
  // expected-error@+1 {{'tfl.logical_not' op requires the same element type for all operands and results}}
  %0 = "tfl.logical_not"(%arg0) : (tensor<2xf32>) -> tensor<2xi1>
  %1 = "tfl.cast"(%0) : (tensor<2xi1>) -> tensor<2xi32>
  return %1 : tensor<2xi32>
}

// -----

func.func @shapes(%arg0: tensor<2xf32>) -> tensor<3xf32> {
  // expected-error@+1 {{'tfl.relu' op requires the same shape for all operands and results}}
  %0 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @return_types(%arg0: tensor<2xf32>) -> tensor<2xi32> {
  // expected-error@+1 {{'func.return' op type of return operand 0 ('tensor<2xf32>') doesn't match function result type ('tensor<2xi32>')}}
  return %arg0 : tensor<2xf32>
}

// -----

// expected-error@+1 {{'func.func' op has a block that does not end with a terminator (it ends with 'tfl.relu')}}
func.func @no_terminator(%arg0: tensor<2xf32>) {
  // expected-note@+1 {{the block ends here}}
  %0 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<2xf32>
}

// -----

func.func @terminator_not_last(%arg0: tensor<i32>) -> tensor<i32> {
  %0 = "tfl.while"(%arg0) ({
  ^bb0(%a: tensor<i32>):
    %t = "tfl.pseudo_const"() <{value = dense<true> : tensor<i1>}> : () -> tensor<i1>
    // expected-error@+1 {{'tfl.yield' op must be the last operation in its block}}
    "tfl.yield"(%t) : (tensor<i1>) -> ()
    %u = "tfl.pseudo_const"() <{value = dense<true> : tensor<i1>}> : () -> tensor<i1>
    "tfl.yield"(%u) : (tensor<i1>) -> ()
  }, {
  ^bb0(%a: tensor<i32>):
    "tfl.yield"(%a) : (tensor<i32>) -> ()
  }) : (tensor<i32>) -> tensor<i32>
  return %0 : tensor<i32>
}

// -----

func.func @qconst() -> tensor<2x!quant.uniform<i8:f32, 5.000000e-01>> {
  // expected-error@+1 {{'tfl.pseudo_qconst' op 'qtype' is 'tensor<2x!quant.uniform<i8:f32, 2.500000e-01>>' but the result has type 'tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>'}}
  %0 = "tfl.pseudo_qconst"() <{qtype = tensor<2x!quant.uniform<i8:f32, 0.25>>, value = dense<[1, 2]> : tensor<2xi8>}> : () -> tensor<2x!quant.uniform<i8:f32, 0.5>>
  return %0 : tensor<2x!quant.uniform<i8:f32, 0.5>>
}

// -----

func.func @const_type() -> tensor<3xf32> {
  // expected-error@+1 {{'tfl.pseudo_const' op 'value' has type 'tensor<2xf32>' but the result has type 'tensor<3xf32>'}}
  %0 = "tfl.pseudo_const"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @stats(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{'quantfork.stats' op 'layerStats' must hold 2 values [min, max], not tensor<3xf32>}}
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[0.0, 1.0, 2.0]> : tensor<3xf32>} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @outer(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  return %arg0 : tensor<2xf32>
}

func.func @inner_uses_outer(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{use of undefined value '%x'}}
  return %x : tensor<2xf32>
}
