//! Prints the tfl op table's TFLite facts as JSON lines, for tests outside Rust (the LiteRT
//! kernel probe, tests/interop/test_probe_kernels.py):
//!
//! ```text
//! cargo run -p tqopt-ir --example op_table
//! {"name": "tfl.add", "code": 0, "tflite": "ADD", "quantizable": true, "int8": true, "int16": true, "zero_point_0": false, "hybrid": false}
//! ```

use tqopt_ir::dialect::tfl;

fn main() {
    for def in tfl::OPS {
        let Some(t) = def.tflite else { continue };
        println!(
            "{{\"name\": \"{}\", \"code\": {}, \"tflite\": \"{}\", \"quantizable\": {}, \"int8\": {}, \"int16\": {}, \"zero_point_0\": {}, \"hybrid\": {}}}",
            def.name,
            t.code,
            t.name,
            def.is_quantizable(),
            def.kernels.int8(),
            def.kernels.int16(),
            def.kernels.zero_point_0(),
            !def.hybrid_operands.is_empty()
        );
    }
}
