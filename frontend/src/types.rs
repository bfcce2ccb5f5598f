//! TFLite element types <-> MLIR element types, as TensorFlow's `ConvertElementType` and
//! `ConvertTypeToTensorType` map them.

use std::sync::Arc;

use tqopt_ir::types::{FloatKind, IntType};
use tqopt_ir::ElementType;

use crate::schema::tflite::TensorType;

/// The MLIR element type of a TFLite tensor type (without quantization).
///
/// `STRING`, `RESOURCE` and `VARIANT` become TensorFlow's dialect types (`!tf_type.string`...);
/// the 8-bit float formats become `f8E4M3FN` / `f8E5M2`, which tqopt keeps as opaque text.
/// `None` for values the schema does not define.
pub fn element_type(t: TensorType) -> Option<ElementType> {
    Some(match t {
        TensorType::FLOAT32 => ElementType::F32,
        TensorType::FLOAT16 => ElementType::F16,
        TensorType::BFLOAT16 => ElementType::BF16,
        TensorType::FLOAT64 => ElementType::F64,
        TensorType::INT32 => ElementType::I32,
        TensorType::UINT8 => ElementType::UI8,
        TensorType::INT64 => ElementType::I64,
        TensorType::BOOL => ElementType::I1,
        TensorType::INT16 => ElementType::I16,
        TensorType::INT8 => ElementType::I8,
        TensorType::INT4 => ElementType::I4,
        TensorType::INT2 => ElementType::Int(IntType::signless(2)),
        TensorType::UINT4 => ElementType::Int(IntType::unsigned(4)),
        TensorType::UINT16 => ElementType::Int(IntType::unsigned(16)),
        TensorType::UINT32 => ElementType::Int(IntType::unsigned(32)),
        TensorType::UINT64 => ElementType::Int(IntType::unsigned(64)),
        TensorType::COMPLEX64 => ElementType::Complex(FloatKind::F32),
        TensorType::COMPLEX128 => ElementType::Complex(FloatKind::F64),
        TensorType::STRING => ElementType::Opaque(Arc::from("!tf_type.string")),
        TensorType::RESOURCE => ElementType::Opaque(Arc::from("!tf_type.resource")),
        TensorType::VARIANT => ElementType::Opaque(Arc::from("!tf_type.variant")),
        TensorType::FLOAT8_E4M3FN => ElementType::Opaque(Arc::from("f8E4M3FN")),
        TensorType::FLOAT8_E5M2 => ElementType::Opaque(Arc::from("f8E5M2")),
        _ => return None,
    })
}

/// The TFLite tensor type of an MLIR element type; quantized types map to their storage
/// (`!quant.uniform<u8:...>` is `UINT8`, `!quant.uniform<i8:...>` is `INT8`).
pub fn tensor_type(e: &ElementType) -> Option<TensorType> {
    Some(match e {
        ElementType::Float(FloatKind::F32) => TensorType::FLOAT32,
        ElementType::Float(FloatKind::F16) => TensorType::FLOAT16,
        ElementType::Float(FloatKind::BF16) => TensorType::BFLOAT16,
        ElementType::Float(FloatKind::F64) => TensorType::FLOAT64,
        ElementType::Complex(FloatKind::F32) => TensorType::COMPLEX64,
        ElementType::Complex(FloatKind::F64) => TensorType::COMPLEX128,
        ElementType::Int(t) => int_tensor_type(t.width, t.is_unsigned())?,
        ElementType::Quant(q) => int_tensor_type(q.storage.width, q.storage.is_unsigned())?,
        ElementType::Opaque(text) => {
            let base = text.split('<').next().unwrap_or("");
            match base {
                "!tf_type.string" => TensorType::STRING,
                "!tf_type.resource" => TensorType::RESOURCE,
                "!tf_type.variant" => TensorType::VARIANT,
                "f8E4M3FN" => TensorType::FLOAT8_E4M3FN,
                "f8E5M2" => TensorType::FLOAT8_E5M2,
                _ => return None,
            }
        }
        _ => return None,
    })
}

fn int_tensor_type(width: u32, unsigned: bool) -> Option<TensorType> {
    Some(match (width, unsigned) {
        (1, _) => TensorType::BOOL,
        (2, false) => TensorType::INT2,
        (4, false) => TensorType::INT4,
        (4, true) => TensorType::UINT4,
        (8, false) => TensorType::INT8,
        (8, true) => TensorType::UINT8,
        (16, false) => TensorType::INT16,
        (16, true) => TensorType::UINT16,
        (32, false) => TensorType::INT32,
        (32, true) => TensorType::UINT32,
        (64, false) => TensorType::INT64,
        (64, true) => TensorType::UINT64,
        _ => return None,
    })
}

/// TFLite's name of a tensor type (`"FLOAT32"`), or `TensorType(N)`.
pub fn tensor_type_name(t: TensorType) -> String {
    t.variant_name()
        .map_or_else(|| format!("TensorType({})", t.0), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_type_round_trips() {
        for &t in TensorType::ENUM_VALUES {
            let e = element_type(t).unwrap_or_else(|| panic!("{t:?} has no element type"));
            assert_eq!(tensor_type(&e), Some(t), "{t:?} -> {e}");
        }
    }
}
