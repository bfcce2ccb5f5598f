// `!tqopt.uniform` is the spelling of quantized types with 33 to 64 bits of storage only:
// narrower ones are `!quant.uniform` (one spelling per type), wider ones do not exist; and
// `!quant.uniform` keeps MLIR's 32-bit limit.
// RUN: tqopt %s --split-input-file --verify-diagnostics
// RUN: not tqopt %s --split-input-file 2>&1 | FileCheck %s

// expected-error@+1 {{illegal storage type size for !tqopt.uniform: 32 (33 to 64 bits; narrower storage is !quant.uniform)}}
func.func private @f(tensor<2x!tqopt.uniform<i32:f32, 1.0>>)
// CHECK: quant-types-wide-invalid.mlir:8:46: error: illegal storage type size for !tqopt.uniform: 32

// -----

// expected-error@+1 {{illegal storage type size for !tqopt.uniform: 65}}
func.func private @f(tensor<2x!tqopt.uniform<i65:f32, 1.0>>)

// -----

// expected-error@+1 {{illegal storage type size: 64}}
func.func private @f(tensor<2x!quant.uniform<i64:f32, 1.0>>)

// -----

// expected-error@+1 {{integer value too large}}
func.func private @f(tensor<2x!tqopt.uniform<i64<-9223372036854775809:0>:f32, 1.0>>)
