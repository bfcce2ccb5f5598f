// quantize-weights: dynamic range (int8 weights read by hybrid kernels, per channel where the
// op allows; small constants stay float; weight-only behind a dequantize) and float16.
// RUN: tqopt %s --pass='quantize-dynamic-range{min-elements=4}' --split-input-file | FileCheck %s --check-prefix=DR
// RUN: tqopt %s --pass='quantize-dynamic-range{min-elements=4 weight-only=true}' --split-input-file | FileCheck %s --check-prefix=WO
// RUN: tqopt %s --pass='quantize-dynamic-range' --split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: tqopt %s --pass=quantize-float16 --split-input-file | FileCheck %s --check-prefix=F16

// DR-LABEL: func.func @fc
// Per channel (rows), scale max|w|/127 in double: row 0 -> 2/127, row 1 -> 1/127.
// DR: %[[W:.*]] = "tfl.pseudo_qconst"() <{qtype = tensor<2x4x!quant.uniform<i8<-127:127>:f32:0, {0.015748031496062992,0.0078740157480314959}>>, value = dense<{{\[\[}}127, -64, 0, 32], [127, 127, -127, 0]]> : tensor<2x4xi8>}>
// DR: "tfl.fully_connected"(%arg0, %[[W]], %{{.*}}) <{asymmetric_quantize_inputs = true,
// The bias stays float.
// DR-SAME: tensor<2xf32>) -> tensor<1x2xf32>
// WO-LABEL: func.func @fc
// WO: %[[Q:.*]] = "tfl.pseudo_qconst"
// WO: %[[D:.*]] = "tfl.dequantize"(%[[Q]])
// WO: "tfl.fully_connected"(%arg0, %[[D]], %{{.*}}) <{asymmetric_quantize_inputs = false,
// SMALL-LABEL: func.func @fc
// SMALL-NOT: pseudo_qconst
// F16-LABEL: func.func @fc
// F16: %[[H:.*]] = "tfl.pseudo_const"() <{value = dense<{{\[\[}}2.000000e+00, -1.000000e+00, 0.000000e+00, 5.000000e-01], [1.000000e+00, 1.000000e+00, -1.000000e+00, 0.000000e+00]]> : tensor<2x4xf16>}>
// F16: "tfl.dequantize"(%[[H]]) : (tensor<2x4xf16>) -> tensor<2x4xf32>
func.func @fc(%arg0: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<[[2.0, -1.0, 0.0, 0.5], [1.0, 1.0, -1.0, 0.0]]> : tensor<2x4xf32>}> : () -> tensor<2x4xf32>
  %b = "tfl.pseudo_const"() <{value = dense<[0.5, -0.5]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = "tfl.fully_connected"(%arg0, %w, %b) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

// A constant with a finite value beyond float16's range stays float32 (clamping it would change
// what the model computes: a clip at FLT_MAX would clip at 65504); infinities convert exactly.
// F16-LABEL: func.func @beyond_range
// F16: %[[C:.*]] = "tfl.pseudo_const"() <{value = dense<[1.000000e+06, -7.000000e+04, 1.000000e+00]> : tensor<3xf32>}>
// F16: "tfl.pseudo_const"() <{value = dense<[0x7C00, 0xFC00, 2.000000e+00]> : tensor<3xf16>}>
// F16: "tfl.add"(%arg0, %[[C]])
func.func @beyond_range(%arg0: tensor<3xf32>) -> tensor<3xf32> {
  %c = "tfl.pseudo_const"() <{value = dense<[1.0e6, -7.0e4, 1.0]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %inf = "tfl.pseudo_const"() <{value = dense<[0x7F800000, 0xFF800000, 2.0]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %0 = tfl.add %arg0, %c {fused_activation_function = "NONE"} : tensor<3xf32>
  %1 = "tfl.minimum"(%0, %inf) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %1 : tensor<3xf32>
}
