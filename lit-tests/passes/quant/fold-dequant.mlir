// fold-dequant: removes pairs between float ops, and with io=int8/uint8 makes the model's
// inputs and outputs integer.
// RUN: tqopt %s --pass='quantize-int8{target=reference}' | FileCheck %s --check-prefix=FLOAT
// RUN: tqopt %s --pass='quantize-int8{io=int8 target=reference}' | FileCheck %s --check-prefix=INT8
// RUN: tqopt %s --pass='quantize-int8{io=uint8 target=reference}' | FileCheck %s --check-prefix=UINT8

// FLOAT-LABEL: func.func @relu(%arg0: tensor<4xf32>) -> tensor<4xf32>
// FLOAT: "tfl.quantize"(%arg0)
// FLOAT: "tfl.relu"
// FLOAT: "tfl.dequantize"
// INT8-LABEL: func.func @relu(%arg0: tensor<4x!quant.uniform<i8:f32, 0.0078431377187371254:-1>>) -> tensor<4x!quant.uniform<i8:f32, 0.0039215688593685627:-128>>
// INT8-NEXT: %[[R:.*]] = "tfl.relu"(%arg0)
// INT8-NEXT: return %[[R]]
// UINT8-LABEL: func.func @relu(%arg0: tensor<4x!quant.uniform<u8:f32, 0.0078431377187371254:127>>) -> tensor<4x!quant.uniform<u8:f32, 0.0039215688593685627>>
// UINT8-NEXT: %[[Q:.*]] = "tfl.quantize"(%arg0) <{qtype = tensor<4x!quant.uniform<i8:f32, 0.0078431377187371254:-1>>}>
// UINT8-NEXT: %[[R:.*]] = "tfl.relu"(%[[Q]])
// UINT8-NEXT: %[[O:.*]] = "tfl.quantize"(%[[R]]) <{qtype = tensor<4x!quant.uniform<u8:f32, 0.0039215688593685627>>}>
// UINT8-NEXT: return %[[O]]
func.func @relu(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tfl.relu"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "quantfork.stats"(%1) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

