// rewrite-for-target: strict rewrites prelu, hard_swish and a global average pool into ops
// XNNPACK takes in int8; xnnpack only the rewrites into one op (leaky_relu, mean); reference
// none.
// RUN: tqopt %s --pass='rewrite-for-target{target=strict}' --split-input-file | FileCheck %s --check-prefix=STRICT
// RUN: tqopt %s --pass='rewrite-for-target{target=xnnpack}' --split-input-file | FileCheck %s --check-prefix=XNN
// RUN: tqopt %s --pass='rewrite-for-target{target=reference}' --split-input-file | FileCheck %s --check-prefix=REF
// RUN: not tqopt %s --pass='rewrite-for-target{target=gpu}' 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: option 'target' of 'rewrite-for-target' must be one of xnnpack, reference, strict, not 'gpu'

// STRICT-LABEL: func.func @prelu_channel
// STRICT: %[[W:.*]] = "tfl.pseudo_const"() <{value = dense<{{\[\[\[\[}}-7.500000e-01, -1.500000e+00, 0.000000e+00]]]]> : tensor<1x1x1x3xf32>}> {{.*}} loc("p/prelu_negative_weights")
// STRICT: %[[N:.*]] = "tfl.depthwise_conv_2d"(%arg0, %[[W]], %{{.*}}) <{{{.*}}fused_activation_function = "RELU", padding = "VALID"{{.*}}}> {{.*}} loc("p/prelu_negative_part")
// STRICT: "tfl.add"(%arg0, %[[N]]) <{fused_activation_function = "NONE"}> {{.*}} loc("p")
// STRICT-NOT: tfl.prelu
// XNN-LABEL: func.func @prelu_channel
// XNN: "tfl.prelu"
// REF-LABEL: func.func @prelu_channel
// REF: "tfl.prelu"
func.func @prelu_channel(%arg0: tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[[0.25, -0.5, 1.0]]]> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %0 = "tfl.prelu"(%arg0, %a) : (tensor<1x2x2x3xf32>, tensor<1x1x3xf32>) -> tensor<1x2x2x3xf32> loc("p")
  return %0 : tensor<1x2x2x3xf32>
}

// -----

// A slope above 1: the depthwise takes relu(-x), a mul scales it by 1 - a.
// STRICT-LABEL: func.func @prelu_mixed
// STRICT: "tfl.depthwise_conv_2d"
// STRICT: %[[K:.*]] = "tfl.pseudo_const"() <{value = dense<{{\[\[\[\[}}7.500000e-01, -5.000000e-01, 0.000000e+00]]]]>
// STRICT: "tfl.mul"(%{{.*}}, %[[K]])
// STRICT: "tfl.add"
func.func @prelu_mixed(%arg0: tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[[0.25, 1.5, 1.0]]]> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %0 = "tfl.prelu"(%arg0, %a) : (tensor<1x2x2x3xf32>, tensor<1x1x3xf32>) -> tensor<1x2x2x3xf32> loc("p")
  return %0 : tensor<1x2x2x3xf32>
}

// -----

// STRICT-LABEL: func.func @prelu_scalar
// STRICT: "tfl.leaky_relu"(%arg0) <{alpha = 2.000000e-01 : f32}> : (tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> loc("p")
// XNN-LABEL: func.func @prelu_scalar
// XNN: "tfl.leaky_relu"(%arg0) <{alpha = 2.000000e-01 : f32}>
// REF-LABEL: func.func @prelu_scalar
// REF: "tfl.prelu"
func.func @prelu_scalar(%arg0: tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<0.2> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %0 = "tfl.prelu"(%arg0, %a) : (tensor<1x2x2x3xf32>, tensor<1x1x3xf32>) -> tensor<1x2x2x3xf32> loc("p")
  return %0 : tensor<1x2x2x3xf32>
}

// -----

// STRICT-LABEL: func.func @hard_swish
// STRICT: %[[S:.*]] = "tfl.add"(%arg0, %{{.*}}) <{fused_activation_function = "RELU6"}> {{.*}} loc("h/hard_swish_relu6")
// STRICT: %[[G:.*]] = "tfl.mul"(%[[S]], %{{.*}}) <{fused_activation_function = "NONE"}> {{.*}} loc("h/hard_swish_gate")
// STRICT: "tfl.mul"(%arg0, %[[G]]) <{fused_activation_function = "NONE"}> {{.*}} loc("h")
// XNN-LABEL: func.func @hard_swish
// XNN: "tfl.hard_swish"
func.func @hard_swish(%arg0: tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> {
  %0 = "tfl.hard_swish"(%arg0) : (tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> loc("h")
  return %0 : tensor<1x2x2x3xf32>
}

// -----

// Only a pool over the whole image with VALID padding is a mean.
// XNN-LABEL: func.func @pools
// XNN: "tfl.mean"(%arg0, %{{.*}}) <{keep_dims = true}> : (tensor<1x4x4x3xf32>, tensor<2xi32>) -> tensor<1x1x1x3xf32> loc("gap")
// XNN: "tfl.average_pool_2d"(%arg0) {{.*}} loc("local")
// REF-LABEL: func.func @pools
// REF-NOT: tfl.mean
func.func @pools(%arg0: tensor<1x4x4x3xf32>) -> (tensor<1x1x1x3xf32>, tensor<1x2x2x3xf32>) {
  %0 = "tfl.average_pool_2d"(%arg0) <{filter_height = 4 : i32, filter_width = 4 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 4 : i32, stride_w = 4 : i32}> : (tensor<1x4x4x3xf32>) -> tensor<1x1x1x3xf32> loc("gap")
  %1 = "tfl.average_pool_2d"(%arg0) <{filter_height = 2 : i32, filter_width = 2 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 2 : i32, stride_w = 2 : i32}> : (tensor<1x4x4x3xf32>) -> tensor<1x2x2x3xf32> loc("local")
  return %0, %1 : tensor<1x1x1x3xf32>, tensor<1x2x2x3xf32>
}

// -----

// MediaPipe's custom transposed convolution becomes the builtin (which has int8 kernels and
// which XNNPACK takes), on xnnpack and strict; reference keeps the custom op.
// XNN-LABEL: func.func @transpose_conv_bias
// XNN: %[[S:.*]] = "tfl.pseudo_const"() <{value = dense<[1, 8, 8, 2]> : tensor<4xi32>}> {{.*}} loc("segment/output_shape")
// XNN: "tfl.transpose_conv"(%[[S]], %{{.*}}, %arg0, %{{.*}}) <{fused_activation_function = "NONE", padding = "SAME", stride_h = 2 : i32, stride_w = 2 : i32}> : (tensor<4xi32>, tensor<2x2x2x3xf32>, tensor<1x4x4x3xf32>, tensor<2xf32>) -> tensor<1x8x8x2xf32> loc("segment")
// XNN-NOT: tfl.custom
// STRICT-LABEL: func.func @transpose_conv_bias
// STRICT: "tfl.transpose_conv"
// REF-LABEL: func.func @transpose_conv_bias
// REF: "tfl.custom"
func.func @transpose_conv_bias(%arg0: tensor<1x4x4x3xf32>) -> tensor<1x8x8x2xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<2x2x2x3xf32>}> : () -> tensor<2x2x2x3xf32>
  %b = "tfl.pseudo_const"() <{value = dense<[0.5, -0.25]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = "tfl.custom"(%arg0, %w, %b) <{custom_code = "Convolution2DTransposeBias", custom_option = #tfl<const_bytes : "0x010000000200000002000000">}> : (tensor<1x4x4x3xf32>, tensor<2x2x2x3xf32>, tensor<2xf32>) -> tensor<1x8x8x2xf32> loc("segment")
  return %0 : tensor<1x8x8x2xf32>
}

// -----

// A square (the variance of a group norm) becomes a mul of x by itself, which has int8 and
// int16 kernels in LiteRT, on xnnpack and strict; reference keeps the square.
// XNN-LABEL: func.func @square
// XNN: "tfl.mul"(%arg0, %arg0) <{fused_activation_function = "NONE"}> : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> loc("gn/variance")
// XNN-NOT: tfl.square
// STRICT-LABEL: func.func @square
// STRICT: "tfl.mul"(%arg0, %arg0)
// REF-LABEL: func.func @square
// REF: "tfl.square"
func.func @square(%arg0: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %0 = "tfl.square"(%arg0) : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> loc("gn/variance")
  return %0 : tensor<1x4x4x8xf32>
}

// -----

// A mean over 16384 trailing values (a GroupNorm exported in NCHW) becomes a mean over groups
// of 8192 and a mean of those: XNNPACK's AVX2 int8 sum wraps on runs of 8256 or more. Kept
// dimensions come back with a reshape; a short run (the sum) is left alone.
// XNN-LABEL: func.func @long_mean
// XNN: %[[S:.*]] = "tfl.pseudo_const"() <{value = dense<[1, 4, 2, 8192]> : tensor<4xi32>}>
// XNN: %[[G:.*]] = "tfl.reshape"(%arg0, %[[S]]) {{.*}} -> tensor<1x4x2x8192xf32> loc("gn/mean/grouped")
// XNN: %[[P:.*]] = "tfl.mean"(%[[G]], %{{.*}}) <{keep_dims = false}> {{.*}} -> tensor<1x4x2xf32> loc("gn/mean/per_group")
// XNN: %[[T:.*]] = "tfl.mean"(%[[P]], %{{.*}}) <{keep_dims = false}> {{.*}} -> tensor<1x4xf32> loc("gn/mean/over_groups")
// XNN: "tfl.reshape"(%[[T]], %{{.*}}) {{.*}} -> tensor<1x4x1x1xf32> loc("gn/mean")
// XNN: "tfl.sum"(%arg1, %{{.*}}) <{keep_dims = false}> {{.*}} loc("short")
// STRICT-LABEL: func.func @long_mean
// STRICT: loc("gn/mean/per_group")
// REF-LABEL: func.func @long_mean
// REF: "tfl.mean"(%arg0, %{{.*}}) <{keep_dims = true}> {{.*}} loc("gn/mean")
func.func @long_mean(%arg0: tensor<1x4x4x4096xf32>, %arg1: tensor<2x8192xf32>) -> (tensor<1x4x1x1xf32>, tensor<2xf32>) {
  %axes = "tfl.pseudo_const"() <{value = dense<[2, 3]> : tensor<2xi32>}> : () -> tensor<2xi32> loc("axes")
  %0 = "tfl.mean"(%arg0, %axes) <{keep_dims = true}> : (tensor<1x4x4x4096xf32>, tensor<2xi32>) -> tensor<1x4x1x1xf32> loc("gn/mean")
  %last = "tfl.pseudo_const"() <{value = dense<-1> : tensor<1xi32>}> : () -> tensor<1xi32> loc("last")
  %1 = "tfl.sum"(%arg1, %last) <{keep_dims = false}> : (tensor<2x8192xf32>, tensor<1xi32>) -> tensor<2xf32> loc("short")
  return %0, %1 : tensor<1x4x1x1xf32>, tensor<2xf32>
}

// -----

// pow by one exponent of 2, 0.5 or -0.5 (PyTorch's norms) becomes mul, sqrt or rsqrt, which
// have int8 kernels; another exponent, or one that broadcasts x, stays a pow.
// XNN-LABEL: func.func @pow
// XNN: "tfl.mul"(%arg0, %arg0) {{.*}} loc("squared")
// XNN: "tfl.sqrt"(%arg0) {{.*}} loc("norm")
// XNN: "tfl.rsqrt"(%arg0) {{.*}} loc("inverse_norm")
// XNN: "tfl.pow"(%arg0, %{{.*}}) {{.*}} loc("cube")
// XNN: "tfl.pow"(%arg0, %{{.*}}) {{.*}} -> tensor<2x3xf32> loc("broadcast")
// STRICT-LABEL: func.func @pow
// STRICT: "tfl.sqrt"(%arg0)
// REF-LABEL: func.func @pow
// REF-NOT: tfl.sqrt
func.func @pow(%arg0: tensor<1x3xf32>) -> (tensor<1x3xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<2x3xf32>) {
  %two = "tfl.pseudo_const"() <{value = dense<2.0> : tensor<1x1xf32>}> : () -> tensor<1x1xf32> loc("two")
  %half = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32> loc("half")
  %mhalf = "tfl.pseudo_const"() <{value = dense<-0.5> : tensor<1x3xf32>}> : () -> tensor<1x3xf32> loc("minus_half")
  %three = "tfl.pseudo_const"() <{value = dense<3.0> : tensor<f32>}> : () -> tensor<f32> loc("three")
  %wide = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<2x3xf32>}> : () -> tensor<2x3xf32> loc("wide")
  %0 = "tfl.pow"(%arg0, %two) : (tensor<1x3xf32>, tensor<1x1xf32>) -> tensor<1x3xf32> loc("squared")
  %1 = "tfl.pow"(%arg0, %half) : (tensor<1x3xf32>, tensor<f32>) -> tensor<1x3xf32> loc("norm")
  %2 = "tfl.pow"(%arg0, %mhalf) : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<1x3xf32> loc("inverse_norm")
  %3 = "tfl.pow"(%arg0, %three) : (tensor<1x3xf32>, tensor<f32>) -> tensor<1x3xf32> loc("cube")
  %4 = "tfl.pow"(%arg0, %wide) : (tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32> loc("broadcast")
  return %0, %1, %2, %3, %4 : tensor<1x3xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<2x3xf32>
}
