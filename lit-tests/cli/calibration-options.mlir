// The calibration flags of the CLI: --calibration-data feeds the calibrate step of a pipeline,
// --calibration-method picks how values become ranges, --input-range scales image pixels, and
// --report writes the quantization summary as JSON.
// RUN: rm -rf %t && mkdir -p %t/images
// RUN: %python -c "import numpy as np; x = np.zeros((4, 2, 2, 3), np.float32); x[0] = 4.0; x[1:, :, :, 0] = -1.0; x[1:, :, :, 1] = 1.0; np.save('%t/data.npy', x)"
// RUN: %python -c "from PIL import Image; Image.new('RGB', (2, 2), (255, 0, 0)).save('%t/images/red.png'); Image.new('RGB', (2, 2), (0, 0, 0)).save('%t/images/black.png')"
//
// min/max keeps the outlier sample, moving-average (the mean of the samples' ranges) does not.
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/data.npy --no-progress | FileCheck %s --check-prefix=MINMAX
// MINMAX: "quantfork.stats"(%arg0) {layerStats = dense<[-1.000000e+00, 4.000000e+00]> : tensor<2xf32>}
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/data.npy --calibration-method=moving-average --no-progress | FileCheck %s --check-prefix=AVERAGE
// AVERAGE: "quantfork.stats"(%arg0) {layerStats = dense<[2.500000e-01, 1.750000e+00]> : tensor<2xf32>}
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/data.npy --calibration-method=median 2>&1 | FileCheck %s --check-prefix=BADMETHOD
// BADMETHOD: error: invalid value 'median' for '--calibration-method <METHOD>'
// BADMETHOD-NEXT: [possible values: minmax, moving-average, percentile, mse, auto]
//
// Images scale to [0, 1] by default and to the range --input-range gives.
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/images --no-progress | FileCheck %s --check-prefix=UNIT
// UNIT: "quantfork.stats"(%arg0) {layerStats = dense<[0.000000e+00, 1.000000e+00]> : tensor<2xf32>}
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/images --input-range=-1,1 --no-progress | FileCheck %s --check-prefix=SIGNED
// SIGNED: "quantfork.stats"(%arg0) {layerStats = dense<[-1.000000e+00, 1.000000e+00]> : tensor<2xf32>}
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/images --input-range=1,-1 2>&1 | FileCheck %s --check-prefix=BADRANGE
// BADRANGE: error: pass 'calibrate': expected an input range 'lo,hi' with lo < hi, such as '-1,1', not '1,-1'
//
// RUN: tqopt %s --pass='quantize-int8{target=reference}' --calibration-data=%t/data.npy --report=%t/report.json --no-progress -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=SUMMARY
// SUMMARY: quantized 1 of 1 ops (100%)
// RUN: FileCheck %s --check-prefix=JSON < %t/report.json
// JSON: "total_ops": 1
// JSON: "quantized_ops": 1
// JSON: "float_ops": []
func.func @main(%arg0: tensor<1x2x2x3xf32> loc("image")) -> tensor<1x2x2x3xf32> {
  %0 = "tfl.relu"(%arg0) : (tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> loc("relu")
  return %0 : tensor<1x2x2x3xf32>
}
