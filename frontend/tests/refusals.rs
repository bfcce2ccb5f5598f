//! What the importer must refuse (issue 10, sections 2 and 4), one test per class, each on a
//! model built in memory or a real model with a few bytes patched. Every refusal must name the
//! file and the tensor, operator or field, and say what is wrong; the same model without the
//! damage must import (so that each test can fail).

mod common;

use std::path::Path;

use common::ModelBuilder;
use tqopt_frontend::schema::tflite::{
    BufferT, BuiltinOperator as Op, BuiltinOptionsT, QuantizationParametersT, TensorType,
};
use tqopt_frontend::{
    import_bytes_with, ImportError, ImportErrorKind, ImportOptions, DEFAULT_MEMORY_LIMIT,
};
use tqopt_ir::Blob;

fn import_with(bytes: Vec<u8>, limit: u64) -> Result<tqopt_ir::Module, ImportError> {
    import_bytes_with(
        "bad.tflite",
        Blob::from_vec(bytes),
        &ImportOptions {
            memory_limit: limit,
        },
    )
}

fn imports(b: &ModelBuilder) {
    if let Err(e) = import_with(b.finish(), DEFAULT_MEMORY_LIMIT) {
        panic!("the undamaged model does not import: {e}");
    }
}

/// The error for `bytes`, checked to name the file and to contain each of `parts`.
fn refused_bytes(bytes: Vec<u8>, limit: u64, parts: &[&str]) -> ImportError {
    let e = match import_with(bytes, limit) {
        Ok(_) => panic!("imported, but must be refused (expected {parts:?})"),
        Err(e) => e,
    };
    let text = e.to_string();
    assert!(text.starts_with("bad.tflite: error: "), "{text}");
    for p in parts {
        assert!(text.contains(p), "expected {p:?} in: {text}");
    }
    e
}

fn refused(b: &ModelBuilder, parts: &[&str]) -> ImportError {
    refused_bytes(b.finish(), DEFAULT_MEMORY_LIMIT, parts)
}

/// `x` (float) -> QUANTIZE -> `y` (int8, scale 0.5), plus an unused tensor `spare`.
fn quantize_model() -> ModelBuilder {
    let mut b = ModelBuilder::new();
    let x = b.tensor(0, "x", &[1, 2, 3, 4], TensorType::FLOAT32);
    let y = b.tensor(0, "y", &[1, 2, 3, 4], TensorType::INT8);
    b.quantize(0, y, 0.5, 0);
    b.tensor(0, "spare", &[4], TensorType::INT8);
    b.op(0, Op::QUANTIZE, &[x], &[y], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[y]);
    b
}

fn real_model() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hand_recrop.tflite"))
        .unwrap()
}

#[test]
fn bad_scales_are_refused() {
    imports(&quantize_model());
    for (scale, shown) in [
        (0.0f32, "scale 0 "),
        (-0.0, "scale -0 "),
        (-0.25, "scale -0.25 "),
        (f32::NAN, "scale NaN "),
        (f32::INFINITY, "scale inf "),
        (f32::NEG_INFINITY, "scale -inf "),
    ] {
        // On an operator's output, and on a tensor nothing uses: both are refused.
        for tensor in [1, 2] {
            let mut b = quantize_model();
            b.quantize(0, tensor, scale, 0);
            let name = if tensor == 1 { "\"y\"" } else { "\"spare\"" };
            let e = refused(
                &b,
                &[
                    "subgraph 0 (\"main\")",
                    &format!("tensor {tensor} ({name})"),
                    shown,
                    "finite and greater than 0",
                ],
            );
            assert_eq!(e.kind, ImportErrorKind::Invalid);
        }
    }
    // One bad scale among good per-axis ones names its position.
    let mut b = quantize_model();
    b.quantize_per_axis(0, 1, &[0.5, 0.25, f32::NAN, 1.0], 3);
    refused(&b, &["tensor 1 (\"y\")", "scale NaN (scale 2 of 4)"]);
}

#[test]
fn per_axis_parameters_must_fit_the_tensor() {
    let mut good = quantize_model();
    good.quantize_per_axis(0, 1, &[0.5, 0.25, 0.125, 1.0], 3);
    imports(&good);
    // The axis must be a dimension of the tensor: not its rank or beyond (TFLite stores the
    // axis as i32; 99999999999 wraps to 1215752191), not negative.
    for axis in [4, 1_215_752_191, i32::MAX, -1, i32::MIN] {
        let mut b = quantize_model();
        b.quantize_per_axis(0, 1, &[0.5, 0.25, 0.125, 1.0], axis);
        refused(
            &b,
            &[
                "tensor 1 (\"y\")",
                &format!("quantized_dimension {axis}"),
                "rank 4",
            ],
        );
    }
    // A per-axis scalar has no axis at all.
    let mut b = quantize_model();
    b.tensor_mut(0, 2).shape = Some(vec![]);
    b.quantize_per_axis(0, 2, &[0.5, 0.25], 0);
    refused(
        &b,
        &["tensor 2 (\"spare\")", "quantized_dimension 0", "rank 0"],
    );
    // As many scales as the axis has entries.
    let mut b = quantize_model();
    b.quantize_per_axis(0, 1, &[0.5, 0.25, 0.125], 3);
    refused(
        &b,
        &["tensor 1 (\"y\")", "dimension 3 of size 4", "has 3 scales"],
    );
    // As many zero points as scales, per axis and per tensor.
    let mut b = quantize_model();
    b.quantize_per_axis(0, 1, &[0.5, 0.25, 0.125, 1.0], 3);
    b.tensor_mut(0, 1).quantization.as_mut().unwrap().zero_point = Some(vec![0, 0]);
    refused(
        &b,
        &[
            "tensor 1 (\"y\")",
            "4 quantization scales but 2 zero points",
        ],
    );
    let mut b = quantize_model();
    b.tensor_mut(0, 1).quantization.as_mut().unwrap().zero_point = Some(vec![0, 0, 0]);
    refused(
        &b,
        &[
            "tensor 1 (\"y\")",
            "1 quantization scales but 3 zero points",
        ],
    );
}

#[test]
fn bad_calibration_ranges_are_refused() {
    let with_range = |min: f32, max: f32| {
        let mut b = quantize_model();
        b.tensor_mut(0, 0).quantization = Some(Box::new(make!(QuantizationParametersT {
            min: Some(vec![min]),
            max: Some(vec![max]),
        })));
        b
    };
    imports(&with_range(-1.0, 1.0));
    for (min, max) in [
        (f32::NAN, 1.0),
        (-1.0, f32::INFINITY),
        (f32::NEG_INFINITY, 0.0),
        (2.0, 1.0),
    ] {
        refused(
            &with_range(min, max),
            &["tensor 0 (\"x\")", "quantization range", "min <= max"],
        );
    }
    let mut b = with_range(-1.0, 1.0);
    b.tensor_mut(0, 0).quantization.as_mut().unwrap().max = Some(vec![1.0, 2.0]);
    refused(
        &b,
        &["tensor 0 (\"x\")", "1 quantization minima but 2 maxima"],
    );
}

#[test]
fn empty_and_rootless_files_are_refused() {
    let e = refused_bytes(Vec::new(), DEFAULT_MEMORY_LIMIT, &["0 bytes long"]);
    assert_eq!(e.kind, ImportErrorKind::NotTflite);
    // A root offset into the header (0 would make the header a table without fields).
    for root in [0u32, 4, 7] {
        let mut bytes = real_model();
        bytes[0..4].copy_from_slice(&root.to_le_bytes());
        let e = refused_bytes(
            bytes,
            DEFAULT_MEMORY_LIMIT,
            &[&format!(
                "the root table offset is {root}, inside the file's 8-byte header"
            )],
        );
        assert_eq!(e.kind, ImportErrorKind::Malformed);
    }
    // The root offset past the end, or just short of it.
    let real = real_model();
    for root in [u32::MAX, real.len() as u32, real.len() as u32 - 4] {
        let mut bytes = real.clone();
        bytes[0..4].copy_from_slice(&root.to_le_bytes());
        let e = refused_bytes(bytes, DEFAULT_MEMORY_LIMIT, &["flatbuffers verifier"]);
        assert_eq!(e.kind, ImportErrorKind::Malformed);
    }
    // Truncated anywhere.
    for len in [4, 8, 9, 16, 100, real.len() / 3, real.len() - 4] {
        let e = refused_bytes(
            real[..len].to_vec(),
            DEFAULT_MEMORY_LIMIT,
            &["bad.tflite: error:"],
        );
        assert!(
            matches!(
                e.kind,
                ImportErrorKind::Malformed | ImportErrorKind::NotTflite
            ),
            "{len}: {e}"
        );
    }
    // No subgraph list, and an empty one.
    let mut b = ModelBuilder::new();
    b.model.subgraphs = None;
    refused(&b, &["the model has no subgraphs"]);
    let mut b = ModelBuilder::new();
    b.model.subgraphs = Some(Vec::new());
    refused(&b, &["the model has no subgraphs"]);
}

#[test]
fn a_tensor_has_one_writer() {
    let chain = || {
        let mut b = ModelBuilder::new();
        let x = b.tensor(0, "x", &[4], TensorType::FLOAT32);
        let y = b.tensor(0, "y", &[4], TensorType::FLOAT32);
        let z = b.tensor(0, "z", &[4], TensorType::FLOAT32);
        (b, x, y, z)
    };
    let (mut b, x, y, z) = chain();
    b.op(0, Op::RELU, &[x], &[y], BuiltinOptionsT::NONE);
    b.op(0, Op::TANH, &[y], &[z], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[z]);
    imports(&b);
    // Two operators writing one tensor.
    let (mut b, x, y, z) = chain();
    b.op(0, Op::RELU, &[x], &[y], BuiltinOptionsT::NONE);
    b.op(0, Op::TANH, &[x], &[z], BuiltinOptionsT::NONE);
    b.op(0, Op::LOGISTIC, &[z], &[y], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[y]);
    refused(
        &b,
        &[
            "subgraph 0 (\"main\")",
            "tensor 1 (\"y\") is written by both operator 0 (RELU) and operator 2 (LOGISTIC)",
        ],
    );
    // An operator writing a subgraph input.
    let (mut b, x, y, _) = chain();
    b.op(0, Op::RELU, &[y], &[x], BuiltinOptionsT::NONE);
    b.io(0, &[x, y], &[x]);
    refused(
        &b,
        &["operator 0 (RELU) writes tensor 0 (\"x\"), which is subgraph input 0"],
    );
    // One operator listing a tensor twice among its outputs.
    let (mut b, x, y, _) = chain();
    b.op(0, Op::UNPACK, &[x], &[y, y], BuiltinOptionsT::NONE);
    b.io(0, &[x], &[y]);
    refused(
        &b,
        &["operator 0 (UNPACK) lists tensor 1 (\"y\") twice among its outputs"],
    );
}

#[test]
fn negative_dimensions_other_than_unknown_are_refused() {
    let mut ok = quantize_model();
    ok.tensor_mut(0, 0).shape = Some(vec![1, 2, 3, 4]);
    ok.tensor_mut(0, 0).shape_signature = Some(vec![-1, 2, 3, 4]);
    imports(&ok);
    for d in [-2, -100, i32::MIN] {
        let mut b = quantize_model();
        b.tensor_mut(0, 0).shape = Some(vec![1, d, 3, 4]);
        refused(
            &b,
            &[
                "tensor 0 (\"x\")",
                &format!("dimension {d} at index 1 of its shape"),
                "-1 when unknown",
            ],
        );
        let mut b = quantize_model();
        b.tensor_mut(0, 2).shape_signature = Some(vec![d]);
        refused(
            &b,
            &[
                "tensor 2 (\"spare\")",
                &format!("dimension {d} at index 0 of its shape_signature"),
            ],
        );
    }
    // shape and shape_signature must describe the same tensor.
    let mut b = quantize_model();
    b.tensor_mut(0, 0).shape_signature = Some(vec![-1, 2, 3]);
    refused(&b, &["tensor 0 (\"x\")", "rank 4", "rank 3"]);
    let mut b = quantize_model();
    b.tensor_mut(0, 0).shape_signature = Some(vec![-1, 2, 5, 4]);
    refused(&b, &["tensor 0 (\"x\")", "disagree on dimension 2"]);
}

#[test]
fn sizes_are_checked_before_allocating() {
    // The element count overflows 64 bits.
    let mut b = quantize_model();
    b.tensor_mut(0, 2).shape = Some(vec![i32::MAX, i32::MAX, i32::MAX]);
    let e = refused(
        &b,
        &["tensor 2 (\"spare\")", "element count overflows 64 bits"],
    );
    assert_eq!(e.kind, ImportErrorKind::TooLarge);
    // A declared input of 65536 x 65536 x 3 floats (48 GiB) is over the default budget.
    let mut b = quantize_model();
    b.tensor_mut(0, 0).shape = Some(vec![1, 65536, 65536, 3]);
    b.tensor_mut(0, 1).shape = Some(vec![1, 65536, 65536, 3]);
    let e = refused(
        &b,
        &[
            "tensor 0 (\"x\")",
            "12884901888 elements of 4 bytes",
            "51539607552 bytes (48.0 GiB)",
            "more than the memory limit of 4294967296 bytes (4.0 GiB)",
            "TQOPT_MEMORY_LIMIT",
        ],
    );
    assert_eq!(e.kind, ImportErrorKind::TooLarge);
    // The budget is the caller's: 96 bytes of x fit 100 and not 95.
    let small = quantize_model().finish();
    refused_bytes(
        small.clone(),
        95,
        &[
            "tensor 0 (\"x\")",
            "96 bytes, more than the memory limit of 95 bytes",
        ],
    );
    // All tensors together (96 + 24 + 4 bytes) must fit as well, constants (which stay in
    // the file) aside.
    let e = refused_bytes(
        small.clone(),
        100,
        &["the model's tensors other than constants need 124 bytes in all, more than the memory limit of 100 bytes"],
    );
    assert_eq!(e.kind, ImportErrorKind::TooLarge);
    assert!(import_with(small, 124).is_ok());
    let mut b = quantize_model();
    b.constant(0, "c", &[16], TensorType::FLOAT32, vec![0; 64]);
    assert!(import_with(b.finish(), 124).is_ok());
}

#[test]
fn constant_data_must_match_its_declaration() {
    let model = |data: Vec<u8>, buffer: Option<BufferT>| {
        let mut b = ModelBuilder::new();
        let x = b.tensor(0, "x", &[2], TensorType::FLOAT32);
        let c = b.constant(0, "c", &[2], TensorType::FLOAT32, data);
        if let Some(buf) = buffer {
            let index = b.tensor_mut(0, c).buffer as usize;
            b.model.buffers.as_mut().unwrap()[index] = buf;
        }
        let y = b.tensor(0, "y", &[2], TensorType::FLOAT32);
        b.op(0, Op::ADD, &[x, c], &[y], BuiltinOptionsT::NONE);
        b.io(0, &[x], &[y]);
        b
    };
    imports(&model(vec![0; 8], None));
    for len in [0, 7, 9, 16] {
        let expected = if len == 0 {
            "has no constant data".to_string()
        } else {
            format!("has {len} bytes of data, but its type needs 8 (2 elements of 4 bytes)")
        };
        refused(
            &model(vec![0; len], None),
            &["operator 0 (ADD)", "tensor 1 (\"c\")", &expected],
        );
    }
    // Data placed after the flatbuffer (large models) must lie inside the file.
    for (offset, size) in [(1u64 << 40, 8u64), (100, u64::MAX), (u64::MAX - 2, 8)] {
        let b = model(
            Vec::new(),
            Some(make!(BufferT {
                offset: offset,
                size: size
            })),
        );
        refused(
            &b,
            &[
                "tensor 1 (\"c\")",
                &format!("lies at offset {offset} with size {size}, outside the"),
            ],
        );
    }
}
