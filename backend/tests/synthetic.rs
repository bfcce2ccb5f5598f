//! The exporter on small models: files built in memory (with the frontend tests' model builder)
//! and IR written as text. Each goes import -> export -> import and must give the same IR and,
//! exported again, the same bytes; then the file's fields are checked.

mod common;
#[path = "../../frontend/tests/common/mod.rs"]
mod fb;

use common::{export, import_bytes, root, text, text_without_runtime_version};
use fb::ModelBuilder;
use tqopt_backend::ExportErrorKind;
use tqopt_frontend::schema::tflite::{
    self, BuiltinOperator as Op, BuiltinOptionsT, Conv2DOptionsT, IfOptionsT, OperatorT,
    QuantizationParametersT, SignatureDefT, SparsityParametersT, TensorMapT, TensorT, TensorType,
    TransposeConvOptionsT, WhileOptionsT,
};
use tqopt_ir::Module;

/// Imports the builder's file, exports it, imports the export: the same IR (up to an added
/// min_runtime_version), and a second export gives the same bytes. Returns the exported file.
fn round_trip(b: &ModelBuilder) -> Vec<u8> {
    let original = import_bytes(&b.finish());
    round_trip_module(&original)
}

fn round_trip_module(original: &Module) -> Vec<u8> {
    let bytes = export(original);
    let reimported = import_bytes(&bytes);
    assert_eq!(
        text_without_runtime_version(original),
        text_without_runtime_version(&reimported),
        "the re-imported IR differs"
    );
    assert!(export(&reimported) == bytes, "the second export differs");
    bytes
}

fn parse(src: &str) -> Module {
    let m = tqopt_textual_ir::parse_str("test.mlir", src).unwrap_or_else(|d| panic!("{d:?}"));
    let errors = tqopt_ir::verifier::verify(&m);
    assert!(errors.is_empty(), "{errors:?}");
    m
}

fn conv_options() -> BuiltinOptionsT {
    BuiltinOptionsT::Conv2DOptions(Box::new(make!(Conv2DOptionsT {
        stride_w: 1,
        stride_h: 1
    })))
}

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

fn tensor_by_name<'a>(sg: &tflite::SubGraph<'a>, name: &str) -> tflite::Tensor<'a> {
    sg.tensors()
        .unwrap()
        .iter()
        .find(|t| t.name() == Some(name))
        .unwrap_or_else(|| panic!("no tensor '{name}'"))
}

#[test]
fn quantization_parameters() {
    let bytes = round_trip(&int8_conv());
    let model = root(&bytes);
    let sg = model.subgraphs().unwrap().get(0);
    let x = tensor_by_name(&sg, "x");
    assert_eq!(x.type_(), TensorType::INT8);
    let q = x.quantization().unwrap();
    assert_eq!(q.scale().unwrap().iter().collect::<Vec<_>>(), [0.5]);
    assert_eq!(q.zero_point().unwrap().iter().collect::<Vec<_>>(), [-128]);
    let w = tensor_by_name(&sg, "w");
    let q = w.quantization().unwrap();
    assert_eq!(
        q.scale().unwrap().iter().collect::<Vec<_>>(),
        [0.25, 0.125, 0.5]
    );
    assert_eq!(q.zero_point().unwrap().len(), 3);
    assert_eq!(q.quantized_dimension(), 0);
    assert!(q.min().is_none() && q.max().is_none());
    let data = model
        .buffers()
        .unwrap()
        .get(w.buffer() as usize)
        .data()
        .unwrap();
    assert_eq!(data.bytes(), &[1, 2, 3, 4, 5, 6]);
    let bias = tensor_by_name(&sg, "bias");
    assert_eq!(bias.type_(), TensorType::INT32);
    // CONV_2D with int8 per-channel weights is version 3.
    let codes = model.operator_codes().unwrap();
    assert_eq!(codes.get(0).builtin_code(), Op::CONV_2D);
    assert_eq!(codes.get(0).version(), 3);
}

#[test]
fn uint8_and_int16_tensors() {
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
    let bytes = round_trip(&b);
    let model = root(&bytes);
    let sg = model.subgraphs().unwrap().get(0);
    assert_eq!(tensor_by_name(&sg, "c").type_(), TensorType::UINT8);
    assert_eq!(tensor_by_name(&sg, "q").type_(), TensorType::INT16);
}

#[test]
fn absent_optional_operands_are_minus_one() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[1, 4], TensorType::FLOAT32);
    let w = b.f32_constant(0, "w", &[2, 4], &[0.5; 8]);
    let y = b.tensor(0, "y", &[1, 2], TensorType::FLOAT32);
    let fc = BuiltinOptionsT::FullyConnectedOptions(Box::default());
    b.op(0, Op::FULLY_CONNECTED, &[x, w, -1], &[y], fc.clone());
    let z = b.tensor(0, "z", &[1, 2], TensorType::FLOAT32);
    b.op(0, Op::FULLY_CONNECTED, &[x, w], &[z], fc);
    b.io(0, &[x], &[y, z]);
    let bytes = round_trip(&b);
    let model = root(&bytes);
    let sg = model.subgraphs().unwrap().get(0);
    let ops = sg.operators().unwrap();
    // An explicit -1 stays; an input the file left out stays out.
    assert_eq!(
        ops.get(0).inputs().unwrap().iter().collect::<Vec<_>>(),
        [0, 1, -1]
    );
    assert_eq!(
        ops.get(1).inputs().unwrap().iter().collect::<Vec<_>>(),
        [0, 1]
    );
}

/// TRANSPOSE_CONV's codec leaves out an absent bias rather than writing -1 (as TensorFlow does,
/// for older runtimes); FULLY_CONNECTED above keeps its -1.
#[test]
fn transpose_conv_leaves_out_an_absent_bias() {
    let mut b = ModelBuilder::new();
    let shape = b.i32_constant(0, "shape", &[4], &[1, 4, 4, 1]);
    let w = b.f32_constant(0, "w", &[1, 2, 2, 1], &[0.5; 4]);
    let x = b.tensor(0, "x", &[1, 2, 2, 1], TensorType::FLOAT32);
    let y = b.tensor(0, "y", &[1, 4, 4, 1], TensorType::FLOAT32);
    let opts = BuiltinOptionsT::TransposeConvOptions(Box::new(make!(TransposeConvOptionsT {
        stride_w: 2,
        stride_h: 2
    })));
    b.op(0, Op::TRANSPOSE_CONV, &[shape, w, x, -1], &[y], opts);
    b.io(0, &[x], &[y]);
    let bytes = export(&import_bytes(&b.finish()));
    let model = root(&bytes);
    let op = model
        .subgraphs()
        .unwrap()
        .get(0)
        .operators()
        .unwrap()
        .get(0);
    assert_eq!(op.inputs().unwrap().len(), 3);
    assert!(op.inputs().unwrap().iter().all(|i| i >= 0));
}

#[test]
fn while_and_if_refer_to_the_called_subgraphs() {
    let mut b = ModelBuilder::new();
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
    let a = b.tensor(1, "a", &[], TensorType::INT32);
    let ten = b.i32_constant(1, "ten", &[], &[10]);
    let lt = b.tensor(1, "lt", &[], TensorType::BOOL);
    b.op(1, Op::LESS, &[a, ten], &[lt], BuiltinOptionsT::NONE);
    b.io(1, &[a], &[lt]);
    b.tensor_mut(1, a).has_rank = true;
    b.tensor_mut(1, lt).has_rank = true;
    let a2 = b.tensor(2, "a", &[], TensorType::INT32);
    let one = b.i32_constant(2, "one", &[], &[1]);
    let s = b.tensor(2, "s", &[], TensorType::INT32);
    b.op(2, Op::ADD, &[a2, one], &[s], BuiltinOptionsT::NONE);
    b.io(2, &[a2], &[s]);
    b.tensor_mut(2, a2).has_rank = true;
    b.tensor_mut(2, s).has_rank = true;
    let bytes = round_trip(&b);
    let model = root(&bytes);
    let sgs = model.subgraphs().unwrap();
    assert_eq!(sgs.len(), 3);
    assert_eq!(
        sgs.iter().map(|s| s.name().unwrap()).collect::<Vec<_>>(),
        ["main", "sub1", "sub2"]
    );
    let ops = sgs.get(0).operators().unwrap();
    let w = ops.get(0).builtin_options_as_while_options().unwrap();
    assert_eq!((w.cond_subgraph_index(), w.body_subgraph_index()), (1, 2));
    let f = ops.get(2).builtin_options_as_if_options().unwrap();
    assert_eq!((f.then_subgraph_index(), f.else_subgraph_index()), (2, 2));
    assert_eq!(ops.get(2).inputs().unwrap().len(), 2, "IF takes cond and r");
    // Scalars keep their rank.
    let t = sgs.get(0).tensors().unwrap().get(0);
    assert!(t.has_rank() && t.shape().unwrap().is_empty());
}

#[test]
fn custom_ops_keep_code_and_option_bytes() {
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
    let bytes = round_trip(&b);
    let model = root(&bytes);
    let c = model.operator_codes().unwrap().get(0);
    assert_eq!(c.builtin_code(), Op::CUSTOM);
    assert_eq!(c.deprecated_builtin_code(), 32);
    assert_eq!(c.custom_code(), Some("MyOp"));
    let op = model
        .subgraphs()
        .unwrap()
        .get(0)
        .operators()
        .unwrap()
        .get(0);
    assert_eq!(op.custom_options().unwrap().bytes(), &[0xde, 0xad, 0x01]);
    // No builtin operator in the table: the runtime version is empty (16 zero bytes).
    assert_eq!(
        common::runtime_version_entry(&bytes).unwrap(),
        vec![0u8; 16]
    );
}

#[test]
fn signatures_metadata_and_control_dependencies() {
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
    b.metadata("other", &[0, 1, 2]);
    b.metadata("model_control_dependencies", &[1, 0, 0, 0]);
    b.model.metadata_buffer = Some(vec![2]);
    let bytes = round_trip(&b);
    let model = root(&bytes);
    let sigs = model.signature_defs().unwrap();
    let keys: Vec<_> = sigs
        .iter()
        .map(|s| {
            let i = s.inputs().unwrap().get(0);
            let o = s.outputs().unwrap().get(0);
            (
                s.signature_key().unwrap().to_string(),
                s.subgraph_index(),
                i.name().unwrap().to_string(),
                i.tensor_index(),
                o.name().unwrap().to_string(),
                o.tensor_index(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("enc".into(), 0, "x".into(), 0, "y".into(), 1),
            ("dec".into(), 1, "a".into(), 0, "b".into(), 1)
        ]
    );
    let buffers = model.buffers().unwrap();
    let entries: Vec<(String, Vec<u8>)> = model
        .metadata()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m.name().unwrap().to_string(),
                buffers
                    .get(m.buffer() as usize)
                    .data()
                    .map(|d| d.bytes().to_vec())
                    .unwrap_or_default(),
            )
        })
        .collect();
    let mut rv = b"1.5.0".to_vec();
    rv.resize(16, 0);
    assert_eq!(
        entries,
        [
            ("other".to_string(), vec![0, 1, 2]),
            ("min_runtime_version".to_string(), rv),
            ("model_control_dependencies".to_string(), vec![1, 0, 0, 0]),
        ]
    );
    // The legacy list names the original's buffer 2 (the "other" entry's bytes), and shares
    // that entry's buffer.
    let legacy = model.metadata_buffer().unwrap();
    assert_eq!(legacy.len(), 1);
    let data = buffers
        .get(legacy.get(0) as usize)
        .data()
        .unwrap()
        .bytes()
        .to_vec();
    assert_eq!(data, [0, 1, 2]);
    assert_eq!(model.description(), Some("test model"));
}

#[test]
fn min_max_statistics() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2, 3], TensorType::FLOAT32);
    b.tensor_mut(0, x).quantization = Some(Box::new(make!(QuantizationParametersT {
        min: Some(vec![-1.0]),
        max: Some(vec![2.0])
    })));
    let y = b.tensor(0, "y", &[2, 3], TensorType::FLOAT32);
    b.op(0, Op::RELU, &[x], &[y], BuiltinOptionsT::NONE);
    b.tensor_mut(0, y).quantization = Some(Box::new(make!(QuantizationParametersT {
        min: Some(vec![0.0, 0.5, 0.25]),
        max: Some(vec![1.0, 2.0, 3.0]),
        quantized_dimension: 1
    })));
    b.io(0, &[x], &[y]);
    let bytes = round_trip(&b);
    let model = root(&bytes);
    let sg = model.subgraphs().unwrap().get(0);
    let q = tensor_by_name(&sg, "x").quantization().unwrap();
    assert_eq!(q.min().unwrap().iter().collect::<Vec<_>>(), [-1.0]);
    assert_eq!(q.max().unwrap().iter().collect::<Vec<_>>(), [2.0]);
    assert!(q.scale().is_none());
    let q = tensor_by_name(&sg, "y").quantization().unwrap();
    assert_eq!(
        q.min().unwrap().iter().collect::<Vec<_>>(),
        [0.0, 0.5, 0.25]
    );
    assert_eq!(q.max().unwrap().iter().collect::<Vec<_>>(), [1.0, 2.0, 3.0]);
    assert_eq!(q.quantized_dimension(), 1);
}

#[test]
fn bool_int4_and_string_constants() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[3], TensorType::BOOL);
    let c = b.constant(0, "c", &[3], TensorType::BOOL, vec![0, 1, 1]);
    let y = b.tensor(0, "y", &[3], TensorType::BOOL);
    b.op(0, Op::LOGICAL_AND, &[x, c], &[y], BuiltinOptionsT::NONE);
    let w = b.constant(0, "w", &[3], TensorType::INT4, vec![0x7F, 0x08]);
    let wf = b.tensor(0, "wf", &[3], TensorType::INT32);
    b.op(0, Op::CAST, &[w], &[wf], BuiltinOptionsT::NONE);
    let mut strings = Vec::new();
    for v in [2i32, 16, 18, 21] {
        strings.extend(v.to_le_bytes());
    }
    strings.extend(b"hiyou");
    let s = b.constant(0, "s", &[2], TensorType::STRING, strings.clone());
    let sh = b.tensor(0, "sh", &[1], TensorType::INT32);
    b.op(0, Op::SHAPE, &[s], &[sh], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[y, wf, sh]);
    let bytes = round_trip(&b);
    let model = root(&bytes);
    let sg = model.subgraphs().unwrap().get(0);
    let data = |name: &str| {
        let t = tensor_by_name(&sg, name);
        model
            .buffers()
            .unwrap()
            .get(t.buffer() as usize)
            .data()
            .unwrap()
            .bytes()
            .to_vec()
    };
    assert_eq!(data("c"), [0, 1, 1]);
    assert_eq!(
        data("w"),
        [0x7F, 0x08],
        "int4 stays packed, low nibble first"
    );
    assert_eq!(data("s"), strings);
}

#[test]
fn sparse_constants_keep_their_sparsity() {
    let mut b = ModelBuilder::new();
    // (A quantized sparse constant imports too, but tfl.densify's operand types in the op
    // table exclude quantized ones, so its IR would not verify.)
    let w = b.f32_constant(0, "w", &[2, 2], &[5.0, 6.0]);
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
    let d = b.tensor(0, "d", &[2, 2], TensorType::FLOAT32);
    b.op(0, Op::DENSIFY, &[w], &[d], BuiltinOptionsT::NONE);
    b.io(0, &[], &[d]);
    let bytes = round_trip(&b);
    let model = root(&bytes);
    let sg = model.subgraphs().unwrap().get(0);
    let t = tensor_by_name(&sg, "w");
    let sp = t.sparsity().unwrap();
    assert_eq!(
        sp.traversal_order().unwrap().iter().collect::<Vec<_>>(),
        [0, 1]
    );
    let dims = sp.dim_metadata().unwrap();
    assert_eq!(dims.get(0).format(), tflite::DimensionType::DENSE);
    assert_eq!(dims.get(0).dense_size(), 2);
    let csr = dims.get(1);
    assert_eq!(csr.format(), tflite::DimensionType::SPARSE_CSR);
    let seg = csr
        .array_segments_as_uint_8_vector()
        .unwrap()
        .values()
        .unwrap();
    assert_eq!(seg.bytes(), &[0, 1, 2]);
    // Small indices take the smallest vector type, as TensorFlow's exporter chooses.
    let idx = csr
        .array_indices_as_uint_8_vector()
        .unwrap()
        .values()
        .unwrap();
    assert_eq!(idx.bytes(), &[1, 0]);
    let data = model
        .buffers()
        .unwrap()
        .get(t.buffer() as usize)
        .data()
        .unwrap();
    let want: Vec<u8> = [5.0f32, 6.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(data.bytes(), &want[..]);
}

#[test]
fn variables_have_no_data() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
    let v = b.tensor_with(
        0,
        make!(TensorT {
            name: Some("v".into()),
            shape: Some(vec![2]),
            is_variable: true
        }),
    );
    let y = b.tensor(0, "y", &[2], TensorType::FLOAT32);
    b.op(0, Op::ADD, &[x, v], &[y], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[y]);
    let bytes = round_trip(&b);
    let model = root(&bytes);
    let t = tensor_by_name(&model.subgraphs().unwrap().get(0), "v");
    assert!(t.is_variable());
    assert_eq!(t.buffer(), 0);
}

#[test]
fn codes_above_127_use_the_placeholder() {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[4], TensorType::FLOAT32);
    let y = b.tensor(0, "y", &[4], TensorType::FLOAT32);
    b.op(0, Op::GELU, &[x], &[y], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[y]);
    let bytes = round_trip(&b);
    let model = root(&bytes);
    let c = model.operator_codes().unwrap().get(0);
    assert_eq!(c.builtin_code(), Op::GELU);
    assert_eq!(c.deprecated_builtin_code(), 127);
    assert_eq!(
        common::runtime_version_entry(&bytes).unwrap()[..5],
        *b"2.9.0"
    );
}

#[test]
fn dynamic_dimensions_are_written_as_shape_signatures() {
    let m = parse(
        r#"module {
  func.func @main(%arg0: tensor<?x4xf32> loc("x")) -> tensor<?x4xf32> {
    %0 = "tfl.relu"(%arg0) : (tensor<?x4xf32>) -> tensor<?x4xf32> loc("y")
    return %0 : tensor<?x4xf32>
  }
}"#,
    );
    let bytes = export(&m);
    let model = root(&bytes);
    let t = model.subgraphs().unwrap().get(0).tensors().unwrap().get(0);
    assert_eq!(t.shape().unwrap().iter().collect::<Vec<_>>(), [1, 4]);
    assert_eq!(
        t.shape_signature().unwrap().iter().collect::<Vec<_>>(),
        [-1, 4]
    );
    let again = import_bytes(&bytes);
    assert!(text(&again).contains("tensor<?x4xf32>"));
}

const STATS: &str = r#"module {
  func.func @main(%arg0: tensor<1x4xf32> loc("x")) -> tensor<1x4xf32> attributes {tf.entry_function = {inputs = "x", outputs = "y"}} {
    %0 = "quantfork.stats"(%arg0) {layerStats = dense<[-1.000000e+00, 2.000000e+00]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %1 = "tfl.relu"(%0) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("y")
    %2 = "quantfork.stats"(%1) {axis = 1 : i64, axisStats = dense<[[0.000000e+00, 1.000000e+00], [0.000000e+00, 2.000000e+00], [0.000000e+00, 1.500000e+00], [0.000000e+00, 5.000000e-01]]> : tensor<4x2xf32>, layerStats = dense<[0.000000e+00, 1.000000e+00]> : tensor<2xf32>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    return %2 : tensor<1x4xf32>
  }
}"#;

#[test]
fn stats_become_min_max_and_come_back() {
    let m = parse(STATS);
    let bytes = export(&m);
    let model = root(&bytes);
    let sg = model.subgraphs().unwrap().get(0);
    assert_eq!(sg.tensors().unwrap().len(), 2, "stats ops are not tensors");
    assert_eq!(
        sg.operators().unwrap().len(),
        1,
        "stats ops are not operators"
    );
    assert_eq!(sg.outputs().unwrap().get(0), 1);
    let q = tensor_by_name(&sg, "x").quantization().unwrap();
    assert_eq!(q.min().unwrap().iter().collect::<Vec<_>>(), [-1.0]);
    assert_eq!(q.max().unwrap().iter().collect::<Vec<_>>(), [2.0]);
    let q = tensor_by_name(&sg, "y").quantization().unwrap();
    assert_eq!(
        q.max().unwrap().iter().collect::<Vec<_>>(),
        [1.0, 2.0, 1.5, 0.5]
    );
    assert_eq!(q.quantized_dimension(), 1);
    let again = import_bytes(&bytes);
    let t = text(&again);
    assert!(
        t.contains("\"quantfork.stats\"(%arg0) {layerStats = dense<[-1.000000e+00, 2.000000e+00]> : tensor<2xf32>}"),
        "{t}"
    );
    assert!(
        t.contains("{axis = 1 : i64, axisStats = dense<[[0.000000e+00, 1.000000e+00], [0.000000e+00, 2.000000e+00], [0.000000e+00, 1.500000e+00], [0.000000e+00, 5.000000e-01]]> : tensor<4x2xf32>, layerStats = dense<[0.000000e+00, 1.000000e+00]> : tensor<2xf32>}"),
        "{t}"
    );
    // (The text has no signature; the re-imported IR has the default one, so the files differ
    // there, and from then on they are stable.)
    round_trip_module(&again);
}

/// A model calibrated by tqopt's `calibrate` pass keeps its statistics through a file.
#[test]
fn calibrated_model_round_trips() {
    use tqopt_ir::dialect::quantfork;
    use tqopt_passes::{parse_pipeline, Instrumentation, PassManager};

    let mut m = common::import_file(&common::model("iris_landmark.tflite"));
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../passes/tests/fixtures/iris_landmark_calibration.npy");
    let pipeline = format!("calibrate{{data={}}}", data.display());
    let pm = PassManager::new(&parse_pipeline(&pipeline).unwrap()).unwrap();
    pm.run(&mut m, &Instrumentation::default(), &mut std::io::sink())
        .map_err(|e| format!("{:?}", e.diagnostics))
        .unwrap();
    let stats = |m: &Module| -> Vec<(String, Vec<f32>)> {
        let mut out: Vec<(String, Vec<f32>)> = m
            .all_ops()
            .into_iter()
            .filter(|&o| m.op(o).is(&quantfork::STATS))
            .map(|o| {
                let arg = m.operands(o)[0];
                let name = match m.defining_op(arg) {
                    Some(d) => m.op(d).loc.first_name().unwrap_or("").to_string(),
                    None => m.value(arg).loc.first_name().unwrap_or("").to_string(),
                };
                let v = m
                    .op(o)
                    .attr("layerStats")
                    .unwrap()
                    .as_dense()
                    .unwrap()
                    .to_f32_vec();
                (name, v)
            })
            .collect();
        out.sort_by(|a, b| a.partial_cmp(b).unwrap());
        out
    };
    let before = stats(&m);
    assert!(before.len() > 100, "only {} stats", before.len());
    let bytes = export(&m);
    let again = import_bytes(&bytes);
    assert_eq!(stats(&again), before);
    // Every calibrated activation carries min/max in the file.
    let model = root(&bytes);
    let with_min_max = model
        .subgraphs()
        .unwrap()
        .get(0)
        .tensors()
        .unwrap()
        .iter()
        .filter(|t| t.quantization().is_some_and(|q| q.min().is_some()))
        .count();
    assert_eq!(with_min_max, before.len());
    assert!(export(&again) == bytes);
}

pub const CONTROL_FLOW: &str = r#"module {
  func.func @main(%arg0: tensor<i32> loc("i"), %arg1: tensor<i32> loc("step")) -> tensor<i32> attributes {tf.entry_function = {inputs = "i,step", outputs = "result"}} {
    %ten = "tfl.pseudo_const"() <{value = dense<10> : tensor<i32>}> : () -> tensor<i32> loc("ten")
    %0 = "tfl.while"(%arg0) ({
    ^bb0(%a: tensor<i32>):
      %c = "tfl.less"(%a, %ten) : (tensor<i32>, tensor<i32>) -> tensor<i1> loc("lt")
      "tfl.yield"(%c) : (tensor<i1>) -> ()
    }, {
    ^bb0(%a: tensor<i32>):
      %one = "tfl.pseudo_const"() <{value = dense<1> : tensor<i32>}> : () -> tensor<i32> loc("one")
      %s = "tfl.add"(%a, %one) <{fused_activation_function = "NONE"}> : (tensor<i32>, tensor<i32>) -> tensor<i32> loc("next")
      "tfl.yield"(%s) : (tensor<i32>) -> ()
    }) : (tensor<i32>) -> tensor<i32> loc("loop")
    %big = "tfl.greater"(%0, %arg1) : (tensor<i32>, tensor<i32>) -> tensor<i1> loc("big")
    %r = "tfl.if"(%big) ({
      %d = "tfl.mul"(%0, %arg1) <{fused_activation_function = "NONE"}> : (tensor<i32>, tensor<i32>) -> tensor<i32> loc("times")
      "tfl.yield"(%d) : (tensor<i32>) -> ()
    }, {
      %e = "tfl.sub"(%0, %arg1) <{fused_activation_function = "NONE"}> : (tensor<i32>, tensor<i32>) -> tensor<i32> loc("minus")
      "tfl.yield"(%e) : (tensor<i32>) -> ()
    }) : (tensor<i1>) -> tensor<i32> loc("result")
    return %r : tensor<i32>
  }
}"#;

/// Regions that are not plain calls are outlined into subgraphs; a `tfl.if` passes the values
/// its branches use to both; constants used from outside are copied into the subgraph.
#[test]
fn inline_regions_are_outlined() {
    let m = parse(CONTROL_FLOW);
    let bytes = export(&m);
    let model = root(&bytes);
    let sgs = model.subgraphs().unwrap();
    let names: Vec<_> = sgs.iter().map(|s| s.name().unwrap().to_string()).collect();
    assert_eq!(
        names,
        [
            "main",
            "main_while_cond1",
            "main_while_body2",
            "main_if_then3",
            "main_if_else4"
        ]
    );
    let main_ops = sgs.get(0).operators().unwrap();
    let w = main_ops.get(0).builtin_options_as_while_options().unwrap();
    assert_eq!((w.cond_subgraph_index(), w.body_subgraph_index()), (1, 2));
    let iff = main_ops.get(2);
    assert_eq!(
        iff.inputs().unwrap().len(),
        3,
        "cond, the loop result and step"
    );
    // The cond subgraph has its own copy of `ten`.
    let cond = sgs.get(1);
    assert!(cond
        .tensors()
        .unwrap()
        .iter()
        .any(|t| t.name() == Some("ten") && t.buffer() != 0));
    assert_eq!(sgs.get(3).inputs().unwrap().len(), 2);
    // Re-imported, the regions call the subgraphs' functions; exported again, the same file.
    let again = import_bytes(&bytes);
    let t = text(&again);
    assert!(t.contains("call @main_while_body2("), "{t}");
    assert!(t.contains("call @main_if_then3("), "{t}");
    let second = round_trip_module(&again);
    let shape = |bytes: &[u8]| {
        root(bytes)
            .subgraphs()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s.name().unwrap().to_string(),
                    s.tensors().unwrap().len(),
                    s.operators().unwrap().len(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&second), shape(&bytes));
}

// ---- errors name their place ----

fn export_err(src: &str) -> tqopt_backend::ExportError {
    let m = tqopt_textual_ir::parse_str("test.mlir", src).unwrap_or_else(|d| panic!("{d:?}"));
    match tqopt_backend::export(&m) {
        Ok(_) => panic!("exported without error"),
        Err(e) => e,
    }
}

#[test]
fn unregistered_ops_are_named() {
    let e = export_err(
        r#"module {
  func.func @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
    %0 = "foo.bar"(%arg0) : (tensor<2xf32>) -> tensor<2xf32> loc("odd")
    return %0 : tensor<2xf32>
  }
}"#,
    );
    assert_eq!(
        e.kind,
        ExportErrorKind::UnsupportedOp {
            name: "foo.bar".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "error: function @main: operation 0 'foo.bar' at loc(\"odd\"): 'foo.bar' is not an op tqopt knows, so it has no TFLite operator"
    );
}

#[test]
fn calls_outside_control_flow_are_errors() {
    let e = export_err(
        r#"module {
  func.func @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
    %0 = func.call @f(%arg0) : (tensor<2xf32>) -> tensor<2xf32>
    return %0 : tensor<2xf32>
  }
  func.func private @f(%arg0: tensor<2xf32>) -> tensor<2xf32> {
    return %arg0 : tensor<2xf32>
  }
}"#,
    );
    assert!(
        matches!(e.kind, ExportErrorKind::UnsupportedOp { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("operation 0 'func.call'"), "{e}");
}

#[test]
fn elided_constants_are_errors() {
    let e = export_err(
        r#"module {
  func.func @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
    %c = "tfl.pseudo_const"() <{value = dense_resource<__elided__> : tensor<2xf32>}> : () -> tensor<2xf32> loc("weights")
    %0 = "tfl.add"(%arg0, %c) <{fused_activation_function = "NONE"}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("sum")
    return %0 : tensor<2xf32>
  }
}"#,
    );
    assert_eq!(e.kind, ExportErrorKind::MissingData);
    let text = e.to_string();
    assert!(
        text.starts_with("error: function @main: operation 1 'tfl.add' at loc(\"sum\"): operand 1: the constant operation 0 'tfl.pseudo_const' at loc(\"weights\"): 'value' holds dense_resource<__elided__>"),
        "{text}"
    );
}

#[test]
fn elided_statistics_are_errors() {
    let e = export_err(
        r#"module {
  func.func @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
    %0 = "quantfork.stats"(%arg0) {layerStats = dense_resource<__elided__> : tensor<2xf32>} : (tensor<2xf32>) -> tensor<2xf32> loc("s")
    return %0 : tensor<2xf32>
  }
}"#,
    );
    assert_eq!(e.kind, ExportErrorKind::MissingData);
    assert!(
        e.to_string()
            .contains("operation 0 'quantfork.stats' at loc(\"s\"): 'layerStats' is dense_resource<__elided__>"),
        "{e}"
    );
}

#[test]
fn bad_sparsity_parameters_are_errors() {
    let e = export_err(
        r#"module {
  func.func @main() -> tensor<2x2xf32> {
    %0 = "tfl.pseudo_sparse_const"() <{compressed_data = dense<[1.0, 2.0]> : tensor<2xf32>, s_param = #tfl.sparsity_parameter<traversal_order = [0, 1], block_map = [], dim_metadata = <format =  ODD>>, value = dense<0.0> : tensor<2x2xf32>}> : () -> tensor<2x2xf32> loc("w")
    %1 = "tfl.densify"(%0) : (tensor<2x2xf32>) -> tensor<2x2xf32> loc("d")
    return %1 : tensor<2x2xf32>
  }
}"#,
    );
    assert_eq!(e.kind, ExportErrorKind::Invalid);
    assert!(
        e.to_string()
            .contains("'s_param': unknown dimension format 'ODD'"),
        "{e}"
    );
}

#[test]
fn empty_modules_are_errors() {
    let e = export_err("module {\n}");
    assert!(e.to_string().contains("no function"), "{e}");
}

#[test]
fn dense_resources_are_written_from_the_resource_section() {
    let m = parse(
        r#"module {
  func.func @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
    %c = "tfl.pseudo_const"() <{value = dense_resource<weights> : tensor<2xf32>}> : () -> tensor<2xf32> loc("w")
    %0 = "tfl.add"(%arg0, %c) <{fused_activation_function = "NONE"}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("sum")
    return %0 : tensor<2xf32>
  }
}
{-#
  dialect_resources: {
    builtin: {
      weights: "0x040000000000C03F000000C0"
    }
  }
#-}"#,
    );
    let bytes = export(&m);
    let model = root(&bytes);
    let sg = model.subgraphs().unwrap().get(0);
    let t = tensor_by_name(&sg, "w");
    let data = model
        .buffers()
        .unwrap()
        .get(t.buffer() as usize)
        .data()
        .unwrap();
    let want: Vec<u8> = [1.5f32, -2.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    assert_eq!(data.bytes(), &want[..]);
    // A key the module does not define is a clear error.
    let e = export_err(
        r#"module {
  func.func @main() -> tensor<2xf32> {
    %c = "tfl.pseudo_const"() <{value = dense_resource<nowhere> : tensor<2xf32>}> : () -> tensor<2xf32> loc("w")
    return %c : tensor<2xf32>
  }
}"#,
    );
    assert_eq!(e.kind, ExportErrorKind::MissingData);
    assert!(e.to_string().contains("dense_resource<nowhere>"), "{e}");
}

/// An LSTM's state operands are variable tensors without data, whether or not the constant is
/// marked `tfl.is_variable` (TensorFlow's exporter decides by the use, too).
#[test]
fn lstm_states_are_variables() {
    let src = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/interop/data/lstm.mlir"),
    )
    .unwrap();
    let bytes = export(&parse(&src));
    let model = root(&bytes);
    let sg = model.subgraphs().unwrap().get(0);
    for name in ["h", "c"] {
        let t = tensor_by_name(&sg, name);
        assert!(t.is_variable(), "{name}");
        assert_eq!(t.buffer(), 0, "{name}");
    }
    let op = sg.operators().unwrap().get(0);
    let inputs: Vec<i32> = op.inputs().unwrap().iter().collect();
    assert_eq!(inputs.len(), 24);
    assert_eq!(&inputs[20..], &[-1, -1, -1, -1]);
    // Re-imported, both are variables of the IR.
    let t = text(&import_bytes(&bytes));
    assert_eq!(t.matches("{tfl.is_variable}").count(), 2, "{t}");
}
