// A model whose last op stays float keeps a float output; no quantize/dequantize around it.
// RUN: tqopt %s --pass=quantize-int8 | FileCheck %s --check-prefix=FLOAT

// With integer I/O the same model takes and returns int8: its calibrated input is
// dequantized for the float op, the float result quantized for the output.
// RUN: tqopt %s --pass='quantize-int8{io=int8}' | FileCheck %s --check-prefix=INT8IO

// INT8IO-LABEL: func.func @float_last
// INT8IO-SAME: (%[[A:.*]]: tensor<4x!quant.uniform<i8:f32, {{.*}}>>) -> tensor<4x!quant.uniform<i8:f32, {{.*}}>>
// INT8IO-NEXT: %[[D:.*]] = "tfl.dequantize"(%[[A]])
// INT8IO-NEXT: "tfl.relu"(%[[D]])
// INT8IO: %[[P:.*]] = "tfl.pow"
// INT8IO-NEXT: %[[Q:.*]] = "tfl.quantize"(%[[P]]) <{qtype = {{.*}}}> :
// INT8IO-NEXT: return %[[Q]]

// FLOAT-LABEL: func.func @float_last
// FLOAT: %[[P:.*]] = "tfl.pow"
// FLOAT-NEXT: return %[[P]] : tensor<4xf32>
func.func @float_last(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tfl.relu"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "quantfork.stats"(%1) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  %e = "tfl.pseudo_const"() <{value = dense<3.0> : tensor<f32>}> : () -> tensor<f32>
  %3 = "tfl.pow"(%2, %e) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %4 = "quantfork.stats"(%3) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %4 : tensor<4xf32>
}
