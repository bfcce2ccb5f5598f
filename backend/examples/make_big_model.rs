//! Writes a large float model for the export benchmark: a stack of FULLY_CONNECTED layers
//! (1024 x 1024 float32 weights and a bias each, RELU), 25 layers by default, about 105 MB:
//! `cargo run --release -p tqopt-backend --example make_big_model -- OUT.tflite [LAYERS [WIDTH]]`.

use tqopt_frontend::schema::tflite::{
    self, ActivationFunctionType, BufferT, BuiltinOperator, BuiltinOptionsT,
    FullyConnectedOptionsT, ModelT, OperatorCodeT, OperatorT, SubGraphT, TensorT,
};

/// Small deterministic pseudo-random weights (xorshift).
fn weights(n: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    let mut out = Vec::with_capacity(n * 4);
    for _ in 0..n {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let v = ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.06;
        out.extend(v.to_le_bytes());
    }
    out
}

pub fn build(path: &std::path::Path, layers: usize, width: usize) {
    let mut model = ModelT::default();
    model.version = 3;
    model.description = Some("tqopt benchmark: FULLY_CONNECTED stack".into());
    let mut code = OperatorCodeT::default();
    code.deprecated_builtin_code = BuiltinOperator::FULLY_CONNECTED.0 as i8;
    code.builtin_code = BuiltinOperator::FULLY_CONNECTED;
    code.version = 1;
    model.operator_codes = Some(vec![code]);
    let mut buffers = vec![BufferT::default()];
    let mut tensors = Vec::new();
    let mut operators = Vec::new();
    let mut tensor = |name: String, shape: Vec<i32>, data: Option<Vec<u8>>| {
        let mut t = TensorT::default();
        t.name = Some(name);
        t.shape = Some(shape);
        t.has_rank = true;
        if let Some(d) = data {
            let mut b = BufferT::default();
            b.data = Some(d);
            buffers.push(b);
            t.buffer = (buffers.len() - 1) as u32;
        }
        tensors.push(t);
        (tensors.len() - 1) as i32
    };
    let w = width as i32;
    let mut x = tensor("input".into(), vec![1, w], None);
    let input = x;
    for l in 0..layers {
        let k = tensor(
            format!("dense_{l}/kernel"),
            vec![w, w],
            Some(weights(width * width, l as u64 + 1)),
        );
        let b = tensor(
            format!("dense_{l}/bias"),
            vec![w],
            Some(weights(width, 1000 + l as u64)),
        );
        let y = tensor(format!("dense_{l}/Relu"), vec![1, w], None);
        let mut op = OperatorT::default();
        op.inputs = Some(vec![x, k, b]);
        op.outputs = Some(vec![y]);
        let mut fc = FullyConnectedOptionsT::default();
        fc.fused_activation_function = ActivationFunctionType::RELU;
        op.builtin_options = BuiltinOptionsT::FullyConnectedOptions(Box::new(fc));
        operators.push(op);
        x = y;
    }
    let mut sg = SubGraphT::default();
    sg.name = Some("main".into());
    sg.inputs = Some(vec![input]);
    sg.outputs = Some(vec![x]);
    sg.tensors = Some(tensors);
    sg.operators = Some(operators);
    model.subgraphs = Some(vec![sg]);
    model.buffers = Some(buffers);
    let mut fbb =
        flatbuffers::FlatBufferBuilder::with_capacity(layers * (width + 1) * width * 4 + (1 << 20));
    let root = model.pack(&mut fbb);
    tflite::finish_model_buffer(&mut fbb, root);
    std::fs::write(path, fbb.finished_data()).expect("write the model");
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: make_big_model OUT.tflite [LAYERS [WIDTH]]");
        std::process::exit(2);
    };
    let layers = args.get(1).map_or(25, |s| s.parse().expect("layers"));
    let width = args.get(2).map_or(1024, |s| s.parse().expect("width"));
    build(std::path::Path::new(path), layers, width);
    let size = std::fs::metadata(path).expect("written").len();
    println!(
        "{path}: {layers} layers of {width}x{width}, {:.1} MB",
        size as f64 / 1e6
    );
}
