// fold-constant-ops: ops whose operands are all constants become constants of their values
// (computed by tqopt's interpreter), named as the op's result; the rest stays.
// RUN: tqopt %s --pass=fold-constant-ops --split-input-file | FileCheck %s
// RUN: tqopt %s --pass=fold-constant-ops --split-input-file --mlir-pass-statistics -o %t.mlir 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: 2 num-folded
// STATS: 1 num-folded
// STATS: 0 num-folded
// STATS: 2 num-folded

// A T5-style relative position bias: positions, their differences, a log, a cast, a lookup.
// Everything before the add folds; the add reads the input and stays.
// CHECK-LABEL: func.func @bias
// CHECK: %[[B:.*]] = "tfl.pseudo_const"() <{value = dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00]]> : tensor<1x3xf32>}> : () -> tensor<1x3xf32> loc("bias")
// CHECK-NEXT: "tfl.add"(%arg0, %[[B]])
// CHECK-NOT: tfl.range
// CHECK-NOT: tfl.gather
func.func @bias(%arg0: tensor<1x3xf32>) -> tensor<1x3xf32> {
  %start = "tfl.pseudo_const"() <{value = dense<0> : tensor<i32>}> : () -> tensor<i32> loc("start")
  %limit = "tfl.pseudo_const"() <{value = dense<3> : tensor<i32>}> : () -> tensor<i32> loc("limit")
  %delta = "tfl.pseudo_const"() <{value = dense<1> : tensor<i32>}> : () -> tensor<i32> loc("delta")
  %pos = "tfl.range"(%start, %limit, %delta) : (tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<3xi32> loc("positions")
  %table = "tfl.pseudo_const"() <{value = dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf32>}> : () -> tensor<1x4xf32> loc("table")
  %b = "tfl.gather"(%table, %pos) <{axis = 1 : i32, batch_dims = 0 : i32}> : (tensor<1x4xf32>, tensor<3xi32>) -> tensor<1x3xf32> loc("bias")
  %0 = "tfl.add"(%arg0, %b) <{fused_activation_function = "NONE"}> : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<1x3xf32> loc("scores")
  return %0 : tensor<1x3xf32>
}

// -----

// Left alone: a float16 weight's dequantize (weights stay compact), a broadcast that would
// add more than 16 KiB (and the select that reads it), and a result the function
// returns. A splat folds as a splat.
// CHECK-LABEL: func.func @kept
// CHECK: "tfl.dequantize"
// CHECK: "tfl.broadcast_to"
// CHECK: "tfl.select_v2"
// CHECK: %[[Z:.*]] = "tfl.pseudo_const"() <{value = dense<5.000000e-01> : tensor<2x2xf32>}> : () -> tensor<2x2xf32> loc("half_tiled")
// CHECK-NEXT: "tfl.tile"(%[[Z]], %{{.*}}) {{.*}} loc("returned")
// CHECK: return
func.func @kept(%arg0: tensor<2xf32>, %arg1: tensor<1x1x200x200xf32>) -> (tensor<2xf32>, tensor<1x1x200x200xf32>, tensor<4x4xf32>) {
  %h = "tfl.pseudo_const"() <{value = dense<[1.0, 2.0]> : tensor<2xf16>}> : () -> tensor<2xf16> loc("w16")
  %w = "tfl.dequantize"(%h) : (tensor<2xf16>) -> tensor<2xf32> loc("w")
  %0 = "tfl.mul"(%arg0, %w) <{fused_activation_function = "NONE"}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("scaled")
  %t = "tfl.pseudo_const"() <{value = dense<true> : tensor<1x1x200x1xi1>}> : () -> tensor<1x1x200x1xi1> loc("valid")
  %s = "tfl.pseudo_const"() <{value = dense<[1, 1, 200, 200]> : tensor<4xi32>}> : () -> tensor<4xi32> loc("shape")
  %c = "tfl.broadcast_to"(%t, %s) : (tensor<1x1x200x1xi1>, tensor<4xi32>) -> tensor<1x1x200x200xi1> loc("mask_rows")
  %zero = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32> loc("zero")
  %inf = "tfl.pseudo_const"() <{value = dense<0xFF800000> : tensor<f32>}> : () -> tensor<f32> loc("minus_inf")
  %m = "tfl.select_v2"(%c, %zero, %inf) : (tensor<1x1x200x200xi1>, tensor<f32>, tensor<f32>) -> tensor<1x1x200x200xf32> loc("mask")
  %1 = "tfl.add"(%arg1, %m) <{fused_activation_function = "NONE"}> : (tensor<1x1x200x200xf32>, tensor<1x1x200x200xf32>) -> tensor<1x1x200x200xf32> loc("masked")
  %half = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<1x1xf32>}> : () -> tensor<1x1xf32> loc("half")
  %two = "tfl.pseudo_const"() <{value = dense<[2, 2]> : tensor<2xi32>}> : () -> tensor<2xi32> loc("two_by_two")
  %2 = "tfl.tile"(%half, %two) : (tensor<1x1xf32>, tensor<2xi32>) -> tensor<2x2xf32> loc("half_tiled")
  %3 = "tfl.tile"(%2, %two) : (tensor<2x2xf32>, tensor<2xi32>) -> tensor<4x4xf32> loc("returned")
  return %0, %1, %3 : tensor<2xf32>, tensor<1x1x200x200xf32>, tensor<4x4xf32>
}

// -----

// A causal mask selected by a bool constant of its own shape stays an op: folded, it would take
// four times the bool's bytes.
// CHECK-LABEL: func.func @causal
// CHECK: "tfl.select_v2"
func.func @causal(%arg0: tensor<1x1x100x100xf32>) -> tensor<1x1x100x100xf32> {
  %c = "tfl.pseudo_const"() <{value = dense<true> : tensor<1x1x100x100xi1>}> : () -> tensor<1x1x100x100xi1> loc("causal")
  %zero = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32> loc("zero")
  %inf = "tfl.pseudo_const"() <{value = dense<0xFF800000> : tensor<f32>}> : () -> tensor<f32> loc("minus_inf")
  %m = "tfl.select_v2"(%c, %zero, %inf) : (tensor<1x1x100x100xi1>, tensor<f32>, tensor<f32>) -> tensor<1x1x100x100xf32> loc("mask")
  %1 = "tfl.add"(%arg0, %m) <{fused_activation_function = "NONE"}> : (tensor<1x1x100x100xf32>, tensor<1x1x100x100xf32>) -> tensor<1x1x100x100xf32> loc("masked")
  return %1 : tensor<1x1x100x100xf32>
}

// -----

// Each signature of a model folds its own ops; a function they call is not an entry point.
// CHECK-LABEL: func.func @encode
// CHECK: "tfl.pseudo_const"() <{value = dense<2.000000e+00> : tensor<2xf32>}> : () -> tensor<2xf32> loc("doubled")
// CHECK-LABEL: func.func @decode
// CHECK: "tfl.pseudo_const"() <{value = dense<3.000000e+00> : tensor<2xf32>}> : () -> tensor<2xf32> loc("tripled")
// CHECK-LABEL: func.func private @helper
// CHECK: "tfl.add"({{.*}} loc("helper_sum")
func.func @encode(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  %one = "tfl.pseudo_const"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<2xf32> loc("one")
  %d = "tfl.add"(%one, %one) <{fused_activation_function = "NONE"}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("doubled")
  %y = "tfl.mul"(%arg0, %d) <{fused_activation_function = "NONE"}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("y")
  return %y : tensor<2xf32>
}
func.func @decode(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  %one = "tfl.pseudo_const"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<2xf32> loc("one")
  %two = "tfl.pseudo_const"() <{value = dense<2.0> : tensor<2xf32>}> : () -> tensor<2xf32> loc("two")
  %t = "tfl.add"(%one, %two) <{fused_activation_function = "NONE"}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("tripled")
  %y = "tfl.mul"(%arg0, %t) <{fused_activation_function = "NONE"}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("y")
  %z = func.call @helper(%y) : (tensor<2xf32>) -> tensor<2xf32>
  return %z : tensor<2xf32>
}
func.func private @helper(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  %one = "tfl.pseudo_const"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<2xf32> loc("one")
  %s = "tfl.add"(%one, %one) <{fused_activation_function = "NONE"}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("helper_sum")
  %y = "tfl.add"(%arg0, %s) <{fused_activation_function = "NONE"}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("z")
  return %y : tensor<2xf32>
}
