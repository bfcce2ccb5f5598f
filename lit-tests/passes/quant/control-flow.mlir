// tfl.while and tfl.if whose regions call functions (the importer's form), calibrated as the
// calibrate pass leaves them (statistics inside the regions too). quantize-int8 keeps each
// region a single call + yield, gives every loop-carried value one quantized type (the union
// of the ranges of the body's argument, the body's result and the loop's result), and the
// branches of an if one type per result. Integer and boolean ops (the step counter, less,
// logical_and) are no candidates, so strict int8 accepts the model, and it exports.
// RUN: tqopt %s --pass=propagate-ranges | FileCheck %s --check-prefix=RANGES
// RUN: tqopt %s --pass=quantize-int8 | FileCheck %s
// RUN: tqopt %s --pass='quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}' | FileCheck %s --check-prefix=STRICT
// Functions that are called keep their callers' types even when not private.
// RUN: sed 's/func.func private/func.func/' %s | tqopt - --pass='quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}' | FileCheck %s --check-prefix=STRICT
// RUN: tqopt %s --pass='quantize-int8{ops=TFLITE_BUILTINS_INT8}' -o %t.tflite
// RUN: tqopt %t.tflite | FileCheck %s --check-prefix=REIMPORT
// RUN: tqopt %s --pass='quantize-int8{deny=fully_connected|tanh|^tfl.add$}' | FileCheck %s --check-prefix=DENY

// The statistics inside the regions go; the carried h gets [-0.9, 0.8] everywhere.
// RANGES-LABEL: func.func @main
// RANGES: "tfl.while"
// RANGES-NEXT: ^bb0(
// RANGES-NEXT: call @cond(
// RANGES-NEXT: "tfl.yield"
// RANGES: ^bb0(
// RANGES-NEXT: call @body(
// RANGES-NEXT: "tfl.yield"
// RANGES: "quantfork.stats"(%{{.*}}#1) {layerStats = dense<[-0.899999976, 8.000000e-01]>
// RANGES-LABEL: func.func private @body
// RANGES: "quantfork.stats"(%arg1) {layerStats = dense<[-0.899999976, 8.000000e-01]>
// RANGES: "quantfork.stats"(%{{.*}}) {layerStats = dense<[-0.899999976, 8.000000e-01]>
// RANGES-NEXT: return

// The carried h: scale 1.7/255, zero point 7, at the loop's operand (a quantized constant),
// the region arguments, the calls, the yields, the loop's result and the functions' types.
// CHECK-LABEL: func.func @main
// CHECK: %[[H0:.*]] = "tfl.pseudo_qconst"() <{qtype = tensor<1x4x!quant.uniform<i8:f32, 0.0066666668280959129:7>>
// CHECK: "tfl.while"(%{{.*}}, %[[H0]], %{{.*}})
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<i32>, %{{.*}}: tensor<1x4x!quant.uniform<i8:f32, 0.0066666668280959129:7>>, %{{.*}}: tensor<1x4x!quant.uniform<i8:f32, [[X:.*]]>>):
// CHECK-NEXT: call @cond(
// CHECK-NEXT: "tfl.yield"
// CHECK: ^bb0(
// CHECK-NEXT: call @body({{.*}}) : {{.*}} -> (tensor<i32>, tensor<1x4x!quant.uniform<i8:f32, 0.0066666668280959129:7>>, tensor<1x4x!quant.uniform<i8:f32, [[X]]>>)
// CHECK-NEXT: "tfl.yield"
// CHECK: "tfl.if"
// CHECK-NEXT: call @then({{.*}}) : (tensor<1x4x!quant.uniform<i8:f32, 0.0066666668280959129:7>>) -> tensor<1x4x!quant.uniform<i8:f32, [[Y:.*]]>>
// CHECK-NEXT: "tfl.yield"
// CHECK-NEXT: }, {
// CHECK-NEXT: call @else({{.*}}) : (tensor<1x4x!quant.uniform<i8:f32, 0.0066666668280959129:7>>) -> tensor<1x4x!quant.uniform<i8:f32, [[Y]]>>
// CHECK-NEXT: "tfl.yield"
// CHECK-LABEL: func.func private @cond(
// CHECK-SAME: %arg0: tensor<i32>, %arg1: tensor<1x4x!quant.uniform<i8:f32, 0.0066666668280959129:7>>
// CHECK: "tfl.logical_and"
// CHECK-LABEL: func.func private @body(
// CHECK-SAME: %arg0: tensor<i32>, %arg1: tensor<1x4x!quant.uniform<i8:f32, 0.0066666668280959129:7>>, %arg2: tensor<1x4x!quant.uniform<i8:f32, [[X]]>>) -> (tensor<i32>, tensor<1x4x!quant.uniform<i8:f32, 0.0066666668280959129:7>>, tensor<1x4x!quant.uniform<i8:f32, [[X]]>>)
// CHECK: "tfl.fully_connected"(%arg1,
// CHECK: "tfl.tanh"
// CHECK: return %{{.*}}, %{{.*}}, %arg2 :
// CHECK-LABEL: func.func private @then(
// CHECK-SAME: -> tensor<1x4x!quant.uniform<i8:f32, [[Y]]>>
// CHECK: "tfl.mul"
// CHECK-LABEL: func.func private @else(
// CHECK-SAME: -> tensor<1x4x!quant.uniform<i8:f32, [[Y]]>>
// CHECK: "tfl.add"

// Integer I/O applies to the entry function only.
// STRICT-LABEL: func.func @main(%arg0: tensor<1x4x!quant.uniform<i8:f32, {{.*}}>>) -> tensor<1x4x!quant.uniform<i8:f32,
// STRICT: func.func {{(private )?}}@body(%arg0: tensor<i32>,

// With every op of the body float, no integer kernel computes on the carried values: they
// stay float (quantizing them would only add rounding), and so does tanh's result, whose
// fixed int8 range belonged to a kernel that does not run. The if's branches still compute
// in int8, so the loop's result is quantized after the loop.
// DENY-LABEL: func.func @main
// DENY: "tfl.while"(%{{.*}}, %{{.*}}, %arg0)
// DENY: }) : (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) -> (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>)
// DENY-NEXT: "tfl.quantize"
// DENY: "tfl.if"
// DENY-LABEL: func.func private @body(
// DENY-SAME: %arg1: tensor<1x4xf32>, %arg2: tensor<1x4xf32>) -> (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>)
// DENY-NOT: {{"tfl.(de)?quantize"|quant.uniform}}
// DENY: %[[T:.*]] = "tfl.tanh"
// DENY-NOT: {{"tfl.(de)?quantize"|quant.uniform}}
// DENY: return %{{.*}}, %[[T]], %arg2 :
// DENY-LABEL: func.func private @then(

// The exported file has the loop and the branch, calling four subgraphs.
// REIMPORT: "tfl.while"
// REIMPORT: "tfl.if"
// REIMPORT-COUNT-4: func.func private

module {
  func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    %xs = "quantfork.stats"(%x) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %zero = "tfl.pseudo_const"() <{value = dense<0> : tensor<i32>}> : () -> tensor<i32>
    %h0 = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<1x4xf32>}> : () -> tensor<1x4xf32>
    %r:3 = "tfl.while"(%zero, %h0, %xs) ({
    ^bb0(%a0: tensor<i32>, %a1: tensor<1x4xf32>, %a2: tensor<1x4xf32>):
      %s1 = "quantfork.stats"(%a1) {layerStats = dense<[-3.0, 3.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
      %c = func.call @cond(%a0, %s1, %a2) : (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<i1>
      "tfl.yield"(%c) : (tensor<i1>) -> ()
    }, {
    ^bb0(%a0: tensor<i32>, %a1: tensor<1x4xf32>, %a2: tensor<1x4xf32>):
      %n:3 = func.call @body(%a0, %a1, %a2) : (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) -> (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>)
      %s2 = "quantfork.stats"(%n#1) {layerStats = dense<[-3.0, 3.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
      "tfl.yield"(%n#0, %s2, %n#2) : (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) -> ()
    }) : (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) -> (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>)
    %rh = "quantfork.stats"(%r#1) {layerStats = dense<[-0.7, 0.8]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %rx = "quantfork.stats"(%r#2) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %p = "tfl.pseudo_const"() <{value = dense<true> : tensor<i1>}> : () -> tensor<i1>
    %y = "tfl.if"(%p) ({
      %t = func.call @then(%rh) : (tensor<1x4xf32>) -> tensor<1x4xf32>
      "tfl.yield"(%t) : (tensor<1x4xf32>) -> ()
    }, {
      %e = func.call @else(%rh) : (tensor<1x4xf32>) -> tensor<1x4xf32>
      "tfl.yield"(%e) : (tensor<1x4xf32>) -> ()
    }) : (tensor<i1>) -> tensor<1x4xf32>
    %ys = "quantfork.stats"(%y) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    return %ys : tensor<1x4xf32>
  }
  func.func private @cond(%i: tensor<i32>, %h: tensor<1x4xf32>, %x: tensor<1x4xf32>) -> tensor<i1> {
    %hs = "quantfork.stats"(%h) {layerStats = dense<[-0.5, 0.5]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %n = "tfl.pseudo_const"() <{value = dense<3> : tensor<i32>}> : () -> tensor<i32>
    %a = "tfl.less"(%i, %n) : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %b = "tfl.less"(%i, %n) : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %c = "tfl.logical_and"(%a, %b) : (tensor<i1>, tensor<i1>) -> tensor<i1>
    return %c : tensor<i1>
  }
  func.func private @body(%i: tensor<i32>, %h: tensor<1x4xf32>, %x: tensor<1x4xf32>) -> (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) {
    %hs = "quantfork.stats"(%h) {layerStats = dense<[-0.5, 0.5]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %xs = "quantfork.stats"(%x) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %one = "tfl.pseudo_const"() <{value = dense<1> : tensor<i32>}> : () -> tensor<i32>
    %next = "tfl.add"(%i, %one) <{fused_activation_function = "NONE"}> : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %w = "tfl.pseudo_const"() <{value = dense<[[0.5, -0.25, 0.125, 0.3], [0.2, 0.6, -0.4, 0.1], [-0.3, 0.1, 0.7, -0.2], [0.05, -0.5, 0.2, 0.4]]> : tensor<4x4xf32>}> : () -> tensor<4x4xf32>
    %b = "tfl.pseudo_const"() <{value = dense<[0.1, -0.1, 0.05, 0.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
    %f = "tfl.fully_connected"(%hs, %w, %b) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
    %fs = "quantfork.stats"(%f) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %s = "tfl.add"(%fs, %xs) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
    %ss = "quantfork.stats"(%s) {layerStats = dense<[-2.0, 2.0]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %t = "tfl.tanh"(%ss) : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %ts = "quantfork.stats"(%t) {layerStats = dense<[-0.9, 0.6]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    return %next, %ts, %xs : tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>
  }
  func.func private @then(%h: tensor<1x4xf32>) -> tensor<1x4xf32> {
    %hs = "quantfork.stats"(%h) {layerStats = dense<[-0.7, 0.8]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %m = "tfl.mul"(%hs, %hs) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
    %ms = "quantfork.stats"(%m) {layerStats = dense<[0.0, 0.64]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    return %ms : tensor<1x4xf32>
  }
  func.func private @else(%h: tensor<1x4xf32>) -> tensor<1x4xf32> {
    %hs = "quantfork.stats"(%h) {layerStats = dense<[-0.7, 0.8]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %c = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<1x4xf32>}> : () -> tensor<1x4xf32>
    %a = "tfl.add"(%hs, %c) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
    %as = "quantfork.stats"(%a) {layerStats = dense<[-0.2, 1.3]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    return %as : tensor<1x4xf32>
  }
}
