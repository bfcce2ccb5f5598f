// canonicalize folds float16 constants behind tfl.dequantize into float32 constants, removes
// reshapes to the same type, and erases dead ops.
// RUN: tqopt %s --pass=canonicalize --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @fold_f16
func.func @fold_f16(%arg0: tensor<1x2xf32>) -> tensor<1x2xf32> {
  // CHECK-NOT: tfl.dequantize
  // CHECK: %[[C:.*]] = "tfl.pseudo_const"() <{value = dense<[1.500000e+00, -2.000000e+00]> : tensor<2xf32>}> : () -> tensor<2xf32> loc("w")
  // CHECK-NOT: f16
  %0 = "tfl.pseudo_const"() <{value = dense<[1.5, -2.0]> : tensor<2xf16>}> : () -> tensor<2xf16>
  %1 = "tfl.dequantize"(%0) : (tensor<2xf16>) -> tensor<2xf32> loc("w")
  // CHECK: "tfl.add"(%arg0, %[[C]])
  %2 = tfl.add(%arg0, %1) <{fused_activation_function = "NONE"}> : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %2 : tensor<1x2xf32>
}

// -----

// CHECK-LABEL: func.func @splat_f16
// CHECK: "tfl.pseudo_const"() <{value = dense<0.000000e+00> : tensor<24xf32>}>
func.func @splat_f16() -> tensor<24xf32> {
  %0 = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<24xf16>}> : () -> tensor<24xf16>
  %1 = "tfl.dequantize"(%0) : (tensor<24xf16>) -> tensor<24xf32>
  return %1 : tensor<24xf32>
}

// -----

// CHECK-LABEL: func.func @identity_reshape
// CHECK-NOT: tfl.reshape
// CHECK: return %arg0
func.func @identity_reshape(%arg0: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %s = "tfl.pseudo_const"() <{value = dense<[2, 3]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %0 = "tfl.reshape"(%arg0, %s) : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A reshape that changes the shape stays.
// CHECK-LABEL: func.func @real_reshape
// CHECK: "tfl.reshape"
func.func @real_reshape(%arg0: tensor<2x3xf32>) -> tensor<6xf32> {
  %s = "tfl.pseudo_const"() <{value = dense<6> : tensor<1xi32>}> : () -> tensor<1xi32>
  %0 = "tfl.reshape"(%arg0, %s) : (tensor<2x3xf32>, tensor<1xi32>) -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

// Quantized constants behind dequantize are weights, not float16: they stay.
// CHECK-LABEL: func.func @keep_quantized
// CHECK: tfl.pseudo_qconst
// CHECK: tfl.dequantize
func.func @keep_quantized() -> tensor<2xf32> {
  %0 = "tfl.pseudo_qconst"() <{qtype = tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>, value = dense<[1, 2]> : tensor<2xi8>}> : () -> tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>
  %1 = "tfl.dequantize"(%0) : (tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}
