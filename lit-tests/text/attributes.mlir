// Attributes: numbers with types, strings with escapes, arrays, dictionaries, symbols, types,
// dense elements (splat, nested, hex), dense arrays and dialect attributes.
// RUN: tqopt %s | FileCheck %s
// RUN: tqopt %s | mlir-opt --allow-unregistered-dialect | tqopt | FileCheck %s

// CHECK-LABEL: func.func @attrs
func.func @attrs() {
  // CHECK: "test.op"() {a = 3 : i32, b = -1.500000e+00 : f32, c = 1.000000e-01 : f64, d = true, e = "a\00b\\c\22", f = [1 : i64, "x"], g = {z = 1 : i64}, h = tensor<3xf32>, i = @sym, j, k = array<i32: 1, 2>, l = 0x7FC00000 : f32, m = 0.023529411764705882 : f64}
  "test.op"() {a = 3 : i32, b = -1.5 : f32, c = 0.1 : f64, d = true, e = "a\00b\\c\"", f = [1, "x"], g = {z = 1}, h = tensor<3xf32>, i = @sym, j, k = array<i32: 1, 2>, l = 0x7FC00000 : f32, m = 0.023529411764705882 : f64} : () -> ()
  // CHECK: "test.dense"() {a = dense<0.000000e+00> : tensor<4xf32>, b = dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi32>, c = dense<[true, false, true]> : tensor<3xi1>, d = dense<5> : tensor<ui8>, e = dense<> : tensor<0xf32>, f = dense<[9.997550e-02, 1.500000e+00]> : tensor<2xf16>}
  "test.dense"() {a = dense<[0.0, 0.0, 0.0, 0.0]> : tensor<4xf32>, b = dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>, c = dense<[true, false, true]> : tensor<3xi1>, d = dense<5> : tensor<ui8>, e = dense<> : tensor<0xf32>, f = dense<[0.1, 1.5]> : tensor<2xf16>} : () -> ()
  // Up to 100 elements print as a list, more as hex; i1 hex packs eight elements a byte.
  // CHECK: "test.hex"() {a = dense<[0, 1, 2, {{.*}}, 98, 99]> : tensor<100xi8>
  // CHECK-SAME: b = dense<"0x0DFFFFFFFFFFFFFFFFFFFFFF0F"> : tensor<101xi1>
  "test.hex"() {a = dense<"0x000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F60616263"> : tensor<100xi8>, b = dense<"0x0DFFFFFFFFFFFFFFFFFFFFFF0F"> : tensor<101xi1>} : () -> ()
  // CHECK: "tfl.custom"() <{custom_code = "Foo", custom_option = #tfl<const_bytes : "0x0102">}> : () -> ()
  "tfl.custom"() <{custom_code = "Foo", custom_option = #tfl<const_bytes : "0x0102">}> : () -> ()
  // CHECK: "test.sparse"() {s = #tfl.sparsity_parameter<traversal_order = [0, 1], block_map = [], dim_metadata = <format =  DENSE, dense_size = 2, segments = [], indices = []>, <format =  SPARSE_CSR, dense_size = 0, segments = [0, 1, 2], indices = [0, 1]>>}
  "test.sparse"() {s = #tfl.sparsity_parameter<traversal_order = [0, 1], block_map = [], dim_metadata = <format =  DENSE, dense_size = 2, segments = [], indices = []>, <format =  SPARSE_CSR, dense_size = 0, segments = [0, 1, 2], indices = [0, 1]>>} : () -> ()
  return
}
