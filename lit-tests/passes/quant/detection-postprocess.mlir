// TensorFlow's SSD post-processing (TFLite_Detection_PostProcess) at the end of a detector:
// - the interpreter runs it, so calibration and the accuracy check run the whole model;
// - under the strict OpsSet with int8 I/O it stays float, with a note, as in TensorFlow's integer
//   detectors and on the Edge TPU: it reads dequantized box encodings and scores, everything
//   before it is int8, the model takes int8, and the detections stay float outputs.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.random.default_rng(0).uniform(0, 1, (8, 1, 4, 4, 3)).astype(np.float32))"
// RUN: tqopt %s '--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}' --calibration-data=%t/x.npy --no-progress -o %t/q.mlir 2>&1 | FileCheck %s --check-prefix=NOTE
// RUN: FileCheck %s --input-file=%t/q.mlir
// NOTE: note: 'tfl.custom' at loc("detect"): TFLite_Detection_PostProcess stays float, as in TensorFlow's integer models
// NOTE-NOT: error
// NOTE: method=auto: output SQNR
// CHECK: func.func @main(%arg0: tensor<1x4x4x3x!quant.uniform<i8:f32, {{.*}}>> {{.*}}) -> (tensor<1x3x4xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<1xf32>)
// CHECK-DAG: %[[B:.*]] = "tfl.dequantize"({{.*}}) : (tensor<1x16x4x!quant.uniform<i8
// CHECK-DAG: %[[S:.*]] = "tfl.dequantize"({{.*}}) : (tensor<1x16x3x!quant.uniform<i8
// CHECK: %[[D:.*]]:4 = "tfl.custom"(%[[B]], %[[S]], %{{.*}}) <{custom_code = "TFLite_Detection_PostProcess"
// CHECK: return %[[D]]#0, %[[D]]#1, %[[D]]#2, %[[D]]#3 : tensor<1x3x4xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<1xf32>
func.func @main(%arg0: tensor<1x4x4x3xf32> loc("image")) -> (tensor<1x3x4xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<1xf32>) {
  %wb = "tfl.pseudo_const"() <{value = dense<[[[[0.5, -0.3, 0.2]]], [[[0.1, 0.4, -0.6]]], [[[0.3, 0.3, 0.3]]], [[[-0.2, 0.1, 0.5]]]]> : tensor<4x1x1x3xf32>}> : () -> tensor<4x1x1x3xf32> loc("box/w")
  %bb = "tfl.pseudo_const"() <{value = dense<[0.1, -0.1, 0.2, 0.0]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("box/b")
  %0 = "tfl.conv_2d"(%arg0, %wb, %bb) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x3xf32>, tensor<4x1x1x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32> loc("box")
  %sb = "tfl.pseudo_const"() <{value = dense<[1, 16, 4]> : tensor<3xi32>}> : () -> tensor<3xi32> loc("box/shape")
  %1 = "tfl.reshape"(%0, %sb) : (tensor<1x4x4x4xf32>, tensor<3xi32>) -> tensor<1x16x4xf32> loc("box_encodings")
  %wc = "tfl.pseudo_const"() <{value = dense<[[[[1.0, -2.0, 0.5]]], [[[-1.5, 2.5, 1.0]]], [[[2.0, 1.0, -3.0]]]]> : tensor<3x1x1x3xf32>}> : () -> tensor<3x1x1x3xf32> loc("cls/w")
  %bc = "tfl.pseudo_const"() <{value = dense<[0.0, -0.5, 0.5]> : tensor<3xf32>}> : () -> tensor<3xf32> loc("cls/b")
  %2 = "tfl.conv_2d"(%arg0, %wc, %bc) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x3xf32>, tensor<3x1x1x3xf32>, tensor<3xf32>) -> tensor<1x4x4x3xf32> loc("cls")
  %sc = "tfl.pseudo_const"() <{value = dense<[1, 16, 3]> : tensor<3xi32>}> : () -> tensor<3xi32> loc("cls/shape")
  %3 = "tfl.reshape"(%2, %sc) : (tensor<1x4x4x3xf32>, tensor<3xi32>) -> tensor<1x16x3xf32> loc("logits")
  %4 = "tfl.logistic"(%3) : (tensor<1x16x3xf32>) -> tensor<1x16x3xf32> loc("class_scores")
  %a = "tfl.pseudo_const"() <{value = dense<[[0.582, 0.362, 0.127, 0.244], [0.225, 0.21, 0.205, 0.162], [0.688, 0.748, 0.197, 0.278], [0.564, 0.638, 0.287, 0.172], [0.526, 0.761, 0.214, 0.164], [0.69, 0.202, 0.219, 0.168], [0.714, 0.22, 0.178, 0.278], [0.638, 0.305, 0.145, 0.225], [0.718, 0.525, 0.117, 0.267], [0.38, 0.454, 0.257, 0.148], [0.217, 0.275, 0.275, 0.112], [0.602, 0.588, 0.167, 0.13], [0.569, 0.43, 0.19, 0.259], [0.798, 0.789, 0.146, 0.11], [0.611, 0.59, 0.181, 0.14], [0.613, 0.433, 0.118, 0.216]]> : tensor<16x4xf32>}> : () -> tensor<16x4xf32> loc("anchors")
  %5:4 = "tfl.custom"(%1, %4, %a) <{custom_code = "TFLite_Detection_PostProcess", custom_option = #tfl<const_bytes : "0x6D61785F646574656374696F6E73006D61785F636C61737365735F7065725F646574656374696F6E006E756D5F636C6173736573006E6D735F73636F72655F7468726573686F6C64006E6D735F696F755F7468726573686F6C6400795F7363616C6500785F7363616C6500685F7363616C6500775F7363616C650009116E7E364B580F20290000000C0000000000000001000000000000000900000000000000000000000000144001000000000000000300000000000000000000000000E03F9A9999999999C93F02000000000000000000000000001440000000000000244000000000000024400F07070F0F070F0F0F512701">}> : (tensor<1x16x4xf32>, tensor<1x16x3xf32>, tensor<16x4xf32>) -> (tensor<1x3x4xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<1xf32>) loc("detect")
  return %5#0, %5#1, %5#2, %5#3 : tensor<1x3x4xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<1xf32>
}
