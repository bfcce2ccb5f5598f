// A small block in the shape TensorFlow's converter emits for MediaPipe models: float16
// weights behind tfl.dequantize, a convolution with fused activation, a depthwise
// convolution, a residual add and a reshape to the same shape.
module attributes {tfl.description = "tqopt example", tfl.schema_version = 3 : i32} {
  func.func @main(%arg0: tensor<1x8x8x2xf32> {tf_saved_model.index_path = ["input"]} loc("input")) -> (tensor<1x8x8x2xf32> {tf_saved_model.index_path = ["output"]}) attributes {tf.entry_function = {inputs = "input", outputs = "output"}} {
    %0 = "tfl.pseudo_const"() <{value = dense<[0.25, -0.5]> : tensor<2xf16>}> : () -> tensor<2xf16> loc("conv1/bias_f16")
    %1 = "tfl.dequantize"(%0) : (tensor<2xf16>) -> tensor<2xf32> loc("conv1/bias")
    %2 = "tfl.pseudo_const"() <{value = dense<[[[[1.0, 0.5]]], [[[-0.5, 1.0]]]]> : tensor<2x1x1x2xf16>}> : () -> tensor<2x1x1x2xf16> loc("conv1/weights_f16")
    %3 = "tfl.dequantize"(%2) : (tensor<2x1x1x2xf16>) -> tensor<2x1x1x2xf32> loc("conv1/weights")
    %4 = "tfl.conv_2d"(%arg0, %3, %1) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU6", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x8x8x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x8x8x2xf32> loc("conv1/Relu6")
    %5 = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<2xf32>}> : () -> tensor<2xf32> loc("dw/bias")
    %6 = "tfl.pseudo_const"() <{value = dense<0.125> : tensor<1x3x3x2xf32>}> : () -> tensor<1x3x3x2xf32> loc("dw/weights")
    %7 = "tfl.depthwise_conv_2d"(%4, %6, %5) <{depth_multiplier = 1 : i32, dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x8x8x2xf32>, tensor<1x3x3x2xf32>, tensor<2xf32>) -> tensor<1x8x8x2xf32> loc("dw/BiasAdd")
    %8 = tfl.add %7, %arg0 {fused_activation_function = "NONE"} : tensor<1x8x8x2xf32> loc("residual")
    %9 = "tfl.pseudo_const"() <{value = dense<[1, 8, 8, 2]> : tensor<4xi32>}> : () -> tensor<4xi32> loc("shape")
    %10 = "tfl.reshape"(%8, %9) : (tensor<1x8x8x2xf32>, tensor<4xi32>) -> tensor<1x8x8x2xf32> loc("output")
    return %10 : tensor<1x8x8x2xf32>
  }
}
