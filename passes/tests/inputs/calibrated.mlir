module attributes {tfl.description = "calibrated snapshot input"} {
  func.func @main(%arg0: tensor<1x4x4x2xf32> loc("input")) -> (tensor<1x3xf32>, tensor<1x16xf32>) {
    %in = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
    %w = "tfl.pseudo_const"() <{value = dense<[[[[0.5, -0.25]]], [[[1.0, 0.125]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32> loc("conv/w")
    %b = "tfl.pseudo_const"() <{value = dense<[0.1, -0.2]> : tensor<2xf32>}> : () -> tensor<2xf32> loc("conv/b")
    %c = "tfl.conv_2d"(%in, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU6", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32> loc("conv")
    %cs = "quantfork.stats"(%c) {layerStats = dense<[0.0, 6.0]> : tensor<2xf32>} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
    %dw = "tfl.pseudo_const"() <{value = dense<[[[[0.5, 2.0], [0.25, -1.0]], [[1.0, 1.0], [0.5, 0.5]]]]> : tensor<1x2x2x2xf32>}> : () -> tensor<1x2x2x2xf32> loc("dw/w")
    %db = "tfl.pseudo_const"() <{value = dense<[0.0, 1.0]> : tensor<2xf32>}> : () -> tensor<2xf32> loc("dw/b")
    %d = "tfl.depthwise_conv_2d"(%cs, %dw, %db) <{depth_multiplier = 1 : i32, dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 2 : i32, stride_w = 2 : i32}> : (tensor<1x4x4x2xf32>, tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32> loc("dw")
    %ds = "quantfork.stats"(%d) {layerStats = dense<[-3.0, 9.0]> : tensor<2xf32>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %shape = "tfl.pseudo_const"() <{value = dense<[1, 8]> : tensor<2xi32>}> : () -> tensor<2xi32>
    %r = "tfl.reshape"(%ds, %shape) : (tensor<1x2x2x2xf32>, tensor<2xi32>) -> tensor<1x8xf32> loc("flat")
    %rs = "quantfork.stats"(%r) {layerStats = dense<[-3.0, 9.0]> : tensor<2xf32>} : (tensor<1x8xf32>) -> tensor<1x8xf32>
    %fw = "tfl.pseudo_const"() <{value = dense<[[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<3x8xf32>}> : () -> tensor<3x8xf32> loc("fc/w")
    %fb = "tfl.pseudo_const"() <{value = dense<[0.5, 0.0, -0.5]> : tensor<3xf32>}> : () -> tensor<3xf32> loc("fc/b")
    %f = "tfl.fully_connected"(%rs, %fw, %fb) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<1x3xf32> loc("fc")
    %fs = "quantfork.stats"(%f) {layerStats = dense<[-10.0, 30.0]> : tensor<2xf32>} : (tensor<1x3xf32>) -> tensor<1x3xf32>
    %sm = "tfl.softmax"(%fs) <{beta = 1.0 : f32}> : (tensor<1x3xf32>) -> tensor<1x3xf32> loc("probs")
    %sms = "quantfork.stats"(%sm) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<1x3xf32>) -> tensor<1x3xf32>
    %k = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<1x8xf32>}> : () -> tensor<1x8xf32> loc("offset")
    %a = tfl.add %rs, %k {fused_activation_function = "NONE"} : tensor<1x8xf32> loc("shifted")
    %as = "quantfork.stats"(%a) {layerStats = dense<[-2.5, 9.5]> : tensor<2xf32>} : (tensor<1x8xf32>) -> tensor<1x8xf32>
    %cat = "tfl.concatenation"(%as, %rs) <{axis = 1 : i32, fused_activation_function = "NONE"}> : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x16xf32> loc("joined")
    %cats = "quantfork.stats"(%cat) {layerStats = dense<[-3.0, 10.0]> : tensor<2xf32>} : (tensor<1x16xf32>) -> tensor<1x16xf32>
    return %sms, %cats : tensor<1x3xf32>, tensor<1x16xf32>
  }
}
