//! Times the import of a large float model (a stack of FULLY_CONNECTED layers, about 100 MB):
//! `cargo run --release -p tqopt-frontend --example bench_import [-- MODEL.tflite]`.
//! Without an argument it writes the model to the temporary directory first.

use std::time::Instant;

use tqopt_frontend::schema::tflite::{self, BuiltinOperator, BuiltinOptionsT};

fn build(path: &std::path::Path, layers: usize, width: usize) {
    let mut model = tflite::ModelT::default();
    model.version = 3;
    let mut code = tflite::OperatorCodeT::default();
    code.deprecated_builtin_code = BuiltinOperator::FULLY_CONNECTED.0 as i8;
    code.builtin_code = BuiltinOperator::FULLY_CONNECTED;
    code.version = 1;
    model.operator_codes = Some(vec![code]);
    let mut buffers = vec![tflite::BufferT::default()];
    let mut tensors = Vec::new();
    let mut operators = Vec::new();
    let tensor = |name: String, shape: Vec<i32>, buffer: u32| {
        let mut t = tflite::TensorT::default();
        t.name = Some(name);
        t.shape = Some(shape);
        t.buffer = buffer;
        t
    };
    tensors.push(tensor("input".into(), vec![1, width as i32], 0));
    let weights: Vec<u8> = (0..width * width)
        .flat_map(|i| ((i % 7) as f32 * 1e-3).to_le_bytes())
        .collect();
    for l in 0..layers {
        let mut b = tflite::BufferT::default();
        b.data = Some(weights.clone());
        buffers.push(b);
        let w = tensors.len() as i32;
        tensors.push(tensor(
            format!("dense_{l}/kernel"),
            vec![width as i32, width as i32],
            (buffers.len() - 1) as u32,
        ));
        let out = tensors.len() as i32;
        tensors.push(tensor(format!("dense_{l}/Relu"), vec![1, width as i32], 0));
        let mut op = tflite::OperatorT::default();
        op.inputs = Some(vec![if l == 0 { 0 } else { out - 2 }, w, -1]);
        op.outputs = Some(vec![out]);
        let mut fc = tflite::FullyConnectedOptionsT::default();
        fc.fused_activation_function = tflite::ActivationFunctionType::RELU;
        op.builtin_options = BuiltinOptionsT::FullyConnectedOptions(Box::new(fc));
        operators.push(op);
    }
    let mut sg = tflite::SubGraphT::default();
    sg.inputs = Some(vec![0]);
    sg.outputs = Some(vec![tensors.len() as i32 - 1]);
    sg.tensors = Some(tensors);
    sg.operators = Some(operators);
    model.subgraphs = Some(vec![sg]);
    model.buffers = Some(buffers);
    let mut fbb =
        flatbuffers::FlatBufferBuilder::with_capacity(layers * width * width * 4 + (1 << 20));
    let root = model.pack(&mut fbb);
    tflite::finish_model_buffer(&mut fbb, root);
    std::fs::write(path, fbb.finished_data()).expect("write the model");
}

fn main() {
    let path = match std::env::args().nth(1) {
        Some(p) => std::path::PathBuf::from(p),
        None => {
            let p = std::env::temp_dir().join("tqopt_bench_fc_100mb.tflite");
            if !p.exists() {
                build(&p, 25, 1024);
            }
            p
        }
    };
    let size = std::fs::metadata(&path).expect("model").len();
    let start = Instant::now();
    let module = tqopt_frontend::import_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let took = start.elapsed();
    println!(
        "{}: {:.1} MB, {} ops, imported in {:.3} ms",
        path.display(),
        size as f64 / 1e6,
        module.all_ops().len(),
        took.as_secs_f64() * 1e3
    );
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        let wanted = ["VmRSS", "VmHWM", "RssAnon", "RssFile"];
        for line in status
            .lines()
            .filter(|l| wanted.iter().any(|w| l.starts_with(w)))
        {
            println!("  {line}");
        }
    }
}
