// round-weights (quantize-int8's weight-rounding=): a fully connected op whose answer is known
// by construction. Its first four inputs are one zero-mean value shared by all four (strongly
// correlated) plus a little noise, the fifth is noise, the sixth is always about 1. Its
// weights are 0.4, 0.4, 0.4, 0.4, 127 and 0.4 steps of the scale 1/127: to nearest the four
// all become 0 and the output loses 1.6 steps times the shared value on every row, and the
// sixth becomes 0 and the output loses 0.4 steps on average. Rounding for the output moves
// two of the four up to 1 (the sum error becomes +0.4 steps, the smallest the grid allows),
// leaves the largest weight (which sets the scale) at 127, and the scale as it was; the
// sixth weight's error is constant, so the bias absorbs it (bias correction: 0.4 steps of
// 1/127, about 50 steps of the bias scale). auto keeps that because the model's output SQNR on
// the data is higher with it, and says so; output keeps it without asking. quantize-int8's
// default, nearest, is TensorFlow's rounding and leaves the bias at 0. With ranges from a
// statistics file and no data the pass has nothing to measure and rounds to nearest.
// (target=reference: on XNNPACK so small an op stays float for speed; sparse-weights=false:
// five zeros of six would be stored sparse.)
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); u = r.uniform(-1, 1, (8, 16, 1)); x = np.concatenate([u + 0.01 * r.standard_normal((8, 16, 4)), r.uniform(-1, 1, (8, 16, 1)), 1 + 0.01 * r.standard_normal((8, 16, 1))], axis=-1); np.save('%t/x.npy', x.astype(np.float32))"
// (check-accuracy=false and method=minmax: the default accuracy check and method=auto would
// make auto's choice themselves, on their samples, as the precision search does.)
// RUN: tqopt %s --pass='quantize-int8{target=reference sparse-weights=false weight-rounding=auto check-accuracy=false method=minmax}' --calibration-data=%t/x.npy --no-progress --mlir-pass-statistics -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: FileCheck %s --check-prefix=OUTPUT < %t/out.mlir
// RUN: tqopt %s --pass='quantize-int8{target=reference sparse-weights=false weight-rounding=output}' --calibration-data=%t/x.npy --no-progress -o %t/forced.mlir
// RUN: FileCheck %s --check-prefix=OUTPUT < %t/forced.mlir
// RUN: tqopt %s --pass='quantize-int8{target=reference sparse-weights=false}' --calibration-data=%t/x.npy --no-progress -o %t/nearest.mlir
// RUN: FileCheck %s --check-prefix=NEAREST < %t/nearest.mlir
// RUN: tqopt %s --pass='quantize-int8{target=reference sparse-weights=false weight-rounding=auto}' --calibration-data=%t/x.npy --save-stats=%t/s.json --no-progress -o %t/saved.mlir
// RUN: tqopt %s --pass='quantize-int8{target=reference sparse-weights=false weight-rounding=auto}' --statistics=%t/s.json --no-progress -o %t/stats.mlir
// RUN: FileCheck %s --check-prefix=NEAREST < %t/stats.mlir
// RUN: not tqopt %s --pass='quantize-int8{weight-rounding=best}' --calibration-data=%t/x.npy -o %t/bad.mlir 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not test -e %t/bad.mlir

// STATS: note: round-weights: weights rounded for each op's output: output SQNR {{(3[5-9]|4[0-9])\.[0-9][0-9]}} dB on the data, {{[23][0-9]\.[0-9][0-9]}} dB rounded to nearest
// STATS: RoundWeights
// STATS-NEXT: (S) 1 num-weights-rounded-to-output - weight tensors rounded for the least output error
// STATS-NEXT: (S) 2 num-weights-moved - weights that took the other grid neighbour than round to nearest
// STATS-NEXT: (S) 1 num-biases-corrected - biases that absorbed the mean output error of their op's rounded weights

// OUTPUT: "tfl.pseudo_qconst"() <{qtype = tensor<1x6x!quant.uniform<i8<-127:127>:f32:0, {0.0078740157{{[0-9]*}}}>>, value = dense<{{\[\[}}1, 1, 0, 0, 127, 0]]> : tensor<1x6xi8>}>
// OUTPUT: "tfl.pseudo_qconst"() <{qtype = tensor<1x!quant.uniform<i32:f32, {{.*}}>>, value = dense<{{4[6-9]|5[0-4]}}> : tensor<1xi32>}>
// NEAREST: "tfl.pseudo_qconst"() <{qtype = tensor<1x6x!quant.uniform<i8<-127:127>:f32:0, {0.0078740157{{[0-9]*}}}>>, value = dense<{{\[\[}}0, 0, 0, 0, 127, 0]]> : tensor<1x6xi8>}>
// NEAREST: "tfl.pseudo_qconst"() <{qtype = tensor<1x!quant.uniform<i32:f32, {{.*}}>>, value = dense<0> : tensor<1xi32>}>

// BAD: weight-rounding
func.func @main(%arg0: tensor<16x6xf32> loc("x")) -> tensor<16x1xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<[[0.0031496063, 0.0031496063, 0.0031496063, 0.0031496063, 1.0, 0.0031496063]]> : tensor<1x6xf32>}> : () -> tensor<1x6xf32>
  %b = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = "tfl.fully_connected"(%arg0, %w, %b) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<16x6xf32>, tensor<1x6xf32>, tensor<1xf32>) -> tensor<16x1xf32> loc("fc")
  return %0 : tensor<16x1xf32>
}
