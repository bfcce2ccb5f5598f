// Quant types that MLIR 19's quant dialect refuses are refused by tqopt with the same message,
// at the same line: both tools run on this file.
// RUN: mlir-opt --allow-unregistered-dialect %s --split-input-file --verify-diagnostics
// RUN: tqopt %s --split-input-file --verify-diagnostics
// RUN: not tqopt %s --split-input-file 2>&1 | FileCheck %s

// expected-error@+1 {{illegal storage type size: 33}}
func.func private @f(tensor<2x!quant.uniform<i33:f32, 1.0>>)
// CHECK: quant-types-invalid.mlir:8:46: error: illegal storage type size: 33

// -----

// expected-error@+1 {{illegal storage type size: 0}}
func.func private @f(tensor<2x!quant.uniform<u0:f32, 1.0>>)

// -----

// expected-error@+1 {{illegal storage type maximum: 128}}
func.func private @f(tensor<2x!quant.uniform<i8<-128:128>:f32, 1.0>>)

// -----

// expected-error@+1 {{illegal storage type minimum: -1}}
func.func private @f(tensor<2x!quant.uniform<u8<-1:255>:f32, 1.0>>)

// -----

// expected-error@+1 {{illegal storage type maximum: 4294967296}}
func.func private @f(tensor<2x!quant.uniform<u32<0:4294967296>:f32, 1.0>>)

// -----

// expected-error@+1 {{illegal storage min and storage max: (5:5)}}
func.func private @f(tensor<2x!quant.uniform<i8<5:5>:f32, 1.0>>)

// -----

// expected-error@+1 {{illegal storage min and storage max: (6:5)}}
func.func private @f(tensor<2x!quant.uniform<i8<6:5>:f32, 1.0>>)

// -----

// expected-error@+1 {{illegal scale}}
func.func private @f(tensor<2x!quant.uniform<i8:f32, 0.0>>)

// -----

// expected-error@+1 {{illegal scale}}
func.func private @f(tensor<2x!quant.uniform<i8:f32, -0.0>>)

// -----

// expected-error@+1 {{illegal scale}}
func.func private @f(tensor<2x!quant.uniform<i8:f32, -1.5:3>>)

// -----

// expected-error@+1 {{illegal scale}}
func.func private @f(tensor<2x!quant.uniform<i8:f32, 1.0e309>>)

// -----

// expected-error@+1 {{illegal scale}}
func.func private @f(tensor<2x!quant.uniform<i8:f32, 1.0e-400>>)

// -----

// expected-error@+1 {{illegal scale}}
func.func private @f(tensor<2x!quant.uniform<i8:f32, 0x7FF8000000000000>>)

// -----

// expected-error@+1 {{illegal scale}}
func.func private @f(tensor<2x!quant.uniform<i8:f32:0, {1.0:5, 0.0}>>)

// -----

// expected-error@+1 {{hexadecimal float literal should not have a leading minus}}
func.func private @f(tensor<2x!quant.uniform<i8:f32, -0x3FF0000000000000>>)

// -----

// expected-error@+1 {{integer value too large}}
func.func private @f(tensor<2x!quant.uniform<i8:f32, 1.0:18446744073709551616>>)

// -----

// expected-error@+1 {{integer value too large}}
func.func private @f(tensor<2x!quant.uniform<i8:f32:2147483648, {1.0}>>)

// -----

// MLIR reads a negative int64 through an APInt of 4 bits per digit: 17 digits are too many.
// expected-error@+1 {{integer value too large}}
func.func private @f(tensor<2x!quant.uniform<i8:f32, 1.0:-10000000000000000>>)

// -----

// expected-error@+1 {{integer value too large}}
func.func private @f(tensor<2x!quant.uniform<i8:f32, 1.0:-0x8000000000000000>>)
