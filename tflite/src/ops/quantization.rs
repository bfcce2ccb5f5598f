//! Quantization and storage conversions: QUANTIZE, DEQUANTIZE, DENSIFY.
//!
//! `tfl.quantize` has one attribute, `qtype`, which is its result type; the importer sets it
//! from the output tensor (the options table is empty): the codec's `result_type_attr`.

use super::OpCodec;
use crate::schema::tflite::{BuiltinOperator as Op, BuiltinOptions as O};

pub(crate) const CODECS: &[OpCodec] = &[
    OpCodec::plain(Op::QUANTIZE, O::QuantizeOptions).with_result_type_attr("qtype"),
    OpCodec::plain(Op::DEQUANTIZE, O::DequantizeOptions),
    OpCodec::plain(Op::DENSIFY, O::DensifyOptions),
];
