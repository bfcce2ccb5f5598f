// dce keeps what the function returns and everything with side effects, and erases the rest,
// including ops nested in regions.
// RUN: tqopt %s --pass=dce | FileCheck %s

// CHECK-LABEL: func.func @main
func.func @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK-NOT: tfl.exp
  %dead = "tfl.exp"(%arg0) : (tensor<2xf32>) -> tensor<2xf32>
  %dead2 = "tfl.relu"(%dead) : (tensor<2xf32>) -> tensor<2xf32>
  // Ops of unknown dialects may have effects: kept.
  // CHECK: "mydialect.print"(%arg0)
  "mydialect.print"(%arg0) : (tensor<2xf32>) -> ()
  // CHECK: %[[R:.*]] = "tfl.relu"(%arg0)
  %live = "tfl.relu"(%arg0) : (tensor<2xf32>) -> tensor<2xf32>
  // CHECK-NEXT: return %[[R]]
  return %live : tensor<2xf32>
}
