//! Reference executor of the tqopt IR.
//!
//! Runs a function of a [`tqopt_ir::Module`] on input tensors with kernels whose semantics are
//! TFLite's (padding rules, fused activations, broadcasting, resize modes). The `calibrate`
//! pass uses it to observe every activation, and numeric checks use it to compare a quantized
//! model with its float original.
//!
//! ```text
//! let interp = Interpreter::new(&module, "main")?;      // plan once: kernels, constants, liveness
//! let outputs = interp.run(&[input])?;                  // run many times, from any thread
//! interp.run_observed(&[input], &mut |value, tensor| { /* every intermediate */ })?;
//! ```
//!
//! - [`Interpreter::new`] compiles the function into a plan: each op gets its kernel (an op
//!   without one is an error naming it and its location), constants are decoded once, and every
//!   op whose operands are all constants is evaluated at plan time, which folds float16 and
//!   int8 weights behind `tfl.dequantize` and sparse weights behind `tfl.densify` into f32.
//!   Liveness makes each intermediate value dropped right after its last use.
//! - [`Interpreter::run`] is `&self` and the interpreter is `Sync`: several threads can run
//!   samples at once ([`parallel::map`] does that).
//! - Shapes are computed at run time, so dynamic (batch) dimensions work; a result that
//!   contradicts a static dimension of its IR type is an error naming the op.
//! - `tfl.while`, `tfl.if` and `func.call` run their regions and callees; observers see the
//!   values inside them too.
//!
//! - [`Interpreter::new_partial`] plans what can run: a custom op without a kernel, and every
//!   op that depends on its results, is left out ([`Interpreter::skipped`]);
//!   [`Interpreter::run_partial_observed`] runs the rest (calibration of models with custom ops).
//! - Sizes that come from the model (pad amounts, resize targets) are checked against the
//!   memory budget ([`budget`], `TQOPT_MEMORY_LIMIT`) before anything is allocated.
//!
//! - [`Interpreter::profile`] times each kind of op (the `throughput` example prints it).
//!
//! Kernels: f32 for every op the frontend imports except string- and resource-only ones;
//! int32/int64/bool for the shape, index, comparison and selection ops; any element type for
//! pure data movement; `tfl.quantize`/`tfl.dequantize` for int8/uint8/int16 (and float16 for
//! dequantize); MediaPipe's `Convolution2DTransposeBias` custom op. Quantized models (int8,
//! uint8, int16 activations; per-tensor and per-axis int8 weights; int32/int64 biases), as
//! tqopt and TensorFlow write them, run by emulation (`quantized`): each quantized op
//! dequantizes its operands, runs its float kernel and quantizes its results (ties to even, as
//! LiteRT's default kernels round). Data-movement ops whose values share one quantized type
//! copy the integers. int8 convolutions, depthwise convolutions and fully connected layers
//! requantize an integer accumulator, and int8 adds, multiplies and bilinear resizes run in
//! fixed point, as LiteRT's default interpreter (XNNPACK) does; 16x8 ops (int16 activations)
//! compute as LiteRT's builtin integer kernels do (`int16`). Precision contract: each op is
//! within ±1 LSB of LiteRT's integer kernels on the same operands (most values are bit-exact;
//! every int8 tensor of the four models tests/interop/test_eval.py quantizes equals
//! LiteRT's, op by op; a 1-LSB difference can grow through the layers that follow, see
//! `quantized`).
//!
//! Speed: convolutions and fully connected layers run on a GEMM of our own (AVX-512 or AVX2
//! micro-kernels picked at run time, weights packed at plan time, im2col read in place);
//! depthwise convolutions and pooling sweep 16-channel vectors; a convolution followed by an
//! add and/or PReLU runs as one pass when nobody observes the intermediate values; buffers of
//! dropped intermediates are reused (per thread) instead of being handed back to the system.
//! `TQOPT_INTERP_NO_SIMD=1` forces the portable kernels and `TQOPT_INTERP_NO_FUSE=1` turns
//! fusion off, to compare or to debug.

mod abs_neg_fixed;
pub mod approximations;
pub mod budget;
mod buffers;
mod builtin8;
mod consts;
mod div_zero_point;
pub mod error;
mod exec;
mod fuse;
mod hybrid;
mod int16;
mod kernels;
pub mod parallel;
mod plan;
mod prelu_fixed;
mod quantized;
mod quantized_acc;
mod quantized_elementwise;
mod reduce_prod_fixed;
mod relu_fixed;
mod resize_q11;
mod rounding;
mod single_op;
mod sparse;
pub mod tensor;
mod xnnpack_reduce;

/// The longest contiguous run of int8 values XNNPACK's AVX2 sum adds without wrapping, plus one
/// (see `xnnpack_reduce`).
pub use xnnpack_reduce::EXACT_RUN as INT8_SUM_EXACT_RUN;

pub use buffers::release;
pub use error::InterpError;
pub use exec::{Keep, Kept, Observer};
pub use plan::{Interpreter, Unrunnable};
pub use quantized::{dequantize_tensor, quantize_tensor};
pub use tensor::{DType, Element, Shape, Tensor, TensorData};

/// The value of a constant op (`tfl.pseudo_const`, `tfl.pseudo_qconst`, the sparse forms
/// densified, `arith.constant`), as the interpreter decodes it: passes that fold constants use
/// this so that one decoder serves both. An op that is no constant, or whose values are missing
/// or malformed, gives an error saying why.
pub fn constant_value(m: &tqopt_ir::Module, op: tqopt_ir::OpId) -> Result<Tensor, String> {
    let name = m.op(op).name.as_str();
    if !consts::is_constant_op(name) {
        return Err(format!("'{name}' is not a constant op"));
    }
    consts::decode_constant(m, op)
}

#[cfg(test)]
mod coverage_tests;
#[cfg(test)]
mod partial_tests;
