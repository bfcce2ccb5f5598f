// tqopt eval on a quantized model that does not verify (an int16 squared difference, which
// TensorFlow's 16x8 converter writes and LiteRT refuses to run): the figures are given, with
// a warning that names the op and says LiteRT may refuse the model.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/data.npy', np.random.default_rng(3).uniform(-1, 1, (4, 1, 4)).astype(np.float32))"
// RUN: %python -c "q = 'tensor<1x4x!quant.uniform<i16:f32, 3.0e-05>>'; open('%t/int16.mlir', 'w').write('func.func @main(%%x: tensor<1x4xf32> loc(\"x\")) -> tensor<1x4xf32> {\n  %%q = \"tfl.quantize\"(%%x) <{qtype = ' + q + '}> : (tensor<1x4xf32>) -> ' + q + ' loc(\"xq\")\n  %%d = \"tfl.squared_difference\"(%%q, %%q) : (' + q + ', ' + q + ') -> ' + q + ' loc(\"sd\")\n  %%y = \"tfl.dequantize\"(%%d) : (' + q + ') -> tensor<1x4xf32> loc(\"y\")\n  return %%y : tensor<1x4xf32>\n}\n')"
// RUN: tqopt eval %t/int16.mlir --reference %s --data %t/data.npy --no-progress --report %t/r.json 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t/r.json
// JSON: "warnings": ["{{.*}}int16.mlir does not verify (3 problems): LiteRT may refuse to run it
// CHECK: warning: {{.*}}int16.mlir does not verify (3 problems): LiteRT may refuse to run it
// CHECK-NEXT: {{.*}}int16.mlir:3:8: error: 'tfl.squared_difference' op operand #0 ('lhs') must be f32, i32, qi8, but got 'tensor<1x4x!quant.uniform<i16:f32, 3.000000e-05>>'
// CHECK: model SQNR:
// The reference itself verifies: no warning when it is evaluated against itself.
// RUN: tqopt eval %s --reference %s --data %t/data.npy --no-progress 2>&1 | FileCheck %s --check-prefix=CLEAN
// CLEAN-NOT: warning
// CLEAN: model SQNR: 99.00 dB

func.func @main(%x: tensor<1x4xf32> loc("x")) -> tensor<1x4xf32> {
  %y = "tfl.squared_difference"(%x, %x) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("sd")
  return %y : tensor<1x4xf32>
}
