// Quant types are accepted by the rules of MLIR 19's quant dialect: what mlir-opt accepts parses,
// prints the same way and survives mlir-opt. Zero points need not lie in the storage range
// (TensorFlow prints `i8<-127:127>` with zero point -128) nor in the storage type; the storage
// type is 1 to 32 bits; the quantized dimension may be negative; integers may be hex.
// RUN: mlir-opt --allow-unregistered-dialect %s -o %t.discard.mlir
// RUN: tqopt %s | FileCheck %s
// RUN: tqopt %s | mlir-opt --allow-unregistered-dialect | tqopt | FileCheck %s

// CHECK-LABEL: func.func @tf_narrow_range
// CHECK-SAME: tensor<4x!quant.uniform<i8<-127:127>:f32, 6.900000e-04:-128>>
// CHECK-SAME: tensor<4x!quant.uniform<i8<-127:127>:f32:0, {1.000000e+00:-128,2.000000e+00:127}>>
func.func @tf_narrow_range(%arg0: tensor<4x!quant.uniform<i8<-127:127>:f32, 6.9e-4:-128>>, %arg1: tensor<4x!quant.uniform<i8<-127:127>:f32:0, {1.0:-128,2.0:127}>>) {
  return
}

// CHECK-LABEL: func.func @zero_points_outside_the_storage_type
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32, 1.000000e+00:300>>
// CHECK-SAME: tensor<2x!quant.uniform<u8:f32, 1.000000e+00:-1>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32, 1.000000e+00:9223372036854775807>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32, 1.000000e+00:-2147483647>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32, 1.000000e+00:-1>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32, 1.000000e+00:-9999999999999999>>
func.func @zero_points_outside_the_storage_type(%arg0: tensor<2x!quant.uniform<i8:f32, 1.0:300>>, %arg1: tensor<2x!quant.uniform<u8:f32, 1.0:-1>>, %arg2: tensor<2x!quant.uniform<i8:f32, 1.0:0x7FFFFFFFFFFFFFFF>>, %arg3: tensor<2x!quant.uniform<i8:f32, 1.0:-0x7FFFFFFF>>, %arg4: tensor<2x!quant.uniform<i8:f32, 1.0:18446744073709551615>>, %arg5: tensor<2x!quant.uniform<i8:f32, 1.0:-9999999999999999>>) {
  return
}

// CHECK-LABEL: func.func @storage_widths_and_ranges
// CHECK-SAME: tensor<2x!quant.uniform<i1:f32, 1.000000e+00>>
// CHECK-SAME: tensor<2x!quant.uniform<u1:f32, 1.000000e+00>>
// CHECK-SAME: tensor<2x!quant.uniform<i32:f32, 1.000000e+00>>
// CHECK-SAME: tensor<2x!quant.uniform<u32:f32, 1.000000e+00:4294967295>>
// CHECK-SAME: tensor<2x!quant.uniform<i8<-2:-1>:f32, 1.000000e+00>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32, 1.000000e+00>>
// CHECK-SAME: tensor<2x!quant.uniform<i8<-127:127>:f32, 1.000000e+00:-5>>
func.func @storage_widths_and_ranges(%arg0: tensor<2x!quant.uniform<i1:f32, 1.0>>, %arg1: tensor<2x!quant.uniform<u1:f32, 1.0>>, %arg2: tensor<2x!quant.uniform<i32:f32, 1.0>>, %arg3: tensor<2x!quant.uniform<u32:f32, 1.0:4294967295>>, %arg4: tensor<2x!quant.uniform<i8<-2:-1>:f32, 1.0>>, %arg5: tensor<2x!quant.uniform<i8<-128:127>:f32, 1.0>>, %arg6: tensor<2x!quant.uniform< i8 < -0x7F : 127 > : f32 , 1.0 : - 5 >>) {
  return
}

// CHECK-LABEL: func.func @scales_and_axes
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32, 4.940660e-324>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32, 1.000000e+00:3>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f16, 7.000000e+04>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32:-1, {1.000000e+00}>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32:5, {1.000000e+00}>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32:1, {1.000000e+02:3,2.000000e+00}>>
func.func @scales_and_axes(%arg0: tensor<2x!quant.uniform<i8:f32, 0x0000000000000001>>, %arg1: tensor<2x!quant.uniform<i8:f32, 0x3FF0000000000000:3>>, %arg2: tensor<2x!quant.uniform<i8:f16, 70000.0>>, %arg3: tensor<2x!quant.uniform<i8:f32:-1, {1.0}>>, %arg4: tensor<2x!quant.uniform<i8:f32:5, {1.0}>>, %arg5: tensor<2x!quant.uniform<i8:f32:0x1, { 1.E2 : 3 , 2.0 }>>) {
  return
}

// A TensorFlow constant of such a type parses and prints.
// CHECK-LABEL: func.func @tf_constant
// CHECK: "tfl.pseudo_qconst"() <{qtype = tensor<3x!quant.uniform<i8<-127:127>:f32, 6.900000e-04:-128>>, value = dense<[-127, 0, 127]> : tensor<3xi8>}>
func.func @tf_constant() -> tensor<3x!quant.uniform<i8<-127:127>:f32, 6.9e-4:-128>> {
  %0 = "tfl.pseudo_qconst"() {qtype = tensor<3x!quant.uniform<i8<-127:127>:f32, 6.9e-4:-128>>, value = dense<[-127, 0, 127]> : tensor<3xi8>} : () -> tensor<3x!quant.uniform<i8<-127:127>:f32, 6.9e-4:-128>>
  return %0 : tensor<3x!quant.uniform<i8<-127:127>:f32, 6.9e-4:-128>>
}
