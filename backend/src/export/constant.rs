//! Constant data to TFLite buffer bytes.
//!
//! A dense constant's bytes are already TFLite's little-endian layout, so a full (non-splat)
//! constant is written straight from its blob, which for an imported model is a window into
//! the memory-mapped input: the writer copies it once into the output and then releases it.
//! The exceptions, which build their bytes here: splats (expanded), sub-byte integers (the IR
//! keeps one element per byte; TFLite packs two 4-bit or four 2-bit values per byte, low bits
//! first), and strings (TFLite's string buffer: a count, count + 1 offsets, then the bytes).

use tqopt_ir::{Attribute, Blob, DenseElements, DenseValues, Module};
use tqopt_tflite::schema::tflite::TensorType as TflType;

/// The bytes of one buffer.
#[derive(Clone, Debug)]
pub(crate) enum BufferData {
    /// No data (buffer 0, and non-constant tensors).
    Empty,
    /// Bytes shared with the IR (a window of the input file, or a pass's data).
    Blob(Blob),
    /// Bytes made for the file.
    Owned(Vec<u8>),
}

impl BufferData {
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            BufferData::Empty => &[],
            BufferData::Blob(b) => b.as_bytes(),
            BufferData::Owned(v) => v,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes().len()
    }
}

/// Bits per element of the sub-byte TFLite types.
fn sub_byte_bits(t: TflType) -> Option<u32> {
    match t {
        TflType::INT4 | TflType::UINT4 => Some(4),
        TflType::INT2 => Some(2),
        _ => None,
    }
}

/// Packs one-byte elements into `bits`-bit fields, low bits first.
fn pack(bytes: &[u8], bits: u32) -> Vec<u8> {
    let per_byte = (8 / bits) as usize;
    let mask = ((1u16 << bits) - 1) as u8;
    let mut out = vec![0u8; bytes.len().div_ceil(per_byte)];
    for (i, &b) in bytes.iter().enumerate() {
        out[i / per_byte] |= (b & mask) << ((i % per_byte) as u32 * bits);
    }
    out
}

/// TFLite's string buffer.
fn encode_strings(strings: &[Vec<u8>], count: usize) -> Result<Vec<u8>, String> {
    let get = |i: usize| -> &[u8] {
        if strings.len() == 1 {
            &strings[0]
        } else {
            &strings[i]
        }
    };
    if strings.len() != 1 && strings.len() != count {
        return Err(format!(
            "holds {} strings but its type has {count} elements",
            strings.len()
        ));
    }
    let header = 4 * (count + 2);
    let total = (0..count).try_fold(header, |acc, i| acc.checked_add(get(i).len()));
    let total = total
        .filter(|&t| t <= i32::MAX as usize)
        .ok_or("its strings do not fit a TFLite string buffer (2 GB)")?;
    let mut out = Vec::with_capacity(total);
    out.extend((count as i32).to_le_bytes());
    let mut offset = header;
    for i in 0..=count {
        out.extend((offset as i32).to_le_bytes());
        if i < count {
            offset += get(i).len();
        }
    }
    for i in 0..count {
        out.extend_from_slice(get(i));
    }
    Ok(out)
}

/// The buffer bytes of dense elements written as a tensor of TFLite type `ty`.
pub(crate) fn dense_data(d: &DenseElements, ty: TflType) -> Result<BufferData, String> {
    let count =
        d.ty.num_elements()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| {
                format!(
                    "has a constant of non-static type {}",
                    tqopt_ir::Type::Tensor(d.ty.clone())
                )
            })?;
    if let DenseValues::Strings(s) = &d.values {
        return encode_strings(s, count).map(BufferData::Owned);
    }
    if ty == TflType::STRING {
        return Err("is a string tensor whose constant holds no strings".into());
    }
    let width = d.ty.elem.storage_bytes().ok_or_else(|| {
        format!(
            "has constant elements of type {}, which have no byte layout",
            d.ty.elem
        )
    })?;
    if let Some(bits) = sub_byte_bits(ty) {
        return Ok(BufferData::Owned(pack(&d.expanded_bytes(), bits)));
    }
    match &d.values {
        DenseValues::Full(b) => {
            if Some(b.len()) != count.checked_mul(width) {
                return Err(format!(
                    "has {} bytes of constant data for {count} elements of {width} bytes",
                    b.len()
                ));
            }
            Ok(BufferData::Blob(b.clone()))
        }
        DenseValues::Splat(b) => {
            if b.len() != width {
                return Err(format!(
                    "has a splat of {} bytes for elements of {width} bytes",
                    b.len()
                ));
            }
            let total = count
                .checked_mul(width)
                .ok_or("has a splat whose size overflows")?;
            let mut out = Vec::with_capacity(total);
            for _ in 0..count {
                out.extend_from_slice(b.as_bytes());
            }
            Ok(BufferData::Owned(out))
        }
        DenseValues::Strings(_) => unreachable!("handled above"),
    }
}

/// The buffer bytes of an elements attribute (`dense<...>` or `dense_resource<key>`).
pub(crate) fn elements_data(
    module: &Module,
    attr: &Attribute,
    ty: TflType,
) -> Result<BufferData, ElementsError> {
    match attr {
        Attribute::Dense(d) => dense_data(d, ty).map_err(ElementsError::Invalid),
        Attribute::DenseResource { name, ty: tt } => {
            if &**name == "__elided__" {
                return Err(ElementsError::Missing(
                    "holds dense_resource<__elided__>: its values were left out when the IR was printed, so there is nothing to write (print without --mlir-elide-elementsattrs-if-larger to keep them)".into(),
                ));
            }
            let blob = module.resource(name).ok_or_else(|| {
                ElementsError::Missing(format!(
                    "holds dense_resource<{name}>, but the module has no resource blob of that name"
                ))
            })?;
            let d = DenseElements::from_blob(tt.clone(), blob.data.clone()).ok_or_else(|| {
                ElementsError::Invalid(format!(
                    "holds dense_resource<{name}> of {} bytes, which does not fit its type {}",
                    blob.data.len(),
                    tqopt_ir::Type::Tensor(tt.clone())
                ))
            })?;
            dense_data(&d, ty).map_err(ElementsError::Invalid)
        }
        other => Err(ElementsError::Invalid(format!(
            "holds a {} where elements are expected",
            other.kind_name()
        ))),
    }
}

/// Why constant data could not be written.
pub(crate) enum ElementsError {
    Missing(String),
    Invalid(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use tqopt_ir::{ElementType, Scalar, TensorType};

    #[test]
    fn packs_int4_low_nibble_first() {
        assert_eq!(pack(&[0xFF, 0x07, 0xF8], 4), vec![0x7F, 0x08]);
        assert_eq!(pack(&[1, 2, 3, 0xFF, 1], 2), vec![0b1111_1001, 0b01]);
    }

    #[test]
    fn encodes_strings_like_tflite() {
        let b = encode_strings(&[b"hi".to_vec(), b"you".to_vec()], 2).unwrap();
        let mut want = Vec::new();
        for v in [2i32, 16, 18, 21] {
            want.extend(v.to_le_bytes());
        }
        want.extend(b"hiyou");
        assert_eq!(b, want);
        assert!(encode_strings(&[b"a".to_vec(), b"b".to_vec()], 3).is_err());
        assert_eq!(encode_strings(&[b"ab".to_vec()], 2).unwrap().len(), 16 + 4);
    }

    #[test]
    fn expands_splats() {
        let d =
            DenseElements::splat(TensorType::new(&[3], ElementType::I32), Scalar::Int(7)).unwrap();
        let b = dense_data(&d, TflType::INT32).unwrap();
        assert_eq!(b.bytes(), &[7, 0, 0, 0, 7, 0, 0, 0, 7, 0, 0, 0]);
    }
}
