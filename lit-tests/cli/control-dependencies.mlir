// A model's control dependencies index its operators: a pass that changes the IR drops them,
// with a warning; a pass that changes nothing keeps them.
// RUN: tqopt %s --pass=dce --split-input-file 2>&1 | FileCheck %s

// CHECK: warning: pass 'dce' changed the operators, so the model's control dependencies (model_control_dependencies, by operator index) no longer hold and are dropped
// CHECK: module attributes {tfl.description = "changed"} {
module attributes {tfl.description = "changed", tqopt.model_control_dependencies = "\01\00\00\00"} {
  func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
    %0 = "tfl.relu"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
    return %arg0 : tensor<4xf32>
  }
}

// -----

// CHECK-NOT: warning
// CHECK: module attributes {tfl.description = "unchanged", tqopt.model_control_dependencies = "\01\00\00\00"} {
module attributes {tfl.description = "unchanged", tqopt.model_control_dependencies = "\01\00\00\00"} {
  func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
    return %arg0 : tensor<4xf32>
  }
}
