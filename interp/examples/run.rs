//! Runs a model once on inputs given as `.npy` files and writes its outputs as `.npy` files,
//! for tests that compare the interpreter with another runtime (tests/interop/test_interp.py):
//!
//! ```text
//! cargo run --release -p tqopt-interp --example run -- MODEL.tflite OUT_DIR IN0.npy [IN1.npy ...]
//! ```
//!
//! Writes OUT_DIR/output_K.npy (in the output's element type) for each output K; exits 1 with a message on any error.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;

use tqopt_interp::{Interpreter, Tensor};

/// Writes a tensor as a version 1.0 `.npy` file (little-endian, C order): float32, int32,
/// int64, int16, int8, uint8 or bool elements.
fn write_npy(path: &Path, t: &Tensor) -> Result<(), String> {
    use tqopt_interp::TensorData as D;
    let (descr, values): (&str, Vec<u8>) = match t.data() {
        D::F32(v) => ("<f4", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        D::I32(v) => ("<i4", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        D::I64(v) => ("<i8", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        D::I16(v) => ("<i2", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        D::I8(v) => ("|i1", v.iter().map(|&x| x as u8).collect()),
        D::U8(v) => ("|u1", v.clone()),
        D::Bool(v) => ("|b1", v.iter().map(|&x| x as u8).collect()),
        other => {
            return Err(format!(
                "output is {}, which .npy writing does not take",
                other.dtype().name()
            ))
        }
    };
    let shape: Vec<String> = t.shape().iter().map(|d| d.to_string()).collect();
    let shape = match shape.len() {
        1 => format!("({},)", shape[0]),
        _ => format!("({})", shape.join(", ")),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(values);
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
