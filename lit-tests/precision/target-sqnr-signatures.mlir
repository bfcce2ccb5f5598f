// quantize-int8{target-sqnr=DB} on a model with two signatures (public functions nothing
// calls): each is searched on its own data run, and only its own ops can be kept float.
// `encode` needs its add and sub float (x * 0.5 + 1000 - 1000: int8 steps of about 4 around
// 1000, see target-sqnr.mlir); `score` reaches the target all int8. The report gives each
// signature's SQNR, and the model's figure is the worse one.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.random.default_rng(0).uniform(-1, 1, (8, 1, 64)).astype(np.float32))"
// RUN: tqopt %s --pass='quantize-int8{target-sqnr=30}' --calibration-data=%t/x.npy --no-progress --report=%t/r.json -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: FileCheck %s --check-prefix=IR < %t/out.mlir
// RUN: FileCheck %s --check-prefix=JSON < %t/r.json
// verify= measures every signature too.
// RUN: tqopt %s --pass='quantize-int8{verify=%t/x.npy}' --calibration-data=%t/x.npy --no-progress -o %t/v.mlir 2>&1 | FileCheck %s --check-prefix=VERIFY

// REPORT: quantized 4 of 6 ops (67%)
// REPORT: left float (2):
// REPORT-NEXT: tfl.add at "big_add": kept float for target-sqnr=30
// REPORT-NEXT: tfl.sub at "big_sub": kept float for target-sqnr=30
// REPORT: target-sqnr=30: output SQNR [[WORST:[3-9][0-9]\.[0-9][0-9]]] dB on 8 samples of {{.*}}x.npy
// REPORT-NEXT: per signature (each searched on its own): encode {{[3-9][0-9]\.[0-9][0-9]}} dB, score {{[3-9][0-9]\.[0-9][0-9]}} dB
// REPORT: kept float: 2 of 6 quantizable ops

// IR-DAG: "tfl.add"({{.*}}tqopt.keep_float{{.*}} loc("big_add")
// IR-DAG: "tfl.sub"({{.*}}tqopt.keep_float{{.*}} loc("big_sub")
// IR-DAG: "tfl.mul"{{.*}}!quant.uniform<i8{{.*}} loc("s0")
// IR-DAG: "tfl.mul"{{.*}}!quant.uniform<i8{{.*}} loc("s1")

// JSON: "signatures": "encode {{[0-9.]+}} dB, score {{[0-9.]+}} dB"

// VERIFY: verify: output SQNR {{[-0-9.]+}} dB on 8 samples
// VERIFY-NEXT: per signature: encode {{[-0-9.]+}} dB, score {{[-0-9.]+}} dB

func.func @encode(%arg0: tensor<1x64xf32> loc("x")) -> tensor<1x64xf32> {
  %half = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %0 = "tfl.mul"(%arg0, %half) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("m0")
  %big = "tfl.pseudo_const"() <{value = dense<1000.0> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %1 = "tfl.add"(%0, %big) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("big_add")
  %2 = "tfl.sub"(%1, %big) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("big_sub")
  %two = "tfl.pseudo_const"() <{value = dense<2.0> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %3 = "tfl.mul"(%2, %two) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("m1")
  return %3 : tensor<1x64xf32>
}
func.func @score(%arg0: tensor<1x64xf32> loc("x")) -> tensor<1x64xf32> {
  %three = "tfl.pseudo_const"() <{value = dense<3.0> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %0 = "tfl.mul"(%arg0, %three) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("s0")
  %1 = "tfl.mul"(%0, %0) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("s1")
  return %1 : tensor<1x64xf32>
}
