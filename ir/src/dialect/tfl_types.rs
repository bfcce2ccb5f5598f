//! TFLite tensor types <-> MLIR element types: the one mapping tqopt has.
//!
//! [`TflType`] names TFLite's `TensorType` values (and the `kTfLiteNoType` of an absent
//! operand). The importer, the exporter (through `tqopt_tflite::types`) and the operator
//! versioning rules ([`super::tfl_versions`]) all read it, as TensorFlow's
//! `ConvertElementType` / `ConvertTypeToTensorType` map types.
//!
//! Why it lives in the IR crate and not beside the flatbuffer schema: the versioning rules are
//! part of the op table (`tfl::OPS`) and need a tensor's TFLite type, and the schema crate
//! (`tqopt-tflite`) depends on the IR for element types, so the IR cannot depend on it. The
//! schema's generated `TensorType` enum is matched against [`TflType::ALL`] by a test in
//! `tqopt-tflite` (same values, same names), so the two cannot drift apart.

use std::sync::Arc;

use crate::types::{ElementType, FloatKind, IntType, Type};

/// A tensor's element type as TFLite's `TensorType` (and `TfLiteType`) names it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum TflType {
    /// No tensor: an absent optional operand (`none`), or an operand the op does not have.
    NoType,
    Float32,
    Float16,
    BFloat16,
    Float64,
    Bool,
    Int2,
    Int4,
    UInt4,
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Complex64,
    Complex128,
    String,
    Resource,
    Variant,
    Float8E4M3FN,
    Float8E5M2,
    /// A type TFLite has no tensor type for.
    Other,
}

use TflType::*;

impl TflType {
    /// Every type the TFLite schema defines: its `TensorType` value and schema name.
    pub const ALL: [(TflType, i8, &'static str); 23] = [
        (Float32, 0, "FLOAT32"),
        (Float16, 1, "FLOAT16"),
        (Int32, 2, "INT32"),
        (UInt8, 3, "UINT8"),
        (Int64, 4, "INT64"),
        (String, 5, "STRING"),
        (Bool, 6, "BOOL"),
        (Int16, 7, "INT16"),
        (Complex64, 8, "COMPLEX64"),
        (Int8, 9, "INT8"),
        (Float64, 10, "FLOAT64"),
        (Complex128, 11, "COMPLEX128"),
        (UInt64, 12, "UINT64"),
        (Resource, 13, "RESOURCE"),
        (Variant, 14, "VARIANT"),
        (UInt32, 15, "UINT32"),
        (UInt16, 16, "UINT16"),
        (Int4, 17, "INT4"),
        (BFloat16, 18, "BFLOAT16"),
        (Int2, 19, "INT2"),
        (UInt4, 20, "UINT4"),
        (Float8E4M3FN, 21, "FLOAT8_E4M3FN"),
        (Float8E5M2, 22, "FLOAT8_E5M2"),
    ];

    /// The schema's `TensorType` value; `None` for [`NoType`] and [`Other`].
    pub fn code(self) -> Option<i8> {
        Self::ALL.iter().find(|e| e.0 == self).map(|e| e.1)
    }

    /// The type with schema value `code`, if the schema defines one.
    pub fn from_code(code: i8) -> Option<TflType> {
        Self::ALL.iter().find(|e| e.1 == code).map(|e| e.0)
    }

    /// The schema's name (`"FLOAT32"`); `None` for [`NoType`] and [`Other`].
    pub fn name(self) -> Option<&'static str> {
        Self::ALL.iter().find(|e| e.0 == self).map(|e| e.2)
    }

    /// The MLIR element type a tensor of this TFLite type imports as (without quantization).
    ///
    /// `STRING`, `RESOURCE` and `VARIANT` become TensorFlow's dialect types
    /// (`!tf_type.string`...); the 8-bit float formats become `f8E4M3FN` / `f8E5M2`, which
    /// tqopt keeps as opaque text. `None` for [`NoType`] and [`Other`].
    pub fn element_type(self) -> Option<ElementType> {
        let opaque = |s: &str| ElementType::Opaque(Arc::from(s));
        Some(match self {
            Float32 => ElementType::F32,
            Float16 => ElementType::F16,
            BFloat16 => ElementType::BF16,
            Float64 => ElementType::F64,
            Int32 => ElementType::I32,
            UInt8 => ElementType::UI8,
            Int64 => ElementType::I64,
            Bool => ElementType::I1,
            Int16 => ElementType::I16,
            Int8 => ElementType::I8,
            Int4 => ElementType::I4,
            Int2 => ElementType::Int(IntType::signless(2)),
            UInt4 => ElementType::Int(IntType::unsigned(4)),
            UInt16 => ElementType::Int(IntType::unsigned(16)),
            UInt32 => ElementType::Int(IntType::unsigned(32)),
            UInt64 => ElementType::Int(IntType::unsigned(64)),
            Complex64 => ElementType::Complex(FloatKind::F32),
            Complex128 => ElementType::Complex(FloatKind::F64),
            String => opaque("!tf_type.string"),
            Resource => opaque("!tf_type.resource"),
            Variant => opaque("!tf_type.variant"),
            Float8E4M3FN => opaque("f8E4M3FN"),
            Float8E5M2 => opaque("f8E5M2"),
            NoType | Other => return None,
        })
    }

    /// Bytes one element takes in a buffer, for the types stored one element per whole number
    /// of bytes; `None` for packed sub-byte integers, strings, handles and 8-bit floats.
    pub fn byte_size(self) -> Option<usize> {
        Some(match self {
            Bool | Int8 | UInt8 => 1,
            Float16 | BFloat16 | Int16 | UInt16 => 2,
            Float32 | Int32 | UInt32 => 4,
            Float64 | Int64 | UInt64 | Complex64 => 8,
            Complex128 => 16,
            _ => return None,
        })
    }

    /// The TFLite type of a value of type `ty` (`none` is [`NoType`]).
    pub fn of(ty: &Type) -> TflType {
        match ty {
            Type::None => NoType,
            Type::Opaque(text) => Self::of_opaque(text),
            other => other.element_type().map_or(Other, Self::of_element),
        }
    }

    /// The TFLite type of a tensor with element type `e`; a quantized type is its storage type
    /// (`!quant.uniform<u8:...>` is `UINT8`, `!quant.uniform<i8:...>` is `INT8`).
    pub fn of_element(e: &ElementType) -> TflType {
        match e {
            ElementType::Float(FloatKind::F32) => Float32,
            ElementType::Float(FloatKind::F16) => Float16,
            ElementType::Float(FloatKind::BF16) => BFloat16,
            ElementType::Float(FloatKind::F64) => Float64,
            ElementType::Int(t) => Self::of_int(t.width, t.is_unsigned()),
            ElementType::Quant(q) => Self::of_int(q.storage.width, q.storage.is_unsigned()),
            ElementType::Complex(FloatKind::F32) => Complex64,
            ElementType::Complex(FloatKind::F64) => Complex128,
            ElementType::Opaque(text) => Self::of_opaque(text),
            _ => Other,
        }
    }

    fn of_int(width: u32, unsigned: bool) -> TflType {
        match (width, unsigned) {
            (1, _) => Bool,
            (2, false) => Int2,
            (4, false) => Int4,
            (4, true) => UInt4,
            (8, false) => Int8,
            (8, true) => UInt8,
            (16, false) => Int16,
            (16, true) => UInt16,
            (32, false) => Int32,
            (32, true) => UInt32,
            (64, false) => Int64,
            (64, true) => UInt64,
            _ => Other,
        }
    }

    /// A type of another dialect, by the name before its parameters (`!tf_type.string<...>`).
    fn of_opaque(text: &str) -> TflType {
        match text.split('<').next().unwrap_or("") {
            "!tf_type.string" => String,
            // TensorFlow's quantized uint8 is stored as UINT8 (`ConvertTypeToTensorType`).
            "!tf_type.quint8" => UInt8,
            "!tf_type.resource" => Resource,
            "!tf_type.variant" => Variant,
            "f8E4M3FN" => Float8E4M3FN,
            "f8E5M2" => Float8E5M2,
            _ => Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_type_round_trips_through_its_element_type() {
        for (t, code, name) in TflType::ALL {
            let e = t
                .element_type()
                .unwrap_or_else(|| panic!("{name} has no element type"));
            assert_eq!(TflType::of_element(&e), t, "{name} -> {e}");
            assert_eq!(TflType::from_code(code), Some(t));
            assert_eq!(t.code(), Some(code));
            assert_eq!(t.name(), Some(name));
        }
        assert_eq!(NoType.code(), None);
        // A whole-byte type's element size is its element type's storage size.
        for (t, _, name) in TflType::ALL {
            if let Some(bytes) = t.byte_size() {
                assert_eq!(
                    t.element_type().unwrap().storage_bytes(),
                    Some(bytes),
                    "{name}"
                );
            }
        }
        assert_eq!(Int4.byte_size(), None);
        assert_eq!(Other.element_type(), None);
        assert_eq!(TflType::from_code(23), None);
    }

    #[test]
    fn opaque_types_match_by_name() {
        let of = |s: &str| TflType::of_element(&ElementType::Opaque(Arc::from(s)));
        assert_eq!(of("!tf_type.quint8"), UInt8);
        assert_eq!(of("!tf_type.resource<tensor<4xf32>>"), Resource);
        assert_eq!(of("!tf_type.stringly"), Other);
    }
}
