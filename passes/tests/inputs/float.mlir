module attributes {tfl.description = "float snapshot input"} {
  func.func @main(%arg0: tensor<1x4x4x2xf32> loc("input")) -> (tensor<1x3xf32>, tensor<1x16xf32>) {
    %w = "tfl.pseudo_const"() <{value = dense<[[[[0.5, -0.25]]], [[[1.0, 0.125]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32> loc("conv/w")
    %b = "tfl.pseudo_const"() <{value = dense<[0.1, -0.2]> : tensor<2xf32>}> : () -> tensor<2xf32> loc("conv/b")
    %c = "tfl.conv_2d"(%arg0, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32> loc("conv")
    %cr = "tfl.relu6"(%c) : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> loc("conv/relu6")
    %dw = "tfl.pseudo_const"() <{value = dense<[[[[0.5, 2.0], [0.25, -1.0]], [[1.0, 1.0], [0.5, 0.5]]]]> : tensor<1x2x2x2xf32>}> : () -> tensor<1x2x2x2xf32> loc("dw/w")
    %db = "tfl.pseudo_const"() <{value = dense<[0.0, 1.0]> : tensor<2xf32>}> : () -> tensor<2xf32> loc("dw/b")
    %d = "tfl.depthwise_conv_2d"(%cr, %dw, %db) <{depth_multiplier = 1 : i32, dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 2 : i32, stride_w = 2 : i32}> : (tensor<1x4x4x2xf32>, tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32> loc("dw")
    %shape = "tfl.pseudo_const"() <{value = dense<[1, 8]> : tensor<2xi32>}> : () -> tensor<2xi32>
    %r = "tfl.reshape"(%d, %shape) : (tensor<1x2x2x2xf32>, tensor<2xi32>) -> tensor<1x8xf32> loc("flat")
    %fw = "tfl.pseudo_const"() <{value = dense<[[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<3x8xf32>}> : () -> tensor<3x8xf32> loc("fc/w")
    %fb = "tfl.pseudo_const"() <{value = dense<[0.5, 0.0, -0.5]> : tensor<3xf32>}> : () -> tensor<3xf32> loc("fc/b")
    %f = "tfl.fully_connected"(%r, %fw, %fb) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<1x3xf32> loc("fc")
    %sm = "tfl.softmax"(%f) <{beta = 1.0 : f32}> : (tensor<1x3xf32>) -> tensor<1x3xf32> loc("probs")
    %k = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<1x8xf32>}> : () -> tensor<1x8xf32> loc("offset")
    %a = tfl.add %r, %k {fused_activation_function = "NONE"} : tensor<1x8xf32> loc("shifted")
    %cat = "tfl.concatenation"(%a, %r) <{axis = 1 : i32, fused_activation_function = "NONE"}> : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x16xf32> loc("joined")
    return %sm, %cat : tensor<1x3xf32>, tensor<1x16xf32>
  }
}
