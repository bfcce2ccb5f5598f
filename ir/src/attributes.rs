//! Attributes: the compile-time values attached to operations, as MLIR defines them.
//!
//! Dense elements keep their data as little-endian bytes in a shared [`Blob`] (one element per
//! `storage_bytes` of the element type; `i1` takes one byte per element in memory even though
//! MLIR's hex text packs it into bits). Attribute dictionaries are kept sorted by name, as
//! MLIR keeps them, so printing is deterministic.

use std::sync::Arc;

use crate::blob::Blob;
use crate::float_format::{bits_of, from_bits};
use crate::location::Location;
use crate::types::{ElementType, FloatKind, IntType, TensorType, Type};

/// The values of a dense elements attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum DenseValues {
    /// One element repeated over the whole shape.
    Splat(Blob),
    /// Every element, in row-major order.
    Full(Blob),
    /// String elements (`dense<["a", "b"]> : tensor<2x!tf_type.string>`); one entry means splat.
    Strings(Arc<[Vec<u8>]>),
}

/// `dense<...> : tensor<...>`.
///
/// Invariant: `Full` holds exactly `num_elements * storage_bytes` bytes and `Splat` exactly
/// `storage_bytes` bytes of the element type; constructors check it.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseElements {
    pub ty: TensorType,
    pub values: DenseValues,
}

/// A dense element read out as a number.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Scalar {
    Int(i64),
    Float(f64),
}

impl Scalar {
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::Int(v) => v as f64,
            Scalar::Float(v) => v,
        }
    }

    pub fn as_i64(self) -> i64 {
        match self {
            Scalar::Int(v) => v,
            Scalar::Float(v) => v as i64,
        }
    }
}

impl DenseElements {
    /// Wraps the raw bytes of every element; `None` unless the length is exactly the type's
    /// element count times the element size.
    pub fn from_blob(ty: TensorType, data: Blob) -> Option<DenseElements> {
        let width = ty.elem.storage_bytes()?;
        let count = ty.num_elements()? as usize;
        (data.len() == count.checked_mul(width)?).then_some(DenseElements {
            ty,
            values: DenseValues::Full(data),
        })
    }

    /// Wraps the raw bytes of one element repeated over the whole shape; `None` unless the
    /// length is exactly one element's size.
    pub fn splat_from_blob(ty: TensorType, data: Blob) -> Option<DenseElements> {
        (data.len() == ty.elem.storage_bytes()?).then_some(DenseElements {
            ty,
            values: DenseValues::Splat(data),
        })
    }

    pub fn splat(ty: TensorType, value: Scalar) -> Option<DenseElements> {
        let bytes = encode_scalar(&ty.elem, value)?;
        Some(DenseElements {
            ty,
            values: DenseValues::Splat(Blob::from_vec(bytes)),
        })
    }

    pub fn from_f32(ty: TensorType, values: &[f32]) -> Option<DenseElements> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        Self::from_blob(ty, Blob::from_vec(bytes))
    }

    pub fn from_i32(ty: TensorType, values: &[i32]) -> Option<DenseElements> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        Self::from_blob(ty, Blob::from_vec(bytes))
    }

    /// Encodes numbers into the element type (rounding floats, truncating integers).
    pub fn from_scalars(ty: TensorType, values: &[Scalar]) -> Option<DenseElements> {
        let mut bytes = Vec::with_capacity(values.len() * ty.elem.storage_bytes()?);
        for v in values {
            bytes.extend(encode_scalar(&ty.elem, *v)?);
        }
        Self::from_blob(ty, Blob::from_vec(bytes))
    }

    pub fn is_splat(&self) -> bool {
        match &self.values {
            DenseValues::Splat(_) => true,
            DenseValues::Strings(s) => s.len() == 1,
            DenseValues::Full(_) => false,
        }
    }

    pub fn num_elements(&self) -> usize {
        self.ty.num_elements().unwrap_or(0) as usize
    }

    /// The raw bytes of a splat's one element or of all elements.
    pub fn raw_bytes(&self) -> &[u8] {
        match &self.values {
            DenseValues::Splat(b) | DenseValues::Full(b) => b.as_bytes(),
            DenseValues::Strings(_) => &[],
        }
    }

    /// The data blob, shared (for splats, the one element).
    pub fn blob(&self) -> Option<&Blob> {
        match &self.values {
            DenseValues::Splat(b) | DenseValues::Full(b) => Some(b),
            DenseValues::Strings(_) => None,
        }
    }

    /// Element `index` as a number (splats answer every index).
    pub fn get(&self, index: usize) -> Option<Scalar> {
        let width = self.ty.elem.storage_bytes()?;
        let bytes = match &self.values {
            DenseValues::Splat(b) => b.as_bytes(),
            DenseValues::Full(b) => b.as_bytes().get(index * width..(index + 1) * width)?,
            DenseValues::Strings(_) => return None,
        };
        decode_scalar(&self.ty.elem, bytes)
    }

    /// Every element as a number, splats expanded.
    pub fn scalars(&self) -> Vec<Scalar> {
        (0..self.num_elements())
            .filter_map(|i| self.get(i))
            .collect()
    }

    /// The elements of a full (non-splat) float32 array, borrowed where they lie (in a
    /// memory-mapped model, the file itself): `None` for other types, splats, or data not
    /// aligned to 4 bytes (TFLite aligns buffers to 16), and on big-endian targets.
    pub fn as_f32_slice(&self) -> Option<&[f32]> {
        if self.ty.elem != ElementType::F32 || !cfg!(target_endian = "little") {
            return None;
        }
        let DenseValues::Full(b) = &self.values else {
            return None;
        };
        let bytes = b.as_bytes();
        if bytes.len() != self.num_elements() * 4 {
            return None;
        }
        // SAFETY: every bit pattern is a valid f32, and align_to only yields the aligned middle
        // part; we use it only when there is nothing before or after it.
        let (head, values, tail) = unsafe { bytes.align_to::<f32>() };
        (head.is_empty() && tail.is_empty()).then_some(values)
    }

    pub fn to_f32_vec(&self) -> Vec<f32> {
        // float32 data is read straight from its little-endian bytes (weights of hundreds of
        // megabytes go through here); other types convert element by element.
        if self.ty.elem == ElementType::F32 {
            match &self.values {
                DenseValues::Full(b) if b.as_bytes().len() == self.num_elements() * 4 => {
                    return b
                        .as_bytes()
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect();
                }
                DenseValues::Splat(b) if b.as_bytes().len() == 4 => {
                    let c = b.as_bytes();
                    return vec![f32::from_le_bytes([c[0], c[1], c[2], c[3]]); self.num_elements()];
                }
                _ => {}
            }
        }
        self.scalars()
            .into_iter()
            .map(|s| s.as_f64() as f32)
            .collect()
    }

    pub fn to_i64_vec(&self) -> Vec<i64> {
        self.scalars().into_iter().map(|s| s.as_i64()).collect()
    }

    /// The full row-major bytes, splats expanded.
    pub fn expanded_bytes(&self) -> Vec<u8> {
        match &self.values {
            DenseValues::Full(b) => b.as_bytes().to_vec(),
            DenseValues::Splat(b) => b.as_bytes().repeat(self.num_elements()),
            DenseValues::Strings(_) => Vec::new(),
        }
    }
}

/// Little-endian bytes of one element of `elem`.
pub fn encode_scalar(elem: &ElementType, value: Scalar) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(8);
    encode_scalar_into(elem, value, &mut out)?;
    Some(out)
}

/// Appends the little-endian bytes of one element of `elem` to `out` (nothing on `None`).
pub fn encode_scalar_into(elem: &ElementType, value: Scalar, out: &mut Vec<u8>) -> Option<()> {
    match elem {
        ElementType::Float(kind) => {
            let bits = bits_of(value.as_f64(), *kind);
            out.extend_from_slice(&bits.to_le_bytes()[..kind.bit_width() as usize / 8]);
        }
        ElementType::Int(t) => {
            let v = match value {
                Scalar::Int(v) => v,
                Scalar::Float(f) => f as i64,
            };
            let v = if t.width == 1 { (v != 0) as i64 } else { v };
            out.extend_from_slice(&v.to_le_bytes()[..(t.width as usize).div_ceil(8)]);
        }
        ElementType::Index => out.extend_from_slice(&value.as_i64().to_le_bytes()),
        _ => return None,
    }
    Some(())
}

/// Reads one element of `elem` from its little-endian bytes.
pub fn decode_scalar(elem: &ElementType, bytes: &[u8]) -> Option<Scalar> {
    Some(match elem {
        ElementType::Float(kind) => {
            let mut buf = [0u8; 8];
            buf[..bytes.len()].copy_from_slice(bytes);
            Scalar::Float(from_bits(u64::from_le_bytes(buf), *kind))
        }
        ElementType::Int(t) => Scalar::Int(decode_int(*t, bytes)),
        ElementType::Index => {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(bytes.get(..8)?);
            Scalar::Int(i64::from_le_bytes(buf))
        }
        _ => return None,
    })
}

fn decode_int(t: IntType, bytes: &[u8]) -> i64 {
    let mut buf = [0u8; 8];
    let n = bytes.len().min(8);
    buf[..n].copy_from_slice(&bytes[..n]);
    let raw = u64::from_le_bytes(buf);
    if t.width == 1 {
        return (raw & 1) as i64;
    }
    let width = t.width.min(64);
    if t.is_unsigned() || width == 64 {
        raw as i64
    } else {
        let shift = 64 - width;
        ((raw << shift) as i64) >> shift
    }
}

/// The numbers of an `array<i32: 1, 2>` attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum DenseArrayValues {
    Int(Vec<i64>),
    Float(Vec<f64>),
}

/// An attribute of another dialect, kept as text: `#tfl<const_bytes : "0x01">` has dialect
/// `tfl`, no mnemonic and body `const_bytes : "0x01"`; `#tfl.sparsity_parameter<...>` has
/// mnemonic `sparsity_parameter`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OpaqueAttr {
    pub dialect: Arc<str>,
    pub mnemonic: Option<Arc<str>>,
    pub body: Option<Arc<str>>,
}

impl OpaqueAttr {
    /// The bytes of `#tfl<const_bytes : "0x...">`, TFLite's custom op options.
    pub fn const_bytes(&self) -> Option<Vec<u8>> {
        if self.mnemonic.is_some() {
            return None;
        }
        let body = self.body.as_deref()?.trim();
        let rest = body
            .strip_prefix("const_bytes")?
            .trim_start()
            .strip_prefix(':')?
            .trim();
        let hex = rest.strip_prefix("\"0x")?.strip_suffix('"')?;
        crate::hex::decode(hex)
    }

    pub fn from_const_bytes(bytes: &[u8]) -> OpaqueAttr {
        OpaqueAttr {
            dialect: "tfl".into(),
            mnemonic: None,
            body: Some(format!("const_bytes : \"0x{}\"", crate::hex::encode_upper(bytes)).into()),
        }
    }
}

/// Any attribute.
#[derive(Clone, Debug)]
pub enum Attribute {
    Unit,
    Bool(bool),
    /// An integer with its type (`3 : i32`; an `index` integer has type `index`).
    Int {
        value: i64,
        ty: ElementType,
    },
    Float {
        value: f64,
        kind: FloatKind,
    },
    String(Arc<[u8]>),
    Array(Vec<Attribute>),
    Dict(AttrDict),
    Type(Type),
    /// `@sym` or `@root::@nested`.
    SymbolRef(Vec<Arc<str>>),
    Dense(DenseElements),
    /// `dense_resource<name> : type`; the blob lives in the module's resources, and the name
    /// `__elided__` means the values were left out when printing.
    DenseResource {
        name: Arc<str>,
        ty: TensorType,
    },
    DenseArray {
        elem: ElementType,
        values: DenseArrayValues,
    },
    Opaque(OpaqueAttr),
    Location(Location),
}

impl PartialEq for Attribute {
    fn eq(&self, other: &Self) -> bool {
        use Attribute::*;
        match (self, other) {
            (Unit, Unit) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int { value: a, ty: t }, Int { value: b, ty: u }) => a == b && t == u,
            (Float { value: a, kind: k }, Float { value: b, kind: l }) => {
                k == l && bits_of(*a, *k) == bits_of(*b, *l)
            }
            (String(a), String(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            (Dict(a), Dict(b)) => a == b,
            (Type(a), Type(b)) => a == b,
            (SymbolRef(a), SymbolRef(b)) => a == b,
            (Dense(a), Dense(b)) => a == b,
            (DenseResource { name: a, ty: t }, DenseResource { name: b, ty: u }) => {
                a == b && t == u
            }
            (DenseArray { elem: a, values: v }, DenseArray { elem: b, values: w }) => {
                a == b && v == w
            }
            (Opaque(a), Opaque(b)) => a == b,
            (Location(a), Location(b)) => a == b,
            _ => false,
        }
    }
}

impl Attribute {
    pub fn i32(value: i32) -> Attribute {
        Attribute::Int {
            value: value as i64,
            ty: ElementType::I32,
        }
    }

    pub fn i64(value: i64) -> Attribute {
        Attribute::Int {
            value,
            ty: ElementType::I64,
        }
    }

    pub fn f32(value: f32) -> Attribute {
        Attribute::Float {
            value: value as f64,
            kind: FloatKind::F32,
        }
    }

    pub fn string(text: &str) -> Attribute {
        Attribute::String(Arc::from(text.as_bytes()))
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Attribute::Int { value, .. } => Some(*value),
            _ => None,
        }
    }

    pub fn as_float(&self) -> Option<f64> {
        match self {
            Attribute::Float { value, .. } => Some(*value),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Attribute::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The text of a string attribute, if it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Attribute::String(s) => std::str::from_utf8(s).ok(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Attribute]> {
        match self {
            Attribute::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_dict(&self) -> Option<&AttrDict> {
        match self {
            Attribute::Dict(d) => Some(d),
            _ => None,
        }
    }

    pub fn as_type(&self) -> Option<&Type> {
        match self {
            Attribute::Type(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_dense(&self) -> Option<&DenseElements> {
        match self {
            Attribute::Dense(d) => Some(d),
            _ => None,
        }
    }

    /// The type of an elements attribute (dense or resource).
    pub fn elements_type(&self) -> Option<&TensorType> {
        match self {
            Attribute::Dense(d) => Some(&d.ty),
            Attribute::DenseResource { ty, .. } => Some(ty),
            _ => None,
        }
    }

    /// A short name of the attribute's kind, for diagnostics.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Attribute::Unit => "unit",
            Attribute::Bool(_) => "bool",
            Attribute::Int { .. } => "integer",
            Attribute::Float { .. } => "float",
            Attribute::String(_) => "string",
            Attribute::Array(_) => "array",
            Attribute::Dict(_) => "dictionary",
            Attribute::Type(_) => "type",
            Attribute::SymbolRef(_) => "symbol reference",
            Attribute::Dense(_) => "dense elements",
            Attribute::DenseResource { .. } => "dense resource",
            Attribute::DenseArray { .. } => "dense array",
            Attribute::Opaque(_) => "dialect attribute",
            Attribute::Location(_) => "location",
        }
    }
}

/// A dictionary of named attributes, sorted by name with no duplicates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AttrDict {
    entries: Vec<(Arc<str>, Attribute)>,
}

impl AttrDict {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a dictionary; on a duplicate name returns that name.
    pub fn from_entries(mut entries: Vec<(Arc<str>, Attribute)>) -> Result<AttrDict, Arc<str>> {
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        for pair in entries.windows(2) {
            if pair[0].0 == pair[1].0 {
                return Err(pair[0].0.clone());
            }
        }
        // Dictionaries are small and many (one or two per op): keep no spare capacity.
        entries.shrink_to_fit();
        Ok(AttrDict { entries })
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|(n, _)| n.as_bytes().cmp(name.as_bytes()))
    }

    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.position(name).ok().map(|i| &self.entries[i].1)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// Sets `name`, returning the previous value.
    pub fn set(&mut self, name: &str, value: Attribute) -> Option<Attribute> {
        match self.position(name) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                // Grow by one: a doubling Vec would keep up to three spare entries per op.
                self.entries.reserve_exact(1);
                self.entries.insert(i, (Arc::from(name), value));
                None
            }
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Attribute> {
        self.position(name).ok().map(|i| self.entries.remove(i).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Attribute)> + '_ {
        self.entries.iter().map(|(n, a)| (&**n, a))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{IntType, Signedness};

    #[test]
    fn dict_stays_sorted_and_unique() {
        let mut d = AttrDict::new();
        d.set("b", Attribute::i32(1));
        d.set("a", Attribute::i32(2));
        d.set("b", Attribute::i32(3));
        let names: Vec<_> = d.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(d.get("b"), Some(&Attribute::i32(3)));
        assert!(AttrDict::from_entries(vec![
            ("x".into(), Attribute::Unit),
            ("x".into(), Attribute::Unit)
        ])
        .is_err());
    }

    #[test]
    fn dense_decodes_sign_and_width() {
        let ty = TensorType::new(
            &[3],
            ElementType::Int(IntType {
                width: 4,
                signedness: Signedness::Signless,
            }),
        );
        let d =
            DenseElements::from_scalars(ty, &[Scalar::Int(-3), Scalar::Int(7), Scalar::Int(-8)])
                .unwrap();
        assert_eq!(d.to_i64_vec(), [-3, 7, -8]);
        let ty = TensorType::new(&[2], ElementType::UI8);
        let d = DenseElements::from_scalars(ty, &[Scalar::Int(255), Scalar::Int(0)]).unwrap();
        assert_eq!(d.to_i64_vec(), [255, 0]);
        let ty = TensorType::new(&[2], ElementType::F16);
        let d =
            DenseElements::from_scalars(ty, &[Scalar::Float(0.5), Scalar::Float(-2.0)]).unwrap();
        assert_eq!(d.to_f32_vec(), [0.5, -2.0]);
    }

    #[test]
    fn wrong_length_is_rejected() {
        let ty = TensorType::new(&[3], ElementType::F32);
        assert!(DenseElements::from_blob(ty, Blob::from_vec(vec![0; 5])).is_none());
    }
}
