//! Tests of the generated TFLite schema code against real models.
//!
//! Every MediaPipe model in `tests/shared/models/mediapipe` must pass the flatbuffers verifier with
//! our schema, look like a sane TFLite v3 model, and survive an unpack/pack round trip through
//! the object API. Damaged files must be rejected with an error, never a panic.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tqopt_frontend::schema::{builtin_code, tflite};

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/shared/models/mediapipe")
}

/// All `*.tflite` files of the MediaPipe model directory, sorted by name.
fn model_paths() -> Vec<PathBuf> {
    let dir = models_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "tflite"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no .tflite models in {}", dir.display());
    paths
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn op_name(op: tflite::BuiltinOperator) -> String {
    op.variant_name()
        .map_or_else(|| format!("BuiltinOperator({})", op.0), str::to_owned)
}

/// The builtin operators the operators of `model` (all subgraphs) use.
fn used_builtins(model: &tflite::Model<'_>) -> BTreeSet<tflite::BuiltinOperator> {
    let codes = model.operator_codes().expect("operator_codes");
    let mut used = BTreeSet::new();
    for subgraph in model.subgraphs().expect("subgraphs") {
        for op in subgraph.operators().into_iter().flatten() {
            used.insert(builtin_code(&codes.get(op.opcode_index() as usize)));
        }
    }
    used
}

/// The option table an operator of this builtin code carries, for the codes whose options we
/// know from the TFLite runtime. `None` in the outer option means "not checked".
fn expected_options(code: tflite::BuiltinOperator) -> Option<tflite::BuiltinOptions> {
    use tflite::BuiltinOperator as B;
    use tflite::BuiltinOptions as O;
    Some(match code {
        B::CONV_2D => O::Conv2DOptions,
        B::DEPTHWISE_CONV_2D => O::DepthwiseConv2DOptions,
        B::TRANSPOSE_CONV => O::TransposeConvOptions,
        B::FULLY_CONNECTED => O::FullyConnectedOptions,
        B::AVERAGE_POOL_2D | B::MAX_POOL_2D => O::Pool2DOptions,
        B::ADD => O::AddOptions,
        B::SUB => O::SubOptions,
        B::MUL => O::MulOptions,
        B::DIV => O::DivOptions,
        B::CONCATENATION => O::ConcatenationOptions,
        B::RESHAPE => O::ReshapeOptions,
        B::SOFTMAX => O::SoftmaxOptions,
        B::PAD => O::PadOptions,
        B::RESIZE_BILINEAR => O::ResizeBilinearOptions,
        B::RESIZE_NEAREST_NEIGHBOR => O::ResizeNearestNeighborOptions,
        B::MEAN | B::SUM | B::REDUCE_MAX | B::REDUCE_MIN | B::REDUCE_PROD => O::ReducerOptions,
        B::STRIDED_SLICE => O::StridedSliceOptions,
        B::GATHER => O::GatherOptions,
        B::LEAKY_RELU => O::LeakyReluOptions,
        B::SPLIT => O::SplitOptions,
        B::SPLIT_V => O::SplitVOptions,
        B::PACK => O::PackOptions,
        B::UNPACK => O::UnpackOptions,
        B::DEPTH_TO_SPACE => O::DepthToSpaceOptions,
        B::SPACE_TO_DEPTH => O::SpaceToDepthOptions,
        B::TRANSPOSE => O::TransposeOptions,
        B::MAXIMUM | B::MINIMUM => O::MaximumMinimumOptions,
        B::BATCH_MATMUL => O::BatchMatMulOptions,
        B::GELU => O::GeluOptions,
        _ => return None,
    })
}

/// Checks the structural invariants the importer relies on.
fn check_model(name: &str, model: &tflite::Model<'_>) {
    assert_eq!(model.version(), 3, "{name}: schema version");

    let codes = model.operator_codes().expect("operator_codes");
    assert!(!codes.is_empty(), "{name}: no operator codes");
    for code in codes {
        let builtin = builtin_code(&code);
        assert!(code.version() >= 1, "{name}: op version {}", code.version());
        if builtin == tflite::BuiltinOperator::CUSTOM {
            assert!(
                code.custom_code().is_some(),
                "{name}: CUSTOM without a name"
            );
        }
    }

    let buffers = model.buffers().expect("buffers");
    assert!(!buffers.is_empty(), "{name}: no buffers");
    assert!(
        buffers.get(0).data().iter().all(|d| d.is_empty()),
        "{name}: buffer 0 (the empty sentinel) has data"
    );

    let subgraphs = model.subgraphs().expect("subgraphs");
    assert!(!subgraphs.is_empty(), "{name}: no subgraphs");
    let mut op_count = 0usize;
    for subgraph in subgraphs {
        let tensors = subgraph.tensors().expect("tensors");
        let n_tensors = tensors.len() as i32;
        for tensor in tensors {
            assert!(
                (tensor.buffer() as usize) < buffers.len(),
                "{name}: tensor {:?} buffer {} out of range",
                tensor.name(),
                tensor.buffer()
            );
            if let Some(q) = tensor.quantization() {
                if let (Some(scale), Some(zp)) = (q.scale(), q.zero_point()) {
                    assert_eq!(scale.len(), zp.len(), "{name}: scale/zero_point lengths");
                }
            }
        }
        for i in subgraph
            .inputs()
            .expect("inputs")
            .iter()
            .chain(subgraph.outputs().expect("outputs").iter())
        {
            assert!(
                (0..n_tensors).contains(&i),
                "{name}: subgraph io tensor {i} out of range"
            );
        }
        for op in subgraph.operators().expect("operators") {
            op_count += 1;
            let index = op.opcode_index() as usize;
            assert!(
                index < codes.len(),
                "{name}: opcode_index {index} >= {}",
                codes.len()
            );
            for i in op.inputs().expect("op inputs").iter() {
                assert!(
                    i == -1 || (0..n_tensors).contains(&i),
                    "{name}: op input {i} out of range"
                );
            }
            for i in op.outputs().expect("op outputs").iter() {
                assert!(
                    (0..n_tensors).contains(&i),
                    "{name}: op output {i} out of range"
                );
            }
            let code = builtin_code(&codes.get(index));
            let options = op.builtin_options_type();
            if let Some(expected) = expected_options(code) {
                assert!(
                    options == expected || options == tflite::BuiltinOptions::NONE,
                    "{name}: {} carries {:?}, expected {:?}",
                    op_name(code),
                    options,
                    expected
                );
            }
            if code == tflite::BuiltinOperator::CONV_2D {
                let conv = op
                    .builtin_options_as_conv_2_doptions()
                    .expect("CONV_2D options");
                assert!(
                    conv.stride_w() >= 1 && conv.stride_h() >= 1,
                    "{name}: conv strides"
                );
                assert!(
                    conv.dilation_w_factor() >= 1 && conv.dilation_h_factor() >= 1,
                    "{name}: conv dilation"
                );
            }
        }
    }
    assert!(op_count > 10, "{name}: only {op_count} operators");
}

#[test]
fn mediapipe_models_verify_and_are_sane() {
    let mut report = String::new();
    for path in model_paths() {
        let name = name_of(&path);
        let bytes = read(&path);
        assert!(
            tflite::model_buffer_has_identifier(&bytes),
            "{name}: identifier is not TFL3"
        );
        assert_eq!(&bytes[4..8], tflite::MODEL_IDENTIFIER.as_bytes());
        let model =
            tflite::root_as_model(&bytes).unwrap_or_else(|e| panic!("{name}: verifier: {e}"));
        check_model(&name, &model);

        let used = used_builtins(&model);
        assert!(
            used.contains(&tflite::BuiltinOperator::CONV_2D),
            "{name}: no CONV_2D among {used:?}"
        );
        let ops: Vec<String> = used.iter().map(|&op| op_name(op)).collect();
        let custom: Vec<&str> = model
            .operator_codes()
            .unwrap()
            .iter()
            .filter(|c| builtin_code(c) == tflite::BuiltinOperator::CUSTOM)
            .filter_map(|c| c.custom_code())
            .collect();
        let n_ops: usize = model
            .subgraphs()
            .unwrap()
            .iter()
            .map(|s| s.operators().map_or(0, |o| o.len()))
            .sum();
        report.push_str(&format!(
            "{name}: {} subgraph(s), {n_ops} ops; builtins [{}]{}\n",
            model.subgraphs().unwrap().len(),
            ops.join(", "),
            if custom.is_empty() {
                String::new()
            } else {
                format!("; custom [{}]", custom.join(", "))
            }
        ));
    }
    // Visible with `cargo test -p tqopt-frontend --test schema -- --nocapture`.
    println!("{report}");
}

#[test]
fn object_api_round_trip_preserves_models() {
    for path in model_paths() {
        let name = name_of(&path);
        let bytes = read(&path);
        let model = tflite::root_as_model(&bytes).unwrap();
        let owned = model.unpack();

        let mut fbb = flatbuffers::FlatBufferBuilder::with_capacity(bytes.len() + 1024);
        let root = owned.pack(&mut fbb);
        tflite::finish_model_buffer(&mut fbb, root);
        let repacked = fbb.finished_data();

        assert!(
            tflite::model_buffer_has_identifier(repacked),
            "{name}: repacked identifier"
        );
        let again =
            tflite::root_as_model(repacked).unwrap_or_else(|e| panic!("{name}: repacked: {e}"));
        assert_eq!(
            again.unpack(),
            owned,
            "{name}: object API round trip changed the model"
        );
        assert_eq!(
            used_builtins(&again),
            used_builtins(&model),
            "{name}: builtins changed"
        );
    }
}

/// Reads a little-endian u32 at `at`.
fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn smallest_model() -> Vec<u8> {
    let path = model_paths()
        .into_iter()
        .min_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(u64::MAX))
        .unwrap();
    read(&path)
}

#[test]
fn truncated_files_are_rejected() {
    let bytes = smallest_model();
    assert!(tflite::root_as_model(&bytes).is_ok());
    for len in [
        0,
        3,
        4,
        7,
        8,
        16,
        64,
        256,
        bytes.len() / 4,
        bytes.len() / 2,
        bytes.len() * 3 / 4,
        bytes.len() - 1024,
    ] {
        let truncated = &bytes[..len];
        assert!(
            tflite::root_as_model(truncated).is_err(),
            "truncated to {len} bytes was accepted"
        );
    }
}

#[test]
fn corrupted_offsets_are_rejected() {
    let bytes = smallest_model();

    // The root offset pointing past the end of the file.
    let mut bad_root = bytes.clone();
    bad_root[0..4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    assert!(
        tflite::root_as_model(&bad_root).is_err(),
        "bad root offset accepted"
    );

    // The root table's vtable offset pointing outside the file.
    let root = u32_at(&bytes, 0) as usize;
    let mut bad_vtable = bytes.clone();
    bad_vtable[root..root + 4].copy_from_slice(&i32::MIN.to_le_bytes());
    assert!(
        tflite::root_as_model(&bad_vtable).is_err(),
        "bad vtable offset accepted"
    );

    // The `subgraphs` field (field id 2 of Model) pointing past the end of the file.
    let vtable = (root as i64
        - i64::from(i32::from_le_bytes(
            bytes[root..root + 4].try_into().unwrap(),
        ))) as usize;
    let field_slot = vtable + 4 + 2 * 2;
    let field_off =
        u16::from_le_bytes(bytes[field_slot..field_slot + 2].try_into().unwrap()) as usize;
    assert_ne!(field_off, 0, "model without subgraphs field");
    let mut bad_field = bytes.clone();
    let at = root + field_off;
    bad_field[at..at + 4].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    assert!(
        tflite::root_as_model(&bad_field).is_err(),
        "bad subgraphs offset accepted"
    );

    // A misaligned table offset (flatbuffers tables are 4-byte aligned).
    let mut misaligned = bytes.clone();
    misaligned[0..4].copy_from_slice(&((root as u32) + 1).to_le_bytes());
    assert!(
        tflite::root_as_model(&misaligned).is_err(),
        "misaligned root accepted"
    );

    // A wrong file identifier is detected.
    let mut bad_ident = bytes.clone();
    bad_ident[4..8].copy_from_slice(b"XXXX");
    assert!(!tflite::model_buffer_has_identifier(&bad_ident));
}

/// Random byte damage must give either an error or a model whose accessors work; never a panic
/// or undefined behaviour.
#[test]
fn random_damage_never_panics() {
    let bytes = smallest_model();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Damage the first 4 KiB, where the tables and offsets of a TFLite file mostly live, and
    // anywhere else now and then.
    let (mut rejected, mut accepted) = (0, 0);
    for round in 0..400 {
        let mut damaged = bytes.clone();
        for _ in 0..1 + round % 4 {
            let window = if next() % 4 == 0 {
                damaged.len()
            } else {
                damaged.len().min(4096)
            };
            let at = (next() % window as u64) as usize;
            damaged[at] = next() as u8;
        }
        match tflite::root_as_model(&damaged) {
            Err(_) => rejected += 1,
            Ok(model) => {
                accepted += 1;
                let n_codes = model.operator_codes().map_or(0, |c| c.len());
                for subgraph in model.subgraphs().into_iter().flatten() {
                    for tensor in subgraph.tensors().into_iter().flatten() {
                        let _ = (
                            tensor.name(),
                            tensor.shape(),
                            tensor.quantization().map(|q| q.scale()),
                        );
                    }
                    for op in subgraph.operators().into_iter().flatten() {
                        let _ = (
                            op.inputs(),
                            op.outputs(),
                            op.builtin_options_type(),
                            op.custom_options(),
                        );
                        if (op.opcode_index() as usize) < n_codes {
                            let _ = builtin_code(
                                &model
                                    .operator_codes()
                                    .unwrap()
                                    .get(op.opcode_index() as usize),
                            );
                        }
                    }
                }
                let _ = model.unpack();
            }
        }
    }
    assert!(
        rejected > 0,
        "no damaged file was rejected ({accepted} accepted)"
    );
}
