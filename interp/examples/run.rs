//! Runs a model once on inputs given as `.npy` files and writes its outputs as `.npy` files,
//! for tests that compare the interpreter with another runtime (tests/interop/test_interp.py):
//!
//! ```text
//! cargo run --release -p tqopt-interp --example run -- MODEL.tflite OUT_DIR IN0.npy [IN1.npy ...]
//! ```
//!
//! Writes OUT_DIR/output_K.npy (float32) for each output K; exits 1 with a message on any error.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;

use tqopt_interp::{Interpreter, Tensor};

/// Writes a float32 tensor as a version 1.0 `.npy` file (little-endian, C order).
fn write_npy(path: &Path, t: &Tensor) -> Result<(), String> {
    let values = t
        .as_f32()
        .ok_or_else(|| format!("output is {}, not f32", t.dtype().name()))?;
    let shape: Vec<String> = t.shape().iter().map(|d| d.to_string()).collect();
    let shape = match shape.len() {
        1 => format!("({},)", shape[0]),
        _ => format!("({})", shape.join(", ")),
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    // Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(values.iter().flat_map(|v| v.to_le_bytes()));
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(args: &[String]) -> Result<(), String> {
    let [model, out_dir, inputs @ ..] = args else {
        return Err("usage: run MODEL.tflite OUT_DIR IN0.npy [IN1.npy ...]".into());
    };
    let module = tqopt_frontend::import_file(Path::new(model)).map_err(|e| e.to_string())?;
    let interp = Interpreter::for_main(&module).map_err(|e| e.to_string())?;
    let inputs: Vec<Tensor> = inputs
        .iter()
        .map(|p| common::read_npy(Path::new(p)))
        .collect();
    let outputs = interp.run(&inputs).map_err(|e| e.to_string())?;
    for (k, t) in outputs.iter().enumerate() {
        write_npy(&Path::new(out_dir).join(format!("output_{k}.npy")), t)?;
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
