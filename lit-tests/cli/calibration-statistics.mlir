// Calibration statistics as files: --save-stats writes each tensor's collector state, and
// --statistics merges shards' files and quantizes without data. For minmax the merged
// statistics are exactly one run's over all the data, so the model is byte-identical to one
// made with the data, minmax and weights rounded to nearest (without data there is nothing to round
// weights for the output on).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; z = np.load('%S/../../tests/models/zoo/bert_calib.npz'); np.savez('%t/a.npz', **{k: z[k][:5] for k in z}); np.savez('%t/b.npz', **{k: z[k][5:] for k in z})"
// The BERT of the zoo takes two int32 inputs (input_ids, attention_mask).
// RUN: tqopt %S/../../tests/models/zoo/bert.tflite --pass='quantize-int8{weight-rounding=nearest method=minmax}' --calibration-data=%S/../../tests/models/zoo/bert_calib.npz --no-progress -o %t/whole.tflite 2>/dev/null
// RUN: tqopt %S/../../tests/models/zoo/bert.tflite --pass=quantize-int8 --calibration-data=%t/a.npz --save-stats=%t/a.json --no-progress -o %t/a.tflite 2>/dev/null
// RUN: tqopt %S/../../tests/models/zoo/bert.tflite --pass=quantize-int8 --calibration-data=%t/b.npz --save-stats=%t/b.json --no-progress -o %t/b.tflite 2>/dev/null
// RUN: tqopt %S/../../tests/models/zoo/bert.tflite --pass=quantize-int8 --statistics=%t/a.json,%t/b.json --no-progress -o %t/merged.tflite 2>/dev/null
// RUN: cmp %t/whole.tflite %t/merged.tflite
// RUN: not cmp -s %t/whole.tflite %t/a.tflite
// RUN: FileCheck %s --check-prefix=JSON < %t/a.json
// JSON: "format": "tqopt-calibration-statistics",
// JSON-NEXT: "version": 1,
// JSON-NEXT: "method": "minmax",
// JSON-NEXT: "model": "{{[0-9a-f]+}}",
// JSON-NEXT: "samples": 5,
// JSON: {"value": {{[0-9]+}}, "name": "{{.*}}", "min": {{.*}}, "max": {{.*}}, "samples": 5, "nan": 0, "sentinel_low": 0, "sentinel_high": 0}
//
// Statistics of another model (this file's) are refused, naming why.
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.ones((2, 4), np.float32))"
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/x.npy --save-stats=%t/small.json --no-progress -o %t/small.mlir 2>&1 | FileCheck %s --allow-empty --check-prefix=QUIET
// QUIET-NOT: error
// RUN: not tqopt %S/../../tests/models/zoo/bert.tflite --pass=quantize-int8 --statistics=%t/small.json -o %t/never.tflite 2>&1 | FileCheck %s --check-prefix=OTHER
// OTHER: error: the statistics were made from another model, or from this one through other passes or options
// RUN: not tqopt %S/../../tests/models/zoo/bert.tflite --pass=quantize-int8 --statistics=%t/a.json,%t/small.json -o %t/never.tflite 2>&1 | FileCheck %s --check-prefix=MERGE
// MERGE: error: {{.*}}small.json: cannot merge statistics of different models
// RUN: not test -e %t/never.tflite
// RUN: %python -c "t = open('%t/a.json').read(); i = t.rindex('\"value\": '); j = t.index(',', i); open('%t/far.json', 'w').write(t[:i] + '\"value\": 99999999999' + t[j:])"
// RUN: not tqopt %S/../../tests/models/zoo/bert.tflite --pass=quantize-int8 --statistics=%t/far.json -o %t/never.tflite 2>&1 | FileCheck %s --check-prefix=FAR
// FAR: error: the statistics of value 99999999999 ('{{.*}}') do not match this IR
//
// Methods must agree; broken files say where.
// RUN: not tqopt %S/../../tests/models/zoo/bert.tflite --pass=quantize-int8 --statistics=%t/a.json --calibration-method=mse -o %t/never.tflite 2>&1 | FileCheck %s --check-prefix=METHOD
// METHOD: error: the statistics were collected with method minmax, but the pipeline asks for mse
// RUN: %python -c "open('%t/broken.json', 'w').write(open('%t/a.json').read()[:300])"
// RUN: not tqopt %S/../../tests/models/zoo/bert.tflite --pass=quantize-int8 --statistics=%t/broken.json -o %t/never.tflite 2>&1 | FileCheck %s --check-prefix=BROKEN
// BROKEN: error: {{.*}}broken.json: {{[0-9]+}}:{{[0-9]+}}: expected
// RUN: not tqopt %S/../../tests/models/zoo/bert.tflite --pass=quantize-int8 --statistics=%t/a.json --calibration-data=%t/a.npz -o %t/never.tflite 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: error: the argument '--statistics <FILE[,FILE...]>' cannot be used with '--calibration-data <PATH>'
// RUN: not tqopt %s --pass=canonicalize --save-stats=%t/none.json -o %t/never.mlir 2>&1 | FileCheck %s --check-prefix=NOCAL
// NOCAL: error: --save-stats needs a pipeline that calibrates
// RUN: not test -e %t/none.json
// RUN: not test -e %t/never.tflite
func.func @main(%arg0: tensor<1x4xf32> loc("x")) -> tensor<1x4xf32> {
  %0 = "tfl.relu"(%arg0) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("relu")
  return %0 : tensor<1x4xf32>
}
