// Quantizing a model that is quantized already (an int8 .tflite given again) warns: the second
// calibration sees dequantized values and every tensor is rounded twice. The float model
// gives no such warning.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/data.npy', np.random.default_rng(5).uniform(-2, 2, (8, 1, 4)).astype(np.float32))"
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/data.npy --no-progress -o %t/int8.tflite 2>&1 | FileCheck %s --check-prefix=FIRST
// FIRST-NOT: quantized already
// RUN: tqopt %t/int8.tflite --pass=quantize-int8 --calibration-data=%t/data.npy --no-progress -o %t/again.tflite 2>&1 | FileCheck %s --check-prefix=AGAIN
// AGAIN: warning: the model is quantized already ({{[0-9]+}} ops compute on quantized tensors): quantizing it again calibrates on its dequantized values and rounds them a second time, which only adds error; quantize the float model instead

func.func @main(%x: tensor<1x4xf32> loc("x")) -> tensor<1x3xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<[[0.5, -0.25, 0.125, 0.3], [0.2, 0.6, -0.4, 0.1], [-0.3, 0.1, 0.7, -0.2]]> : tensor<3x4xf32>}> : () -> tensor<3x4xf32> loc("w")
  %b = "tfl.pseudo_const"() <{value = dense<[0.1, -0.1, 0.05]> : tensor<3xf32>}> : () -> tensor<3xf32> loc("b")
  %y = "tfl.fully_connected"(%x, %w, %b) <{asymmetric_quantize_inputs = false, fused_activation_function = "RELU", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<1x3xf32> loc("fc")
  return %y : tensor<1x3xf32>
}
