//! How far a quantized computation is from its float original: the error figures (SQNR,
//! cosine, max abs error, top-1 agreement) that `tqopt eval`, the per-layer debugger and the
//! mixed-precision search all report. One definition of each figure lives here.
//!
//! - [`metrics`]: the figures of one output over samples, and accuracy against labels;
//! - [`matching`]: which float tensor a quantized model's tensor stands for;
//! - [`outputs`]: the entry function's output names and quantization steps;
//! - [`per_layer`]: every quantized tensor's accumulated and isolated error, one float run
//!   and one quantized run per sample (the engine a precision search can reuse: build a
//!   [`per_layer::PerLayer`] once, call `run_sample` per sample, merge the [`per_layer::LayerStats`]);
//! - [`layer_report`]: the worst layers, the `deny=` suggestion, JSON and Model Explorer node
//!   data.

pub mod layer_report;
pub mod matching;
pub mod metrics;
pub mod outputs;
pub mod per_layer;
