//! MLIR's builtin types and the quant dialect's uniform quantized types.
//!
//! Types are plain values (cheap to clone: shapes live in a small vector, quantized element
//! types behind an `Arc`). Their `Display` is MLIR's syntax, so `tensor<1x?x3xf32>` prints as it
//! parses. A dynamic dimension is stored as [`DYNAMIC`].

use std::fmt;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::float_format::format_float;

/// The marker of a dynamic (`?`) dimension.
pub const DYNAMIC: i64 = -1;

/// The floating-point formats MLIR names `f16`, `bf16`, `f32` and `f64`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FloatKind {
    F16,
    BF16,
    F32,
    F64,
}

impl FloatKind {
    pub fn bit_width(self) -> u32 {
        match self {
            FloatKind::F16 | FloatKind::BF16 => 16,
            FloatKind::F32 => 32,
            FloatKind::F64 => 64,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FloatKind::F16 => "f16",
            FloatKind::BF16 => "bf16",
            FloatKind::F32 => "f32",
            FloatKind::F64 => "f64",
        }
    }
}

/// Signedness of an MLIR integer type: `i8` is signless, `si8` signed, `ui8` unsigned.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Signedness {
    Signless,
    Signed,
    Unsigned,
}

/// An integer type of any width, as `i1`, `i4`, `i32`, `ui8`, `si16` are.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct IntType {
    pub width: u32,
    pub signedness: Signedness,
}

impl IntType {
    pub const fn signless(width: u32) -> Self {
        IntType {
            width,
            signedness: Signedness::Signless,
        }
    }

    pub const fn unsigned(width: u32) -> Self {
        IntType {
            width,
            signedness: Signedness::Unsigned,
        }
    }

    pub fn is_unsigned(self) -> bool {
        self.signedness == Signedness::Unsigned
    }
}

impl fmt::Display for IntType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.signedness {
            Signedness::Signless => "i",
            Signedness::Signed => "si",
            Signedness::Unsigned => "ui",
        };
        write!(f, "{prefix}{}", self.width)
    }
}

/// The scale(s) and zero point(s) of a uniform quantized type.
#[derive(Clone, Debug, PartialEq)]
pub enum QuantParams {
    PerTensor {
        scale: f64,
        zero_point: i64,
    },
    PerAxis {
        axis: i32,
        scales: Vec<f64>,
        zero_points: Vec<i64>,
    },
}

/// `!quant.uniform<storage<min:max>:expressed[:axis], params>`: `real = (q - zero_point) * scale`.
///
/// Invariant: `storage_min < storage_max`, both inside the storage type's range; per-axis
/// scales and zero points have the same length. As in MLIR's quant dialect, zero points are any
/// i64 (not bounded by the storage range or type) and a per-axis axis may be negative or past
/// the rank: code that computes with them must not overflow, and checks the axis where used.
#[derive(Clone, Debug, PartialEq)]
pub struct UniformQuant {
    /// `signedness` is `Signed` for `i8` storage and `Unsigned` for `u8` (the quant dialect's
    /// spelling).
    pub storage: IntType,
    pub storage_min: i64,
    pub storage_max: i64,
    pub expressed: FloatKind,
    pub params: QuantParams,
}

/// The widest storage MLIR's quant dialect takes (`QuantizedType::MaxStorageBits`); wider
/// storage (16x8 models' i64 biases) prints as [`WIDE_QUANT_DIALECT`].
pub const MLIR_MAX_STORAGE_BITS: u32 = 32;

/// The type name of a quantized type whose storage is wider than [`MLIR_MAX_STORAGE_BITS`]:
/// the same body as `!quant.uniform`, under tqopt's own name, which `mlir-opt
/// --allow-unregistered-dialect` keeps as an opaque type rather than refusing.
pub const WIDE_QUANT_DIALECT: &str = "!tqopt.uniform";

impl UniformQuant {
    /// The full range of a storage type: [-128, 127] for signed 8 bits, [0, 255] for unsigned.
    pub fn full_range(storage: IntType) -> (i64, i64) {
        let w = storage.width.clamp(1, 64);
        if storage.is_unsigned() {
            // Unsigned 64-bit storage is capped at i64::MAX.
            (0, if w >= 63 { i64::MAX } else { (1i64 << w) - 1 })
        } else if w == 64 {
            (i64::MIN, i64::MAX)
        } else {
            (-(1i64 << (w - 1)), (1i64 << (w - 1)) - 1)
        }
    }

    /// A per-tensor type with the full storage range.
    pub fn per_tensor(storage: IntType, expressed: FloatKind, scale: f64, zero_point: i64) -> Self {
        let (storage_min, storage_max) = Self::full_range(storage);
        UniformQuant {
            storage,
            storage_min,
            storage_max,
            expressed,
            params: QuantParams::PerTensor { scale, zero_point },
        }
    }

    pub fn is_full_range(&self) -> bool {
        Self::full_range(self.storage) == (self.storage_min, self.storage_max)
    }
}

impl Eq for UniformQuant {}

impl std::hash::Hash for UniformQuant {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.storage.hash(state);
        self.storage_min.hash(state);
        self.storage_max.hash(state);
        self.expressed.hash(state);
        match &self.params {
            QuantParams::PerTensor { scale, zero_point } => {
                scale.to_bits().hash(state);
                zero_point.hash(state);
            }
            QuantParams::PerAxis {
                axis,
                scales,
                zero_points,
            } => {
                axis.hash(state);
                for s in scales {
                    s.to_bits().hash(state);
                }
                zero_points.hash(state);
            }
        }
    }
}

impl fmt::Display for UniformQuant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = if self.storage.is_unsigned() { "u" } else { "i" };
        let name = if self.storage.width > MLIR_MAX_STORAGE_BITS {
            WIDE_QUANT_DIALECT
        } else {
            "!quant.uniform"
        };
        write!(f, "{name}<{prefix}{}", self.storage.width)?;
        if !self.is_full_range() {
            write!(f, "<{}:{}>", self.storage_min, self.storage_max)?;
        }
        write!(f, ":{}", self.expressed.name())?;
        let param = |f: &mut fmt::Formatter<'_>, scale: f64, zp: i64| -> fmt::Result {
            f.write_str(&format_float(scale, FloatKind::F64))?;
            match zp {
                0 => {}
                // MLIR reads a negative int64 through an APInt of 4 bits per digit, so it
                // refuses negative decimals of 17 or more digits: those print in hex, which it
                // reads back (and i64::MIN as 2^63, which wraps to it).
                i64::MIN => f.write_str(":9223372036854775808")?,
                z if z < -9_999_999_999_999_999 => write!(f, ":-0x{:X}", z.unsigned_abs())?,
                z => write!(f, ":{z}")?,
            }
            Ok(())
        };
        match &self.params {
            QuantParams::PerTensor { scale, zero_point } => {
                f.write_str(", ")?;
                param(f, *scale, *zero_point)?;
            }
            QuantParams::PerAxis {
                axis,
                scales,
                zero_points,
            } => {
                write!(f, ":{axis}, {{")?;
                for (i, (s, z)) in scales.iter().zip(zero_points).enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    param(f, *s, *z)?;
                }
                f.write_str("}")?;
            }
        }
        f.write_str(">")
    }
}

/// The element type of a tensor (or a scalar type on its own).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ElementType {
    Float(FloatKind),
    Int(IntType),
    Index,
    Complex(FloatKind),
    Quant(Arc<UniformQuant>),
    /// A type of another dialect, kept as its text (`!tf_type.string`).
    Opaque(Arc<str>),
}

impl ElementType {
    pub const F16: ElementType = ElementType::Float(FloatKind::F16);
    pub const BF16: ElementType = ElementType::Float(FloatKind::BF16);
    pub const F32: ElementType = ElementType::Float(FloatKind::F32);
    pub const F64: ElementType = ElementType::Float(FloatKind::F64);
    pub const I1: ElementType = ElementType::Int(IntType::signless(1));
    pub const I4: ElementType = ElementType::Int(IntType::signless(4));
    pub const I8: ElementType = ElementType::Int(IntType::signless(8));
    pub const I16: ElementType = ElementType::Int(IntType::signless(16));
    pub const I32: ElementType = ElementType::Int(IntType::signless(32));
    pub const I64: ElementType = ElementType::Int(IntType::signless(64));
    pub const UI8: ElementType = ElementType::Int(IntType::unsigned(8));

    pub fn as_float(&self) -> Option<FloatKind> {
        match self {
            ElementType::Float(k) => Some(*k),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<IntType> {
        match self {
            ElementType::Int(t) => Some(*t),
            _ => None,
        }
    }

    pub fn as_quant(&self) -> Option<&UniformQuant> {
        match self {
            ElementType::Quant(q) => Some(q),
            _ => None,
        }
    }

    /// Bytes one element takes in dense storage (sub-byte integers take a whole byte).
    pub fn storage_bytes(&self) -> Option<usize> {
        match self {
            ElementType::Float(k) => Some(k.bit_width() as usize / 8),
            ElementType::Int(t) => Some((t.width as usize).div_ceil(8).max(1)),
            ElementType::Index => Some(8),
            ElementType::Complex(k) => Some(k.bit_width() as usize / 4),
            ElementType::Quant(q) => Some((q.storage.width as usize).div_ceil(8)),
            ElementType::Opaque(_) => None,
        }
    }
}

impl fmt::Display for ElementType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElementType::Float(k) => f.write_str(k.name()),
            ElementType::Int(t) => t.fmt(f),
            ElementType::Index => f.write_str("index"),
            ElementType::Complex(k) => write!(f, "complex<{}>", k.name()),
            ElementType::Quant(q) => q.fmt(f),
            ElementType::Opaque(text) => f.write_str(text),
        }
    }
}

/// A ranked tensor type: `tensor<1x?x3xf32>`. Dynamic dimensions are [`DYNAMIC`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TensorType {
    pub shape: SmallVec<[i64; 4]>,
    pub elem: ElementType,
}

impl TensorType {
    pub fn new(shape: &[i64], elem: ElementType) -> Self {
        TensorType {
            shape: SmallVec::from_slice(shape),
            elem,
        }
    }

    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    pub fn has_static_shape(&self) -> bool {
        self.shape.iter().all(|&d| d >= 0)
    }

    /// The shape LiteRT allocates until the caller resizes an input: every dynamic
    /// dimension (a `-1` of the model's shape signature, usually the batch) taken as 1. For
    /// estimates of an op's work, not for checks.
    pub fn shape_as_allocated(&self) -> SmallVec<[u64; 4]> {
        self.shape
            .iter()
            .map(|&d| u64::try_from(d).unwrap_or(1))
            .collect()
    }

    /// The number of elements, when every dimension is static.
    pub fn num_elements(&self) -> Option<u64> {
        self.shape.iter().try_fold(1u64, |acc, &d| {
            if d < 0 {
                None
            } else {
                acc.checked_mul(d as u64)
            }
        })
    }
}

/// A function type: `(tensor<2xf32>) -> (tensor<2xf32>, i32)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FunctionType {
    pub inputs: Vec<Type>,
    pub results: Vec<Type>,
}

/// Any type the IR holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Tensor(TensorType),
    /// `tensor<*xf32>`
    UnrankedTensor(ElementType),
    /// `none`: the type of an absent optional operand (`tfl.no_value`).
    None,
    /// A scalar such as `i32`, `f32`, `index` or a quantized type used on its own.
    Scalar(ElementType),
    Function(Box<FunctionType>),
    /// A type of another dialect, kept as its text (`!tf_type.resource`).
    Opaque(Arc<str>),
}

impl Type {
    pub fn tensor(shape: &[i64], elem: ElementType) -> Type {
        Type::Tensor(TensorType::new(shape, elem))
    }

    pub fn as_tensor(&self) -> Option<&TensorType> {
        match self {
            Type::Tensor(t) => Some(t),
            _ => None,
        }
    }

    /// The element type of a tensor, or the scalar type itself.
    pub fn element_type(&self) -> Option<&ElementType> {
        match self {
            Type::Tensor(t) => Some(&t.elem),
            Type::UnrankedTensor(e) | Type::Scalar(e) => Some(e),
            _ => None,
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Type::None)
    }

    /// The same type with a new element type (tensors and scalars only).
    pub fn with_element_type(&self, elem: ElementType) -> Type {
        match self {
            Type::Tensor(t) => Type::Tensor(TensorType {
                shape: t.shape.clone(),
                elem,
            }),
            Type::UnrankedTensor(_) => Type::UnrankedTensor(elem),
            Type::Scalar(_) => Type::Scalar(elem),
            other => other.clone(),
        }
    }
}

fn write_type_list(f: &mut fmt::Formatter<'_>, types: &[Type]) -> fmt::Result {
    for (i, t) in types.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{t}")?;
    }
    Ok(())
}

impl fmt::Display for FunctionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        write_type_list(f, &self.inputs)?;
        f.write_str(") -> ")?;
        match self.results.as_slice() {
            [single] if !matches!(single, Type::Function(_)) => single.fmt(f),
            many => {
                f.write_str("(")?;
                write_type_list(f, many)?;
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Tensor(t) => {
                f.write_str("tensor<")?;
                for d in &t.shape {
                    if *d < 0 {
                        f.write_str("?x")?;
                    } else {
                        write!(f, "{d}x")?;
                    }
                }
                write!(f, "{}>", t.elem)
            }
            Type::UnrankedTensor(e) => write!(f, "tensor<*x{e}>"),
            Type::None => f.write_str("none"),
            Type::Scalar(e) => e.fmt(f),
            Type::Function(ft) => ft.fmt(f),
            Type::Opaque(text) => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_mlir_syntax() {
        let t = Type::tensor(&[1, DYNAMIC, 3], ElementType::F32);
        assert_eq!(t.to_string(), "tensor<1x?x3xf32>");
        assert_eq!(
            Type::tensor(&[], ElementType::UI8).to_string(),
            "tensor<ui8>"
        );
        let q = UniformQuant::per_tensor(
            IntType {
                width: 8,
                signedness: Signedness::Signed,
            },
            FloatKind::F32,
            0.5,
            -128,
        );
        assert_eq!(q.to_string(), "!quant.uniform<i8:f32, 5.000000e-01:-128>");
        let pa = UniformQuant {
            storage: IntType {
                width: 8,
                signedness: Signedness::Signed,
            },
            storage_min: -127,
            storage_max: 127,
            expressed: FloatKind::F32,
            params: QuantParams::PerAxis {
                axis: 0,
                scales: vec![0.1, 0.2],
                zero_points: vec![0, 3],
            },
        };
        assert_eq!(
            pa.to_string(),
            "!quant.uniform<i8<-127:127>:f32:0, {1.000000e-01,2.000000e-01:3}>"
        );
        let ft = FunctionType {
            inputs: vec![Type::None],
            results: vec![],
        };
        assert_eq!(ft.to_string(), "(none) -> ()");
    }
}
