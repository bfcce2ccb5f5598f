// Parse errors point at the text: file:line:col, the line, and a caret.
// RUN: tqopt %s --split-input-file --verify-diagnostics
// RUN: not tqopt %s --split-input-file 2>&1 | FileCheck %s

func.func @undefined(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{use of undefined value '%4'}}
  %0 = "tfl.relu"(%4) : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
// CHECK: errors.mlir:7:19: error: use of undefined value '%4'
// CHECK-NEXT: {{^}}  %0 = "tfl.relu"(%4) : (tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT: {{^}}                  ^

// -----

func.func @redefined(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<2xf32>
  // expected-error@+1 {{redefinition of SSA value '%0'}}
  %0 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
// CHECK: errors.mlir:[[@LINE-3]]:3: error: redefinition of SSA value '%0'

// -----

func.func @type_mismatch(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{use of value '%arg0' expects different type than prior uses: 'tensor<3xf32>' vs 'tensor<2xf32>'}}
  %0 = "tfl.relu"(%arg0) : (tensor<3xf32>) -> tensor<3xf32>
  return %arg0 : tensor<2xf32>
}

// -----

func.func @unknown_tfl_op(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{unknown operation 'tfl.frobnicate': the 'tfl' dialect has no op of that name}}
  %0 = "tfl.frobnicate"(%arg0) : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Ops of other dialects pass through as opaque operations.
func.func @other_dialect(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "mydialect.frobnicate"(%arg0) {level = 3 : i32} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @syntax(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{expected}}
  %0 = "tfl.relu"(%arg0 : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @wrong_type_count(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{expected 2 operand types but had 1}}
  %0 = "tfl.add"(%arg0, %arg0) <{fused_activation_function = "NONE"}> : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @no_custom_form(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{'tfl.relu' has no custom assembly form here}}
  %0 = tfl.relu %arg0 : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @bad_dense() {
  // expected-error@+1 {{inferred shape of elements literal ([3]) does not match type ([2])}}
  "test.op"() {v = dense<[1, 2, 3]> : tensor<2xi32>} : () -> ()
  return
}

// -----

func.func @int_overflow() {
  // expected-error@+1 {{integer 300 does not fit in i8}}
  "test.op"() {v = dense<[1, 300]> : tensor<2xi8>} : () -> ()
  return
}

// -----

func.func @integer_scale(%arg0: tensor<2x!quant.uniform<i8:f32, 1:3>>) {
  // expected-error@-1 {{unexpected decimal integer literal for a floating point value}}
  return
}

// -----

func.func @bad_scale(%arg0: tensor<2x!quant.uniform<i8:f32, 0.0:3>>) {
  // expected-error@-1 {{illegal scale: 0e0}}
  return
}

// -----

func.func @result_count(%arg0: tensor<2xf32>) {
  // expected-error@+1 {{operation defines 1 results but was provided 2 to bind}}
  %0, %1 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

// A name may not shadow one of an enclosing region, even across a function boundary (as in
// MLIR).
%x = "tfl.pseudo_const"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
func.func @shadow(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{redefinition of SSA value '%x'}}
  %x = "tfl.relu"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %x : tensor<4xf32>
}
