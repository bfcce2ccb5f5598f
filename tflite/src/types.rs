//! TFLite tensor types <-> MLIR element types, through the IR's one mapping
//! ([`TflType`]), so the importer, the exporter and the operator versioning rules cannot
//! disagree. This module only converts between [`TflType`] and the schema's generated
//! [`TensorType`] by value; a test checks that the two enums name the same values.

use tqopt_ir::dialect::tfl_types::TflType;
use tqopt_ir::ElementType;

use crate::schema::tflite::TensorType;

/// The schema's tensor type of a [`TflType`]; `None` for `NoType` and `Other`.
pub fn schema_type(t: TflType) -> Option<TensorType> {
    t.code().map(TensorType)
}

/// The [`TflType`] of a schema tensor type; `None` for values the schema does not define.
pub fn tfl_type(t: TensorType) -> Option<TflType> {
    TflType::from_code(t.0)
}

/// The MLIR element type of a TFLite tensor type (without quantization); `None` for values the
/// schema does not define. See [`TflType::element_type`].
pub fn element_type(t: TensorType) -> Option<ElementType> {
    tfl_type(t)?.element_type()
}

/// The TFLite tensor type of an MLIR element type; quantized types map to their storage
/// (`!quant.uniform<u8:...>` is `UINT8`, `!quant.uniform<i8:...>` is `INT8`).
pub fn tensor_type(e: &ElementType) -> Option<TensorType> {
    schema_type(TflType::of_element(e))
}

/// TFLite's name of a tensor type (`"FLOAT32"`), or `TensorType(N)`.
pub fn tensor_type_name(t: TensorType) -> String {
    t.variant_name()
        .map_or_else(|| format!("TensorType({})", t.0), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The IR's hand-written table and the generated schema enum agree value for value and
    /// name for name, and every schema type survives element type and back.
    #[test]
    fn the_ir_mapping_covers_the_schema_enum() {
        assert_eq!(TensorType::ENUM_VALUES.len(), TflType::ALL.len());
        for &t in TensorType::ENUM_VALUES {
            let tfl = tfl_type(t).unwrap_or_else(|| panic!("{t:?} is not in TflType::ALL"));
            assert_eq!(tfl.name(), t.variant_name(), "{t:?}");
            let e = element_type(t).unwrap_or_else(|| panic!("{t:?} has no element type"));
            assert_eq!(tensor_type(&e), Some(t), "{t:?} -> {e}");
        }
    }
}
