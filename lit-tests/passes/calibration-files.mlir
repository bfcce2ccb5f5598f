// Calibration folders are read safely: only regular files (a FIFO named a.png must not block,
// a symlink to /dev/zero named a.jpg must not be read), and truncated images are refused with
// an error naming the file. Each case exits non-zero and writes no output.
// RUN: rm -rf %t && mkdir -p %t/fifo %t/zero %t/dir %t/png %t/jpg %t/good %t/link
// RUN: mkfifo %t/fifo/a.png
// RUN: cp %shared/data/images/horse.png %t/fifo/b.png
// RUN: ln -s /dev/zero %t/zero/a.jpg
// RUN: mkdir %t/dir/folder.png
// RUN: %python -c "d = open('%shared/data/images/coins.png', 'rb').read(); open('%t/png/coins.png', 'wb').write(d[:len(d) // 2])"
// RUN: %python -c "from PIL import Image; Image.open('%shared/data/images/chelsea.png').convert('RGB').save('%t/good/chelsea.jpg', quality=90)"
// RUN: %python -c "d = open('%t/good/chelsea.jpg', 'rb').read(); open('%t/jpg/chelsea.jpg', 'wb').write(d[:len(d) // 2])"
// RUN: %python -c "from PIL import Image; Image.open('%shared/data/images/coffee.png').convert('RGB').save('%t/good/coffee.jpg', quality=80, progressive=True)"
// RUN: ln -s %t/good/chelsea.jpg %t/link/chelsea.jpg
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/fifo -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=FIFO
// FIFO: error: '{{.*}}fifo/a.png' is not a regular file (a FIFO, socket or device): calibration reads images from regular files only
// RUN: not test -e %t/out.mlir
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/zero 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: error: '{{.*}}zero/a.jpg' is not a regular file (a FIFO, socket or device)
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/dir 2>&1 | FileCheck %s --check-prefix=DIR
// DIR: error: '{{.*}}dir/folder.png' is a folder: calibration reads images from regular files only
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/png -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=PNG
// PNG: error: {{.*}}png/coins.png: the PNG image is truncated: it ends at byte {{[0-9]+}} inside its 'IDAT' chunk; calibration refuses incomplete images
// RUN: not test -e %t/out.mlir
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/jpg 2>&1 | FileCheck %s --check-prefix=JPG
// JPG: error: {{.*}}jpg/chelsea.jpg: the JPEG image is truncated: it ends at byte {{[0-9]+}} inside its image data, before its end-of-image marker
//
// Whole baseline and progressive JPEGs, and symlinks to regular files, are read.
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/good --no-progress | FileCheck %s --check-prefix=GOOD
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/link --no-progress | FileCheck %s --check-prefix=GOOD
// GOOD: "quantfork.stats"(%arg0) {layerStats = dense<[0.{{[0-9]+}}, {{.*}}]> : tensor<2xf32>}
func.func @main(%arg0: tensor<1x8x8x3xf32> loc("image")) -> tensor<1x8x8x3xf32> {
  %0 = "tfl.relu"(%arg0) : (tensor<1x8x8x3xf32>) -> tensor<1x8x8x3xf32> loc("relu")
  return %0 : tensor<1x8x8x3xf32>
}
