//! Quantization: TFLite's numerics and the passes that turn calibrated float IR into
//! quantized IR (`propagate-ranges`, `insert-fake-quant`, `legalize-opset`, `fold-quant`,
//! `fold-dequant`), and the `quantize-int8` and `quantize-int16x8` pipelines that chain them; `control_flow` keeps
//! loops and branches in the form the exporter needs while their tensors are quantized.

pub mod bound_masks;
pub mod compact_float_weights;
pub mod control_flow;
pub mod equalize;
pub mod fold_dequant;
pub mod fold_quant;
pub mod guard_concatenations;
pub mod guard_divisions;
pub mod insert_fake_quant;
pub mod layer_stats;
pub mod legalize_opset;
pub mod mixed_precision;
pub mod numerics;
pub mod overflow;
pub mod pipeline;
pub mod pipeline_int16x8;
pub mod precision;
pub mod prelu_int16;
pub mod propagate_ranges;
pub mod qdq;
pub mod quantize_weights;
pub mod report;
pub mod requant_bounds;
pub mod rewrite_for_target;
pub mod sparsify_weights;
pub mod spec;
pub mod speed_plan;
mod split_reduction;
pub mod target;
pub mod weight_rounding;
