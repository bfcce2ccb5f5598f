//! The importer on the shared models and on damaged input: imported modules verify, constant
//! data stays in the mapped file, and bad files give clear errors instead of panics.

use std::path::{Path, PathBuf};

use tqopt_frontend::{import_bytes, import_file, ImportErrorKind};
use tqopt_ir::dialect::tfl;
use tqopt_ir::{Attribute, Blob};

fn models() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/shared/models/mediapipe");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("models directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tflite"))
        .collect();
    paths.sort();
    paths
}

fn model(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/shared/models/mediapipe")
        .join(name)
}

#[test]
fn imported_models_verify() {
    for path in models() {
        let module = import_file(&path).unwrap_or_else(|e| panic!("{e}"));
        let errors = tqopt_ir::verifier::verify(&module);
        let shown: Vec<String> = errors.iter().take(10).map(|d| format!("{d:?}")).collect();
        assert!(
            errors.is_empty(),
            "{}: {} errors:\n{}",
            path.display(),
            errors.len(),
            shown.join("\n")
        );
    }
}

/// Every dense constant of an imported model is a window into the mapped file.
#[test]
fn constant_data_is_not_copied() {
    let path = model("pose_detection.tflite");
    let file = tqopt_ir::blob::map_file(&path).unwrap();
    let module = import_bytes("pose_detection.tflite", file.clone()).unwrap();
    let mut checked = 0;
    for op in module.all_ops() {
        let data = module.op(op);
        if !(data.is(&tfl::PSEUDO_CONST) || data.is(&tfl::PSEUDO_SPARSE_CONST)) {
            continue;
        }
        let attr = if data.is(&tfl::PSEUDO_CONST) {
            "value"
        } else {
            "compressed_data"
        };
        let Some(Attribute::Dense(d)) = data.attr(attr) else {
            panic!("constant without dense {attr}")
        };
        let blob = d.blob().expect("numeric constant");
        if d.num_elements() > 0 {
            assert!(
                blob.shares_owner_with(&file),
                "a constant's data was copied"
            );
            let start = blob.as_bytes().as_ptr() as usize - file.as_bytes().as_ptr() as usize;
            assert!(start + blob.len() <= file.len());
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} constants checked");
}

fn err(bytes: Vec<u8>) -> tqopt_frontend::ImportError {
    match import_bytes("bad.tflite", Blob::from_vec(bytes)) {
        Ok(_) => panic!("damaged model imported without error"),
        Err(e) => e,
    }
}

#[test]
fn wrong_identifier_is_a_clear_error() {
    let mut bytes = std::fs::read(model("hand_recrop.tflite")).unwrap();
    bytes[4..8].copy_from_slice(b"XYZ3");
    let e = err(bytes);
    assert_eq!(e.kind, ImportErrorKind::NotTflite);
    let text = e.to_string();
    assert!(text.starts_with("bad.tflite: error:"), "{text}");
    assert!(
        text.contains("\"XYZ3\"") && text.contains("not a TFLite model"),
        "{text}"
    );
    let e = err(b"TFL".to_vec());
    assert!(e.to_string().contains("too short"), "{e}");
    let e = import_file(Path::new("/nonexistent/model.tflite")).unwrap_err();
    assert_eq!(e.kind, ImportErrorKind::Io);
    assert!(e.to_string().contains("/nonexistent/model.tflite"), "{e}");
}

#[test]
fn truncated_files_are_clear_errors() {
    let bytes = std::fs::read(model("hand_recrop.tflite")).unwrap();
    for len in [8, 12, 64, 1000, bytes.len() / 2, bytes.len() - 1] {
        let e = err(bytes[..len].to_vec());
        assert_eq!(
            e.kind,
            ImportErrorKind::Malformed,
            "truncated to {len}: {e}"
        );
        assert!(e.to_string().contains("flatbuffers verifier"), "{e}");
    }
}

#[test]
fn corrupted_offsets_are_clear_errors() {
    let bytes = std::fs::read(model("hand_recrop.tflite")).unwrap();
    // The root table offset pointing past the end.
    let mut b = bytes.clone();
    b[0..4].copy_from_slice(&(bytes.len() as u32 + 100).to_le_bytes());
    let e = err(b);
    assert_eq!(e.kind, ImportErrorKind::Malformed, "{e}");
    // Every 4-byte word of the model's first 4 KiB set to a huge offset, one at a time:
    // always an error or a clean import, never a panic.
    for at in (8..4096.min(bytes.len() - 4)).step_by(4) {
        let mut b = bytes.clone();
        b[at..at + 4].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
        let _ = import_bytes("bad.tflite", Blob::from_vec(b));
    }
}

/// A file whose tables all sit 4 bytes later than a flatbuffer writer puts them (4 bytes
/// inserted after the header, the root offset moved with them): its int8 model's 8-byte
/// zero points are misaligned, which the verifier refuses, and LiteRT (which does not
/// verify) runs. The importer reads it re-based, as the same module.
#[test]
fn a_file_misaligned_by_four_bytes_imports_as_written() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cnn_tf_int8_io.tflite");
    let good = std::fs::read(&path).unwrap();
    let root = u32::from_le_bytes(good[..4].try_into().unwrap());
    let mut shifted = (root + 4).to_le_bytes().to_vec();
    shifted.extend_from_slice(&good[4..8]);
    shifted.extend_from_slice(&[0; 4]);
    shifted.extend_from_slice(&good[8..]);
    assert!(matches!(
        tqopt_frontend::schema::tflite::root_as_model(&shifted),
        Err(flatbuffers::InvalidFlatbuffer::Unaligned { .. })
    ));
    let print = |bytes: Vec<u8>| {
        let m = import_bytes("m.tflite", Blob::from_vec(bytes)).unwrap_or_else(|e| panic!("{e}"));
        tqopt_textual_ir::print_module(&m, &Default::default())
    };
    let text = print(shifted);
    assert!(text.contains("quant.uniform<i8"), "{text}");
    assert_eq!(text, print(good));
    // Misaligned by 2 bytes, it stays an error that names the verifier's finding.
    let mut two = (root + 2).to_le_bytes().to_vec();
    two.extend_from_slice(&[b'T', b'F', b'L', b'3', 0, 0]);
    two.extend_from_slice(&std::fs::read(&path).unwrap()[8..]);
    let e = err(two);
    assert!(
        e.to_string()
            .contains("the flatbuffers verifier rejected the model"),
        "{e}"
    );
}
