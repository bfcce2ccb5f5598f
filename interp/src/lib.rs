//! Reference executor of the tqopt IR.
//!
//! Runs a function of a [`tqopt_ir::Module`] on input tensors with float and quantized kernels
//! whose semantics are TFLite's. The `calibrate` pass uses it to observe every activation, and
//! numeric checks use it to compare a quantized model with its float original. Filled in by the
//! reference-interpreter issue.
