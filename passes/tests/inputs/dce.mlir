func.func @main(%arg0: tensor<2xf32>, %arg1: tensor<i32>) -> tensor<2xf32> {
  %0 = "tfl.exp"(%arg0) : (tensor<2xf32>) -> tensor<2xf32> loc("dead_exp")
  %1 = "tfl.relu"(%0) : (tensor<2xf32>) -> tensor<2xf32> loc("dead_relu")
  "other.effect"(%arg0) : (tensor<2xf32>) -> () loc("effect")
  %2:2 = "tfl.while"(%arg1, %arg0) ({
  ^bb0(%a: tensor<i32>, %b: tensor<2xf32>):
    %dead = "tfl.neg"(%b) : (tensor<2xf32>) -> tensor<2xf32> loc("dead_in_region")
    %t = "tfl.pseudo_const"() <{value = dense<false> : tensor<i1>}> : () -> tensor<i1>
    "tfl.yield"(%t) : (tensor<i1>) -> ()
  }, {
  ^bb0(%a: tensor<i32>, %b: tensor<2xf32>):
    "tfl.yield"(%a, %b) : (tensor<i32>, tensor<2xf32>) -> ()
  }) : (tensor<i32>, tensor<2xf32>) -> (tensor<i32>, tensor<2xf32>) loc("loop")
  %3 = "tfl.relu"(%2#1) : (tensor<2xf32>) -> tensor<2xf32> loc("live")
  return %3 : tensor<2xf32>
}
