// calibrate reports bad calibration data with the file, the sample and the input it concerns,
// exits non-zero and writes no output.
// RUN: rm -rf %t && mkdir -p %t/images
// RUN: %python -c "import numpy as np; np.save('%t/ok.npy', np.linspace(-1, 2, 96, dtype=np.float32).reshape(2, 4, 4, 3))"
// RUN: %python -c "import numpy as np; np.save('%t/shape.npy', np.zeros((2, 4, 4, 2), np.float32))"
// RUN: %python -c "import numpy as np; x = np.zeros((3, 1, 4, 4, 3), np.float32); x[1, 0, 2, 2, 1] = np.nan; np.save('%t/nan.npy', x)"
// RUN: %python -c "import numpy as np; np.save('%t/empty.npy', np.zeros((0, 4, 4, 3), np.float32))"
// RUN: %python -c "import numpy as np; np.save('%t/int.npy', np.zeros((2, 4, 4, 3), np.int32))"
// RUN: %python -c "import numpy as np; np.save('%t/complex.npy', np.zeros((2, 4, 4, 3), np.complex64))"
// RUN: %python -c "import numpy as np; np.save('%t/bigendian.npy', np.zeros((2, 4, 4, 3), '>f4'))"
// RUN: %python -c "import numpy as np; np.save('%t/f16.npy', np.linspace(-1, 2, 96).astype(np.float16).reshape(2, 4, 4, 3))"
// RUN: %python -c "import numpy as np; np.savez('%t/keys.npz', pixels=np.zeros((2, 4, 4, 3), np.float32))"
// RUN: %python -c "d = open('%t/nan.npy', 'rb').read(); open('%t/truncated.npy', 'wb').write(d[:200])"
// RUN: %python -c "open('%t/images/broken.png', 'wb').write(b'\x89PNG\r\n\x1a\nnot an image')"
//
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/ok.npy --no-progress | FileCheck %s --check-prefix=OK
// OK: "quantfork.stats"(%arg0) {layerStats = dense<[-1.000000e+00, 2.000000e+00]> : tensor<2xf32>}
// OK: "quantfork.stats"(%1) {layerStats = dense<[0.000000e+00, 2.000000e+00]> : tensor<2xf32>}
// float16 arrays feed float32 inputs, converted.
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/f16.npy --no-progress | FileCheck %s --check-prefix=OK
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/shape.npy -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: error: {{.*}}shape.npy: the array holds samples of shape [4, 4, 2] but input 'image' takes float32 [1, 4, 4, 3]
// RUN: not test -e %t/out.mlir
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/nan.npy 2>&1 | FileCheck %s --check-prefix=NAN
// NAN: error: {{.*}}nan.npy, sample 1: input 'image' holds a non-finite value (NaN) at element 31; calibration data must be finite
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/empty.npy 2>&1 | FileCheck %s --check-prefix=EMPTY
// EMPTY: error: calibration data '{{.*}}empty.npy' holds no samples
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/int.npy 2>&1 | FileCheck %s --check-prefix=TYPE
// TYPE: error: {{.*}}int.npy: the array holds int32 values but input 'image' takes float32 [1, 4, 4, 3]: save a float32 array (float16, float64 and uint8 are converted)
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/complex.npy 2>&1 | FileCheck %s --check-prefix=COMPLEX
// COMPLEX: error: {{.*}}complex.npy: unsupported .npy element type '<c8'
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/bigendian.npy 2>&1 | FileCheck %s --check-prefix=BIGENDIAN
// BIGENDIAN: error: {{.*}}bigendian.npy: big-endian .npy element type '>f4' is not supported
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/keys.npz 2>&1 | FileCheck %s --check-prefix=KEY
// KEY: error: {{.*}}keys.npz: array 'pixels' matches no input of the model (its inputs are: image; arrays are matched by input name, tensor name or position: arr_0, arr_1, ...)
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/truncated.npy 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: error: {{.*}}truncated.npy, sample {{[0-9]+}}: truncated array data
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/images 2>&1 | FileCheck %s --check-prefix=IMAGE
// IMAGE: error: {{.*}}broken.png
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/missing.npy 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: cannot open calibration data '{{.*}}missing.npy': No such file or directory
//
// RUN: not tqopt %s --pass=quantize-int8 2>&1 | FileCheck %s --check-prefix=NODATA
// NODATA: error: the IR holds no calibration statistics and no calibration data was given: pass --calibration-data=PATH
func.func @main(%arg0: tensor<1x4x4x3xf32> loc("image")) -> tensor<1x4x4x3xf32> {
  %0 = "tfl.relu"(%arg0) : (tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32> loc("relu")
  return %0 : tensor<1x4x4x3xf32>
}
