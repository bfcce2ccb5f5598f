// fuse-activations folds a float relu / relu6 / relu_n1_to_1 into the fused_activation_function
// of the conv, depthwise conv, fully connected or arithmetic op before it, when that op has no
// activation yet and the relu is its only user. The fused op is located at both ops.
// RUN: tqopt %s --pass=fuse-activations --split-input-file --mlir-pass-statistics 2>%t.stats | FileCheck %s
// RUN: FileCheck %s --check-prefix=STATS < %t.stats
// STATS: 1 num-fused
// STATS: 2 num-fused
// STATS: 0 num-fused

// CHECK-LABEL: func.func @conv_relu6
func.func @conv_relu6(%x: tensor<1x4x4x1xf32>, %w: tensor<2x1x1x1xf32>, %b: tensor<2xf32>) -> tensor<1x4x4x2xf32> {
  // CHECK: %[[C:.*]] = "tfl.conv_2d"(%arg0, %arg1, %arg2) <{{.*}}fused_activation_function = "RELU6"{{.*}} loc(fused["act", "conv"])
  // CHECK-NOT: tfl.relu6
  // CHECK: return %[[C]]
  %0 = "tfl.conv_2d"(%x, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32> loc("conv")
  %1 = "tfl.relu6"(%0) : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> loc("act")
  return %1 : tensor<1x4x4x2xf32>
}

// -----

// CHECK-LABEL: func.func @add_relu_and_sub_relu1
func.func @add_relu_and_sub_relu1(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  // CHECK: "tfl.add"(%arg0, %arg1) <{fused_activation_function = "RELU"}>
  // CHECK: "tfl.sub"(%arg0, %arg1) <{fused_activation_function = "RELU_N1_TO_1"}>
  // CHECK-NOT: tfl.relu
  %0 = tfl.add %a, %b {fused_activation_function = "NONE"} : tensor<4xf32>
  %1 = "tfl.relu"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = tfl.sub %a, %b {fused_activation_function = "NONE"} : tensor<4xf32>
  %3 = "tfl.relu_n1_to_1"(%2) : (tensor<4xf32>) -> tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Left alone: a producer with a second user, one with an activation already, a producer that
// cannot fuse (max_pool_2d here is not in the list), and a quantized relu.
// CHECK-LABEL: func.func @not_fused
func.func @not_fused(%a: tensor<4xf32>, %b: tensor<4xf32>, %q: tensor<4x!quant.uniform<i8:f32, 0.1>>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4x!quant.uniform<i8:f32, 0.1>>) {
  // CHECK-COUNT-3: "tfl.relu"
  %0 = tfl.add %a, %b {fused_activation_function = "NONE"} : tensor<4xf32>
  %1 = "tfl.relu"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = tfl.mul %a, %b {fused_activation_function = "RELU6"} : tensor<4xf32>
  %3 = "tfl.relu"(%2) : (tensor<4xf32>) -> tensor<4xf32>
  %4 = "tfl.relu"(%q) : (tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %0, %1, %3, %4 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4x!quant.uniform<i8:f32, 0.1>>
}
