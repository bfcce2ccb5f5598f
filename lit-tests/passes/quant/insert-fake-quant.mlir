// insert-fake-quant: activations asymmetric int8 from their ranges, weights symmetric
// per-channel int8 [-127, 127], bias int32 with scale input x weight, same-scale ops share
// one scale, fixed-range ops get their fixed parameters.
// RUN: tqopt %s --pass=insert-fake-quant --split-input-file | FileCheck %s
// RUN: tqopt %s --pass='insert-fake-quant{per-channel=false}' --split-input-file | FileCheck %s --check-prefix=TENSOR

// CHECK-LABEL: func.func @conv
// The input's range [-1, 1]: scale 2/255 in float32, zero point from the minimum: -1.
// CHECK: %[[QIN:.*]] = "tfl.quantize"(%arg0) <{qtype = tensor<1x2x2x2x!quant.uniform<i8:f32, 0.0078431377187371254:-1>>}> {volatile}
// CHECK: %[[IN:.*]] = "tfl.dequantize"(%[[QIN]])
// Weights per output channel: max|w| / 127.
// CHECK: "tfl.quantize"(%{{.*}}) <{qtype = tensor<2x1x1x2x!quant.uniform<i8<-127:127>:f32:0, {0.0039370078593492508,0.0078740157186985015}>>}>
// Bias: int32, per channel, scale = input scale x weight scale.
// CHECK: "tfl.quantize"(%{{.*}}) <{qtype = tensor<2x!quant.uniform<i32:f32:0, {3.0878494726493955E-5,6.1756989452987909E-5}>>}>
// CHECK: "tfl.conv_2d"(%[[IN]],
// The conv's range [0, 6]: scale 6/255, zero point -128; max_pool shares it.
// CHECK: "tfl.quantize"(%{{.*}}) <{qtype = tensor<1x2x2x2x!quant.uniform<i8:f32, 0.023529412224888802:-128>>}> {volatile}
// CHECK: "tfl.max_pool_2d"
// CHECK: "tfl.quantize"(%{{.*}}) <{qtype = tensor<1x1x1x2x!quant.uniform<i8:f32, 0.023529412224888802:-128>>}> {volatile} :
// TENSOR-LABEL: func.func @conv
// TENSOR: "tfl.quantize"(%{{.*}}) <{qtype = tensor<2x1x1x2x!quant.uniform<i8<-127:127>:f32, 0.0078740157186985015>>}>
// TENSOR: "tfl.quantize"(%{{.*}}) <{qtype = tensor<2x!quant.uniform<i32:f32, 6.1756989452987909E-5>>}>
func.func @conv(%arg0: tensor<1x2x2x2xf32>) -> tensor<1x1x1x2xf32> {
  %in = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %w = "tfl.pseudo_const"() <{value = dense<[[[[0.5, -0.25]]], [[[1.0, 0.125]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tfl.pseudo_const"() <{value = dense<[0.1, -0.2]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %c = "tfl.conv_2d"(%in, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU6", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x2x2x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %cs = "quantfork.stats"(%c) {layerStats = dense<[0.0, 6.0]> : tensor<2xf32>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %p = "tfl.max_pool_2d"(%cs) <{filter_height = 2 : i32, filter_width = 2 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 2 : i32, stride_w = 2 : i32}> : (tensor<1x2x2x2xf32>) -> tensor<1x1x1x2xf32>
  return %p : tensor<1x1x1x2xf32>
}

// -----

// Softmax's output is fixed at scale 1/256, zero point -128; tanh's at 1/128, 0.
// CHECK-LABEL: func.func @fixed
// CHECK: "tfl.softmax"
// CHECK-NEXT: "tfl.quantize"(%{{.*}}) <{qtype = tensor<1x4x!quant.uniform<i8:f32, 3.906250e-03:-128>>}>
// CHECK: "tfl.tanh"
// CHECK-NEXT: "tfl.quantize"(%{{.*}}) <{qtype = tensor<1x4x!quant.uniform<i8:f32, 7.812500e-03>>}>
func.func @fixed(%arg0: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-4.0, 4.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %1 = "tfl.softmax"(%0) <{beta = 1.0 : f32}> : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %2 = "tfl.tanh"(%0) : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %1, %2 : tensor<1x4xf32>, tensor<1x4xf32>
}

// -----

// A constant operand of add is asymmetric per tensor, its range widened to include 0.
// CHECK-LABEL: func.func @add_constant
// CHECK: "tfl.quantize"(%{{.*}}) <{qtype = tensor<2x!quant.uniform<i8:f32, 0.011764706112444401:-128>>}>
func.func @add_constant(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<2xf32>) -> tensor<2xf32>
  %c = "tfl.pseudo_const"() <{value = dense<[1.0, 3.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %1 = tfl.add %0, %c {fused_activation_function = "NONE"} : tensor<2xf32>
  %2 = "quantfork.stats"(%1) {layerStats = dense<[0.0, 4.0]> : tensor<2xf32>} : (tensor<2xf32>) -> tensor<2xf32>
  return %2 : tensor<2xf32>
}

// -----

// Where a calibrated range meets a same-scale op's shared scale, a requantize appears.
// CHECK-LABEL: func.func @requantize
// CHECK: %[[Q:.*]] = "tfl.quantize"(%{{.*}}) <{qtype = tensor<1x2x!quant.uniform<i8:f32, 0.0039215688593685627:-128>>}> {volatile}
// CHECK-NEXT: %[[RQ:.*]] = "tfl.quantize"(%[[Q]]) <{qtype = tensor<1x2x!quant.uniform<i8:f32, 0.011764706112444401:-128>>}> :
// CHECK-NEXT: %[[DQ:.*]] = "tfl.dequantize"(%[[RQ]])
// CHECK: "tfl.concatenation"(%[[DQ]], %[[DQ]])
func.func @requantize(%a: tensor<1x2xf32>) -> (tensor<1x4xf32>, tensor<1x2xf32>) {
  %0 = "tfl.relu"(%a) : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %1 = "quantfork.stats"(%0) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %2 = "tfl.concatenation"(%1, %1) <{axis = 1 : i32, fused_activation_function = "NONE"}> : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  %3 = "quantfork.stats"(%2) {layerStats = dense<[0.0, 3.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %3, %1 : tensor<1x4xf32>, tensor<1x2xf32>
}

// -----

// A logistic's result read by a concatenation (whose range is wider) and by a reshape to the
// model's output: only the concatenation's operand is requantized to its scale; the reshape
// (and the output) keep the logistic's own 1/256 (basic-pitch's "note" output had 20 levels).
// CHECK-LABEL: func.func @fixed_range_result_with_two_readers
// CHECK: %[[SIG:.*]] = "tfl.logistic"
// CHECK-NEXT: %[[QSIG:.*]] = "tfl.quantize"(%[[SIG]]) <{qtype = tensor<1x4x1x!quant.uniform<i8:f32, 3.906250e-03:-128>>}>
// CHECK-NEXT: %[[REQ:.*]] = "tfl.quantize"(%[[QSIG]]) <{qtype = tensor<1x4x1x!quant.uniform<i8:f32, 0.031372550874948502:-128>>}>
// CHECK-NEXT: %[[DREQ:.*]] = "tfl.dequantize"(%[[REQ]])
// CHECK-NEXT: %[[DSIG:.*]] = "tfl.dequantize"(%[[QSIG]])
// CHECK-NEXT: "tfl.concatenation"(%[[DREQ]], %{{.*}})
// CHECK: %[[R:.*]] = "tfl.reshape"(%[[DSIG]], %{{.*}})
// CHECK-NEXT: "tfl.quantize"(%[[R]]) <{qtype = tensor<4x!quant.uniform<i8:f32, 3.906250e-03:-128>>}>
func.func @fixed_range_result_with_two_readers(%arg0: tensor<1x4x1xf32>, %arg1: tensor<1x4x1xf32>) -> (tensor<1x4x2xf32>, tensor<4xf32>) {
  %x = "quantfork.stats"(%arg0) {layerStats = dense<[-4.0, 4.0]> : tensor<2xf32>} : (tensor<1x4x1xf32>) -> tensor<1x4x1xf32>
  %y = "quantfork.stats"(%arg1) {layerStats = dense<[0.0, 8.0]> : tensor<2xf32>} : (tensor<1x4x1xf32>) -> tensor<1x4x1xf32>
  %s = "tfl.logistic"(%x) : (tensor<1x4x1xf32>) -> tensor<1x4x1xf32>
  %c = "tfl.concatenation"(%s, %y) <{axis = 2 : i32, fused_activation_function = "NONE"}> : (tensor<1x4x1xf32>, tensor<1x4x1xf32>) -> tensor<1x4x2xf32>
  %cs = "quantfork.stats"(%c) {layerStats = dense<[0.0, 8.0]> : tensor<2xf32>} : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %shape = "tfl.pseudo_const"() <{value = dense<4> : tensor<1xi32>}> : () -> tensor<1xi32>
  %r = "tfl.reshape"(%s, %shape) : (tensor<1x4x1xf32>, tensor<1xi32>) -> tensor<4xf32>
  return %cs, %r : tensor<1x4x2xf32>, tensor<4xf32>
}

// -----

// Two slices of one tensor: the first takes its parameters from its user (the minimum's
// range, through the same-scale chain) and gives them to the tensor; the second, visited
// before that, shares them too (it stayed float, and strict int8 refused YOLO-style heads).
// CHECK-LABEL: func.func @sibling_slices
// CHECK: "tfl.strided_slice"
// CHECK-NEXT: "tfl.quantize"(%{{.*}}) <{qtype = tensor<1x4x2x!quant.uniform<i8:f32, 0.015686275437474251:-1>>}>
// CHECK: "tfl.strided_slice"
// CHECK-NEXT: "tfl.quantize"(%{{.*}}) <{qtype = tensor<1x4x4x!quant.uniform<i8:f32, 0.015686275437474251:-1>>}>
// CHECK: "tfl.logistic"
func.func @sibling_slices(%arg0: tensor<1x4x6xf32>) -> (tensor<1x4x2xf32>, tensor<1x4x4xf32>) {
  %b0 = "tfl.pseudo_const"() <{value = dense<0> : tensor<3xi32>}> : () -> tensor<3xi32>
  %b2 = "tfl.pseudo_const"() <{value = dense<[0, 0, 2]> : tensor<3xi32>}> : () -> tensor<3xi32>
  %s1 = "tfl.pseudo_const"() <{value = dense<1> : tensor<3xi32>}> : () -> tensor<3xi32>
  %four = "tfl.pseudo_const"() <{value = dense<4.0> : tensor<f32>}> : () -> tensor<f32>
  %a = "tfl.strided_slice"(%arg0, %b0, %b2, %s1) <{begin_mask = 3 : i32, ellipsis_mask = 0 : i32, end_mask = 3 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}> : (tensor<1x4x6xf32>, tensor<3xi32>, tensor<3xi32>, tensor<3xi32>) -> tensor<1x4x2xf32>
  %am = "tfl.minimum"(%a, %four) : (tensor<1x4x2xf32>, tensor<f32>) -> tensor<1x4x2xf32>
  %ams = "quantfork.stats"(%am) {layerStats = dense<[-2.0, 2.0]> : tensor<2xf32>} : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b = "tfl.strided_slice"(%arg0, %b2, %b0, %s1) <{begin_mask = 3 : i32, ellipsis_mask = 0 : i32, end_mask = 7 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}> : (tensor<1x4x6xf32>, tensor<3xi32>, tensor<3xi32>, tensor<3xi32>) -> tensor<1x4x4xf32>
  %bl = "tfl.logistic"(%b) : (tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %ams, %bl : tensor<1x4x2xf32>, tensor<1x4x4xf32>
}
