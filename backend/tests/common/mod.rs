//! Helpers shared by the backend's tests: the shared models, import/export round trips, and
//! reading exported files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use tqopt_frontend::schema::tflite;
use tqopt_ir::{Attribute, Blob, Module};
use tqopt_textual_ir::{print_module, PrintOptions};

pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/shared")
}

/// The shared MediaPipe models, sorted.
pub fn models() -> Vec<PathBuf> {
    let dir = shared().join("models/mediapipe");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("models directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tflite"))
        .collect();
    paths.sort();
    assert_eq!(
        paths.len(),
        10,
        "expected the 10 shared models in {}",
        dir.display()
    );
    paths
}

pub fn model(name: &str) -> PathBuf {
    shared().join("models/mediapipe").join(name)
}

pub fn import_file(path: &Path) -> Module {
    tqopt_frontend::import_file(path).unwrap_or_else(|e| panic!("{e}"))
}

pub fn import_bytes(bytes: &[u8]) -> Module {
    let m = tqopt_frontend::import_bytes("exported.tflite", Blob::from_vec(bytes.to_vec()))
        .unwrap_or_else(|e| panic!("the exported model does not import: {e}"));
    let errors = tqopt_ir::verifier::verify(&m);
    assert!(
        errors.is_empty(),
        "the re-imported IR does not verify: {errors:?}"
    );
    m
}

/// Exports, checking that the builder kept its precomputed size.
pub fn export(m: &Module) -> Vec<u8> {
    let model = tqopt_backend::export(m).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !model.builder_grew(),
        "the flatbuffer builder outgrew its estimate"
    );
    model.as_bytes().to_vec()
}

pub fn text(m: &Module) -> String {
    print_module(m, &PrintOptions::default())
}

/// The printed module without the `min_runtime_version` metadata entry (which the exporter
/// adds to models that had none).
pub fn text_without_runtime_version(m: &Module) -> String {
    let mut m = m.clone();
    let op = m.op;
    let attrs = &mut m.op_mut(op).attributes;
    if let Some(Attribute::Dict(mut d)) = attrs.get("tfl.metadata").cloned() {
        d.remove("min_runtime_version");
        if d.is_empty() {
            attrs.remove("tfl.metadata");
        } else {
            attrs.set("tfl.metadata", Attribute::Dict(d));
        }
    }
    text(&m)
}

pub fn root(bytes: &[u8]) -> tflite::Model<'_> {
    tflite::root_as_model(bytes).expect("the exported file passes the flatbuffers verifier")
}

/// The `min_runtime_version` metadata bytes of a file.
pub fn runtime_version_entry(bytes: &[u8]) -> Option<Vec<u8>> {
    let model = root(bytes);
    let md = model
        .metadata()?
        .iter()
        .find(|m| m.name() == Some("min_runtime_version"))?;
    let b = model.buffers()?.get(md.buffer() as usize);
    Some(b.data().map(|d| d.bytes().to_vec()).unwrap_or_default())
}
