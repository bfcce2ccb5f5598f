// A unidirectional sequence LSTM (batch 1, 2 steps, 3 inputs, 2 cells). Its states are
// variables: `h` is marked tfl.is_variable, `c` is a variable because the LSTM reads it as its
// cell state; the runtime starts both at zero.
module {
  func.func @main(%arg0: tensor<1x2x3xf32> loc("x")) -> tensor<1x2x2xf32> {
    %wi = "tfl.pseudo_const"() <{value = dense<[[0.1, -0.2, 0.3], [0.05, 0.1, -0.1]]> : tensor<2x3xf32>}> : () -> tensor<2x3xf32> loc("wi")
    %wf = "tfl.pseudo_const"() <{value = dense<[[0.2, 0.1, -0.3], [-0.1, 0.2, 0.1]]> : tensor<2x3xf32>}> : () -> tensor<2x3xf32> loc("wf")
    %wc = "tfl.pseudo_const"() <{value = dense<[[-0.3, 0.2, 0.1], [0.3, -0.1, 0.2]]> : tensor<2x3xf32>}> : () -> tensor<2x3xf32> loc("wc")
    %wo = "tfl.pseudo_const"() <{value = dense<[[0.1, 0.1, 0.1], [-0.2, 0.3, -0.1]]> : tensor<2x3xf32>}> : () -> tensor<2x3xf32> loc("wo")
    %ri = "tfl.pseudo_const"() <{value = dense<[[0.1, 0.2], [-0.1, 0.3]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32> loc("ri")
    %rf = "tfl.pseudo_const"() <{value = dense<[[0.3, -0.2], [0.1, 0.1]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32> loc("rf")
    %rc = "tfl.pseudo_const"() <{value = dense<[[-0.1, 0.2], [0.2, -0.3]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32> loc("rc")
    %ro = "tfl.pseudo_const"() <{value = dense<[[0.2, 0.2], [-0.2, 0.1]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32> loc("ro")
    %bi = "tfl.pseudo_const"() <{value = dense<[0.0, 0.1]> : tensor<2xf32>}> : () -> tensor<2xf32> loc("bi")
    %bf = "tfl.pseudo_const"() <{value = dense<[1.0, 1.0]> : tensor<2xf32>}> : () -> tensor<2xf32> loc("bf")
    %bc = "tfl.pseudo_const"() <{value = dense<[0.0, -0.1]> : tensor<2xf32>}> : () -> tensor<2xf32> loc("bc")
    %bo = "tfl.pseudo_const"() <{value = dense<[0.1, 0.0]> : tensor<2xf32>}> : () -> tensor<2xf32> loc("bo")
    %h = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<1x2xf32>}> {tfl.is_variable} : () -> tensor<1x2xf32> loc("h")
    %c = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<1x2xf32>}> : () -> tensor<1x2xf32> loc("c")
    %none = "tfl.no_value"() <{value}> : () -> none
    %y = "tfl.unidirectional_sequence_lstm"(%arg0, %wi, %wf, %wc, %wo, %ri, %rf, %rc, %ro, %none, %none, %none, %bi, %bf, %bc, %bo, %none, %none, %h, %c, %none, %none, %none, %none) <{cell_clip = 0.0 : f32, fused_activation_function = "TANH", proj_clip = 0.0 : f32, time_major = false}> : (tensor<1x2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, none, none, none, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, none, none, tensor<1x2xf32>, tensor<1x2xf32>, none, none, none, none) -> tensor<1x2x2xf32> loc("y")
    return %y : tensor<1x2x2xf32>
  }
}
