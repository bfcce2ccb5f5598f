// A loop and a branch written as inline regions (tqopt's exporter outlines them into
// subgraphs): count `i` up to 10, then `i * step` if i > step, else `i - step`.
module {
  func.func @main(%arg0: tensor<i32> loc("i"), %arg1: tensor<i32> loc("step")) -> tensor<i32> attributes {tf.entry_function = {inputs = "i,step", outputs = "result"}} {
    %ten = "tfl.pseudo_const"() <{value = dense<10> : tensor<i32>}> : () -> tensor<i32> loc("ten")
    %0 = "tfl.while"(%arg0) ({
    ^bb0(%a: tensor<i32>):
      %c = "tfl.less"(%a, %ten) : (tensor<i32>, tensor<i32>) -> tensor<i1> loc("lt")
      "tfl.yield"(%c) : (tensor<i1>) -> ()
    }, {
    ^bb0(%a: tensor<i32>):
      %one = "tfl.pseudo_const"() <{value = dense<1> : tensor<i32>}> : () -> tensor<i32> loc("one")
      %s = "tfl.add"(%a, %one) <{fused_activation_function = "NONE"}> : (tensor<i32>, tensor<i32>) -> tensor<i32> loc("next")
      "tfl.yield"(%s) : (tensor<i32>) -> ()
    }) : (tensor<i32>) -> tensor<i32> loc("loop")
    %big = "tfl.greater"(%0, %arg1) : (tensor<i32>, tensor<i32>) -> tensor<i1> loc("big")
    %r = "tfl.if"(%big) ({
      %d = "tfl.mul"(%0, %arg1) <{fused_activation_function = "NONE"}> : (tensor<i32>, tensor<i32>) -> tensor<i32> loc("times")
      "tfl.yield"(%d) : (tensor<i32>) -> ()
    }, {
      %e = "tfl.sub"(%0, %arg1) <{fused_activation_function = "NONE"}> : (tensor<i32>, tensor<i32>) -> tensor<i32> loc("minus")
      "tfl.yield"(%e) : (tensor<i32>) -> ()
    }) : (tensor<i1>) -> tensor<i32> loc("result")
    return %r : tensor<i32>
  }
}
