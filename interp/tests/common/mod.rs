//! Helpers shared by the integration tests: a minimal `.npy` reader and the fixture layout
//! written by `interp/scripts/litert_reference.py`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use tqopt_interp::Tensor;

/// Reads a little-endian, C-order `.npy` file of `<f4`, `|u1`, `|i1`, `<i2`, `<i4` or `<i8`
/// elements.
pub fn read_npy(path: &Path) -> Tensor {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..6],
        b"\x93NUMPY",
        "{}: not an npy file",
        path.display()
    );
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).expect("header");
    let field = |key: &str| -> &str {
        let at = header
            .find(key)
            .unwrap_or_else(|| panic!("no {key} in {header}"));
        &header[at + key.len()..]
    };
    let descr = field("'descr': '").split('\'').next().unwrap_or("");
    assert!(
        field("'fortran_order': ").starts_with("False"),
        "Fortran order is not supported"
    );
    let shape_text = field("'shape': (").split(')').next().unwrap_or("");
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("shape"))
        .collect();
    let data = &bytes[start + header_len..];
    match descr {
        "<f4" => Tensor::from_f32(
            &shape,
            data.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        "|u1" => Tensor::from_vec(&shape, data.to_vec()),
        "|i1" => Tensor::from_vec(&shape, data.iter().map(|&b| b as i8).collect::<Vec<_>>()),
        "<i2" => Tensor::from_vec(
            &shape,
            data.chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        ),
        "<i4" => Tensor::from_vec(
            &shape,
            data.chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect::<Vec<_>>(),
        ),
        "<i8" => Tensor::from_vec(
            &shape,
            data.chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect::<Vec<_>>(),
        ),
        other => panic!("{}: unsupported dtype {other}", path.display()),
    }
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The shared folder (`tests/shared` in the repository).
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/shared")
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// One model's fixtures: inputs (as f32, scaled) and LiteRT's outputs per photo.
pub struct Fixture {
    pub model: String,
    pub images: Vec<String>,
    pub inputs: Vec<Tensor>,
    pub outputs: Vec<Vec<Tensor>>,
}

pub fn load_fixture(model: &str) -> Fixture {
    let dir = fixtures_dir().join(model);
    let manifest = std::fs::read_to_string(dir.join("manifest.txt"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let get = |key: &str| -> Vec<String> {
        manifest
            .lines()
            .find_map(|l| {
                l.strip_prefix(key)
                    .map(|r| r.split_whitespace().map(String::from).collect())
            })
            .unwrap_or_default()
    };
    let lo: f32 = get("range ")[0].parse().expect("range");
    let images = get("images ");
    let num_outputs: usize = get("outputs ")[0].parse().expect("outputs");
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    for i in 0..images.len() {
        let pixels = read_npy(&dir.join(format!("input_{i}.npy")));
        inputs.push(scale(&pixels, lo));
        outputs.push(
            (0..num_outputs)
                .map(|k| read_npy(&dir.join(format!("output_{i}_{k}.npy"))))
                .collect(),
        );
    }
    Fixture {
        model: model.to_string(),
        images,
        inputs,
        outputs,
    }
}

/// uint8 pixels to the model's float range, in f32 arithmetic as the Python script does.
pub fn scale(pixels: &Tensor, lo: f32) -> Tensor {
    let v: Vec<f32> = pixels
        .as_slice::<u8>()
        .expect("u8 pixels")
        .iter()
        .map(|&p| {
            let x = p as f32;
            if lo < 0.0 {
                x / 127.5f32 - 1.0f32
            } else {
                x / 255.0f32
            }
        })
        .collect();
    Tensor::from_f32(pixels.shape(), v).expect("shape")
}

pub fn model_path(model: &str) -> PathBuf {
    shared_dir()
        .join("models/mediapipe")
        .join(format!("{model}.tflite"))
}

pub const MODELS: &[&str] = &[
    "face_detection_full_range",
    "face_detection_short_range",
    "face_landmark",
    "hand_landmark",
    "hand_recrop",
    "iris_landmark",
    "palm_detection",
    "pose_detection",
    "pose_landmark_lite",
    "selfie_segmentation",
];
