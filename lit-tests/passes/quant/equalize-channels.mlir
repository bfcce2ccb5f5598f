// equalize-channels (quantize-int8's equalize=): a depthwise convolution whose channel 1 is
// a hundred times wider than channels 0 and 2, and a 1x1 convolution that reads mostly
// channels 0 and 2. As int8, the depthwise result's one scale leaves channels 0 and 2 about
// two levels; dividing channel 1 down (and multiplying the 1x1 weights that read it) gives
// them the tensor's resolution, in float the model is unchanged. The tensor between the ops
// is renamed dw/equalized (it no longer holds the float model's values). A relu6 between
// two ops clamps, so the second pair is left alone. auto keeps the rescaling because the
// quantized model's output SQNR on the data is higher with it, and says so; never leaves the
// model as it is; so does a model that already holds statistics.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.save('%t/x.npy', r.uniform(-1, 1, (8, 6, 6, 3)).astype(np.float32))"
// RUN: tqopt %s --pass='equalize-channels{data=%t/x.npy mode=always}' --mlir-pass-statistics -o %t/eq.mlir 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: FileCheck %s --check-prefix=EQ < %t/eq.mlir
// RUN: tqopt %s --pass='quantize-int8{target=reference}' --calibration-data=%t/x.npy --no-progress -o %t/auto.mlir 2>&1 | FileCheck %s --check-prefix=AUTO
// RUN: FileCheck %s --check-prefix=EQ < %t/auto.mlir
// RUN: tqopt %s --pass='quantize-int8{target=reference equalize=never}' --calibration-data=%t/x.npy --no-progress -o %t/never.mlir 2>&1 | FileCheck %s --check-prefix=NEVER --allow-empty
// RUN: FileCheck %s --check-prefix=NEVER < %t/never.mlir
// RUN: tqopt %s --pass='calibrate{data=%t/x.npy},equalize-channels{data=%t/x.npy mode=always}' -o %t/stats.mlir
// RUN: FileCheck %s --check-prefix=NEVER < %t/stats.mlir
// RUN: not tqopt %s --pass='quantize-int8{equalize=maybe}' --calibration-data=%t/x.npy -o %t/bad.mlir 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not test -e %t/bad.mlir

// STATS: EqualizeChannels
// STATS-NEXT: (S) 1 num-pairs-equalized - producer/consumer pairs whose channels were rescaled

// EQ: loc(fused["dw/equalized", "dw"])
// EQ-NOT: equalized

// AUTO: note: equalize-channels: channels rescaled between 1 pair of ops: output SQNR {{[34][0-9]\.[0-9][0-9]}} dB on the data, {{[0-9]\.[0-9][0-9]}} dB without

// NEVER-NOT: equalized

// BAD: equalize
func.func @main(%x: tensor<1x6x6x3xf32> loc("x")) -> tensor<1x6x6x2xf32> {
  %dw = "tfl.pseudo_const"() <{value = dense<[[[[0.5, 50.0, -0.25], [0.1, 20.0, 0.3]], [[-0.2, 30.0, 0.4], [0.3, -10.0, 0.2]]]]> : tensor<1x2x2x3xf32>}> : () -> tensor<1x2x2x3xf32>
  %db = "tfl.pseudo_const"() <{value = dense<[0.1, 5.0, -0.1]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %0 = "tfl.depthwise_conv_2d"(%x, %dw, %db) <{depth_multiplier = 1 : i32, dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x6x6x3xf32>, tensor<1x2x2x3xf32>, tensor<3xf32>) -> tensor<1x6x6x3xf32> loc("dw")
  %w = "tfl.pseudo_const"() <{value = dense<[[[[0.5, 0.001, -0.3]]], [[[-0.2, 0.002, 0.6]]], [[[0.4, 0.001, 0.5]]]]> : tensor<3x1x1x3xf32>}> : () -> tensor<3x1x1x3xf32>
  %b = "tfl.pseudo_const"() <{value = dense<[0.0, 0.5, 0.1]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %1 = "tfl.conv_2d"(%0, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU6", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x6x6x3xf32>, tensor<3x1x1x3xf32>, tensor<3xf32>) -> tensor<1x6x6x3xf32> loc("pw")
  %w2 = "tfl.pseudo_const"() <{value = dense<[[[[1.0, 0.5, -0.5]]], [[[0.25, -1.0, 0.5]]]]> : tensor<2x1x1x3xf32>}> : () -> tensor<2x1x1x3xf32>
  %b2 = "tfl.pseudo_const"() <{value = dense<[0.0, 0.1]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %2 = "tfl.conv_2d"(%1, %w2, %b2) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x6x6x3xf32>, tensor<2x1x1x3xf32>, tensor<2xf32>) -> tensor<1x6x6x2xf32> loc("out")
  return %2 : tensor<1x6x6x2xf32>
}
