// A float model with a loop and a branch in the importer's form (regions that only call
// functions): h <- tanh(fc(h) + x) three times, with the step counted in int32 and checked
// with less and logical_and as Keras loops do; then h * h if the input's first value is
// positive, else h + 0.5. tests/interop/test_control_flow.py quantizes it with tqopt and
// runs it in LiteRT.
module {
  func.func @main(%x: tensor<1x4xf32> loc("x")) -> tensor<1x4xf32> attributes {tf.entry_function = {inputs = "x", outputs = "y"}} {
    %zero = "tfl.pseudo_const"() <{value = dense<0> : tensor<i32>}> : () -> tensor<i32> loc("zero")
    %h0 = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<1x4xf32>}> : () -> tensor<1x4xf32> loc("h0")
    %r:3 = "tfl.while"(%zero, %h0, %x) ({
    ^bb0(%a0: tensor<i32>, %a1: tensor<1x4xf32>, %a2: tensor<1x4xf32>):
      %c = func.call @cond(%a0, %a1, %a2) : (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<i1> loc("loop")
      "tfl.yield"(%c) : (tensor<i1>) -> () loc("loop")
    }, {
    ^bb0(%a0: tensor<i32>, %a1: tensor<1x4xf32>, %a2: tensor<1x4xf32>):
      %n:3 = func.call @body(%a0, %a1, %a2) : (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) -> (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) loc("loop")
      "tfl.yield"(%n#0, %n#1, %n#2) : (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) -> () loc("loop")
    }) {is_stateless = false} : (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) -> (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) loc("loop")
    %begin = "tfl.pseudo_const"() <{value = dense<0> : tensor<2xi32>}> : () -> tensor<2xi32> loc("begin")
    %size = "tfl.pseudo_const"() <{value = dense<1> : tensor<2xi32>}> : () -> tensor<2xi32> loc("size")
    %first = "tfl.slice"(%x, %begin, %size) : (tensor<1x4xf32>, tensor<2xi32>, tensor<2xi32>) -> tensor<1x1xf32> loc("first")
    %shape = "tfl.pseudo_const"() <{value = dense<> : tensor<0xi32>}> : () -> tensor<0xi32> loc("scalar_shape")
    %s = "tfl.reshape"(%first, %shape) : (tensor<1x1xf32>, tensor<0xi32>) -> tensor<f32> loc("first_scalar")
    %fz = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32> loc("fzero")
    %p = "tfl.greater"(%s, %fz) : (tensor<f32>, tensor<f32>) -> tensor<i1> loc("positive")
    %y = "tfl.if"(%p) ({
      %t = func.call @then(%r#1) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("branch")
      "tfl.yield"(%t) : (tensor<1x4xf32>) -> () loc("branch")
    }, {
      %e = func.call @else(%r#1) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("branch")
      "tfl.yield"(%e) : (tensor<1x4xf32>) -> () loc("branch")
    }) {is_stateless = false} : (tensor<i1>) -> tensor<1x4xf32> loc("y")
    return %y : tensor<1x4xf32>
  }
  func.func private @cond(%i: tensor<i32> loc("cond_i"), %h: tensor<1x4xf32> loc("cond_h"), %x: tensor<1x4xf32> loc("cond_x")) -> tensor<i1> {
    %n = "tfl.pseudo_const"() <{value = dense<3> : tensor<i32>}> : () -> tensor<i32> loc("steps")
    %big = "tfl.pseudo_const"() <{value = dense<100> : tensor<i32>}> : () -> tensor<i32> loc("limit")
    %a = "tfl.less"(%i, %n) : (tensor<i32>, tensor<i32>) -> tensor<i1> loc("less")
    %b = "tfl.less"(%i, %big) : (tensor<i32>, tensor<i32>) -> tensor<i1> loc("less_limit")
    %c = "tfl.logical_and"(%a, %b) : (tensor<i1>, tensor<i1>) -> tensor<i1> loc("and")
    return %c : tensor<i1>
  }
  func.func private @body(%i: tensor<i32> loc("body_i"), %h: tensor<1x4xf32> loc("body_h"), %x: tensor<1x4xf32> loc("body_x")) -> (tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>) {
    %one = "tfl.pseudo_const"() <{value = dense<1> : tensor<i32>}> : () -> tensor<i32> loc("one")
    %next = "tfl.add"(%i, %one) <{fused_activation_function = "NONE"}> : (tensor<i32>, tensor<i32>) -> tensor<i32> loc("next")
    %w = "tfl.pseudo_const"() <{value = dense<[[0.5, -0.25, 0.125, 0.3], [0.2, 0.6, -0.4, 0.1], [-0.3, 0.1, 0.7, -0.2], [0.05, -0.5, 0.2, 0.4]]> : tensor<4x4xf32>}> : () -> tensor<4x4xf32> loc("w")
    %b = "tfl.pseudo_const"() <{value = dense<[0.1, -0.1, 0.05, 0.0]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("b")
    %f = "tfl.fully_connected"(%h, %w, %b) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x4xf32> loc("fc")
    %s = "tfl.add"(%f, %x) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("sum")
    %t = "tfl.tanh"(%s) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("h")
    return %next, %t, %x : tensor<i32>, tensor<1x4xf32>, tensor<1x4xf32>
  }
  func.func private @then(%h: tensor<1x4xf32> loc("then_h")) -> tensor<1x4xf32> {
    %m = "tfl.mul"(%h, %h) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("square")
    return %m : tensor<1x4xf32>
  }
  func.func private @else(%h: tensor<1x4xf32> loc("else_h")) -> tensor<1x4xf32> {
    %c = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<1x4xf32>}> : () -> tensor<1x4xf32> loc("half")
    %a = "tfl.add"(%h, %c) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("shift")
    return %a : tensor<1x4xf32>
  }
}
