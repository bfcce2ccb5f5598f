// TensorFlow's tf.image.non_max_suppression (TFLite's NON_MAX_SUPPRESSION_V5) after a detector
// head:
// - the interpreter runs it, so calibration and the accuracy check run the whole model;
// - under the strict OpsSet with int8 I/O it stays float, with a note, as TensorFlow's integer
//   detectors keep their post-processing: it reads dequantized boxes and scores, everything
//   before it is int8, the model takes int8, the selected scores stay a float output and the
//   indices int32.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.random.default_rng(0).normal(0, 1, (8, 1, 6, 3)).astype(np.float32))"
// RUN: tqopt %s '--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}' --calibration-data=%t/x.npy --no-progress -o %t/q.mlir 2>&1 | FileCheck %s --check-prefix=NOTE
// RUN: FileCheck %s --input-file=%t/q.mlir
// NOTE: note: 'tfl.non_max_suppression_v5' at loc("nms"): NON_MAX_SUPPRESSION_V5 stays float, as in TensorFlow's integer models
// NOTE-NOT: error
// NOTE: method=auto: output SQNR
// CHECK: func.func @main(%arg0: tensor<1x6x3x!quant.uniform<i8:f32, {{.*}}>> {{.*}}) -> (tensor<3xf32>, tensor<3xi32>, tensor<i32>)
// CHECK-DAG: %[[B:.*]] = "tfl.dequantize"({{.*}}) : (tensor<6x4x!quant.uniform<i8
// CHECK-DAG: %[[S:.*]] = "tfl.dequantize"({{.*}}) : (tensor<6x!quant.uniform<i8
// CHECK: %[[N:.*]]:3 = "tfl.non_max_suppression_v5"(%[[B]], %[[S]],
// CHECK: return %[[N]]#1, %[[N]]#0, %[[N]]#2 : tensor<3xf32>, tensor<3xi32>, tensor<i32>
func.func @main(%arg0: tensor<1x6x3xf32> loc("features")) -> (tensor<3xf32>, tensor<3xi32>, tensor<i32>) {
  %w = "tfl.pseudo_const"() <{value = dense<[[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [0.3, 0.3, 0.3], [-0.2, 0.1, 0.5], [1.0, -2.0, 0.5]]> : tensor<5x3xf32>}> : () -> tensor<5x3xf32> loc("w")
  %none = "tfl.no_value"() <{value}> : () -> none loc("none")
  %0 = "tfl.fully_connected"(%arg0, %w, %none) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x6x3xf32>, tensor<5x3xf32>, none) -> tensor<6x5xf32> loc("head")
  %b0 = "tfl.pseudo_const"() <{value = dense<[0, 0]> : tensor<2xi32>}> : () -> tensor<2xi32> loc("b0")
  %b1 = "tfl.pseudo_const"() <{value = dense<[6, 4]> : tensor<2xi32>}> : () -> tensor<2xi32> loc("b1")
  %s0 = "tfl.pseudo_const"() <{value = dense<[0, 4]> : tensor<2xi32>}> : () -> tensor<2xi32> loc("s0")
  %s1 = "tfl.pseudo_const"() <{value = dense<[6, 5]> : tensor<2xi32>}> : () -> tensor<2xi32> loc("s1")
  %one = "tfl.pseudo_const"() <{value = dense<[1, 1]> : tensor<2xi32>}> : () -> tensor<2xi32> loc("one")
  %1 = "tfl.strided_slice"(%0, %b0, %b1, %one) <{begin_mask = 0 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}> : (tensor<6x5xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<6x4xf32> loc("box_logits")
  %2 = "tfl.strided_slice"(%0, %s0, %s1, %one) <{begin_mask = 0 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 2 : i32}> : (tensor<6x5xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<6xf32> loc("score_logits")
  %3 = "tfl.logistic"(%1) : (tensor<6x4xf32>) -> tensor<6x4xf32> loc("boxes")
  %4 = "tfl.logistic"(%2) : (tensor<6xf32>) -> tensor<6xf32> loc("scores")
  %max = "tfl.pseudo_const"() <{value = dense<3> : tensor<i32>}> : () -> tensor<i32> loc("max")
  %iou = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32> loc("iou")
  %thr = "tfl.pseudo_const"() <{value = dense<0.2> : tensor<f32>}> : () -> tensor<f32> loc("threshold")
  %sigma = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32> loc("sigma")
  %5:3 = "tfl.non_max_suppression_v5"(%3, %4, %max, %iou, %thr, %sigma) : (tensor<6x4xf32>, tensor<6xf32>, tensor<i32>, tensor<f32>, tensor<f32>, tensor<f32>) -> (tensor<3xi32>, tensor<3xf32>, tensor<i32>) loc("nms")
  return %5#1, %5#0, %5#2 : tensor<3xf32>, tensor<3xi32>, tensor<i32>
}
