// bound-attention-masks: where a softmax reads scores plus a mask, the masked entries come up
// to 20 below the lowest calibrated real score, and the sum's range becomes the real scores'
// range and 20 below it.
// RUN: tqopt %s --pass=bound-attention-masks --split-input-file | FileCheck %s

// A constant causal mask of -1e9: scores in [-3, 5], so the lowest real score is -3 and a
// masked entry becomes -3 - 20 - 5 = -28 (every masked score is then at most -23).
// CHECK-LABEL: func.func @causal
// CHECK: %[[M:.*]] = "tfl.pseudo_const"() <{value = dense<{{\[\[}}0.000000e+00, -2.800000e+01, -2.800000e+01], [0.000000e+00, 0.000000e+00, -2.800000e+01], [0.000000e+00, 0.000000e+00, 0.000000e+00]]> : tensor<3x3xf32>}> : () -> tensor<3x3xf32> loc("scores/bounded_mask")
// CHECK: %[[S:.*]] = "tfl.add"(%{{.*}}, %[[M]])
// CHECK: "quantfork.stats"(%[[S]]) {layerStats = dense<[-2.300000e+01, 5.000000e+00]> : tensor<2xf32>}
// CHECK: "tfl.softmax"
func.func @causal(%arg0: tensor<1x3x3xf32>) -> tensor<1x3x3xf32> {
  %x = "quantfork.stats"(%arg0) {layerStats = dense<[-3.0, 5.0]> : tensor<2xf32>} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %mask = "tfl.pseudo_const"() <{value = dense<[[0.0, -1.0e9, -1.0e9], [0.0, 0.0, -1.0e9], [0.0, 0.0, 0.0]]> : tensor<3x3xf32>}> : () -> tensor<3x3xf32>
  %s = "tfl.add"(%x, %mask) <{fused_activation_function = "NONE"}> : (tensor<1x3x3xf32>, tensor<3x3xf32>) -> tensor<1x3x3xf32> loc("scores")
  %ss = "quantfork.stats"(%s) {layerStats = dense<[-1.0e9, 5.0]> : tensor<2xf32>} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %p = "tfl.softmax"(%ss) <{beta = 1.000000e+00 : f32}> : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  return %p : tensor<1x3x3xf32>
}

// -----

// A mask computed from an input, (1 - valid) * -1e4, is clamped at -28 by a maximum, which
// gets the clamped range.
// CHECK-LABEL: func.func @padding
// CHECK: %[[F:.*]] = "tfl.pseudo_const"() <{value = dense<-2.800000e+01> : tensor<f32>}> : () -> tensor<f32> loc("scores/bounded_mask")
// CHECK: %[[C:.*]] = "tfl.maximum"(%{{.*}}, %[[F]])
// CHECK: %[[CS:.*]] = "quantfork.stats"(%[[C]]) {layerStats = dense<[-2.800000e+01, 0.000000e+00]> : tensor<2xf32>}
// CHECK: %[[S:.*]] = "tfl.add"(%{{.*}}, %[[CS]])
// CHECK: "quantfork.stats"(%[[S]]) {layerStats = dense<[-2.300000e+01, 5.000000e+00]> : tensor<2xf32>}
func.func @padding(%arg0: tensor<1x3x3xf32>, %arg1: tensor<1x3x3xf32>) -> tensor<1x3x3xf32> {
  %x = "quantfork.stats"(%arg0) {layerStats = dense<[-3.0, 5.0]> : tensor<2xf32>} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %k = "tfl.pseudo_const"() <{value = dense<-1.0e4> : tensor<f32>}> : () -> tensor<f32>
  %m = "tfl.mul"(%arg1, %k) <{fused_activation_function = "NONE"}> : (tensor<1x3x3xf32>, tensor<f32>) -> tensor<1x3x3xf32>
  %ms = "quantfork.stats"(%m) {layerStats = dense<[-1.0e4, 0.0]> : tensor<2xf32>} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %s = "tfl.add"(%x, %ms) <{fused_activation_function = "NONE"}> : (tensor<1x3x3xf32>, tensor<1x3x3xf32>) -> tensor<1x3x3xf32> loc("scores")
  %ss = "quantfork.stats"(%s) {layerStats = dense<[-1.0e4, 5.0]> : tensor<2xf32>} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %p = "tfl.softmax"(%ss) <{beta = 1.000000e+00 : f32}> : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  return %p : tensor<1x3x3xf32>
}

// -----

// A sum that something besides a softmax reads keeps its mask and its range.
// CHECK-LABEL: func.func @not_only_softmax
// CHECK: dense<{{\[\[}}0.000000e+00, -1.000000e+09
// CHECK: layerStats = dense<[-1.000000e+09, 5.000000e+00]>
// CHECK-NOT: tfl.maximum
func.func @not_only_softmax(%arg0: tensor<1x3x3xf32>) -> (tensor<1x3x3xf32>, tensor<1x3x3xf32>) {
  %x = "quantfork.stats"(%arg0) {layerStats = dense<[-3.0, 5.0]> : tensor<2xf32>} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %mask = "tfl.pseudo_const"() <{value = dense<[[0.0, -1.0e9, -1.0e9], [0.0, 0.0, -1.0e9], [0.0, 0.0, 0.0]]> : tensor<3x3xf32>}> : () -> tensor<3x3xf32>
  %s = "tfl.add"(%x, %mask) <{fused_activation_function = "NONE"}> : (tensor<1x3x3xf32>, tensor<3x3xf32>) -> tensor<1x3x3xf32>
  %ss = "quantfork.stats"(%s) {layerStats = dense<[-1.0e9, 5.0]> : tensor<2xf32>} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %p = "tfl.softmax"(%ss) <{beta = 1.000000e+00 : f32}> : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  return %p, %ss : tensor<1x3x3xf32>, tensor<1x3x3xf32>
}

// -----

// A padding mask (1 - valid) * f32::MIN that two layers read: calibration left its sentinels
// out of its range and marked it; the constant becomes the lowest bound either layer needs
// (-28 for scores in [-3, 5]; -22 would do for [-1, 1]), the mask gets [-28, 0] and loses the
// mark, and no maximum is added. Each sum gets its own scores' range and 20 below it.
// CHECK-LABEL: func.func @shared_indicator_mask
// CHECK: %[[C:.*]] = "tfl.pseudo_const"() <{value = dense<-2.800000e+01> : tensor<f32>}> : () -> tensor<f32> loc("layer1/scores/bounded_mask")
// CHECK: %[[M:.*]] = "tfl.mul"(%{{.*}}, %[[C]])
// CHECK: "quantfork.stats"(%[[M]]) {layerStats = dense<[-2.800000e+01, 0.000000e+00]> : tensor<2xf32>} :
// CHECK: "quantfork.stats"(%{{.*}}) {layerStats = dense<[-2.300000e+01, 5.000000e+00]> : tensor<2xf32>}
// CHECK: "quantfork.stats"(%{{.*}}) {layerStats = dense<[-2.100000e+01, 1.000000e+00]> : tensor<2xf32>}
// CHECK-NOT: tfl.maximum
// CHECK-NOT: tqopt.low_sentinels
func.func @shared_indicator_mask(%arg0: tensor<1x3x3xf32>, %arg1: tensor<1x3x3xf32>, %arg2: tensor<1x3x3xf32>) -> (tensor<1x3x3xf32>, tensor<1x3x3xf32>) {
  %x = "quantfork.stats"(%arg0) {layerStats = dense<[-3.0, 5.0]> : tensor<2xf32>} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %y = "quantfork.stats"(%arg2) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %ind = "quantfork.stats"(%arg1) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %k = "tfl.pseudo_const"() <{value = dense<-3.40282347e+38> : tensor<f32>}> : () -> tensor<f32>
  %m = "tfl.mul"(%ind, %k) <{fused_activation_function = "NONE"}> : (tensor<1x3x3xf32>, tensor<f32>) -> tensor<1x3x3xf32> loc("padding")
  %ms = "quantfork.stats"(%m) {layerStats = dense<[-10.0, 0.0]> : tensor<2xf32>, tqopt.low_sentinels} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %s1 = "tfl.add"(%x, %ms) <{fused_activation_function = "NONE"}> : (tensor<1x3x3xf32>, tensor<1x3x3xf32>) -> tensor<1x3x3xf32> loc("layer1/scores")
  %s1s = "quantfork.stats"(%s1) {layerStats = dense<[-13.0, 5.0]> : tensor<2xf32>} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %p1 = "tfl.softmax"(%s1s) <{beta = 1.000000e+00 : f32}> : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %s2 = "tfl.add"(%y, %ms) <{fused_activation_function = "NONE"}> : (tensor<1x3x3xf32>, tensor<1x3x3xf32>) -> tensor<1x3x3xf32> loc("layer2/scores")
  %s2s = "quantfork.stats"(%s2) {layerStats = dense<[-11.0, 1.0]> : tensor<2xf32>} : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %p2 = "tfl.softmax"(%s2s) <{beta = 1.000000e+00 : f32}> : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  return %p1, %p2 : tensor<1x3x3xf32>, tensor<1x3x3xf32>
}
