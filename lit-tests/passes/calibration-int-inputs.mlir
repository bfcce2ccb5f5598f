// A sentence-embedding transformer with int32 input_ids and attention_mask: calibration feeds
// the integer inputs as the .npz holds them (matched by signature name, tensor name or
// position; int64 arrays are converted when every value fits), runs the integer ops (embedding
// gather, cumsum, comparisons, casts) and records ranges for the float values only. The
// pool/mean range below is within an ulp of a numpy evaluation of this graph on the same data;
// its maximum is LiteRT's output to the bit (GELU and tanh computed as XNNPACK does; measured
// 2026-12-06).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; ids = np.random.default_rng(1).integers(1, 16, size=(6, 1, 8)).astype(np.int32); mask = np.ones((6, 1, 8), np.int32); mask[0, 0, 5:] = 0; mask[3, 0, 2:] = 0; np.savez('%t/sig.npz', input_ids=ids, attention_mask=mask); np.savez('%t/tensor.npz', **{'serving_default_input_ids:0': ids.astype(np.int64), 'serving_default_attention_mask:0': mask.astype(np.int64)}); np.savez('%t/pos.npz', ids[:, 0], mask[:, 0]); np.savez('%t/float.npz', input_ids=ids.astype(np.float32), attention_mask=mask); big = ids.astype(np.int64); big[2, 0, 3] = 2**40; np.savez('%t/range.npz', input_ids=big, attention_mask=mask); np.savez('%t/both.npz', input_ids=ids, arr_0=ids, attention_mask=mask); np.savez('%t/bool.npz', input_ids=ids, attention_mask=mask.astype(bool))"
//
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/sig.npz --no-progress | FileCheck %s
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/tensor.npz --no-progress | FileCheck %s
// RUN: tqopt %s --pass=calibrate --calibration-data=%t/pos.npz --no-progress | FileCheck %s
// CHECK-NOT: "quantfork.stats"(%arg
// CHECK: "quantfork.stats"({{.*}}) {layerStats = dense<[-2.516760e+00, 2.00041699]> : tensor<2xf32>} : (tensor<1x8x4xf32>) -> tensor<1x8x4xf32> loc("embeddings/lookup")
// CHECK: "quantfork.stats"({{.*}}) {layerStats = dense<[-1.000000e+04, 1.17549435E-38]> : tensor<2xf32>} : (tensor<1x1x8xf32>) -> tensor<1x1x8xf32> loc("mask/bias")
// Values after the layer norm's float RSQRT carry this CPU's reciprocal square root estimate
// in their last bits (as LiteRT's do: interp/src/kernels/xnnpack_math.rs), so they are
// checked to five digits.
// CHECK: "quantfork.stats"({{.*}}) {layerStats = dense<[0.000000e+00, {{0\.52656[0-9]*|5\.2656[0-9]*e-01}}]> : tensor<2xf32>} : (tensor<1x8x8xf32>) -> tensor<1x8x8xf32> loc("attn/probs")
// CHECK: "quantfork.stats"({{.*}}) {layerStats = dense<[{{-0\.16701[0-9]*}}, {{0\.61166[0-9]*}}]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("pool/mean")
//
// The whole int8 pipeline runs on it and writes a model.
// RUN: tqopt %s --pass=quantize-int8 --calibration-data=%t/sig.npz --no-progress -o %t/q.tflite 2>&1 | FileCheck %s --check-prefix=QUANT
// QUANT: quantized {{[0-9]+}} of {{[0-9]+}} ops
// RUN: test -s %t/q.tflite
//
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/float.npz -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=FLOAT
// FLOAT: error: {{.*}}float.npz: array 'input_ids': the array holds float32 values but input 'input_ids' takes int32 [1, 8]: save an integer array (int8 to int64, uint8 to uint64; values must fit)
// RUN: not test -e %t/out.mlir
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/range.npz 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: error: {{.*}}range.npz, sample 2: input 'input_ids': element 3 of the int64 array is 1099511627776, which int32 cannot hold
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/both.npz 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: error: {{.*}}both.npz: arrays input_ids, arr_0 all match input 'input_ids': keep one
// RUN: not tqopt %s --pass=calibrate --calibration-data=%t/bool.npz 2>&1 | FileCheck %s --check-prefix=BOOL
// BOOL: error: {{.*}}bool.npz: array 'attention_mask': the array holds bool values but input 'attention_mask' takes int32 [1, 8]
// RUN: not tqopt %s --pass=calibrate --calibration-data=%shared/data/images 2>&1 | FileCheck %s --check-prefix=IMAGES
// IMAGES: error: a folder of images feeds one input, but the model has 2 inputs: use a .npz with one array per input
func.func @main(%ids: tensor<1x8xi32> {tf_saved_model.index_path = ["input_ids"]} loc("serving_default_input_ids:0"), %mask: tensor<1x8xi32> {tf_saved_model.index_path = ["attention_mask"]} loc("serving_default_attention_mask:0")) -> (tensor<1x4xf32> {tf_saved_model.index_path = ["embedding"]}) attributes {tf.entry_function = {inputs = "serving_default_input_ids:0,serving_default_attention_mask:0", outputs = "pool/mean"}, tf_saved_model.exported_names = ["serving_default"]} {
  %table = "tfl.pseudo_const"() <{value = dense<[[1.230153e-03, 2.987455e-01, -2.741379e-01, -8.905919e-01], [-4.546708e-01, -9.916465e-01, 6.014360e-02, 1.340215e+00], [-4.922065e-01, -6.204749e-01, 4.898421e-01, 3.568870e-01], [1.054142e-01, -9.304680e-01, -2.925182e-02, 6.953032e-01], [-1.344215e+00, -4.576158e-01, -1.901223e+00, -1.289538e+00], [-1.841735e+00, -2.350911e-01, -1.267447e+00, 2.712643e-01], [1.567511e-01, -1.869309e-01, -2.516760e+00, -5.386929e-01], [-4.850094e-02, 1.133090e-01, -1.530136e+00, -4.777533e-01], [-9.785191e-01, -8.088372e-01, 1.060899e+00, -8.075347e-01], [-3.252171e-02, 8.843899e-01, -5.836005e-01, -1.117020e-01], [1.104641e-01, 6.378178e-02, -1.225056e+00, 7.614023e-02], [1.358823e+00, -1.547145e+00, 8.593827e-01, 1.193540e-01], [-6.414704e-01, 2.000417e+00, 7.622597e-01, -1.199289e+00], [7.451623e-02, 5.766896e-01, -1.887821e-01, 6.829103e-01], [-6.651732e-02, 6.672475e-01, 1.438523e+00, -6.756623e-01], [2.031386e-01, -4.633076e-01, 1.272684e-01, -1.187195e+00]]> : tensor<16x4xf32>}> : () -> tensor<16x4xf32> loc("embeddings/table")
  %ptable = "tfl.pseudo_const"() <{value = dense<[[-5.793016e-02, -1.961960e-02, 8.987638e-02, 1.145222e-01], [-1.323528e-01, -7.946423e-02, 6.469034e-02, -1.992420e-01], [-4.631699e-02, -9.728692e-03, 1.257015e-01, 6.894039e-02], [-3.272134e-02, -3.685759e-02, -2.501954e-02, 1.523529e-01], [-4.280249e-02, -3.036804e-02, 3.525891e-02, -1.207704e-02], [-1.972842e-02, -1.114067e-01, -1.152147e-03, -4.435812e-02], [1.166128e-01, 6.530885e-02, -2.414361e-03, 6.683810e-02], [-3.398696e-02, 1.052126e-01, -5.399561e-04, 5.833824e-02]]> : tensor<8x4xf32>}> : () -> tensor<8x4xf32> loc("embeddings/positions")
  %gamma = "tfl.pseudo_const"() <{value = dense<[8.709107e-01, 1.034668e+00, 8.311796e-01, 7.964671e-01]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("ln/gamma")
  %beta = "tfl.pseudo_const"() <{value = dense<[-3.044769e-02, -8.999276e-02, 1.640528e-02, 2.244757e-01]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("ln/beta")
  %wq = "tfl.pseudo_const"() <{value = dense<[[-4.158616e-01, -3.119718e-01, 1.027020e-01, 2.465066e-01], [-8.820304e-02, -1.029652e-01, 3.512315e-01, 2.599538e-01], [-5.168379e-01, -3.959066e-02, 1.764342e-02, -5.272423e-01], [1.299195e-01, -4.289782e-01, 4.860334e-01, 9.637295e-02]]> : tensor<4x4xf32>}> : () -> tensor<4x4xf32> loc("attn/q/kernel")
  %bq = "tfl.pseudo_const"() <{value = dense<[8.930649e-03, -5.910284e-02, -1.186098e-02, -1.997746e-01]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("attn/q/bias")
  %wk = "tfl.pseudo_const"() <{value = dense<[[-5.657037e-01, 1.814199e-01, -1.064283e+00, 4.233043e-01], [-8.730482e-01, 3.783692e-01, -4.227485e-01, 3.894956e-01], [6.547561e-02, -7.684175e-01, 6.245744e-01, 7.208536e-01], [-3.290245e-02, -1.369581e-01, -7.993348e-02, -4.875762e-01]]> : tensor<4x4xf32>}> : () -> tensor<4x4xf32> loc("attn/k/kernel")
  %bk = "tfl.pseudo_const"() <{value = dense<[1.098587e-01, -5.428919e-02, -5.119041e-03, -7.932964e-02]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("attn/k/bias")
  %wv = "tfl.pseudo_const"() <{value = dense<[[-3.130366e-01, -6.388626e-01, 6.285347e-01, -7.704379e-02], [4.829608e-01, 6.662298e-03, -3.472018e-01, -1.633426e-01], [-2.801155e-01, 3.979550e-03, -1.876334e-01, -1.499609e-01], [-6.892874e-01, -4.034230e-01, 8.270288e-01, -3.356166e-01]]> : tensor<4x4xf32>}> : () -> tensor<4x4xf32> loc("attn/v/kernel")
  %bv = "tfl.pseudo_const"() <{value = dense<[-1.054094e-01, 3.373263e-02, 1.407272e-01, -1.454024e-01]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("attn/v/bias")
  %i0 = "tfl.pseudo_const"() <{value = dense<0> : tensor<i32>}> : () -> tensor<i32> loc("zero")
  %i1 = "tfl.pseudo_const"() <{value = dense<1> : tensor<i32>}> : () -> tensor<i32> loc("one")
  %ax1 = "tfl.pseudo_const"() <{value = dense<1> : tensor<i32>}> : () -> tensor<i32> loc("axis1")
  %axm = "tfl.pseudo_const"() <{value = dense<-1> : tensor<1xi32>}> : () -> tensor<1xi32> loc("last_axis")
  %ax1v = "tfl.pseudo_const"() <{value = dense<1> : tensor<1xi32>}> : () -> tensor<1xi32> loc("token_axis")
  %dimm = "tfl.pseudo_const"() <{value = dense<-1> : tensor<i32>}> : () -> tensor<i32> loc("expand_last")
  %shp = "tfl.pseudo_const"() <{value = dense<[1, 1, 8]> : tensor<3xi32>}> : () -> tensor<3xi32> loc("mask_shape")
  %eps = "tfl.pseudo_const"() <{value = dense<1.000000e-03> : tensor<f32>}> : () -> tensor<f32> loc("ln/eps")
  %half = "tfl.pseudo_const"() <{value = dense<5.000000e-01> : tensor<f32>}> : () -> tensor<f32> loc("attn/scale")
  %onef = "tfl.pseudo_const"() <{value = dense<1.000000e+00> : tensor<f32>}> : () -> tensor<f32> loc("onef")
  %big = "tfl.pseudo_const"() <{value = dense<-1.000000e+04> : tensor<f32>}> : () -> tensor<f32> loc("mask_value")
  %none = "tfl.no_value"() <{value}> : () -> none loc("none")
  %emb = "tfl.gather"(%table, %ids) <{axis = 0 : i32, batch_dims = 0 : i32}> : (tensor<16x4xf32>, tensor<1x8xi32>) -> tensor<1x8x4xf32> loc("embeddings/lookup")
  %cs = "tfl.cumsum"(%mask, %ax1) <{exclusive = false, reverse = false}> : (tensor<1x8xi32>, tensor<i32>) -> tensor<1x8xi32> loc("positions/cumsum")
  %pm1 = "tfl.sub"(%cs, %i1) <{fused_activation_function = "NONE"}> : (tensor<1x8xi32>, tensor<i32>) -> tensor<1x8xi32> loc("positions/sub")
  %pos = "tfl.maximum"(%pm1, %i0) : (tensor<1x8xi32>, tensor<i32>) -> tensor<1x8xi32> loc("positions/ids")
  %pemb = "tfl.gather"(%ptable, %pos) <{axis = 0 : i32, batch_dims = 0 : i32}> : (tensor<8x4xf32>, tensor<1x8xi32>) -> tensor<1x8x4xf32> loc("embeddings/position_lookup")
  %x = "tfl.add"(%emb, %pemb) <{fused_activation_function = "NONE"}> : (tensor<1x8x4xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4xf32> loc("embeddings/add")
  %mu = "tfl.mean"(%x, %axm) <{keep_dims = true}> : (tensor<1x8x4xf32>, tensor<1xi32>) -> tensor<1x8x1xf32> loc("ln/mean")
  %sq = "tfl.squared_difference"(%x, %mu) : (tensor<1x8x4xf32>, tensor<1x8x1xf32>) -> tensor<1x8x4xf32> loc("ln/sqdiff")
  %var = "tfl.mean"(%sq, %axm) <{keep_dims = true}> : (tensor<1x8x4xf32>, tensor<1xi32>) -> tensor<1x8x1xf32> loc("ln/variance")
  %ve = "tfl.add"(%var, %eps) <{fused_activation_function = "NONE"}> : (tensor<1x8x1xf32>, tensor<f32>) -> tensor<1x8x1xf32> loc("ln/add_eps")
  %rs = "tfl.rsqrt"(%ve) : (tensor<1x8x1xf32>) -> tensor<1x8x1xf32> loc("ln/rsqrt")
  %xc = "tfl.sub"(%x, %mu) <{fused_activation_function = "NONE"}> : (tensor<1x8x4xf32>, tensor<1x8x1xf32>) -> tensor<1x8x4xf32> loc("ln/center")
  %xn = "tfl.mul"(%xc, %rs) <{fused_activation_function = "NONE"}> : (tensor<1x8x4xf32>, tensor<1x8x1xf32>) -> tensor<1x8x4xf32> loc("ln/normalize")
  %xg = "tfl.mul"(%xn, %gamma) <{fused_activation_function = "NONE"}> : (tensor<1x8x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32> loc("ln/scale")
  %ln = "tfl.add"(%xg, %beta) <{fused_activation_function = "NONE"}> : (tensor<1x8x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32> loc("ln/output")
  %q = "tfl.fully_connected"(%ln, %wq, %bq) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = true, weights_format = "DEFAULT"}> : (tensor<1x8x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32> loc("attn/q")
  %k = "tfl.fully_connected"(%ln, %wk, %bk) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = true, weights_format = "DEFAULT"}> : (tensor<1x8x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32> loc("attn/k")
  %v = "tfl.fully_connected"(%ln, %wv, %bv) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = true, weights_format = "DEFAULT"}> : (tensor<1x8x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32> loc("attn/v")
  %scores = "tfl.batch_matmul"(%q, %k) <{adj_x = false, adj_y = true, asymmetric_quantize_inputs = false}> : (tensor<1x8x4xf32>, tensor<1x8x4xf32>) -> tensor<1x8x8xf32> loc("attn/scores")
  %scaled = "tfl.mul"(%scores, %half) <{fused_activation_function = "NONE"}> : (tensor<1x8x8xf32>, tensor<f32>) -> tensor<1x8x8xf32> loc("attn/scaled")
  %mb = "tfl.not_equal"(%mask, %i0) : (tensor<1x8xi32>, tensor<i32>) -> tensor<1x8xi1> loc("mask/nonzero")
  %mf = "tfl.cast"(%mb) : (tensor<1x8xi1>) -> tensor<1x8xf32> loc("mask/float")
  %mr = "tfl.reshape"(%mf, %shp) : (tensor<1x8xf32>, tensor<3xi32>) -> tensor<1x1x8xf32> loc("mask/reshape")
  %inv = "tfl.sub"(%onef, %mr) <{fused_activation_function = "NONE"}> : (tensor<f32>, tensor<1x1x8xf32>) -> tensor<1x1x8xf32> loc("mask/invert")
  %neg = "tfl.mul"(%inv, %big) <{fused_activation_function = "NONE"}> : (tensor<1x1x8xf32>, tensor<f32>) -> tensor<1x1x8xf32> loc("mask/bias")
  %masked = "tfl.add"(%scaled, %neg) <{fused_activation_function = "NONE"}> : (tensor<1x8x8xf32>, tensor<1x1x8xf32>) -> tensor<1x8x8xf32> loc("attn/masked")
  %probs = "tfl.softmax"(%masked) <{beta = 1.000000e+00 : f32}> : (tensor<1x8x8xf32>) -> tensor<1x8x8xf32> loc("attn/probs")
  %ctx = "tfl.batch_matmul"(%probs, %v) <{adj_x = false, adj_y = false, asymmetric_quantize_inputs = false}> : (tensor<1x8x8xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4xf32> loc("attn/context")
  %gl = "tfl.gelu"(%ctx) <{approximate = false}> : (tensor<1x8x4xf32>) -> tensor<1x8x4xf32> loc("ffn/gelu")
  %th = "tfl.tanh"(%gl) : (tensor<1x8x4xf32>) -> tensor<1x8x4xf32> loc("ffn/tanh")
  %mcnt = "tfl.cast"(%mask) : (tensor<1x8xi32>) -> tensor<1x8xf32> loc("pool/mask_float")
  %me = "tfl.expand_dims"(%mcnt, %dimm) : (tensor<1x8xf32>, tensor<i32>) -> tensor<1x8x1xf32> loc("pool/mask_expand")
  %hm = "tfl.mul"(%th, %me) <{fused_activation_function = "NONE"}> : (tensor<1x8x4xf32>, tensor<1x8x1xf32>) -> tensor<1x8x4xf32> loc("pool/masked")
  %sum = "tfl.sum"(%hm, %ax1v) <{keep_dims = false}> : (tensor<1x8x4xf32>, tensor<1xi32>) -> tensor<1x4xf32> loc("pool/sum")
  %cnt = "tfl.sum"(%mcnt, %ax1v) <{keep_dims = true}> : (tensor<1x8xf32>, tensor<1xi32>) -> tensor<1x1xf32> loc("pool/count")
  %out = "tfl.div"(%sum, %cnt) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x1xf32>) -> tensor<1x4xf32> loc("pool/mean")
  return %out : tensor<1x4xf32>
}
