// Pass and pipeline options are typed and checked when the pipeline is built: an unknown key
// or a bad value is an error naming the pass, the key and what is accepted, with a "did you
// mean"; the command line's calibration flags reach the option a pipeline forwards to
// calibrate (quantize-int8's calibration= is calibrate's data=).
// RUN: not tqopt %s --pass='quantize-int8{calibraton=x.npy}' 2>&1 | FileCheck %s --check-prefix=KEY
// RUN: not tqopt %s --pass='quantize-int8{ops=tflite_builtins_int8}' 2>&1 | FileCheck %s --check-prefix=ENUM
// RUN: not tqopt %s --pass='quantize-int8{io=int9}' 2>&1 | FileCheck %s --check-prefix=NEAR
// RUN: not tqopt %s --pass='calibrate{input-range=0,one}' 2>&1 | FileCheck %s --check-prefix=LIST
// RUN: not tqopt %s --pass='quantize-int8{deny=[}' 2>&1 | FileCheck %s --check-prefix=REGEX
// RUN: not tqopt %s --pass='canonicalize{max-iterations=3 max-iterations=4}' 2>&1 | FileCheck %s --check-prefix=TWICE
// RUN: not tqopt %s --pass='dce{aggressive=true}' 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not tqopt %s --pass='quantize-int8{input-range=1,-1}' 2>&1 | FileCheck %s --check-prefix=INNER
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t.npy --calibration-method=percentile --input-range=-1,1 --dump-pass-pipeline -o %t.mlir 2>&1 | FileCheck %s --check-prefix=FLAGS
// RUN: tqopt %s --pass='quantize-int16x8{calibration=%t.given.npy}' --calibration-data=%t.npy --dump-pass-pipeline -o %t.mlir 2>&1 | FileCheck %s --check-prefix=GIVEN
// RUN: tqopt %s --pass='calibrate{if-missing}' --calibration-data=%t.npy --dump-pass-pipeline -o %t.mlir 2>&1 | FileCheck %s --check-prefix=PASS
// RUN: not tqopt %s --pass=cleanup --save-stats=%t.json 2>&1 | FileCheck %s --check-prefix=NOCAL
// RUN: not tqopt %s --pass=cleanup --mlir-print-ir-after=canonicalise 2>&1 | FileCheck %s --check-prefix=PRINT
// RUN: not tqopt %s --pass=cleanup --mlir-print-ir-before=dce,cleanup 2>&1 | FileCheck %s --check-prefix=PRINTPIPE

// KEY: tqopt: error: 'quantize-int8' has no option 'calibraton'; its options are: ops, io, per-channel, per-channel-dense, calibration, method, input-range, tflite-compat, deny, int16, sparse-weights, target, target-sqnr, verify-data, higher-precision, weight-rounding, equalize, check-accuracy, verify; did you mean 'calibration'?
// ENUM: tqopt: error: option 'ops' of 'quantize-int8' must be one of TFLITE_BUILTINS, TFLITE_BUILTINS_INT8, not 'tflite_builtins_int8'; did you mean 'TFLITE_BUILTINS_INT8'?
// NEAR: tqopt: error: option 'io' of 'quantize-int8' must be one of float, int8, uint8, not 'int9'; did you mean 'int8'?
// LIST: tqopt: error: option 'input-range' of 'calibrate' must be a comma-separated list, each a number, not '0,one'
// REGEX: tqopt: error: option 'deny' of 'quantize-int8' must be a regular expression, not '[' (unclosed character class)
// TWICE: tqopt: error: option 'max-iterations' of 'canonicalize' is given twice; give it once
// NONE: tqopt: error: 'dce' takes no options, but was given 'aggressive'
// INNER: tqopt: error: pass 'equalize-channels': expected an input range 'lo,hi' with lo < hi, such as '-1,1', not '1,-1' (in pipeline 'quantize-int8')
// FLAGS: calibrate{data={{.*}}.npy method=percentile input-range="-1,1" if-missing=true
// GIVEN: calibrate{data={{.*}}.given.npy method=minmax
// PASS: calibrate{data={{.*}}.npy method=minmax input-range="0,1" if-missing=true
// NOCAL: tqopt: error: --save-stats needs a pipeline that calibrates (--pass=quantize-int8, quantize-int16x8 or calibrate)
// PRINT: tqopt: error: --mlir-print-ir-after: 'canonicalise' is not a registered pass; did you mean 'canonicalize'?
// PRINTPIPE: tqopt: error: --mlir-print-ir-before: 'cleanup' is not a registered pass (a pipeline; name one of the passes it runs, see --dump-pass-pipeline)
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tfl.relu"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "quantfork.stats"(%1) {layerStats = dense<[0.0, 1.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}
