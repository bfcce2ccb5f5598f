// target= on the quantization pipelines. xnnpack (the default) keeps float an op XNNPACK takes
// as float but not as int8 (per-channel prelu, softmax) and says why in the report; a narrow
// per-channel prelu runs on rows widened by reshapes (here 2x3 -> 1x6), and the reshape that
// reads the float input stays float rather than adding a quantize and a dequantize; strict
// rewrites the prelu into int8 ops XNNPACK takes and keeps everything integer; reference
// quantizes the prelu as TFLite's spec says. Under ops=TFLITE_BUILTINS_INT8 nothing is kept
// float for speed.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.random.default_rng(0).uniform(-2, 2, (4, 1, 2, 2, 3)).astype(np.float32))"
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/x.npy --no-progress --report=%t/r.json 2>&1 | FileCheck %s --check-prefix=XNN
// RUN: FileCheck %s --check-prefix=JSON < %t/r.json
// RUN: tqopt %s --pass='quantize-int8{target=strict}' --calibration-data=%t/x.npy --no-progress 2>&1 | FileCheck %s --check-prefix=STRICT
// RUN: tqopt %s --pass='quantize-int8{target=reference}' --calibration-data=%t/x.npy --no-progress 2>&1 | FileCheck %s --check-prefix=REF
// RUN: tqopt %s --pass='quantize-int8{ops=TFLITE_BUILTINS_INT8}' --calibration-data=%t/x.npy --no-progress 2>&1 | FileCheck %s --check-prefix=INT8OPS
// RUN: not tqopt %s --pass='quantize-int8{target=gpu}' --calibration-data=%t/x.npy 2>&1 | FileCheck %s --check-prefix=BAD

// XNN: "tfl.reshape"(%arg0, %{{.*}}) {{.*}} : (tensor<1x2x2x3xf32>, tensor<4xi32>) -> tensor<1x2x1x6xf32> loc("p/prelu_wide_input")
// XNN: "tfl.prelu"(%{{.*}}, %{{.*}}) {tqopt.float_for_speed = "kept float for speed: XNNPACK takes 'tfl.prelu' as float but not as int8 (probe case 'prelu_channel')", tqopt.keep_float} : (tensor<1x2x1x6xf32>, tensor<1x1x6xf32>) -> tensor<1x2x1x6xf32> loc("p/prelu_wide")
// XNN: "tfl.reshape"{{.*}} -> tensor<1x2x2x3x!quant.uniform<i8{{.*}} loc("p")
// XNN: "tfl.conv_2d"{{.*}}!quant.uniform<i8
// XNN: quantized 2 of 4 ops (50%)
// XNN: tfl.prelu at "p/prelu_wide": kept float for speed: XNNPACK takes 'tfl.prelu' as float but not as int8
// JSON: "location": "p/prelu_wide", "reason": "kept float for speed: XNNPACK takes 'tfl.prelu' as float but not as int8 (probe case 'prelu_channel')"

// STRICT: "tfl.depthwise_conv_2d"{{.*}}!quant.uniform<i8{{.*}} loc("p/prelu_negative_part")
// STRICT: "tfl.mul"{{.*}}!quant.uniform<i8{{.*}} loc("p/prelu_scaled_negative_part")
// STRICT: "tfl.add"{{.*}}!quant.uniform<i8{{.*}} loc("p")
// STRICT-NOT: tfl.prelu
// STRICT: quantized 4 of 4 ops (100%)

// REF: "tfl.prelu"{{.*}}!quant.uniform<i8
// REF: quantized 2 of 2 ops (100%)

// INT8OPS: "tfl.prelu"{{.*}}!quant.uniform<i8
// INT8OPS: quantized 4 of 4 ops (100%)

// BAD: option 'target' of 'quantize-int8' must be one of xnnpack, reference, strict, not 'gpu'
func.func @main(%arg0: tensor<1x2x2x3xf32> loc("x")) -> tensor<1x2x2x3xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[[0.25, -0.5, 1.5]]]> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %0 = "tfl.prelu"(%arg0, %a) : (tensor<1x2x2x3xf32>, tensor<1x1x3xf32>) -> tensor<1x2x2x3xf32> loc("p")
  %w = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<3x1x1x3xf32>}> : () -> tensor<3x1x1x3xf32>
  %b = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<3xf32>}> : () -> tensor<3xf32>
  %1 = "tfl.conv_2d"(%0, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x2x2x3xf32>, tensor<3x1x1x3xf32>, tensor<3xf32>) -> tensor<1x2x2x3xf32> loc("c")
  return %1 : tensor<1x2x2x3xf32>
}
