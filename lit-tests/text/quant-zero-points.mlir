// Zero points are any int64, but MLIR reads a negative one through an APInt of 4 bits per
// digit and refuses 17 or more decimal digits, even those it prints itself. tqopt prints such
// zero points in hex (and -2^63 as 2^63, which wraps to it), so that both tools read them back.
// RUN: tqopt %s | FileCheck %s
// RUN: tqopt %s | tqopt | FileCheck %s
// RUN: tqopt %s | mlir-opt --allow-unregistered-dialect -o %t.discard.mlir

// CHECK-LABEL: func.func private @wrapped
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32, 1.000000e+00:-0x31F5C4ED27680000>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32, 1.000000e+00:9223372036854775808>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32, 1.000000e+00:-9999999999999999>>
// CHECK-SAME: tensor<2x!quant.uniform<i8:f32, 1.000000e+00:-0x2386F26FC10000>>
func.func private @wrapped(tensor<2x!quant.uniform<i8:f32, 1.0:14846744073709551616>>, tensor<2x!quant.uniform<i8:f32, 1.0:9223372036854775808>>, tensor<2x!quant.uniform<i8:f32, 1.0:-9999999999999999>>, tensor<2x!quant.uniform<i8:f32, 1.0:-0x2386F26FC10000>>)
