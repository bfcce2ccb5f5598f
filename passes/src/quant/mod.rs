//! Quantization: TFLite's numerics and the passes that turn calibrated float IR into
//! quantized IR.

pub mod numerics;
