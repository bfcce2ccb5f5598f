module attributes {tfl.description = "snapshot input", tfl.schema_version = 3 : i32} {
  func.func @main(%arg0: tensor<1x4x4x2xf32> loc("input")) -> (tensor<1x4x4x3xf32>, tensor<1x32xf32>) {
    %0 = "tfl.pseudo_const"() <{value = dense<[0.5, -0.25, 1.0]> : tensor<3xf16>}> : () -> tensor<3xf16>
    %1 = "tfl.dequantize"(%0) : (tensor<3xf16>) -> tensor<3xf32> loc("conv/bias")
    %2 = "tfl.pseudo_const"() <{value = dense<[[[[1.0, 2.0]]], [[[3.0, 4.0]]], [[[5.0, 6.0]]]]> : tensor<3x1x1x2xf16>}> : () -> tensor<3x1x1x2xf16>
    %3 = "tfl.dequantize"(%2) : (tensor<3x1x1x2xf16>) -> tensor<3x1x1x2xf32> loc("conv/weights")
    %4 = "tfl.conv_2d"(%arg0, %3, %1) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU6", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x2xf32>, tensor<3x1x1x2xf32>, tensor<3xf32>) -> tensor<1x4x4x3xf32> loc("conv")
    %5 = "tfl.pseudo_const"() <{value = dense<[1, 4, 4, 3]> : tensor<4xi32>}> : () -> tensor<4xi32>
    %6 = "tfl.reshape"(%4, %5) : (tensor<1x4x4x3xf32>, tensor<4xi32>) -> tensor<1x4x4x3xf32> loc("identity_reshape")
    %7 = "tfl.pseudo_const"() <{value = dense<[1, 32]> : tensor<2xi32>}> : () -> tensor<2xi32>
    %8 = "tfl.reshape"(%arg0, %7) : (tensor<1x4x4x2xf32>, tensor<2xi32>) -> tensor<1x32xf32> loc("flatten")
    %9 = "tfl.logistic"(%8) : (tensor<1x32xf32>) -> tensor<1x32xf32> loc("unused")
    return %6, %8 : tensor<1x4x4x3xf32>, tensor<1x32xf32>
  }
}
