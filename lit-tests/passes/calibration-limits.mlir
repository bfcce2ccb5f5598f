// Sizes that come from the model or the options are checked before anything is allocated:
// image inputs of 65536 x 65536 or 2^31 x 2^31, pad amounts of a corrupted model, the threads
// option. Each is an error naming the input, op or option and the size; the memory budget is
// TQOPT_MEMORY_LIMIT. Calibration data of magnitude 1e30 or more (±3.4e38) is refused too.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.linspace(-1, 1, 96, dtype=np.float32).reshape(2, 1, 4, 4, 3))"
// RUN: %python -c "import numpy as np; x = np.zeros((2, 1, 4, 4, 3), np.float32); x[0, 0, 0, 0, 0] = 3.4e38; x[1, 0, 1, 1, 1] = -3.4e38; np.save('%t/huge.npy', x)"
//
// RUN: sed 's/1x4x4x3/1x65536x65536x3/g' %s > %t/big.mlir
// RUN: not tqopt %t/big.mlir --pass=calibrate --calibration-data=%shared/data/images -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=BIG
// BIG: error: input 'image' takes 65536 x 65536 x 3 images: resizing to that size needs 64.0 GiB, more than the memory limit of 4.0 GiB (set TQOPT_MEMORY_LIMIT to change it)
// RUN: not test -e %t/out.mlir
// RUN: sed 's/1x4x4x3/1x2147483648x2147483648x3/g' %s > %t/huge.mlir
// RUN: not tqopt %t/huge.mlir --pass=calibrate --calibration-data=%shared/data/images 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: error: input 'image' takes 2147483648 x 2147483648 x 3 images: resizing to that size needs more than 16.0 EiB, more than the memory limit
//
// The budget can be lowered (and must be a size).
// RUN: sed 's/1x4x4x3/1x1024x1024x3/g' %s > %t/mid.mlir
// RUN: env TQOPT_MEMORY_LIMIT=8M not tqopt %t/mid.mlir --pass=calibrate --calibration-data=%shared/data/images 2>&1 | FileCheck %s --check-prefix=LIMIT
// LIMIT: error: input 'image' takes 1024 x 1024 x 3 images: resizing to that size needs 16.0 MiB, more than the memory limit of 8.0 MiB
// RUN: env TQOPT_MEMORY_LIMIT=lots not tqopt %s --pass=calibrate --calibration-data=%t/x.npy 2>&1 | FileCheck %s --check-prefix=SETTING
// SETTING: error: TQOPT_MEMORY_LIMIT='lots' is not a size: give bytes, or a number with K, M, G or T
// An array input's sample is checked too.
// RUN: not tqopt %t/big.mlir --pass=calibrate --calibration-data=%t/x.npy 2>&1 | FileCheck %s --check-prefix=NPY
// NPY: error: {{.*}}x.npy: the array holds samples of shape [1, 4, 4, 3] but input 'image' takes float32 [1, 65536, 65536, 3]
// RUN: %python -c "import numpy as np; np.save('%t/big.npy', np.zeros((0, 1, 65536, 65536, 3), np.float32))"
// RUN: not tqopt %t/big.mlir --pass=calibrate --calibration-data=%t/big.npy 2>&1 | FileCheck %s --check-prefix=NPYBIG
// NPYBIG: error: {{.*}}big.npy: input 'image' of shape [1, 65536, 65536, 3]: one sample needs 96.0 GiB, more than the memory limit of 4.0 GiB
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/x.npy 2>&1 | FileCheck %s --check-prefix=PAD
// PAD: error: {{.*}}x.npy, sample 0: 'tfl.pad' at loc("corrupt/pad"): the result of shape [1, 1000000004, 4, 3] needs 44.7 GiB, more than the memory limit of 4.0 GiB
//
// RUN: not tqopt %s --pass='calibrate{threads=100000}' --calibration-data=%t/x.npy 2>&1 | FileCheck %s --check-prefix=THREADS
// THREADS: error: pass 'calibrate': threads=100000 is more than 256, the most calibrate runs at once (0 means one per core)
// RUN: not tqopt %s --pass='calibrate{threads=99999999999}' --calibration-data=%t/x.npy 2>&1 | FileCheck %s --check-prefix=THREADS2
// THREADS2: error: pass 'calibrate': threads=99999999999 is more than 256
// RUN: not tqopt %s --pass='calibrate{threads=9223372036854775807}' --calibration-data=%t/x.npy 2>&1 | FileCheck %s --check-prefix=THREADS3
// THREADS3: error: pass 'calibrate': threads=9223372036854775807 is more than 256
//
// RUN: sed 's/1000000000/0/' %s > %t/fixed.mlir
// RUN: not tqopt %t/fixed.mlir --pass=quantize-int8 --calibration-data=%t/huge.npy -o %t/q.tflite 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: error: {{.*}}huge.npy, sample 0: input 'image' holds a value of magnitude 1e30 or more (340000000000000000000000000000000000000) at element 0; calibration data must be finite and under 1e30 in magnitude
// RUN: not test -e %t/q.tflite
// RUN: tqopt %t/fixed.mlir --pass='calibrate{threads=256}' --calibration-data=%t/x.npy --no-progress | FileCheck %s --check-prefix=FIXED
// FIXED: "quantfork.stats"(%arg0) {layerStats = dense<[-1.000000e+00, 1.000000e+00]> : tensor<2xf32>}
func.func @main(%arg0: tensor<1x4x4x3xf32> loc("image")) -> tensor<?x?x?x?xf32> {
  %p = "tfl.pseudo_const"() <{value = dense<[[0, 0], [0, 1000000000], [0, 0], [0, 0]]> : tensor<4x2xi32>}> : () -> tensor<4x2xi32> loc("pads")
  %0 = "tfl.pad"(%arg0, %p) : (tensor<1x4x4x3xf32>, tensor<4x2xi32>) -> tensor<?x?x?x?xf32> loc("corrupt/pad")
  return %0 : tensor<?x?x?x?xf32>
}
