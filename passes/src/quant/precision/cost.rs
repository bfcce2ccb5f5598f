//! What an op costs to run, from its kind and shapes: multiply-accumulates for the affine ops
//! (conv, depthwise conv, transpose conv, fully connected, batch matmul), one operation per
//! result element for the others. The search prefers keeping cheap ops in higher precision,
//! and the report estimates the latency the kept ops cost from it.
//!
//! The latency estimate assumes a float multiply-accumulate costs [`FLOAT_VS_INT8`] times an
//! int8 one (XNNPACK on x86 and Arm runs int8 GEMMs about twice as fast as f32 ones), and an
//! int16-activation operation [`INT16_VS_INT8`] times: the model's estimated slowdown is
//! `((FLOAT_VS_INT8 - 1) x float cost + (INT16_VS_INT8 - 1) x int16 cost) / total cost`.

use tqopt_ir::dialect::tfl;
use tqopt_ir::{Module, OpId, ValueId};

/// How many int8 operations one float operation costs, for the latency estimate.
pub const FLOAT_VS_INT8: f64 = 2.0;
/// The same for an op with int16 activations: LiteRT runs 16x8 ops with its builtin kernels,
/// not XNNPACK. The whole of face_detection_short_range, hand_landmark and palm_detection in
/// int16 ran 19, 26 and 23 times as long as in int8 (LiteRT 2.3.0, AMD EPYC with AVX2).
pub const INT16_VS_INT8: f64 = 20.0;

/// The shape as LiteRT allocates it (a dynamic batch counts as 1).
fn shape(m: &Module, v: ValueId) -> Option<Vec<u64>> {
    Some(m.value_type(v).as_tensor()?.shape_as_allocated().to_vec())
}

fn elements(m: &Module, v: ValueId) -> u64 {
    shape(m, v).map_or(1, |s| s.iter().product::<u64>().max(1))
}

/// The operations `op` performs per run (at least 1).
pub fn op_cost(m: &Module, op: OpId) -> u64 {
    let data = m.op(op);
    let out = m.results(op).first().map_or(1, |&r| elements(m, r));
    let operand = |i: usize| m.operands(op).get(i).copied();
    let weight = operand(1).and_then(|w| shape(m, w));
    let per_output = match weight.as_deref() {
        // [O, kh, kw, I] and [O, I]: each output reads kh * kw * I (or I) inputs.
        Some([_, rest @ ..]) if data.is(&tfl::CONV_2D) || data.is(&tfl::FULLY_CONNECTED) => {
            rest.iter().product::<u64>()
        }
        // [1, kh, kw, C]: each output reads kh * kw inputs.
        Some([_, kh, kw, _]) if data.is(&tfl::DEPTHWISE_CONV_2D) => kh * kw,
        // batch matmul [.., M, K] x [.., K, N]: each output reads K.
        Some(w) if data.is(&tfl::BATCH_MATMUL) && w.len() >= 2 => w[w.len() - 2],
        _ => 1,
    };
    if data.is(&tfl::TRANSPOSE_CONV) {
        // operands: output shape, weights [O, kh, kw, I], input: each input element is
        // spread over kh * kw * O outputs.
        let w = operand(1).and_then(|w| shape(m, w));
        let input = operand(2).map_or(1, |x| elements(m, x));
        if let Some([o, kh, kw, _]) = w.as_deref() {
            return (input * kh * kw * o).max(1);
        }
    }
    (out * per_output).max(1)
}
