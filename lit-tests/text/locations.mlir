// Tensor names are name locations; they survive parsing and printing, and location aliases
// that mlir-opt prints at the end of a file are read back.
// RUN: tqopt %s | FileCheck %s
// RUN: tqopt %s | mlir-opt --allow-unregistered-dialect --mlir-print-debuginfo | tqopt | FileCheck %s

// CHECK-LABEL: func.func @main
// CHECK-SAME: (%arg0: tensor<2xf32> loc("input"))
func.func @main(%arg0: tensor<2xf32> loc("input")) -> tensor<2xf32> {
  // CHECK: "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<2xf32> loc("model/conv1/Relu6")
  %0 = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<2xf32> loc("model/conv1/Relu6")
  // CHECK: "tfl.relu"(%{{.*}}) : (tensor<2xf32>) -> tensor<2xf32> loc(fused["a", "b"])
  %1 = "tfl.relu"(%0) : (tensor<2xf32>) -> tensor<2xf32> loc(fused["a", "b"])
  // CHECK: "tfl.relu"(%{{.*}}) : (tensor<2xf32>) -> tensor<2xf32> loc("aliased")
  %2 = "tfl.relu"(%1) : (tensor<2xf32>) -> tensor<2xf32> loc(#loc1)
  // CHECK: "tfl.relu"(%{{.*}}) : (tensor<2xf32>) -> tensor<2xf32> loc("outer"("inner.mlir":3:4))
  %3 = "tfl.relu"(%2) : (tensor<2xf32>) -> tensor<2xf32> loc("outer"("inner.mlir":3:4))
  return %3 : tensor<2xf32>
}
#loc1 = loc("aliased")
