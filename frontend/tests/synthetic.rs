//! The importer on small models built in memory: quantized tensors, optional operands,
//! control flow, custom ops, signatures, metadata, special constants, and errors that name
//! their place.

mod common;

use common::ModelBuilder;
use tqopt_frontend::schema::tflite::{
    self, BufferT, BuiltinOperator as Op, BuiltinOptionsT, Conv2DOptionsT, IfOptionsT, OperatorT,
    QuantizationParametersT, ReshapeOptionsT, SignatureDefT, SparsityParametersT, TensorMapT,
    TensorT, TensorType, WhileOptionsT,
};
use tqopt_frontend::{import_bytes, ImportError, ImportErrorKind};
use tqopt_ir::{Blob, Module};
use tqopt_textual_ir::{print_module, PrintOptions};

/// With `TQOPT_WRITE_SEEDS=DIR`, the models of these tests are also written to DIR (seeds for
/// the fuzz target: `frontend/fuzz`).
fn bytes(b: &ModelBuilder) -> Vec<u8> {
    let data = b.finish();
    if let Some(dir) = std::env::var_os("TQOPT_WRITE_SEEDS") {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        data.hash(&mut h);
        let _ = std::fs::write(
            std::path::Path::new(&dir).join(format!("{:016x}.tflite", h.finish())),
            &data,
        );
    }
    data
}

fn import(b: &ModelBuilder) -> Module {
    let module =
        import_bytes("test.tflite", Blob::from_vec(bytes(b))).unwrap_or_else(|e| panic!("{e}"));
    let errors = tqopt_ir::verifier::verify(&module);
    assert!(errors.is_empty(), "{:?}\n{}", errors, text(&module));
    module
}

fn import_err(b: &ModelBuilder) -> ImportError {
    match import_bytes("test.tflite", Blob::from_vec(bytes(b))) {
        Ok(m) => panic!("imported without error:\n{}", text(&m)),
        Err(e) => e,
    }
}

fn text(m: &Module) -> String {
    print_module(m, &PrintOptions::default())
}

fn conv_options() -> BuiltinOptionsT {
    BuiltinOptionsT::Conv2DOptions(Box::new(make!(Conv2DOptionsT {
        stride_w: 1,
        stride_h: 1
    })))
}

/// An int8 model: per-tensor activations, per-axis narrow-range weights, int32 bias.
fn int8_conv() -> ModelBuilder {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[1, 4, 4, 2], TensorType::INT8);
    b.quantize(0, x, 0.5, -128);
    let w = b.constant(
        0,
        "w",
        &[3, 1, 1, 2],
        TensorType::INT8,
        vec![1, 2, 3, 4, 5, 6],
    );
    b.quantize_per_axis(0, w, &[0.25, 0.125, 0.5], 0);
    let bias = b.i32_constant(0, "bias", &[3], &[10, -20, 30]);
    b.quantize_per_axis(0, bias, &[0.125, 0.0625, 1.0], 0);
    let y = b.tensor(0, "y", &[1, 4, 4, 3], TensorType::INT8);
    b.quantize(0, y, 0.1, 3);
    b.op(0, Op::CONV_2D, &[x, w, bias], &[y], conv_options());
    b.io(0, &[x], &[y]);
    b
}

#[test]
fn quantized_tensors_get_exact_quant_types() {
    let m = import(&int8_conv());
    let t = text(&m);
    assert!(
        t.contains("%arg0: tensor<1x4x4x2x!quant.uniform<i8:f32, 5.000000e-01:-128>>"),
        "{t}"
    );
    // Weights: narrow range (constant 8-bit), per axis.
    assert!(
        t.contains("qtype = tensor<3x1x1x2x!quant.uniform<i8<-127:127>:f32:0, {2.500000e-01,1.250000e-01,5.000000e-01}>>"),
        "{t}"
    );
    assert!(
        t.contains("value = dense<[[[[1, 2]]], [[[3, 4]]], [[[5, 6]]]]> : tensor<3x1x1x2xi8>"),
        "{t}"
    );
    assert!(
        t.contains("tensor<3x!quant.uniform<i32:f32:0, {1.250000e-01,6.250000e-02,1.000000e+00}>>"),
        "{t}"
    );
    assert!(
        t.contains("value = dense<[10, -20, 30]> : tensor<3xi32>"),
        "{t}"
    );
    // 0.1f as a double, printed exactly.
    assert!(
        t.contains("-> tensor<1x4x4x3x!quant.uniform<i8:f32, 0.10000000149011612:3>>"),
        "{t}"
    );
}

#[test]
fn narrow_range_weights_are_widened_for_other_users() {
    let mut b = int8_conv();
    // The weight is also added to something: that use gets a full-range copy.
    let w = 1;
    let z = b.tensor(0, "z", &[3, 1, 1, 2], TensorType::INT8);
    b.quantize(0, z, 0.5, 0);
    b.op(0, Op::ADD, &[w, w], &[z], BuiltinOptionsT::NONE);
    let y = 3;
    b.io(0, &[0], &[y, z]);
    let m = import(&b);
    let t = text(&m);
    let qconsts: Vec<&str> = t
        .lines()
        .filter(|l| l.contains("tfl.pseudo_qconst") && l.contains("x2xi8"))
        .collect();
    assert_eq!(qconsts.len(), 2, "{t}");
    assert!(qconsts.iter().any(|l| l.contains("i8<-127:127>")), "{t}");
    assert!(
        qconsts
            .iter()
            .any(|l| l.contains("!quant.uniform<i8:f32:0,")),
        "{t}"
    );
    let add = t.lines().find(|l| l.contains("\"tfl.add\"")).unwrap();
    assert!(!add.contains("<-127:127>"), "{add}");
}

#[test]
fn uint8_and_int16_quantization() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::UINT8);
    b.quantize(0, x, 0.5, 128);
    let c = b.constant(0, "c", &[2], TensorType::UINT8, vec![0, 255]);
    b.quantize(0, c, 0.5, 128);
    let y = b.tensor(0, "y", &[2], TensorType::UINT8);
    b.quantize(0, y, 1.0, 128);
    b.op(0, Op::ADD, &[x, c], &[y], BuiltinOptionsT::NONE);
    let q = b.tensor(0, "q", &[2], TensorType::INT16);
    b.quantize(0, q, 0.25, 0);
    b.op(0, Op::QUANTIZE, &[y], &[q], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[q]);
    let t = text(&import(&b));
    assert!(
        t.contains("tensor<2x!quant.uniform<u8:f32, 5.000000e-01:128>>"),
        "{t}"
    );
    // The constant is used by an ADD (not an affine weight): full range, storage i8.
    assert!(t.contains("value = dense<[0, -1]> : tensor<2xi8>"), "{t}");
    assert!(
        t.contains("qtype = tensor<2x!quant.uniform<i16:f32, 2.500000e-01>>"),
        "{t}"
    );
}

#[test]
fn optional_operands_become_no_value() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[1, 4], TensorType::FLOAT32);
    let w = b.f32_constant(0, "w", &[2, 4], &[0.0; 8]);
    let y = b.tensor(0, "y", &[1, 2], TensorType::FLOAT32);
    let fc = BuiltinOptionsT::FullyConnectedOptions(Box::default());
    b.op(0, Op::FULLY_CONNECTED, &[x, w, -1], &[y], fc.clone());
    let z = b.tensor(0, "z", &[1, 2], TensorType::FLOAT32);
    b.op(0, Op::FULLY_CONNECTED, &[x, w, -1], &[z], fc.clone());
    // Two inputs only: TensorFlow pads with one no_value per op.
    let u = b.tensor(0, "u", &[1, 2], TensorType::FLOAT32);
    b.op(0, Op::FULLY_CONNECTED, &[x, w], &[u], fc);
    b.io(0, &[x], &[y, z, u]);
    let t = text(&import(&b));
    assert_eq!(
        t.matches("\"tfl.no_value\"() <{value}> : () -> none")
            .count(),
        2,
        "{t}"
    );
    assert!(t.contains("asymmetric_quantize_inputs = false, fused_activation_function = \"NONE\", keep_num_dims = false, weights_format = \"DEFAULT\""), "{t}");
}

#[test]
fn one_input_reshape_gets_its_shape_as_an_operand() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2, 3], TensorType::FLOAT32);
    let y = b.tensor(0, "y", &[3, 2], TensorType::FLOAT32);
    b.op(
        0,
        Op::RESHAPE,
        &[x],
        &[y],
        BuiltinOptionsT::ReshapeOptions(Box::new(make!(ReshapeOptionsT {
            new_shape: Some(vec![3, 2])
        }))),
    );
    // A rank-2 constant shape is flattened.
    let s = b.i32_constant(0, "s", &[2, 1], &[6, 1]);
    let z = b.tensor(0, "z", &[6, 1], TensorType::FLOAT32);
    b.op(0, Op::RESHAPE, &[y, s], &[z], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[z]);
    let t = text(&import(&b));
    assert!(t.contains("\"tfl.pseudo_const\"() <{value = dense<[3, 2]> : tensor<2xi32>}> : () -> tensor<2xi32> loc(\"y\")"), "{t}");
    assert!(t.contains("dense<[6, 1]> : tensor<2xi32>"), "{t}");
    assert!(
        t.contains("\"tfl.reshape\"(%1, %3) : (tensor<3x2xf32>, tensor<2xi32>) -> tensor<6x1xf32>"),
        "{t}"
    );
}

#[test]
fn while_and_if_call_private_functions() {
    let mut b = ModelBuilder::new();
    // main: i -> while(i) -> if(cond, i)
    let i = b.tensor(0, "i", &[], TensorType::INT32);
    let r = b.tensor(0, "r", &[], TensorType::INT32);
    b.op(
        0,
        Op::WHILE,
        &[i],
        &[r],
        BuiltinOptionsT::WhileOptions(Box::new(make!(WhileOptionsT {
            cond_subgraph_index: 1,
            body_subgraph_index: 2
        }))),
    );
    let c = b.tensor(0, "c", &[], TensorType::BOOL);
    b.op(0, Op::LESS, &[r, i], &[c], BuiltinOptionsT::NONE);
    let o = b.tensor(0, "o", &[], TensorType::INT32);
    b.op(
        0,
        Op::IF,
        &[c, r],
        &[o],
        BuiltinOptionsT::IfOptions(Box::new(make!(IfOptionsT {
            then_subgraph_index: 2,
            else_subgraph_index: 2
        }))),
    );
    for t in [i, r, c, o] {
        b.tensor_mut(0, t).has_rank = true;
    }
    b.io(0, &[i], &[o]);
    // cond: a < 10
    let a = b.tensor(1, "a", &[], TensorType::INT32);
    let ten = b.i32_constant(1, "ten", &[], &[10]);
    let lt = b.tensor(1, "lt", &[], TensorType::BOOL);
    b.op(1, Op::LESS, &[a, ten], &[lt], BuiltinOptionsT::NONE);
    b.io(1, &[a], &[lt]);
    b.tensor_mut(1, a).has_rank = true;
    b.tensor_mut(1, lt).has_rank = true;
    // body: a + 1
    let a2 = b.tensor(2, "a", &[], TensorType::INT32);
    let one = b.i32_constant(2, "one", &[], &[1]);
    let s = b.tensor(2, "s", &[], TensorType::INT32);
    b.op(2, Op::ADD, &[a2, one], &[s], BuiltinOptionsT::NONE);
    b.io(2, &[a2], &[s]);
    b.tensor_mut(2, a2).has_rank = true;
    b.tensor_mut(2, s).has_rank = true;
    let m = import(&b);
    let t = text(&m);
    assert!(
        t.contains("func.func private @sub1(%arg0: tensor<i32> loc(\"a\")) -> tensor<i1>"),
        "{t}"
    );
    assert!(t.contains("func.func private @sub2("), "{t}");
    assert!(t.contains("\"tfl.while\"(%arg0) ({"), "{t}");
    assert!(
        t.contains("call @sub1(%arg1) : (tensor<i32>) -> tensor<i1>"),
        "{t}"
    );
    assert!(t.contains("\"tfl.yield\""), "{t}");
    assert!(
        t.contains("\"tfl.if\"(%1) ({\n      %3 = call @sub2(%0) : (tensor<i32>) -> tensor<i32>"),
        "{t}"
    );
    assert_eq!(m.funcs().len(), 3);
}

#[test]
fn custom_ops_keep_code_and_options() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[1], TensorType::FLOAT32);
    let y = b.tensor(0, "y", &[1], TensorType::FLOAT32);
    let code = b.opcode(Op::CUSTOM, Some("MyOp"));
    b.push_op(
        0,
        make!(OperatorT {
            opcode_index: code,
            inputs: Some(vec![x]),
            outputs: Some(vec![y]),
            custom_options: Some(vec![0xde, 0xad, 0x01])
        }),
    );
    b.io(0, &[x], &[y]);
    let t = text(&import(&b));
    assert!(t.contains("\"tfl.custom\"(%arg0) <{custom_code = \"MyOp\", custom_option = #tfl<const_bytes : \"0xDEAD01\">}>"), "{t}");
}

#[test]
fn large_custom_options_and_buffers_after_the_flatbuffer() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
    let c = b.tensor_with(
        0,
        make!(TensorT {
            name: Some("c".into()),
            shape: Some(vec![2]),
            type_: TensorType::FLOAT32,
            buffer: 1
        }),
    );
    let y = b.tensor(0, "y", &[2], TensorType::FLOAT32);
    b.op(0, Op::ADD, &[x, c], &[y], BuiltinOptionsT::NONE);
    let code = b.opcode(Op::CUSTOM, Some("Big"));
    let z = b.tensor(0, "z", &[2], TensorType::FLOAT32);
    b.push_op(
        0,
        make!(OperatorT {
            opcode_index: code,
            inputs: Some(vec![y]),
            outputs: Some(vec![z])
        }),
    );
    b.io(0, &[x], &[z]);
    // Lay out: flatbuffer, then the buffer data and the custom options at known offsets.
    let payload: Vec<u8> = [1.5f32, -2.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let options = vec![7u8, 8, 9];
    let mut len = 0;
    for _ in 0..3 {
        b.model.buffers.as_mut().unwrap().push(BufferT::default());
        b.model.buffers.as_mut().unwrap().truncate(2);
        b.model.buffers.as_mut().unwrap()[1] = make!(BufferT {
            data: None,
            offset: len as u64,
            size: 8
        });
        let ops = b.model.subgraphs.as_mut().unwrap()[0]
            .operators
            .as_mut()
            .unwrap();
        ops[1].large_custom_options_offset = (len + 8) as u64;
        ops[1].large_custom_options_size = 3;
        len = b.finish().len().div_ceil(16) * 16;
    }
    let mut bytes = b.finish();
    assert_eq!(bytes.len().div_ceil(16) * 16, len);
    bytes.resize(len, 0);
    bytes.extend(&payload);
    bytes.extend(&options);
    let m = import_bytes("big.tflite", Blob::from_vec(bytes)).unwrap_or_else(|e| panic!("{e}"));
    let t = text(&m);
    assert!(
        t.contains("dense<[1.500000e+00, -2.000000e+00]> : tensor<2xf32>"),
        "{t}"
    );
    assert!(
        t.contains("custom_option = #tfl<const_bytes : \"0x070809\">"),
        "{t}"
    );
}

#[test]
fn signatures_name_functions_and_arguments() {
    let mut b = ModelBuilder::new();
    for sg in 0..2 {
        let x = b.tensor(sg, "in_tensor", &[1], TensorType::FLOAT32);
        let y = b.tensor(sg, "out_tensor", &[1], TensorType::FLOAT32);
        b.op(sg, Op::RELU, &[x], &[y], BuiltinOptionsT::NONE);
        b.io(sg, &[x], &[y]);
    }
    b.model.subgraphs.as_mut().unwrap()[0].name = Some("encode".into());
    b.model.subgraphs.as_mut().unwrap()[1].name = Some("decode".into());
    let map = |name: &str, t: u32| {
        make!(TensorMapT {
            name: Some(name.into()),
            tensor_index: t
        })
    };
    b.model.signature_defs = Some(vec![
        make!(SignatureDefT {
            inputs: Some(vec![map("x", 0)]),
            outputs: Some(vec![map("y", 1)]),
            signature_key: Some("enc".into()),
            subgraph_index: 0
        }),
        make!(SignatureDefT {
            inputs: Some(vec![map("a", 0)]),
            outputs: Some(vec![map("b", 1)]),
            signature_key: Some("dec".into()),
            subgraph_index: 1
        }),
    ]);
    b.metadata("min_runtime_version", b"1.5.0\0\0");
    b.metadata("min_runtime_version", b"ignored duplicate");
    b.metadata("other", &[0, 1, 2]);
    b.metadata("model_control_dependencies", &[1, 0, 0, 0]);
    let t = text(&import(&b));
    assert!(t.contains("module attributes {tf_saved_model.semantics, tfl.description = \"test model\", tfl.metadata = {min_runtime_version = \"1.5.0\\00\\00\", other = \"\\00\\01\\02\"}, tfl.schema_version = 3 : i32, tqopt.model_control_dependencies = \"\\01\\00\\00\\00\"}"), "{t}");
    assert!(t.contains("func.func @encode(%arg0: tensor<1xf32> {tf_saved_model.index_path = [\"x\"]} loc(\"in_tensor\")) -> (tensor<1xf32> {tf_saved_model.index_path = [\"y\"]}) attributes {tf.entry_function = {inputs = \"in_tensor\", outputs = \"out_tensor\"}, tf_saved_model.exported_names = [\"enc\"]}"), "{t}");
    assert!(
        t.contains("func.func @decode(") && t.contains("tf_saved_model.exported_names = [\"dec\"]"),
        "{t}"
    );
    assert!(
        t.contains("tqopt.model_control_dependencies = \"\\01\\00\\00\\00\""),
        "{t}"
    );
}

#[test]
fn min_max_only_tensors_get_stats() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
    b.tensor_mut(0, x).quantization = Some(Box::new(make!(QuantizationParametersT {
        min: Some(vec![-1.0]),
        max: Some(vec![2.0])
    })));
    let y = b.tensor(0, "y", &[2], TensorType::FLOAT32);
    b.op(0, Op::RELU, &[x], &[y], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[y]);
    let t = text(&import(&b));
    assert!(t.contains("\"quantfork.stats\"(%arg0) {layerStats = dense<[-1.000000e+00, 2.000000e+00]> : tensor<2xf32>}"), "{t}");
    assert!(t.contains("\"tfl.relu\"(%0)"), "{t}");
}

#[test]
fn special_constants() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[3], TensorType::BOOL);
    let c = b.constant(0, "c", &[3], TensorType::BOOL, vec![0, 7, 1]);
    let y = b.tensor(0, "y", &[3], TensorType::BOOL);
    b.op(0, Op::LOGICAL_AND, &[x, c], &[y], BuiltinOptionsT::NONE);
    // int4: three values packed in two bytes, low nibble first.
    let w = b.constant(0, "w", &[3], TensorType::INT4, vec![0x7F, 0x08]);
    let wf = b.tensor(0, "wf", &[3], TensorType::INT32);
    b.op(0, Op::CAST, &[w], &[wf], BuiltinOptionsT::NONE);
    let mut strings = Vec::new();
    for v in [2i32, 16, 18, 21] {
        strings.extend(v.to_le_bytes());
    }
    strings.extend(b"hiyou");
    let s = b.constant(0, "s", &[2], TensorType::STRING, strings);
    let sh = b.tensor(0, "sh", &[1], TensorType::INT32);
    b.op(0, Op::SHAPE, &[s], &[sh], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[y, wf, sh]);
    let m =
        import_bytes("test.tflite", Blob::from_vec(bytes(&b))).unwrap_or_else(|e| panic!("{e}"));
    let t = text(&m);
    assert!(
        t.contains("dense<[false, true, true]> : tensor<3xi1>"),
        "{t}"
    );
    assert!(t.contains("dense<[-1, 7, -8]> : tensor<3xi4>"), "{t}");
    assert!(
        t.contains("dense<[\"hi\", \"you\"]> : tensor<2x!tf_type.string>"),
        "{t}"
    );
}

#[test]
fn sparse_quantized_constants() {
    let mut b = ModelBuilder::new();
    let w = b.constant(0, "w", &[2, 2], TensorType::INT8, vec![5, 6]);
    b.quantize(0, w, 0.5, 0);
    b.tensor_mut(0, w).sparsity = Some(Box::new(make!(SparsityParametersT {
        traversal_order: Some(vec![0, 1]),
        block_map: Some(vec![]),
        dim_metadata: Some(vec![
            make!(tflite::DimensionMetadataT {
                format: tflite::DimensionType::DENSE,
                dense_size: 2
            }),
            make!(tflite::DimensionMetadataT {
                format: tflite::DimensionType::SPARSE_CSR,
                array_segments: tflite::SparseIndexVectorT::Uint8Vector(Box::new(make!(
                    tflite::Uint8VectorT {
                        values: Some(vec![0, 1, 2])
                    }
                ))),
                array_indices: tflite::SparseIndexVectorT::Int32Vector(Box::new(make!(
                    tflite::Int32VectorT {
                        values: Some(vec![1, 0])
                    }
                )))
            }),
        ])
    })));
    let d = b.tensor(0, "d", &[2, 2], TensorType::INT8);
    b.quantize(0, d, 0.5, 0);
    b.op(0, Op::DENSIFY, &[w], &[d], BuiltinOptionsT::NONE);
    b.io(0, &[], &[d]);
    let m =
        import_bytes("test.tflite", Blob::from_vec(bytes(&b))).unwrap_or_else(|e| panic!("{e}"));
    let t = text(&m);
    assert!(t.contains("\"tfl.pseudo_sparse_qconst\"() <{compressed_data = dense<[5, 6]> : tensor<2xi8>, qtype = tensor<2x2x!quant.uniform<i8<-127:127>:f32, 5.000000e-01>>, s_param = #tfl.sparsity_parameter<traversal_order = [0, 1], block_map = [], dim_metadata = <format =  DENSE, dense_size = 2, segments = [], indices = []>, <format =  SPARSE_CSR, dense_size = 0, segments = [0, 1, 2], indices = [1, 0]>>, value = dense<0> : tensor<2x2xi8>}>"), "{t}");
}

#[test]
fn variables_are_distinct_splats() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
    let v1 = b.tensor_with(
        0,
        make!(TensorT {
            name: Some("v1".into()),
            shape: Some(vec![2]),
            is_variable: true
        }),
    );
    let v2 = b.tensor_with(
        0,
        make!(TensorT {
            name: Some("v2".into()),
            shape: Some(vec![2]),
            is_variable: true
        }),
    );
    let y = b.tensor(0, "y", &[2], TensorType::FLOAT32);
    b.op(0, Op::ADD, &[x, v1], &[y], BuiltinOptionsT::NONE);
    let z = b.tensor(0, "z", &[2], TensorType::FLOAT32);
    b.op(0, Op::ADD, &[y, v2], &[z], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[z]);
    let t = text(&import(&b));
    assert!(
        t.contains("<{value = dense<0.000000e+00> : tensor<2xf32>}> {tfl.is_variable}"),
        "{t}"
    );
    assert!(
        t.contains("<{value = dense<1.000000e+00> : tensor<2xf32>}> {tfl.is_variable}"),
        "{t}"
    );
}

// ---- errors name their place ----

#[test]
fn stale_metadata_buffer_entries_are_dropped() {
    // ai-edge-quantizer rewrites the buffers and leaves metadata_buffer pointing past them;
    // LiteRT never reads the list and runs such models.
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
    let y = b.tensor(0, "y", &[2], TensorType::FLOAT32);
    b.op(0, Op::ABS, &[x], &[y], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[y]);
    let kept = b.buffer(vec![7, 8]) as i32;
    b.model.metadata_buffer = Some(vec![444, kept]);
    let t = text(&import(&b));
    assert!(
        t.contains("tqopt.metadata_buffers = [dense<[7, 8]> : tensor<2xui8>]"),
        "{t}"
    );
}

#[test]
fn buffer_index_out_of_range() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
    let c = b.tensor_with(
        0,
        make!(TensorT {
            name: Some("weights".into()),
            shape: Some(vec![2]),
            buffer: 99
        }),
    );
    let y = b.tensor(0, "y", &[2], TensorType::FLOAT32);
    b.op(0, Op::ADD, &[x, c], &[y], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[y]);
    let e = import_err(&b);
    assert_eq!(e.kind, ImportErrorKind::Invalid);
    assert_eq!(
        e.to_string(),
        "test.tflite: error: subgraph 0 (\"main\"): operator 0 (ADD): input 1: tensor 1 (\"weights\"): buffer index 99 is out of range (the model has 1 buffers)"
    );
}

#[test]
fn unknown_opcode() {
    // A schema op tqopt does not model imports as `tfl.builtin` (see ops.rs); a code past the
    // schema is an error.
    {
        let code = Op(500);
        let mut b = ModelBuilder::new();
        let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
        let y = b.tensor(0, "y", &[2], TensorType::FLOAT32);
        b.op(0, Op::RELU, &[x], &[y], BuiltinOptionsT::NONE);
        let z = b.tensor(0, "z", &[2], TensorType::FLOAT32);
        b.op(0, code, &[y], &[z], BuiltinOptionsT::NONE);
        b.io(0, &[x], &[z]);
        let e = import_err(&b);
        let name = tqopt_frontend::ops::op_name(code);
        assert_eq!(
            e.kind,
            ImportErrorKind::UnsupportedOp {
                code: code.0,
                name: name.clone()
            }
        );
        assert_eq!(
            e.to_string(),
            format!("test.tflite: error: subgraph 0 (\"main\"): operator 1 ({name}): TFLite operator {name} (builtin code {}) is not in tqopt's TFLite schema", code.0)
        );
    }
}

#[test]
fn other_bad_indices_and_data() {
    // An opcode index past the operator codes.
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
    b.push_op(
        0,
        make!(OperatorT {
            opcode_index: 7,
            inputs: Some(vec![x]),
            outputs: Some(vec![x])
        }),
    );
    let e = import_err(&b);
    assert!(e.to_string().ends_with("subgraph 0 (\"main\"): operator 0: opcode index 7 is out of range (the model has 0 operator codes)"), "{e}");

    // A tensor index past the tensors.
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
    b.op(0, Op::RELU, &[x], &[42], BuiltinOptionsT::NONE);
    let e = import_err(&b);
    assert!(
        e.to_string()
            .ends_with("operator 0: output 0 names tensor 42, but the subgraph has 1 tensors"),
        "{e}"
    );

    // Constant data that does not fit the shape.
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
    let c = b.constant(0, "c", &[2], TensorType::FLOAT32, vec![0; 7]);
    let y = b.tensor(0, "y", &[2], TensorType::FLOAT32);
    b.op(0, Op::ADD, &[x, c], &[y], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[y]);
    let e = import_err(&b);
    assert!(
        e.to_string().contains(
            "tensor 1 (\"c\") has 7 bytes of data, but its type needs 8 (2 elements of 4 bytes)"
        ),
        "{e}"
    );

    // A tensor read before anything produces it, with no data.
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
    let ghost = b.tensor(0, "ghost", &[2], TensorType::FLOAT32);
    let y = b.tensor(0, "y", &[2], TensorType::FLOAT32);
    b.op(0, Op::ADD, &[x, ghost], &[y], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[y]);
    let e = import_err(&b);
    assert!(
        e.to_string()
            .contains("tensor 1 (\"ghost\") is read before any operator produces it"),
        "{e}"
    );

    // Mismatched per-axis quantization.
    let mut b = int8_conv();
    b.tensor_mut(0, 1).quantization.as_mut().unwrap().zero_point = Some(vec![0, 0]);
    let e = import_err(&b);
    assert!(
        e.to_string()
            .contains("tensor 1 (\"w\") has 3 quantization scales but 2 zero points"),
        "{e}"
    );

    // A required input missing.
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[1, 2, 2, 1], TensorType::FLOAT32);
    let y = b.tensor(0, "y", &[1, 2, 2, 1], TensorType::FLOAT32);
    b.op(0, Op::CONV_2D, &[x], &[y], conv_options());
    b.io(0, &[x], &[y]);
    let e = import_err(&b);
    assert!(e.to_string().contains("operator 0 (CONV_2D): has 1 inputs, but tfl.conv_2d takes 3 (input 1, 'filter', is not optional)"), "{e}");

    // Options of the wrong table.
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
    let y = b.tensor(0, "y", &[2], TensorType::FLOAT32);
    b.op(0, Op::ADD, &[x, x], &[y], conv_options());
    b.io(0, &[x], &[y]);
    let e = import_err(&b);
    assert!(
        e.to_string().contains(
            "operator 0 (ADD): carries builtin options Conv2DOptions, but ADD takes AddOptions"
        ),
        "{e}"
    );

    // A WHILE naming a subgraph that does not exist.
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
    let y = b.tensor(0, "y", &[2], TensorType::FLOAT32);
    b.op(
        0,
        Op::WHILE,
        &[x],
        &[y],
        BuiltinOptionsT::WhileOptions(Box::new(make!(WhileOptionsT {
            cond_subgraph_index: 3,
            body_subgraph_index: 0
        }))),
    );
    b.io(0, &[x], &[y]);
    let e = import_err(&b);
    assert!(
        e.to_string()
            .contains("operator 0 (WHILE): names subgraph 3, but the model has 1 subgraphs"),
        "{e}"
    );

    // Unsigned 64-bit quantized storage (found by fuzzing: its range overflows i64).
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::UINT64);
    b.quantize(0, x, 0.5, 0);
    b.io(0, &[x], &[x]);
    let e = import_err(&b);
    assert!(
        e.to_string()
            .contains("tensor 0 (\"x\") is quantized with UINT64 storage"),
        "{e}"
    );

    // 8-bit floats: no IR type yet.
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT8_E4M3FN);
    b.io(0, &[x], &[x]);
    let e = import_err(&b);
    assert!(
        e.to_string()
            .contains("has element type FLOAT8_E4M3FN, which tqopt's IR cannot represent yet"),
        "{e}"
    );
}
