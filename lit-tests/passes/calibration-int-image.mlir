// Images feed float image inputs only: a model whose one input is integer is told to use
// arrays. Booleans are fed from bool arrays.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/ids.npy', np.arange(24, dtype=np.int32).reshape(3, 8) % 16); np.save('%t/bool.npy', np.arange(24).reshape(3, 8) % 3 == 0)"
// RUN: not tqopt %s --pass=calibrate --calibration-data=%shared/data/images 2>&1 | FileCheck %s --check-prefix=IMAGES
// IMAGES: error: images feed a float32 image input, but input 'ids' takes int32 [1, 8]: give a .npz (or .npy) of int32 arrays
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/ids.npy --no-progress | FileCheck %s
// CHECK: "quantfork.stats"({{.*}}) {layerStats = dense<[0.000000e+00, 1.500000e+01]> : tensor<2xf32>} : (tensor<1x8xf32>) -> tensor<1x8xf32> loc("ids_float")
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/bool.npy --no-progress 2>&1 | FileCheck %s --check-prefix=NOTBOOL
// NOTBOOL: error: {{.*}}bool.npy: the array holds bool values but input 'ids' takes int32 [1, 8]: save an integer array
func.func @main(%arg0: tensor<1x8xi32> loc("ids")) -> tensor<1x8xf32> {
  %0 = "tfl.cast"(%arg0) : (tensor<1x8xi32>) -> tensor<1x8xf32> loc("ids_float")
  return %0 : tensor<1x8xf32>
}
