// What a file may ask of the parser is bounded, and going past a bound is a located error with
// exit code 1, never a crash. Nesting 20,000 levels deep (which crashes mlir-opt 19) of every
// nesting construct, run through the CLI on its main thread:
// RUN: rm -rf %t && %python %S/Inputs/deep.py %t 20000
// RUN: not tqopt %t/arrays.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not tqopt %t/dictionaries.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not tqopt %t/tensor-types.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not tqopt %t/function-types.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not tqopt %t/name-locations.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not tqopt %t/callsite-locations.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not tqopt %t/fused-locations.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not tqopt %t/regions.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not tqopt %t/blocks.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not tqopt %t/modules.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not tqopt %t/dense-lists.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not tqopt %t/dialect-bodies.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// DEEP: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: nesting is deeper than 256 levels
// DEEP-NOT: has overflowed its stack

// 120 levels (of two brackets each for regions) are well inside the bound and run:
// RUN: rm -rf %t.ok && %python %S/Inputs/deep.py %t.ok 120
// RUN: tqopt %t.ok/arrays.mlir -o %t.discard.mlir
// RUN: tqopt %t.ok/regions.mlir -o %t.discard.mlir
// RUN: tqopt %t.ok/blocks.mlir -o %t.discard.mlir
// RUN: tqopt %t.ok/modules.mlir -o %t.discard.mlir
// RUN: tqopt %t.ok/callsite-locations.mlir -o %t.discard.mlir
// RUN: tqopt %t.ok/dense-lists.mlir -o %t.discard.mlir

// Dense literals are checked against their type before anything is allocated; splats of huge
// types stay splats:
// RUN: tqopt %s --split-input-file --verify-diagnostics

func.func @huge() {
  // expected-error@+1 {{dense literal of type 'tensor<9223372036854775807xf32>' would take 9223372036854775807 elements of 4 bytes}}
  "t.c"() {v = dense<[1.0]> : tensor<9223372036854775807xf32>} : () -> ()
  return
}

// -----

func.func @over_budget() {
  // expected-error@+1 {{dense literal of type 'tensor<8589934592xf32>' would take 34359738368 bytes, more than the parser's limit of 4294967296 bytes}}
  "t.c"() {v = dense<[1.0]> : tensor<8589934592xf32>} : () -> ()
  return
}

// -----

func.func @overflowing_count() {
  // expected-error@+1 {{'tensor<4294967296x4294967296xf32>' has more elements than fit in 64 bits}}
  "t.c"() {v = dense<1.0> : tensor<4294967296x4294967296xf32>} : () -> ()
  return
}

// -----

func.func @hex_size() {
  // expected-error@+1 {{elements hex data size is invalid for provided type: 'tensor<2xf32>' takes 8 bytes (2 elements of 4), or 4 for a splat, but the data has 6}}
  "t.c"() {v = dense<"0x0000803F0000"> : tensor<2xf32>} : () -> ()
  return
}

// -----

func.func @splats() {
  "t.c"() {v = dense<1.0> : tensor<9223372036854775807xf32>, w = dense<"0x0000803F"> : tensor<4294967296x2xf32>} : () -> ()
  return
}

// -----

"t.c"() {v = dense_resource<b> : tensor<2xf32>} : () -> ()
{-#
  dialect_resources: {
    builtin: {
      // expected-error@+1 {{expected hex string blob for key 'b' to encode alignment in first 4 bytes, but got non-power-of-2 value: 3}}
      b: "0x030000000000803F0000803F"
    }
  }
#-}
