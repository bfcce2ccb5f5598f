// TensorFlow's printer writes some tfl ops in custom forms; tqopt reads them and prints the
// generic form that upstream mlir-opt accepts.
// RUN: tqopt %s | FileCheck %s
// RUN: tqopt %s | mlir-opt --allow-unregistered-dialect | tqopt | FileCheck %s

// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[A:.*]]: tensor<1x4xf32> {tf_saved_model.index_path = ["input"]})
func.func @main(%arg0: tensor<1x4xf32> {tf_saved_model.index_path = ["input"]}) -> (tensor<1x4xf32> {tf_saved_model.index_path = ["out"]}) attributes {tf.entry_function = {inputs = "input", outputs = "out"}} {
  // CHECK: %[[C:.*]] = "tfl.pseudo_const"() <{value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>}>
  %cst = "tfl.pseudo_const"() {value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  // CHECK: %[[ADD:.*]] = "tfl.add"(%[[A]], %[[A]]) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %0 = tfl.add %arg0, %arg0 {fused_activation_function = "NONE"} : tensor<1x4xf32>
  // CHECK: "tfl.mul"(%[[ADD]], %[[C]]) <{fused_activation_function = "RELU6"}> : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %1 = tfl.mul(%0, %cst) <{fused_activation_function = "RELU6"}> : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  // CHECK: return %{{.*}} : tensor<1x4xf32>
  return %1 : tensor<1x4xf32>
}
