// quantize-int16x8{bias=int32}: an affine op whose int32 bias or worst-case int32 accumulator
// overflows for the calibrated ranges is warned about, with the op, the channel and the
// bound; with int64 biases (the default) there is nothing to warn about.
// RUN: tqopt %s '--pass=quantize-int16x8{bias=int32}' --verify-diagnostics -o %t.discard.mlir
// RUN: tqopt %s --pass=quantize-int16x8 -o %t.discard.mlir 2>&1 | FileCheck %s --check-prefix=I64
// I64-NOT: warning

func.func @main(%arg0: tensor<1x1000xf32>) -> tensor<1x2xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x1000xf32>) -> tensor<1x1000xf32>
  %w = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<2x1000xf32>}> : () -> tensor<2x1000xf32>
  %b = "tfl.pseudo_const"() <{value = dense<[0.0, 1.0e6]> : tensor<2xf32>}> : () -> tensor<2xf32>
  // Channel 1's bias is 1e6 / (1/32767 x 0.5/127) = 8.3e12 units, far past INT32_MAX / 2;
  // channel 0 sums 1000 products of 32767 x 127 = 4.16e9, past INT32_MAX.
  // expected-warning@+2 {{'tfl.fully_connected' at loc("dense"): the int32 bias of channel 1 needs 8.323e12 (limit INT32_MAX/2 = 1.074e9; 1 channel over): its weight scale is widened 7751.2x, losing weight precision; bias=int64 avoids it}}
  // expected-warning@+1 {{'tfl.fully_connected' at loc("dense"): the worst-case accumulator of channel 0 reaches 4.161e9 for inputs at the edge of the calibrated range (limit INT32_MAX = 2.147e9; 1 channel over)}}
  %1 = "tfl.fully_connected"(%0, %w, %b) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x1000xf32>, tensor<2x1000xf32>, tensor<2xf32>) -> tensor<1x2xf32> loc("dense")
  %2 = "quantfork.stats"(%1) {layerStats = dense<[-500.0, 500.0]> : tensor<2xf32>} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  return %2 : tensor<1x2xf32>
}
