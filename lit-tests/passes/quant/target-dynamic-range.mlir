// quantize-dynamic-range with target=xnnpack (the default) keeps a depthwise convolution
// float, whose hybrid kernel XNNPACK refuses while it takes the float one: it reads int8
// weights through a dequantize (XNNPACK takes that too). A convolution's hybrid kernel XNNPACK
// takes, so it reads int8 weights directly. target=reference makes both hybrid.
// RUN: tqopt %s --pass='quantize-dynamic-range{min-elements=1}' | FileCheck %s --check-prefix=XNN
// RUN: tqopt %s --pass='quantize-dynamic-range{min-elements=1 target=reference}' | FileCheck %s --check-prefix=REF

// XNN: %[[DQ:.*]] = "tfl.dequantize"(%{{.*}}) : (tensor<1x3x3x3x!quant.uniform<i8<-127:127>:f32:3, {{.*}}>>) -> tensor<1x3x3x3xf32>
// XNN: "tfl.depthwise_conv_2d"(%arg0, %[[DQ]], %{{.*}}) {{.*}}tqopt.float_for_speed = "kept float for speed, int8 weights behind a dequantize: XNNPACK takes 'tfl.depthwise_conv_2d' as float but not in hybrid form (probe case 'depthwise_conv_2d')"{{.*}} : (tensor<1x4x4x3xf32>, tensor<1x3x3x3xf32>, tensor<3xf32>)
// XNN: "tfl.conv_2d"(%{{.*}}, %{{.*}}, %{{.*}}) {{.*}}: (tensor<1x4x4x3xf32>, tensor<3x3x3x3x!quant.uniform<i8
// REF: "tfl.depthwise_conv_2d"{{.*}}tensor<1x3x3x3x!quant.uniform<i8
// REF: "tfl.conv_2d"{{.*}}tensor<3x3x3x3x!quant.uniform<i8
func.func @main(%arg0: tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32> {
  %dw = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<1x3x3x3xf32>}> : () -> tensor<1x3x3x3xf32>
  %w = "tfl.pseudo_const"() <{value = dense<0.25> : tensor<3x3x3x3xf32>}> : () -> tensor<3x3x3x3xf32>
  %b = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<3xf32>}> : () -> tensor<3xf32>
  %0 = "tfl.depthwise_conv_2d"(%arg0, %dw, %b) <{depth_multiplier = 1 : i32, dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x3xf32>, tensor<1x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x4x3xf32>
  %1 = "tfl.conv_2d"(%0, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x3xf32>, tensor<3x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x4x3xf32>
  return %1 : tensor<1x4x4x3xf32>
}
