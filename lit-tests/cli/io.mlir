// Input from a file or standard input, output to standard output or -o (written whole or not
// at all); errors for missing files and unknown flags.
// RUN: tqopt < %s | FileCheck %s
// RUN: tqopt - -o %t.out.mlir < %s && FileCheck %s --input-file=%t.out.mlir
// RUN: not tqopt %s.missing 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not tqopt %S 2>&1 | FileCheck %s --check-prefix=DIR
// RUN: not tqopt %s --no-such-flag 2>&1 | FileCheck %s --check-prefix=FLAG
// RUN: not tqopt %s -o %t.nodir/x/out.mlir 2>&1 | FileCheck %s --check-prefix=NODIR

// CHECK: func.func @main() -> tensor<1xi32>
// MISSING: tqopt: error: cannot open '{{.*}}io.mlir.missing': No such file or directory
// DIR: tqopt: error: '{{.*}}' is a directory, not an input file
// FLAG: error: unexpected argument '--no-such-flag'
// NODIR: tqopt: error: cannot write '{{.*}}out.mlir'
func.func @main() -> tensor<1xi32> {
  %0 = "tfl.pseudo_const"() <{value = dense<7> : tensor<1xi32>}> : () -> tensor<1xi32>
  return %0 : tensor<1xi32>
}
