//! Every op of the list imports from a one-operator model, and every op family's
//! options survive import then export unchanged; every builtin operator of the schema (modelled
//! or not) round-trips through import, export and MLIR text byte-identically.

mod common;

use common::ModelBuilder;
use tqopt_frontend::import_bytes;
use tqopt_frontend::ops::{all_codecs, codec, op_name, ExportContext};
use tqopt_frontend::schema::tflite::{
    self, BuiltinOperator as Op, BuiltinOptionsT as T, OperatorT, TensorType,
};
use tqopt_ir::dialect::{lookup_tflite, Arity};
use tqopt_ir::{Attribute, Blob, ElementType, Module, OpSpec, Type};

/// The list, by TFLite name.
const LIST: &str = "ADD SUB MUL DIV SQUARED_DIFFERENCE MAXIMUM MINIMUM POW CONV_2D DEPTHWISE_CONV_2D TRANSPOSE_CONV \
FULLY_CONNECTED BATCH_MATMUL AVERAGE_POOL_2D MAX_POOL_2D L2_NORMALIZATION MEAN SUM REDUCE_MAX REDUCE_MIN REDUCE_PROD \
SOFTMAX LOG_SOFTMAX LOGISTIC TANH RELU RELU6 RELU_N1_TO_1 LEAKY_RELU PRELU HARD_SWISH GELU ELU EXP LOG SQRT RSQRT NEG \
ABS SQUARE RESHAPE SQUEEZE EXPAND_DIMS TRANSPOSE CONCATENATION PACK UNPACK SPLIT SPLIT_V SLICE STRIDED_SLICE GATHER \
GATHER_ND PAD PADV2 MIRROR_PAD RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR DEPTH_TO_SPACE SPACE_TO_DEPTH TILE BROADCAST_TO \
SHAPE CAST QUANTIZE DEQUANTIZE DENSIFY ARG_MAX ARG_MIN SELECT_V2 LESS LESS_EQUAL GREATER GREATER_EQUAL EQUAL NOT_EQUAL \
LOGICAL_AND LOGICAL_OR LOGICAL_NOT WHILE IF UNIDIRECTIONAL_SEQUENCE_LSTM EMBEDDING_LOOKUP CUMSUM CUSTOM \
REVERSE_V2 REVERSE_SEQUENCE FLOOR CEIL ROUND SIN COS SIGN FLOOR_DIV FLOOR_MOD ATAN2 ZEROS_LIKE SELECT \
SPACE_TO_BATCH_ND BATCH_TO_SPACE_ND FILL RANGE ADD_N ONE_HOT LOCAL_RESPONSE_NORMALIZATION REDUCE_ANY \
REDUCE_ALL TOPK_V2 DYNAMIC_UPDATE_SLICE BROADCAST_ARGS WHERE CONV_3D NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5";

fn code_of(name: &str) -> Op {
    *Op::ENUM_VALUES
        .iter()
        .find(|c| c.variant_name() == Some(name))
        .unwrap_or_else(|| panic!("{name}"))
}

#[test]
fn every_listed_op_has_a_codec_and_an_op() {
    for name in LIST.split_whitespace() {
        let code = code_of(name);
        assert!(codec(code).is_some(), "{name} has no codec");
        assert!(lookup_tflite(code.0).is_some(), "{name} has no tfl op");
    }
    assert_eq!(all_codecs().count(), LIST.split_whitespace().count());
}

#[test]
fn every_listed_op_imports() {
    for name in LIST.split_whitespace() {
        let code = code_of(name);
        if matches!(code, Op::WHILE | Op::IF | Op::CUSTOM) {
            continue; // covered by the synthetic tests
        }
        let def = lookup_tflite(code.0).unwrap();
        let mut b = ModelBuilder::new();
        let mut inputs = Vec::new();
        for (k, slot) in def.operands.iter().enumerate() {
            if slot.arity == Arity::Optional {
                inputs.push(-1);
                continue;
            }
            let n = if slot.arity == Arity::Variadic { 2 } else { 1 };
            for j in 0..n {
                inputs.push(b.tensor(0, &format!("in{k}_{j}"), &[1, 2, 2, 1], TensorType::FLOAT32));
            }
        }
        let count: usize = def
            .results
            .iter()
            .map(|s| if s.arity == Arity::Variadic { 2 } else { 1 })
            .sum();
        let outputs: Vec<i32> = (0..count)
            .map(|j| b.tensor(0, &format!("out{j}"), &[1, 2, 2, 1], TensorType::FLOAT32))
            .collect();
        b.op(0, code, &inputs, &outputs, T::NONE);
        let real: Vec<i32> = inputs.iter().copied().filter(|&i| i >= 0).collect();
        b.io(0, &real, &outputs);
        let m = import_bytes(name, Blob::from_vec(b.finish())).unwrap_or_else(|e| panic!("{e}"));
        let found: Vec<_> = m
            .all_ops()
            .into_iter()
            .filter(|&o| m.op(o).is(def))
            .collect();
        assert_eq!(found.len(), 1, "{name}");
        let op = m.op(found[0]);
        for a in def.attrs.iter().filter(|a| a.required) {
            assert!(
                op.attr(a.name).is_some(),
                "{name}: no attribute '{}'",
                a.name
            );
        }
        assert_eq!(op.results().len(), outputs.len(), "{name}");
        assert_eq!(
            op.operands().len(),
            def.operands.len().max(inputs.len()),
            "{name}"
        );
    }
}

/// Non-default options for each op family (fields tqopt keeps).
fn sample(code: Op) -> T {
    use tflite::*;
    let act = ActivationFunctionType::RELU6;
    match code {
        Op::CONV_2D => T::Conv2DOptions(Box::new(make!(Conv2DOptionsT {
            padding: Padding::VALID,
            stride_w: 2,
            stride_h: 3,
            fused_activation_function: act,
            dilation_w_factor: 4,
            dilation_h_factor: 5
        }))),
        Op::CONV_3D => T::Conv3DOptions(Box::new(make!(Conv3DOptionsT {
            padding: Padding::VALID,
            stride_d: 6,
            stride_w: 2,
            stride_h: 3,
            fused_activation_function: act,
            dilation_d_factor: 7,
            dilation_w_factor: 4,
            dilation_h_factor: 5
        }))),
        Op::DEPTHWISE_CONV_2D => {
            T::DepthwiseConv2DOptions(Box::new(make!(DepthwiseConv2DOptionsT {
                padding: Padding::VALID,
                stride_w: 2,
                stride_h: 3,
                depth_multiplier: 2,
                fused_activation_function: act,
                dilation_w_factor: 4,
                dilation_h_factor: 5
            })))
        }
        Op::TRANSPOSE_CONV => T::TransposeConvOptions(Box::new(make!(TransposeConvOptionsT {
            padding: Padding::VALID,
            stride_w: 2,
            stride_h: 3,
            fused_activation_function: act
        }))),
        Op::FULLY_CONNECTED => T::FullyConnectedOptions(Box::new(make!(FullyConnectedOptionsT {
            fused_activation_function: act,
            weights_format: FullyConnectedOptionsWeightsFormat::SHUFFLED4x16INT8,
            keep_num_dims: true,
            asymmetric_quantize_inputs: true
        }))),
        Op::BATCH_MATMUL => T::BatchMatMulOptions(Box::new(make!(BatchMatMulOptionsT {
            adj_x: true,
            adj_y: false,
            asymmetric_quantize_inputs: true
        }))),
        Op::AVERAGE_POOL_2D | Op::MAX_POOL_2D => {
            T::Pool2DOptions(Box::new(make!(Pool2DOptionsT {
                padding: Padding::SAME,
                stride_w: 2,
                stride_h: 1,
                filter_width: 3,
                filter_height: 4,
                fused_activation_function: act
            })))
        }
        Op::L2_NORMALIZATION => T::L2NormOptions(Box::new(make!(L2NormOptionsT {
            fused_activation_function: act
        }))),
        Op::ADD => T::AddOptions(Box::new(make!(AddOptionsT {
            fused_activation_function: act,
            pot_scale_int16: false
        }))),
        Op::SUB => T::SubOptions(Box::new(make!(SubOptionsT {
            fused_activation_function: act,
            pot_scale_int16: false
        }))),
        Op::MUL => T::MulOptions(Box::new(make!(MulOptionsT {
            fused_activation_function: act
        }))),
        Op::DIV => T::DivOptions(Box::new(make!(DivOptionsT {
            fused_activation_function: act
        }))),
        Op::MEAN | Op::SUM | Op::REDUCE_MAX | Op::REDUCE_MIN | Op::REDUCE_PROD => {
            T::ReducerOptions(Box::new(make!(ReducerOptionsT { keep_dims: true })))
        }
        Op::ARG_MAX => T::ArgMaxOptions(Box::new(make!(ArgMaxOptionsT {
            output_type: TensorType::INT64
        }))),
        Op::ARG_MIN => T::ArgMinOptions(Box::new(make!(ArgMinOptionsT {
            output_type: TensorType::INT64
        }))),
        Op::CUMSUM => T::CumsumOptions(Box::new(make!(CumsumOptionsT {
            exclusive: true,
            reverse: true
        }))),
        Op::ONE_HOT => T::OneHotOptions(Box::new(make!(OneHotOptionsT { axis: 1 }))),
        Op::LOCAL_RESPONSE_NORMALIZATION => T::LocalResponseNormalizationOptions(Box::new(make!(
            LocalResponseNormalizationOptionsT {
                radius: 3,
                bias: 1.5,
                alpha: 0.25,
                beta: 0.75
            }
        ))),
        Op::REDUCE_ANY | Op::REDUCE_ALL => {
            T::ReducerOptions(Box::new(make!(ReducerOptionsT { keep_dims: true })))
        }
        Op::REVERSE_SEQUENCE => {
            T::ReverseSequenceOptions(Box::new(make!(ReverseSequenceOptionsT {
                seq_dim: 2,
                batch_dim: 1
            })))
        }
        Op::SOFTMAX => T::SoftmaxOptions(Box::new(make!(SoftmaxOptionsT { beta: 0.5 }))),
        Op::LEAKY_RELU => T::LeakyReluOptions(Box::new(make!(LeakyReluOptionsT { alpha: 0.2 }))),
        Op::GELU => T::GeluOptions(Box::new(make!(GeluOptionsT { approximate: true }))),
        Op::RESHAPE => T::ReshapeOptions(Box::new(make!(ReshapeOptionsT {
            new_shape: Some(vec![2, 3])
        }))),
        Op::SQUEEZE => T::SqueezeOptions(Box::new(make!(SqueezeOptionsT {
            squeeze_dims: Some(vec![0, 2])
        }))),
        Op::CONCATENATION => T::ConcatenationOptions(Box::new(make!(ConcatenationOptionsT {
            axis: -1,
            fused_activation_function: act
        }))),
        Op::PACK => T::PackOptions(Box::new(make!(PackOptionsT {
            values_count: 3,
            axis: 1
        }))),
        Op::UNPACK => T::UnpackOptions(Box::new(make!(UnpackOptionsT { num: 3, axis: 1 }))),
        Op::SPLIT => T::SplitOptions(Box::new(make!(SplitOptionsT { num_splits: 4 }))),
        Op::SPLIT_V => T::SplitVOptions(Box::new(make!(SplitVOptionsT { num_splits: 4 }))),
        Op::STRIDED_SLICE => T::StridedSliceOptions(Box::new(make!(StridedSliceOptionsT {
            begin_mask: 1,
            end_mask: 2,
            ellipsis_mask: 4,
            new_axis_mask: 8,
            shrink_axis_mask: 16,
            offset: true
        }))),
        Op::GATHER => T::GatherOptions(Box::new(make!(GatherOptionsT {
            axis: 1,
            batch_dims: 1
        }))),
        Op::MIRROR_PAD => T::MirrorPadOptions(Box::new(make!(MirrorPadOptionsT {
            mode: MirrorPadMode::SYMMETRIC
        }))),
        Op::SHAPE => T::ShapeOptions(Box::new(make!(ShapeOptionsT {
            out_type: TensorType::INT64
        }))),
        Op::CAST => T::CastOptions(Box::new(make!(CastOptionsT {
            in_data_type: TensorType::INT8,
            out_data_type: TensorType::INT64
        }))),
        Op::RESIZE_BILINEAR => T::ResizeBilinearOptions(Box::new(make!(ResizeBilinearOptionsT {
            align_corners: true,
            half_pixel_centers: true
        }))),
        Op::RESIZE_NEAREST_NEIGHBOR => {
            T::ResizeNearestNeighborOptions(Box::new(make!(ResizeNearestNeighborOptionsT {
                align_corners: false,
                half_pixel_centers: true
            })))
        }
        Op::DEPTH_TO_SPACE => {
            T::DepthToSpaceOptions(Box::new(make!(DepthToSpaceOptionsT { block_size: 3 })))
        }
        Op::SPACE_TO_DEPTH => {
            T::SpaceToDepthOptions(Box::new(make!(SpaceToDepthOptionsT { block_size: 3 })))
        }
        Op::UNIDIRECTIONAL_SEQUENCE_LSTM => T::UnidirectionalSequenceLSTMOptions(Box::new(make!(
            UnidirectionalSequenceLSTMOptionsT {
                fused_activation_function: ActivationFunctionType::TANH,
                cell_clip: 10.0,
                proj_clip: 0.5,
                time_major: true,
                asymmetric_quantize_inputs: true,
                diagonal_recurrent_tensors: true
            }
        ))),
        Op::WHILE => T::WhileOptions(Box::new(make!(WhileOptionsT {
            cond_subgraph_index: 3,
            body_subgraph_index: 4
        }))),
        Op::IF => T::IfOptions(Box::new(make!(IfOptionsT {
            then_subgraph_index: 3,
            else_subgraph_index: 4
        }))),
        _ => T::NONE,
    }
}

/// What export writes for an op with no attributes: the codec's (empty) table.
fn empty_table_type(code: Op) -> tflite::BuiltinOptions {
    codec(code).unwrap().options
}

#[test]
fn options_survive_import_then_export() {
    for c in all_codecs() {
        if c.code == Op::CUSTOM {
            continue;
        }
        let name = op_name(c.code);
        let def = lookup_tflite(c.code.0).unwrap();
        let opts = sample(c.code);
        let attrs = c.import(&opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        // An op carrying the attributes, with types the derived fields come from.
        let mut m = Module::new();
        let body = m.body();
        let i8s = Type::tensor(&[2, 3], ElementType::I8);
        let arg = m.add_block_arg(body, i8s, Default::default());
        let result = match c.code {
            Op::ARG_MAX | Op::ARG_MIN | Op::SHAPE | Op::CAST => {
                Type::tensor(&[2, 3], ElementType::I64)
            }
            _ => Type::tensor(&[2, 3], ElementType::F32),
        };
        let mut spec = OpSpec::of(def).operands(&[arg]).results([result]);
        spec.properties = attrs.properties.clone();
        spec.attributes = attrs.attributes.clone();
        let op = m.create_op(spec);
        let subgraphs = [3, 4];
        let cx = ExportContext {
            ctx: &m,
            op,
            subgraphs: &subgraphs,
        };
        let back = c.export(&cx).unwrap_or_else(|e| panic!("{name}: {e}"));
        if opts == T::NONE {
            assert_eq!(
                back.builtin_options_type(),
                empty_table_type(c.code),
                "{name}"
            );
        } else {
            assert_eq!(back, opts, "{name}: attributes {:?}", attrs.properties);
        }
        // And the attributes of the exported table are the same again.
        let again = c.import(&back).unwrap();
        assert_eq!(again, attrs, "{name}");
    }
}

#[test]
fn mirror_pad_mode_is_tensorflows_dialect_attribute() {
    let attrs = codec(Op::MIRROR_PAD)
        .unwrap()
        .import(&sample(Op::MIRROR_PAD))
        .unwrap();
    let mode = attrs.properties.get("mode").unwrap();
    let Attribute::Opaque(o) = mode else {
        panic!("{mode:?}")
    };
    assert_eq!(
        (&*o.dialect, o.mnemonic.as_deref(), o.body.as_deref()),
        ("tfl", None, Some("mirror_pad_attr SYMMETRIC"))
    );
}

// ---- the whole schema: every BuiltinOperator value ----

/// Options for some of the operators tqopt does not model, so that the generic form is shown
/// to keep a table's fields (the others carry none, or their default table).
fn generic_sample(code: Op) -> (T, tflite::BuiltinOptions2T) {
    use tflite::*;
    let two = BuiltinOptions2T::NONE;
    match code {
        Op::L2_POOL_2D => (
            T::Pool2DOptions(Box::new(make!(Pool2DOptionsT {
                padding: Padding::VALID,
                stride_w: 2,
                stride_h: 1,
                filter_width: 3,
                filter_height: 4,
                fused_activation_function: ActivationFunctionType::RELU
            }))),
            two,
        ),
        Op::SVDF => (
            T::SVDFOptions(Box::new(make!(SVDFOptionsT {
                rank: 2,
                fused_activation_function: ActivationFunctionType::RELU,
                asymmetric_quantize_inputs: true
            }))),
            two,
        ),
        Op::STABLEHLO_CONCATENATE => (
            T::NONE,
            BuiltinOptions2T::StablehloConcatenateOptions(Box::new(make!(
                StablehloConcatenateOptionsT { dimension: 2 }
            ))),
        ),
        Op::STABLEHLO_COMPOSITE => (
            T::NONE,
            BuiltinOptions2T::StableHLOCompositeOptions(Box::new(make!(
                StableHLOCompositeOptionsT {
                    name: Some("odml.rms_norm".into()),
                    decomposition_subgraph_index: 0,
                    composite_attributes: Some(vec![1, 2, 3]),
                    version: 2
                }
            ))),
        ),
        _ => (T::NONE, two),
    }
}

/// A one-operator model of `code` with float [1,2,2,1] tensors: the op table's slots for a
/// modelled op, two inputs and one output otherwise.
fn single_op_model(code: Op) -> (Vec<u8>, OperatorT, i32) {
    let mut b = ModelBuilder::new();
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    let shape = [1, 2, 2, 1];
    match lookup_tflite(code.0) {
        Some(def) => {
            for (k, slot) in def.operands.iter().enumerate() {
                if slot.arity == Arity::Optional {
                    inputs.push(-1);
                    continue;
                }
                let n = if slot.arity == Arity::Variadic { 2 } else { 1 };
                for j in 0..n {
                    inputs.push(b.tensor(0, &format!("in{k}_{j}"), &shape, TensorType::FLOAT32));
                }
            }
            for (k, slot) in def.results.iter().enumerate() {
                let n = if slot.arity == Arity::Variadic { 2 } else { 1 };
                for j in 0..n {
                    outputs.push(b.tensor(0, &format!("out{k}_{j}"), &shape, TensorType::FLOAT32));
                }
            }
        }
        None => {
            inputs.push(b.tensor(0, "in0", &shape, TensorType::FLOAT32));
            inputs.push(b.tensor(0, "in1", &shape, TensorType::INT32));
            outputs.push(b.tensor(0, "out0", &shape, TensorType::FLOAT32));
        }
    }
    let modelled = lookup_tflite(code.0).is_some();
    let (options, options_2) = if modelled {
        (sample(code), tflite::BuiltinOptions2T::NONE)
    } else {
        generic_sample(code)
    };
    let version = if modelled { 1 } else { 3 };
    let custom = (code == Op::CUSTOM).then_some("MyCustomOp");
    let opcode_index = b.opcode(code, custom);
    b.model.operator_codes.as_mut().unwrap()[opcode_index as usize].version = version;
    let mut op = make!(OperatorT {
        opcode_index: opcode_index,
        inputs: Some(inputs.clone()),
        outputs: Some(outputs.clone()),
        builtin_options: options,
        builtin_options_2: options_2
    });
    if code == Op::CUSTOM {
        op.custom_options = Some(vec![7, 0, 9]);
    }
    if code == Op::LSTM {
        // A quantized LSTM's intermediate tensor, which the generic form keeps too.
        let t = b.tensor(0, "lstm/intermediate", &[1, 4], TensorType::INT16);
        b.quantize(0, t, 0.25, 0);
        op.intermediates = Some(vec![t]);
    }
    b.push_op(0, op.clone());
    let real: Vec<i32> = inputs.iter().copied().filter(|&i| i >= 0).collect();
    b.io(0, &real, &outputs);
    (b.finish(), op, version)
}

fn export(m: &Module) -> Vec<u8> {
    tqopt_backend::export(m)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_vec()
}

/// The one operator of an exported single-op model, with its operator code.
fn the_operator(bytes: &[u8]) -> (OperatorT, tflite::OperatorCodeT) {
    let model = tflite::root_as_model(bytes).unwrap().unpack();
    let sg = &model.subgraphs.as_ref().unwrap()[0];
    let ops = sg.operators.as_ref().unwrap();
    assert_eq!(ops.len(), 1);
    let op = ops[0].clone();
    let code = model.operator_codes.as_ref().unwrap()[op.opcode_index as usize].clone();
    (op, code)
}

/// Every builtin operator of the schema imports from a one-operator model (as its op when tqopt
/// models it, as `tfl.builtin` otherwise), exports with its code, version (for `tfl.builtin`)
/// and options, and the exported file goes through import, export, and through MLIR text,
/// to the same bytes. WHILE and IF need subgraphs; `synthetic.rs` covers them.
#[test]
fn every_schema_op_round_trips_byte_identically() {
    use tqopt_ir::dialect::tfl;
    let mut generic = 0;
    let mut checked_by_mlir_opt = 0;
    for &code in Op::ENUM_VALUES {
        if matches!(code, Op::WHILE | Op::IF) {
            continue;
        }
        let name = op_name(code);
        let (bytes, original, version) = single_op_model(code);
        let m =
            import_bytes(&name, Blob::from_vec(bytes)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let modelled = lookup_tflite(code.0).is_some();
        let ops: Vec<_> = m
            .all_ops()
            .into_iter()
            .filter(|&o| {
                m.op(o)
                    .def()
                    .is_some_and(|d| d.tflite.is_some() || m.op(o).is(&tfl::BUILTIN))
            })
            .collect();
        assert_eq!(ops.len(), 1, "{name}");
        let op = m.op(ops[0]);
        if !modelled {
            generic += 1;
            assert!(
                op.is(&tfl::BUILTIN),
                "{name} imports as {}",
                op.name.as_str()
            );
            assert_eq!(
                op.attr("builtin_code").and_then(Attribute::as_int),
                Some(code.0 as i64)
            );
            assert_eq!(
                tfl::unmodelled_reason(&m, ops[0]).unwrap(),
                format!("tqopt does not model TFLite op {name}")
            );
        }
        let e1 = export(&m);
        let (op1, code1) = the_operator(&e1);
        assert_eq!(code1.builtin_code, code, "{name}");
        assert_eq!(
            code1.deprecated_builtin_code as i32,
            code.0.min(127),
            "{name}"
        );
        if !modelled {
            assert_eq!(code1.version, version, "{name}: version");
            assert_eq!(op1.builtin_options, original.builtin_options, "{name}");
            assert_eq!(op1.builtin_options_2, original.builtin_options_2, "{name}");
            assert_eq!(op1.inputs.as_ref().map(Vec::len), Some(2), "{name}");
            assert_eq!(
                op1.intermediates.as_ref().map(Vec::len),
                original.intermediates.as_ref().map(Vec::len),
                "{name}: intermediates"
            );
            assert_eq!(op1.outputs.as_ref().map(Vec::len), Some(1), "{name}");
        }
        // (A modelled op's options come from its codec: `options_survive_import_then_export`.)

        let m2 = import_bytes(&name, Blob::from_vec(e1.clone()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            export(&m2) == e1,
            "{name}: import then export changed the bytes"
        );

        let text = tqopt_textual_ir::print_module(&m2, &Default::default());
        if let Ok(dir) = std::env::var("TQOPT_OPS_DUMP") {
            std::fs::write(format!("{dir}/{name}.mlir"), &text).unwrap();
        }
        let source = tqopt_ir::SourceFile::new("ops.mlir", text.clone());
        let parsed = tqopt_textual_ir::parse(&source)
            .unwrap_or_else(|d| panic!("{name}: {}\n{text}", source.render(&d)));
        assert!(
            export(&parsed.module) == e1,
            "{name}: through MLIR text the bytes changed:\n{text}"
        );
        if !modelled {
            if let Some(back) = through_mlir_opt(&name, &text) {
                let source = tqopt_ir::SourceFile::new("mlir-opt.mlir", back.clone());
                let reparsed = tqopt_textual_ir::parse(&source)
                    .unwrap_or_else(|d| panic!("{name}: {}\n{back}", source.render(&d)));
                assert!(
                    export(&reparsed.module) == e1,
                    "{name}: through mlir-opt the bytes changed:\n{back}"
                );
                checked_by_mlir_opt += 1;
            }
        }
    }
    assert!(generic > 50, "only {generic} generic ops");
    if mlir_opt().is_some() {
        assert_eq!(checked_by_mlir_opt, generic);
    }
}

/// Upstream `mlir-opt` (Debian's mlir-19-tools), when installed.
fn mlir_opt() -> Option<std::path::PathBuf> {
    let p = std::path::PathBuf::from("/usr/lib/llvm-19/bin/mlir-opt");
    p.exists().then_some(p)
}

/// `text` printed back by `mlir-opt --allow-unregistered-dialect`, which must accept it; `None`
/// when mlir-opt is not installed.
fn through_mlir_opt(name: &str, text: &str) -> Option<String> {
    use std::io::Write;
    let exe = mlir_opt()?;
    let mut child = std::process::Command::new(exe)
        .arg("--allow-unregistered-dialect")
        .arg("--mlir-print-debuginfo")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mlir-opt starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("mlir-opt reads");
    let out = child.wait_with_output().expect("mlir-opt runs");
    assert!(
        out.status.success(),
        "{name}: mlir-opt refuses tqopt's text:\n{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}
