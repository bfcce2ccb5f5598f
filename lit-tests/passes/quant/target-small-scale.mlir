// XNNPACK's int8 add and sub refuse an operand whose scale is under 2^-10 of the output's (a
// layer norm's epsilon): such ops are kept float for speed; a larger constant stays int8.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.random.default_rng(0).uniform(0, 4, (4, 1, 8)).astype(np.float32))"
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/x.npy --no-progress -o %t/out.mlir 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=IR < %t/out.mlir

// CHECK: quantized 1 of 3 ops (33%)
// CHECK-DAG: tfl.add at "eps": kept float for speed: XNNPACK takes 'tfl.add' as float but not as int8 (probe case 'add_small_operand_scale')
// CHECK-DAG: tfl.sub at "tiny": kept float for speed: XNNPACK takes 'tfl.sub' as float but not as int8 (probe case 'sub_small_operand_scale')
// IR: "tfl.add"({{.*}}) {{.*}}!quant.uniform<i8{{.*}} loc("bias")
func.func @main(%arg0: tensor<1x8xf32>) -> (tensor<1x8xf32>, tensor<1x8xf32>, tensor<1x8xf32>) {
  %eps = "tfl.pseudo_const"() <{value = dense<1.0e-04> : tensor<f32>}> : () -> tensor<f32>
  %one = "tfl.pseudo_const"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %0 = "tfl.add"(%arg0, %eps) <{fused_activation_function = "NONE"}> : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32> loc("eps")
  %1 = "tfl.sub"(%arg0, %eps) <{fused_activation_function = "NONE"}> : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32> loc("tiny")
  %2 = "tfl.add"(%arg0, %one) <{fused_activation_function = "NONE"}> : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32> loc("bias")
  return %0, %1, %2 : tensor<1x8xf32>, tensor<1x8xf32>, tensor<1x8xf32>
}
