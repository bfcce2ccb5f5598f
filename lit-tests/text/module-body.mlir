// Values are numbered as MLIR numbers them: a region completely first, then the regions inside
// it from where it left off (sibling regions from the same point). So ops directly in a module
// body take %0..., and a function beside them continues; a while's regions continue after the
// whole function body. Names may not shadow names of enclosing regions.
// RUN: tqopt %s | FileCheck %s
// RUN: tqopt %s | mlir-opt --allow-unregistered-dialect | tqopt | FileCheck %s
// The numbering is mlir-opt's own: its printout passes the same checks.
// RUN: tqopt %s | mlir-opt --allow-unregistered-dialect | FileCheck %s

// CHECK-LABEL: module {
// CHECK-NEXT: %0 = "tfl.pseudo_const"() <{value = dense<1.000000e+00> : tensor<4xf32>}> : () -> tensor<4xf32>
// CHECK-NEXT: func.func @after(%arg0: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT: %1 = "tfl.relu"(%arg0)
%c = "tfl.pseudo_const"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
func.func @after(%a: tensor<4xf32>) -> tensor<4xf32> {
  %r = "tfl.relu"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// CHECK-LABEL: func.func @loop
// CHECK-NEXT: %1 = "tfl.while"(%arg0) ({
// CHECK-NEXT: ^bb0(%arg1: tensor<i32>):
// CHECK-NEXT: %3 = "tfl.less"(%arg1, %arg1)
// CHECK: ^bb0(%arg1: tensor<i32>):
// CHECK-NEXT: %3 = "tfl.add"(%arg1, %arg1)
// CHECK: %2 = "tfl.add"(%1, %1)
func.func @loop(%arg0: tensor<i32>) -> tensor<i32> {
  %0 = "tfl.while"(%arg0) ({
  ^bb0(%a: tensor<i32>):
    %lt = "tfl.less"(%a, %a) : (tensor<i32>, tensor<i32>) -> tensor<i1>
    "tfl.yield"(%lt) : (tensor<i1>) -> ()
  }, {
  ^bb0(%b: tensor<i32>):
    %d = "tfl.add"(%b, %b) <{fused_activation_function = "NONE"}> : (tensor<i32>, tensor<i32>) -> tensor<i32>
    "tfl.yield"(%d) : (tensor<i32>) -> ()
  }) : (tensor<i32>) -> tensor<i32>
  %1 = "tfl.add"(%0, %0) <{fused_activation_function = "NONE"}> : (tensor<i32>, tensor<i32>) -> tensor<i32>
  return %1 : tensor<i32>
}
