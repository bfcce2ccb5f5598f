//! Quantization and storage conversions: QUANTIZE, DEQUANTIZE, DENSIFY.
//!
//! `tfl.quantize` has one attribute, `qtype`, which is its result type; the importer sets it
//! from the output tensor (the options table is empty).

use super::OpCodec;
use crate::schema::tflite::{BuiltinOperator as Op, BuiltinOptions as O};

pub(crate) const CODECS: &[OpCodec] = &[
    OpCodec::plain(Op::QUANTIZE, O::QuantizeOptions),
    OpCodec::plain(Op::DEQUANTIZE, O::DequantizeOptions),
    OpCodec::plain(Op::DENSIFY, O::DensifyOptions),
];
