// quantize-int8{target-sqnr=DB}: the precision search on a model whose answer is known by
// construction. x * 0.5 + 1000 - 1000, then * 2: the sum lies in [999.5, 1000.5], where int8
// (whose range includes 0) has steps of about 4, so the all-int8 model is useless; keeping
// the add and the sub float (and only them: with one alone the sum is still quantized between
// them) reaches the target. The report says which ops were kept, why, the SQNR reached and the
// estimated cost; the JSON report holds the same; the output IR carries the summary.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.save('%t/x.npy', r.uniform(-1, 1, (8, 1, 64)).astype(np.float32)); np.save('%t/v.npy', r.uniform(-1, 1, (4, 1, 64)).astype(np.float32)); np.save('%t/bad.npy', r.uniform(-1, 1, (4, 1, 3)).astype(np.float32))"
// RUN: tqopt %s --pass='quantize-int8{target-sqnr=30}' --calibration-data=%t/x.npy --no-progress --report=%t/r.json -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: FileCheck %s --check-prefix=JSON < %t/r.json
// RUN: FileCheck %s --check-prefix=IR < %t/out.mlir
// With more than 16 samples the search runs on 16 of them and its choice is checked on all:
// the same two ops, and the figure is on all 40 samples.
// RUN: %python -c "import numpy as np; r = np.random.default_rng(1); np.save('%t/x40.npy', r.uniform(-1, 1, (40, 1, 64)).astype(np.float32))"
// RUN: tqopt %s --pass='quantize-int8{target-sqnr=30}' --calibration-data=%t/x40.npy --no-progress -o %t/out40.mlir 2>&1 | FileCheck %s --check-prefix=SUBSET
// SUBSET: left float (2):
// SUBSET-NEXT: tfl.add at "big_add": kept float for target-sqnr=30:
// SUBSET-NEXT: tfl.sub at "big_sub": kept float for target-sqnr=30:
// SUBSET: target-sqnr=30: output SQNR {{[3-9][0-9]\.[0-9][0-9]}} dB on 40 samples of {{.*}}x40.npy
// higher-precision=int16: the two ops move to int16 activations, where a step of the sum is
// about 0.03 (int16 over [-1000.5, 1000.5]), enough for 20 dB; the report lists them apart
// from the float ops, and the IR marks them tqopt.int16 with the reason. Without target-sqnr
// the option has nothing to choose: an error.
// RUN: tqopt %s --pass='quantize-int8{target-sqnr=20 higher-precision=int16}' --calibration-data=%t/x.npy --no-progress --report=%t/r16.json -o %t/out16.mlir 2>&1 | FileCheck %s --check-prefix=INT16
// RUN: FileCheck %s --check-prefix=INT16JSON < %t/r16.json
// RUN: FileCheck %s --check-prefix=INT16IR < %t/out16.mlir
// RUN: not tqopt %s --pass='quantize-int8{higher-precision=int16}' --calibration-data=%t/x.npy --no-progress -o %t/e6.mlir 2>&1 | FileCheck %s --check-prefix=INT16ALONE
// RUN: not test -e %t/e6.mlir
// INT16: quantized 4 of 4 ops (100%)
// INT16-NOT: left float
// INT16: in int16 activations (2):
// INT16-NEXT: tfl.add at "big_add": kept in int16 activations (higher-precision=int16) for target-sqnr=20: #{{[0-9]+}} of 4 ops ranked by
// INT16-NEXT: tfl.sub at "big_sub": kept in int16 activations (higher-precision=int16) for target-sqnr=20: #{{[0-9]+}} of 4 ops ranked by
// INT16: target-sqnr=20: output SQNR {{[2-9][0-9]\.[0-9][0-9]}} dB on 8 samples
// INT16: kept float: 0 of 4 quantizable ops, 0 of 256 operations (0.0%); in int16 activations: 2 ops, 128 operations (50.0%), estimated latency +950.0%
// INT16JSON: "float_ops": [],
// INT16JSON-NEXT: "int16_ops": [{"op": "tfl.add", "location": "big_add", "reason": "kept in int16 activations
// INT16JSON: "float_ops": 0, "candidate_ops": 4, "float_cost": 0, "total_cost": 256, "int16_ops": 2, "int16_cost": 128, "latency_cost": 9.5000
// INT16IR-DAG: "tfl.add"({{.*}}) {{.*}}{tqopt.int16, tqopt.int16_reason = "kept in int16 activations{{.*}}} : ({{.*}}!quant.uniform<i16<-32767:32767>{{.*}} loc("big_add")
// INT16IR-DAG: "tfl.sub"({{.*}}) {{.*}}{tqopt.int16, tqopt.int16_reason = "kept in int16 activations{{.*}}} : ({{.*}}!quant.uniform<i16<-32767:32767>{{.*}} loc("big_sub")
// INT16ALONE: higher-precision=int16 chooses what target-sqnr keeps ops in: give target-sqnr=DB too
// verify-data= measures on other samples.
// RUN: tqopt %s --pass='quantize-int8{target-sqnr=30 verify-data=%t/v.npy}' --calibration-data=%t/x.npy --no-progress -o %t/v.mlir 2>&1 | FileCheck %s --check-prefix=VERIFY
// method=auto alone chooses ranges and keeps every op int8.
// RUN: tqopt %s --pass='quantize-int8{method=auto}' --calibration-data=%t/x.npy --no-progress -o %t/auto.mlir 2>&1 | FileCheck %s --check-prefix=AUTO
// Plain quantize-int8 (method=auto) measures the int8 model's accuracy on the calibration
// data, and warns when it is poor (here useless); with method=minmax the default accuracy
// check does, and check-accuracy=false skips that.
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/x.npy --no-progress -o %t/plain.mlir 2>&1 | FileCheck %s --check-prefix=DEFAULTCHECK
// RUN: tqopt %s --pass='quantize-int8{method=minmax}' --calibration-data=%t/x.npy --no-progress -o %t/minmax.mlir 2>&1 | FileCheck %s --check-prefix=MINMAXCHECK
// The check measures only the output: no per-op figures (those are verify='s).
// RUN: not grep -q tqopt.sqnr_db %t/plain.mlir
// RUN: tqopt %s --pass='quantize-int8{check-accuracy=false}' --calibration-data=%t/x.npy --no-progress -o %t/unchecked.mlir 2>&1 | FileCheck %s --check-prefix=NOCHECK
// Bad options and data: an error naming the option or file, and no output.
// RUN: not tqopt %s --pass='quantize-int8{target-sqnr=abc}' --calibration-data=%t/x.npy -o %t/e1.mlir 2>&1 | FileCheck %s --check-prefix=NUMBER
// RUN: not tqopt %s --pass='quantize-int8{target-sqnr=120}' --calibration-data=%t/x.npy -o %t/e2.mlir 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not tqopt %s --pass='quantize-int8{target-sqnr=30 verify-data=%t/bad.npy}' --calibration-data=%t/x.npy --no-progress -o %t/e3.mlir 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not tqopt %s --pass='calibrate{data=%t/x.npy}' --pass='search-precision{target-sqnr=30}' -o %t/e4.mlir 2>&1 | FileCheck %s --check-prefix=NODATA
// Under the strict OpsSet no op may stay float: only ranges are chosen, and they miss here.
// RUN: not tqopt %s --pass='quantize-int8{ops=TFLITE_BUILTINS_INT8 target-sqnr=30}' --calibration-data=%t/x.npy --no-progress -o %t/e5.mlir 2>&1 | FileCheck %s --check-prefix=STRICT
// RUN: not test -e %t/e5.mlir
// RUN: not test -e %t/e1.mlir
// RUN: not test -e %t/e2.mlir
// RUN: not test -e %t/e3.mlir
// RUN: not test -e %t/e4.mlir

// REPORT: quantized 2 of 4 ops (50%)
// REPORT: left float (2):
// REPORT-NEXT: tfl.add at "big_add": kept float for target-sqnr=30: #{{[0-9]+}} of 4 ops ranked by
// REPORT-NEXT: tfl.sub at "big_sub": kept float for target-sqnr=30: #{{[0-9]+}} of 4 ops ranked by
// REPORT: target-sqnr=30: output SQNR {{[3-9][0-9]\.[0-9][0-9]}} dB on 8 samples of {{.*}}x.npy (search estimates: as calibrated {{-?[0-9]\.[0-9][0-9]}} dB, with chosen ranges {{-?[0-9]\.[0-9][0-9]}} dB); {{[0-9]+}} configurations scored in
// REPORT-NEXT: ranges: {{.*}}
// REPORT-NEXT: kept float: 2 of 4 quantizable ops, 128 of 256 operations (50.0%), estimated latency +50.0%

// JSON: "precision": {"mode": "target-sqnr=30", "target_sqnr": 30, "start_sqnr": {{.*}}, "reached_sqnr": {{[3-9][0-9]\.}}{{.*}}"float_ops": 2, "candidate_ops": 4, "float_cost": 128, "total_cost": 256, "int16_ops": 0, "int16_cost": 0, "latency_cost": 0.5000, "signatures": ""}

// IR: tqopt.precision = {
// IR-DAG: "tfl.add"({{.*}}) <{fused_activation_function = "NONE"}> {tqopt.float_reason = "kept float for target-sqnr=30{{.*}}", tqopt.keep_float} : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("big_add")
// IR-DAG: "tfl.sub"({{.*}}) <{fused_activation_function = "NONE"}> {tqopt.float_reason = "kept float for target-sqnr=30{{.*}}", tqopt.keep_float} : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("big_sub")
// IR-DAG: "tfl.mul"{{.*}}!quant.uniform<i8{{.*}} loc("m0")
// IR-DAG: "tfl.mul"{{.*}}!quant.uniform<i8{{.*}} loc("m1")

// VERIFY: target-sqnr=30: output SQNR {{[3-9][0-9]\.[0-9][0-9]}} dB on 4 samples of {{.*}}v.npy

// AUTO: quantized 4 of 4 ops (100%)
// AUTO: method=auto: output SQNR {{.*}} dB on 8 samples of {{.*}}x.npy
// AUTO-NOT: kept float:

// NUMBER: target-sqnr: expected a number of dB, not 'abc'
// RANGE: target-sqnr=120 is out of range
// SHAPE: error: target-sqnr=30: {{.*}}bad.npy
// DEFAULTCHECK: warning: the quantized model's output SQNR is {{-?[0-9]+\.[0-9][0-9]}} dB on 8 samples of {{.*}}x.npy (below 20 dB: its outputs are far from the float model's); quantize-int8{target-sqnr=30} keeps the ops that need it in higher precision
// DEFAULTCHECK: method=auto: output SQNR {{-?[0-9]+\.[0-9][0-9]}} dB on 8 samples of {{.*}}x.npy
// MINMAXCHECK: warning: the quantized model's output SQNR is {{-?[0-9]+\.[0-9][0-9]}} dB on 8 samples of {{.*}}x.npy (below 20 dB: its outputs are far from the float model's); quantize-int8{target-sqnr=30} keeps the ops that need it in higher precision, method=auto chooses each tensor's range
// MINMAXCHECK: verify: output SQNR {{-?[0-9]+\.[0-9][0-9]}} dB on 8 samples of {{.*}}x.npy
// NOCHECK-NOT: warning
// NOCHECK: quantized 4 of 4 ops
// NOCHECK-NOT: verify:
// NODATA: target-sqnr=30 needs data to measure on: give calibration=PATH or verify-data=PATH
// STRICT: error: target-sqnr=30: the target cannot be reached under ops=TFLITE_BUILTINS_INT8, where no op may stay float: the best ranges give {{-?[0-9]+\.[0-9][0-9]}} dB on the search data (as calibrated: {{-?[0-9]+\.[0-9][0-9]}} dB); use ops=TFLITE_BUILTINS to let the search keep ops float, or a lower target
func.func @main(%arg0: tensor<1x64xf32> loc("x")) -> tensor<1x64xf32> {
  %half = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %0 = "tfl.mul"(%arg0, %half) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("m0")
  %big = "tfl.pseudo_const"() <{value = dense<1000.0> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %1 = "tfl.add"(%0, %big) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("big_add")
  %2 = "tfl.sub"(%1, %big) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("big_sub")
  %two = "tfl.pseudo_const"() <{value = dense<2.0> : tensor<1x64xf32>}> : () -> tensor<1x64xf32>
  %3 = "tfl.mul"(%2, %two) <{fused_activation_function = "NONE"}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc("m1")
  return %3 : tensor<1x64xf32>
}
