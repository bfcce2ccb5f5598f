// Builtin and quantized types print as MLIR spells them and survive mlir-opt.
// RUN: tqopt %s | FileCheck %s
// RUN: tqopt %s | mlir-opt --allow-unregistered-dialect | tqopt | FileCheck %s

// CHECK-LABEL: func.func @types
// CHECK-SAME: %arg0: tensor<1x?x3xf32>
// CHECK-SAME: %arg1: tensor<*xi8>
// CHECK-SAME: %arg2: tensor<2xui8>
// CHECK-SAME: %arg3: tensor<f16>
// CHECK-SAME: %arg4: tensor<4xbf16>
// CHECK-SAME: %arg5: tensor<3xi1>
// CHECK-SAME: %arg6: tensor<2xi4>
// CHECK-SAME: %arg7: none
// CHECK-SAME: %arg8: tensor<1x!quant.uniform<i8:f32, 0.023529410000000001:-128>>
// CHECK-SAME: %arg9: tensor<2x!quant.uniform<i8<-127:127>:f32:0, {1.000000e-01,2.000000e-01}>>
// CHECK-SAME: %arg10: tensor<4x!quant.uniform<u8:f32, 5.000000e-01:128>>
// CHECK-SAME: %arg11: tensor<4x!quant.uniform<i16:f32, 3.0517578125E-5>>
// CHECK-SAME: %arg12: tensor<2x!tf_type.string>
func.func @types(%arg0: tensor<1x?x3xf32>, %arg1: tensor<*xi8>, %arg2: tensor<2xui8>, %arg3: tensor<f16>, %arg4: tensor<4xbf16>, %arg5: tensor<3xi1>, %arg6: tensor<2xi4>, %arg7: none, %arg8: tensor<1x!quant.uniform<i8:f32, 0.02352941:-128>>, %arg9: tensor<2x!quant.uniform<i8<-127:127>:f32:0, {0.1,0.2}>>, %arg10: tensor<4x!quant.uniform<u8:f32, 0.5:128>>, %arg11: tensor<4x!quant.uniform<i16:f32, 3.0517578125e-05>>, %arg12: tensor<2x!tf_type.string>) {
  return
}
