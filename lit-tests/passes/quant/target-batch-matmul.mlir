// XNNPACK's int8 batch_matmul takes one batch whose second operand has zero point 0: with a
// symmetric right-hand range it stays int8, with [0, 4] (zero point -128) it is kept float for
// speed, and with several batches (attention's heads) too.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.savez('%t/sym.npz', arg0=r.uniform(-4, 4, (4, 1, 4, 16)).astype(np.float32), arg1=r.uniform(-4, 4, (4, 1, 16, 8)).astype(np.float32)); np.savez('%t/off.npz', arg0=r.uniform(-4, 4, (4, 1, 4, 16)).astype(np.float32), arg1=r.uniform(0, 4, (4, 1, 16, 8)).astype(np.float32))"
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/sym.npz --no-progress -o %t/sym.mlir 2>&1 | FileCheck %s --check-prefix=SYM
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/off.npz --no-progress -o %t/off.mlir 2>&1 | FileCheck %s --check-prefix=OFF
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.savez('%t/heads.npz', arg0=r.uniform(-4, 4, (4, 4, 4, 16)).astype(np.float32), arg1=r.uniform(-4, 4, (4, 4, 16, 8)).astype(np.float32))"
// RUN: sed -e 's/1x4x16/4x4x16/g; s/1x16x8/4x16x8/g; s/1x4x8/4x4x8/g' %s > %t/heads_model.mlir
// RUN: tqopt %t/heads_model.mlir --pass=quantize-int8 --calibration-data=%t/heads.npz --no-progress -o %t/heads.mlir 2>&1 | FileCheck %s --check-prefix=HEADS

// SYM: quantized 1 of 1 ops (100%)
// OFF: tfl.batch_matmul at "bmm": kept float for speed: XNNPACK takes 'tfl.batch_matmul' as float but not as int8 (probe case 'batch_matmul_offset')
// HEADS: tfl.batch_matmul at "bmm": kept float for speed: XNNPACK takes 'tfl.batch_matmul' as float but not as int8 (probe case 'batch_matmul_batched')
func.func @main(%arg0: tensor<1x4x16xf32>, %arg1: tensor<1x16x8xf32>) -> tensor<1x4x8xf32> {
  %0 = "tfl.batch_matmul"(%arg0, %arg1) <{adj_x = false, adj_y = false}> : (tensor<1x4x16xf32>, tensor<1x16x8xf32>) -> tensor<1x4x8xf32> loc("bmm")
  return %0 : tensor<1x4x8xf32>
}
