// Ops with regions (tfl.while), multi-result ops and block arguments, in the generic form,
// and the generic form of func.func and module with --mlir-print-op-generic.
// RUN: tqopt %s | FileCheck %s
// RUN: tqopt %s | mlir-opt --allow-unregistered-dialect | tqopt | FileCheck %s
// RUN: tqopt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// RUN: tqopt %s --mlir-print-op-generic | tqopt | FileCheck %s

// CHECK-LABEL: func.func @loop
func.func @loop(%arg0: tensor<i32>, %arg1: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: %[[W:.*]]:2 = "tfl.while"(%arg0, %arg1) <{is_stateless = true}> ({
  // CHECK-NEXT: ^bb0(%[[I:.*]]: tensor<i32>, %{{.*}}: tensor<2xf32>):
  // CHECK: "tfl.yield"
  // CHECK: }, {
  // CHECK-NEXT: ^bb0(
  // CHECK: }) : (tensor<i32>, tensor<2xf32>) -> (tensor<i32>, tensor<2xf32>)
  %0:2 = "tfl.while"(%arg0, %arg1) <{is_stateless = true}> ({
  ^bb0(%a: tensor<i32>, %b: tensor<2xf32>):
    %limit = "tfl.pseudo_const"() <{value = dense<10> : tensor<i32>}> : () -> tensor<i32>
    %c = "tfl.less"(%a, %limit) : (tensor<i32>, tensor<i32>) -> tensor<i1>
    "tfl.yield"(%c) : (tensor<i1>) -> ()
  }, {
  ^bb0(%a: tensor<i32>, %b: tensor<2xf32>):
    %one = "tfl.pseudo_const"() <{value = dense<1> : tensor<i32>}> : () -> tensor<i32>
    %next = tfl.add %a, %one {fused_activation_function = "NONE"} : tensor<i32>
    %r = "tfl.relu"(%b) : (tensor<2xf32>) -> tensor<2xf32>
    "tfl.yield"(%next, %r) : (tensor<i32>, tensor<2xf32>) -> ()
  }) : (tensor<i32>, tensor<2xf32>) -> (tensor<i32>, tensor<2xf32>)
  // CHECK: return %[[W]]#1 : tensor<2xf32>
  return %0#1 : tensor<2xf32>
}

// CHECK-LABEL: func.func private @decl(tensor<f32>) -> tensor<f32>
func.func private @decl(tensor<f32>) -> tensor<f32>

// CHECK-LABEL: func.func @caller
// CHECK: call @decl(%arg0) : (tensor<f32>) -> tensor<f32>
func.func @caller(%arg0: tensor<f32>) -> tensor<f32> {
  %0 = call @decl(%arg0) : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// GENERIC: "builtin.module"() ({
// GENERIC: "func.func"() <{function_type = (tensor<i32>, tensor<2xf32>) -> tensor<2xf32>, sym_name = "loop"}> ({
// GENERIC-NEXT: ^bb0(%arg0: tensor<i32>, %arg1: tensor<2xf32>):
// GENERIC: "func.return"
// GENERIC: "func.call"(%{{.*}}) <{callee = @decl}>
