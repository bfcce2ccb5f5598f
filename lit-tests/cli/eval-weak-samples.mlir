// tqopt eval explains a mean SQNR that a few samples pull down: samples 6 and 7 drive the
// sigmoid to ~2e-9, below one step of its int8 output (1/256), so their SQNR is ~0 dB while
// the others' is ~40 dB. The note names them, their reference rms, the pooled SQNR and the
// step; --report holds the same figures, and a target-sqnr search notes it. When every
// sample's output is that small, the default check of quantize-int8 warns and says why.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(3); x = r.uniform(-0.3, 0.3, (8, 1, 4)); x[6:] = -5.0; np.save('%t/data.npy', x.astype(np.float32)); np.save('%t/low.npy', np.full((8, 1, 4), -5.0, np.float32) + r.uniform(-0.1, 0.1, (8, 1, 4)).astype(np.float32))"
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/data.npy --no-progress -o %t/int8.tflite 2>&1 | FileCheck %s --check-prefix=QUANT
// QUANT-NOT: warning
// RUN: tqopt eval %t/int8.tflite --reference %s --data %t/data.npy --no-progress --report %t/r.json | FileCheck %s
// CHECK: model SQNR: {{[0-9]+\.[0-9][0-9]}} dB (mean over 1 outputs)
// CHECK-NEXT: note: output 'probs': its mean SQNR over samples ({{[0-9.]+}} dB) is pulled down by sample {{[67]}} ({{-?[0-9]\.[0-9][0-9]}} dB, reference rms {{[0-9.]+}}e-9) and sample {{[67]}} ({{-?[0-9]\.[0-9][0-9]}} dB, reference rms {{[0-9.]+}}e-9), whose reference values are small (the median sample's rms is {{[0-9.]+}}e-1): an absolute error that is small elsewhere is large against them. Pooled over all samples (Σref² / Σ(ref−q)² of every sample together) its SQNR is {{[3-5][0-9]\.[0-9][0-9]}} dB; the quantized output moves in steps of 3.906e-3 (its scale), more than the rms of the weakest of those samples
// RUN: FileCheck %s --check-prefix=JSON < %t/r.json
// JSON: "pooled_sqnr_db": {{[3-5][0-9]\.[0-9]+}}, "weak_samples": [{"index": {{[67]}}, "sqnr_db": {{-?[0-9.]+(e-[0-9]+)?}}, "reference_rms": {{0\.00000000[0-9]+}}}, {"index": {{[67]}},
//
// A target-sqnr search met on such a mean says so too.
// RUN: tqopt %s --pass='quantize-int8{target-sqnr=25}' --calibration-data=%t/data.npy --no-progress -o %t/t25.tflite 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: note: output 'probs': its mean SQNR over samples ({{[0-9.]+}} dB) is pulled down by sample {{[67]}}
//
// Every sample near zero: the check warns, and the note says the output cannot resolve them.
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/low.npy --no-progress -o %t/low.tflite 2>&1 | FileCheck %s --check-prefix=LOW
// LOW: warning: the quantized model's output SQNR is {{-?[0-9]\.[0-9][0-9]}} dB on 8 samples
// LOW-NEXT: note: output 'probs': on most samples its reference values are within half a step of zero (median rms {{[0-9.]+}}e-9, step 3.906e-3), so the quantized output cannot resolve them
func.func @main(%arg0: tensor<1x4xf32> loc("x")) -> tensor<1x1xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<[[1.0, 1.0, 1.0, 1.0]]> : tensor<1x4xf32>}> : () -> tensor<1x4xf32> loc("w")
  %b = "tfl.pseudo_const"() <{value = dense<[0.0]> : tensor<1xf32>}> : () -> tensor<1xf32> loc("b")
  %0 = "tfl.fully_connected"(%arg0, %w, %b) <{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1xf32>) -> tensor<1x1xf32> loc("logit")
  %1 = "tfl.logistic"(%0) : (tensor<1x1xf32>) -> tensor<1x1xf32> loc("probs")
  return %1 : tensor<1x1xf32>
}
