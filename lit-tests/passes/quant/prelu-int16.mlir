// prelu-int16 (run by quantize-int16x8 before rewrite-for-target): a per-channel prelu becomes
// max(x, a*x) (every slope <= 1), min(x, a*x) (every slope >= 1) or
// max(x, min(a,1)*x) + min((max(a,1)-1)*x, 0); one slope is left to rewrite-for-target.
// RUN: tqopt %s --pass=prelu-int16 --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @below_one
// CHECK: %[[M:.*]] = "tfl.mul"(%arg0, %{{.*}}) <{fused_activation_function = "NONE"}> {{.*}} loc("p/scaled")
// CHECK: %[[Y:.*]] = "tfl.maximum"(%arg0, %[[M]]) {{.*}} loc("p")
// CHECK-NOT: tfl.prelu
// CHECK: return %[[Y]]
func.func @below_one(%x: tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[[0.25, -0.5, 1.0]]]> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %0 = "tfl.prelu"(%x, %a) : (tensor<1x2x2x3xf32>, tensor<1x1x3xf32>) -> tensor<1x2x2x3xf32> loc("p")
  return %0 : tensor<1x2x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @above_one
// CHECK: %[[M:.*]] = "tfl.mul"(%arg0, %{{.*}}) {{.*}} loc("q/scaled")
// CHECK: "tfl.minimum"(%arg0, %[[M]]) {{.*}} loc("q")
func.func @above_one(%x: tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[[1.5, 1.0, 2.0]]]> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %0 = "tfl.prelu"(%x, %a) : (tensor<1x2x2x3xf32>, tensor<1x1x3xf32>) -> tensor<1x2x2x3xf32> loc("q")
  return %0 : tensor<1x2x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @mixed
// CHECK-DAG: %[[LO:.*]] = "tfl.pseudo_const"() <{value = dense<{{\[\[\[}}2.500000e-01, 1.000000e+00, -5.000000e-01]]]> {{.*}} loc("r/slope_below_one")
// CHECK-DAG: %[[HI:.*]] = "tfl.pseudo_const"() <{value = dense<{{\[\[\[}}0.000000e+00, 7.500000e-01, 0.000000e+00]]]> {{.*}} loc("r/slope_above_one")
// CHECK-DAG: %[[Z:.*]] = "tfl.pseudo_const"() <{value = dense<0.000000e+00> : tensor<f32>}> {{.*}} loc("r/zero")
// CHECK: %[[S:.*]] = "tfl.mul"(%arg0, %[[LO]]) {{.*}} loc("r/scaled")
// CHECK: %[[U:.*]] = "tfl.maximum"(%arg0, %[[S]]) {{.*}} loc("r/max")
// CHECK: %[[E:.*]] = "tfl.mul"(%arg0, %[[HI]]) {{.*}} loc("r/excess")
// CHECK: %[[L:.*]] = "tfl.minimum"(%[[E]], %[[Z]]) {{.*}} loc("r/excess_negative")
// CHECK: "tfl.add"(%[[U]], %[[L]]) {{.*}} loc("r")
func.func @mixed(%x: tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[[0.25, 1.75, -0.5]]]> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %0 = "tfl.prelu"(%x, %a) : (tensor<1x2x2x3xf32>, tensor<1x1x3xf32>) -> tensor<1x2x2x3xf32> loc("r")
  return %0 : tensor<1x2x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @one_slope
// CHECK: "tfl.prelu"
func.func @one_slope(%x: tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[[0.2, 0.2, 0.2]]]> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %0 = "tfl.prelu"(%x, %a) : (tensor<1x2x2x3xf32>, tensor<1x1x3xf32>) -> tensor<1x2x2x3xf32> loc("s")
  return %0 : tensor<1x2x2x3xf32>
}
