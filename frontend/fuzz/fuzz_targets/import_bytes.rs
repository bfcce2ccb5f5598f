//! Fuzzes the importer: any bytes must give a module or an `ImportError`, never a panic, a
//! hang or an out-of-memory. An imported module also goes through the verifier (its findings
//! are not checked: a damaged model may import into IR the verifier rejects).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match tqopt_frontend::import_bytes("fuzz.tflite", tqopt_ir::Blob::from_vec(data.to_vec())) {
        Ok(module) => {
            let _ = tqopt_ir::verifier::verify(&module);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
