// guard-concatenations: a concatenation at the model's end whose inputs' ranges are too far
// apart for one int8 scale stays float, with the view after it (a YOLO-style head: box
// coordinates in pixels beside class probabilities). Its inputs then keep their own scales:
// the logistic's fixed 1/256, not the concatenation's 4.3.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.random.default_rng(0).uniform(0, 1, (8, 1, 4, 4, 3)).astype(np.float32))"
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/x.npy --no-progress -o %t/q.mlir 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: FileCheck %s --input-file=%t/q.mlir
// Strict int8 cannot keep it float: a warning says what is lost.
// RUN: tqopt %s '--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8}' --calibration-data=%t/x.npy --no-progress -o %t/s.mlir 2>&1 | FileCheck %s --check-prefix=STRICT
// A concatenation that other ops read is left alone, and so is one whose narrow input is all
// zeros (a while loop's padding beside the row it writes: int8 holds 0 exactly).
// REPORT: left float (2):
// REPORT-NEXT: tfl.concatenation at "head": kept float for accuracy: input #1 spans [0.0000, {{.*}}] and the concatenation [{{.*}}]: in one int8 scale that input keeps 0.{{[0-9]}} of 255 steps
// REPORT-NEXT: tfl.reshape at "output": kept float for accuracy: it carries the float concatenation at head to the model's output
// CHECK: %[[S:.*]] = "tfl.logistic"({{.*}}) -> tensor<1x4x4x2x!quant.uniform<i8:f32, 3.906250e-03:-128>>
// CHECK: %[[D:.*]] = "tfl.dequantize"(%[[S]])
// CHECK: "tfl.concatenation"(%{{.*}}, %[[D]]) {{.*}}tqopt.keep_float{{.*}} -> tensor<1x4x4x4xf32>
// CHECK: "tfl.concatenation"({{.*}}) -> tensor<1x4x4x4x!quant.uniform<i8:f32, {{.*}}>> loc("inner")
// CHECK: "tfl.concatenation"({{.*}}) -> tensor<1x4x4x4x!quant.uniform<i8:f32, {{.*}}>> loc("padded")
// STRICT: warning: 'tfl.concatenation' at loc("head"): input #1 spans
// STRICT-SAME: it must stay int8
func.func @main(%arg0: tensor<1x4x4x3xf32> loc("image")) -> (tensor<1x16x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) {
  %wb = "tfl.pseudo_const"() <{value = dense<[[[[0.5, -0.3, 0.2]]], [[[0.1, 0.4, -0.6]]]]> : tensor<2x1x1x3xf32>}> : () -> tensor<2x1x1x3xf32> loc("box/w")
  %bb = "tfl.pseudo_const"() <{value = dense<[0.1, -0.1]> : tensor<2xf32>}> : () -> tensor<2xf32> loc("box/b")
  %0 = "tfl.conv_2d"(%arg0, %wb, %bb) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x3xf32>, tensor<2x1x1x3xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32> loc("box")
  %k = "tfl.pseudo_const"() <{value = dense<640.0> : tensor<f32>}> : () -> tensor<f32> loc("size")
  %1 = "tfl.mul"(%0, %k) <{fused_activation_function = "NONE"}> : (tensor<1x4x4x2xf32>, tensor<f32>) -> tensor<1x4x4x2xf32> loc("box_pixels")
  %wc = "tfl.pseudo_const"() <{value = dense<[[[[1.0, -2.0, 0.5]]], [[[-1.5, 2.5, 1.0]]]]> : tensor<2x1x1x3xf32>}> : () -> tensor<2x1x1x3xf32> loc("cls/w")
  %bc = "tfl.pseudo_const"() <{value = dense<[0.0, -0.5]> : tensor<2xf32>}> : () -> tensor<2xf32> loc("cls/b")
  %2 = "tfl.conv_2d"(%arg0, %wc, %bc) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x3xf32>, tensor<2x1x1x3xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32> loc("cls")
  %3 = "tfl.logistic"(%2) : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> loc("probs")
  %4 = "tfl.concatenation"(%1, %3) <{axis = 3 : i32, fused_activation_function = "NONE"}> : (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x4xf32> loc("head")
  %s = "tfl.pseudo_const"() <{value = dense<[1, 16, 4]> : tensor<3xi32>}> : () -> tensor<3xi32> loc("shape")
  %5 = "tfl.reshape"(%4, %s) : (tensor<1x4x4x4xf32>, tensor<3xi32>) -> tensor<1x16x4xf32> loc("output")
  %6 = "tfl.concatenation"(%1, %3) <{axis = 3 : i32, fused_activation_function = "NONE"}> : (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x4xf32> loc("inner")
  %7 = "tfl.add"(%6, %6) <{fused_activation_function = "NONE"}> : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("after_inner")
  %z = "tfl.sub"(%1, %1) <{fused_activation_function = "NONE"}> : (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> loc("zeros")
  %8 = "tfl.concatenation"(%1, %z) <{axis = 3 : i32, fused_activation_function = "NONE"}> : (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x4xf32> loc("padded")
  return %5, %7, %8 : tensor<1x16x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>
}
