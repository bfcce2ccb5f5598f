// A 774-byte JPEG that declares 4.3 gigapixels (found by passes/fuzz's calibration_data
// target: 12.8 GB decoded, out of memory) is refused by the memory budget, naming the file,
// and nothing is written. With a larger TQOPT_MEMORY_LIMIT the decoder would be allowed to try.
// RUN: rm -rf %t && mkdir -p %t/images
// RUN: cp %S/Inputs/fuzz-4-gigapixel.jpg %t/images/a.jpg
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/images --no-progress -o %t/out.mlir 2>&1 | FileCheck %s
// CHECK: error: {{.*}}a.jpg: cannot decode the image (Memory limit exceeded)
// RUN: not test -e %t/out.mlir
func.func @main(%arg0: tensor<1x8x8x3xf32> loc("image")) -> tensor<1x8x8x3xf32> {
  return %arg0 : tensor<1x8x8x3xf32>
}
