//! How far a quantized computation is from its float original: the error figures (SQNR,
//! cosine, max abs error, top-1 agreement) that `tqopt eval`, the per-layer debugger and the
//! mixed-precision search all report. One definition of each figure lives here.

pub mod layer_report;
pub mod matching;
pub mod metrics;
pub mod per_layer;
