//! Tensors: their MLIR types (with quantization), and constant tensors as `tfl.pseudo_const`,
//! `tfl.pseudo_qconst` and `tfl.pseudo_sparse_const` / `tfl.pseudo_sparse_qconst`.
//!
//! The rules are TensorFlow's (`GetTensorType`, `GetQuantizedType`, `BuildConstOp`,
//! `BuildSparseConstOp` in its flatbuffer importer):
//! - the shape is `shape_signature` when present, else `shape`; an empty shape is a scalar for
//!   constants and for tensors with `has_rank`, and unranked (`tensor<*xf32>`) otherwise;
//! - a tensor is quantized when its quantization has zero points; it then gets a
//!   `!quant.uniform` element type, per-axis when there is more than one scale. Constants with
//!   8-bit storage get the narrow storage range (`i8<-127:127>`, `u8<1:255>`), which the
//!   function post-processing widens again for uses that are not the weight of an affine op;
//! - scales are finite and positive, as [`super::validate`] has checked (TensorFlow turns a
//!   zero scale into the smallest normal f32; tqopt refuses it);
//! - a quantized constant's `value` holds the storage integers (signless), its `qtype` the
//!   quantized type.
//!
//! Constant data is never copied: a dense constant's blob is a window into the model's bytes.
//! The exceptions are data that has to change form: packed 4-bit and 2-bit integers (one byte
//! per element in the IR), booleans stored as bytes other than 0 and 1, strings, and 64-bit
//! quantized values that TensorFlow narrows.

use std::sync::Arc;

use tqopt_ir::attributes::{DenseElements, DenseValues};
use tqopt_ir::types::{FloatKind, IntType, QuantParams, Signedness, DYNAMIC};
use tqopt_ir::{Blob, ElementType, TensorType, Type, UniformQuant};

use crate::schema::tflite;
use crate::types::{element_type, tensor_type_name};

/// True when TensorFlow treats the tensor as quantized: it has zero points.
pub(crate) fn is_quantized(t: &tflite::Tensor<'_>) -> bool {
    t.quantization()
        .and_then(|q| q.zero_point())
        .is_some_and(|z| !z.is_empty())
}

/// The element type of a tensor before quantization, with a VARIANT's nested type spelled out.
pub(crate) fn raw_element_type(t: &tflite::Tensor<'_>) -> Result<ElementType, String> {
    let ty = t.type_();
    let elem = element_type(ty)
        .ok_or_else(|| format!("has unknown element type {}", tensor_type_name(ty)))?;
    if matches!(
        ty,
        tflite::TensorType::FLOAT8_E4M3FN | tflite::TensorType::FLOAT8_E5M2
    ) {
        // MLIR's f8E4M3FN / f8E5M2: the IR has no 8-bit float types yet.
        return Err(format!(
            "has element type {}, which tqopt's IR cannot represent yet",
            tensor_type_name(ty)
        ));
    }
    if ty == tflite::TensorType::VARIANT {
        if let Some(nested) = t.variant_tensors() {
            if nested.len() > 1 {
                return Err("has more than one nested type in `variant_tensors`".into());
            }
            if let Some(n) = nested.iter().next() {
                let e = element_type(n.type_()).ok_or_else(|| {
                    format!(
                        "has a nested variant of unknown type {}",
                        tensor_type_name(n.type_())
                    )
                })?;
                let inner = if n.has_rank() {
                    let dims: Vec<i64> = n
                        .shape()
                        .map(|s| s.iter().map(dim).collect())
                        .unwrap_or_default();
                    Type::tensor(&dims, e)
                } else {
                    Type::UnrankedTensor(e)
                };
                return Ok(ElementType::Opaque(Arc::from(format!(
                    "!tf_type.variant<{inner}>"
                ))));
            }
        }
    }
    Ok(elem)
}

fn dim(d: i32) -> i64 {
    if d < 0 {
        DYNAMIC
    } else {
        d as i64
    }
}

/// The type of a tensor: TensorFlow's `GetTensorType`.
pub(crate) fn tensor_type(t: &tflite::Tensor<'_>, is_constant: bool) -> Result<Type, String> {
    let elem = if is_quantized(t) {
        ElementType::Quant(Arc::new(quant_type(t, is_constant, None)?))
    } else {
        raw_element_type(t)?
    };
    Ok(shaped(t, is_constant, elem))
}

/// A tensor type of `t`'s shape with element type `elem`.
pub(crate) fn shaped(t: &tflite::Tensor<'_>, is_constant: bool, elem: ElementType) -> Type {
    let shape: Vec<i64> = t
        .shape()
        .map(|s| s.iter().map(dim).collect())
        .unwrap_or_default();
    if shape.is_empty() && (is_constant || t.has_rank()) {
        return Type::tensor(&[], elem);
    }
    if let Some(sig) = t.shape_signature().filter(|s| !s.is_empty()) {
        let dims: Vec<i64> = sig.iter().map(dim).collect();
        return Type::tensor(&dims, elem);
    }
    if !shape.is_empty() {
        return Type::tensor(&shape, elem);
    }
    Type::UnrankedTensor(elem)
}

/// The quantized element type of a quantized tensor (TensorFlow's `GetQuantizedType`).
/// `storage_width` overrides the storage width (for narrowed 64-bit constants).
pub(crate) fn quant_type(
    t: &tflite::Tensor<'_>,
    is_constant: bool,
    storage_width: Option<u32>,
) -> Result<UniformQuant, String> {
    let q = t.quantization().ok_or("is not quantized")?;
    match q.details_type() {
        tflite::QuantizationDetails::NONE => {}
        other => {
            return Err(format!(
                "uses {} quantization, which tqopt does not import",
                other.variant_name().unwrap_or("an unknown kind of")
            ))
        }
    }
    let raw = t.type_();
    let storage = match raw {
        tflite::TensorType::UINT8 => IntType {
            width: 8,
            signedness: Signedness::Unsigned,
        },
        _ => match element_type(raw) {
            // (Unsigned 64-bit storage has no quant type: its range does not fit an i64.)
            Some(ElementType::Int(i)) if i.width > 1 && !(i.is_unsigned() && i.width > 32) => IntType {
                width: i.width,
                signedness: if i.is_unsigned() {
                    Signedness::Unsigned
                } else {
                    Signedness::Signed
                },
            },
            Some(ElementType::Int(i)) if i.width > 1 => {
                return Err(format!(
                    "is quantized with {} storage, which has no quantized type (unsigned storage is at most 32 bits)",
                    tensor_type_name(raw)
                ))
            }
            _ => {
                return Err(format!(
                    "is quantized but stored as {}: quantized tensors must be stored as integers",
                    tensor_type_name(raw)
                ))
            }
        },
    };
    let storage = IntType {
        width: storage_width.unwrap_or(storage.width),
        ..storage
    };
    let (full_min, full_max) = UniformQuant::full_range(storage);
    let narrow = is_constant && storage.width == 8;
    let storage_min = full_min + narrow as i64;

    let scales: Vec<f64> = q
        .scale()
        .map(|s| s.iter().map(f64::from).collect())
        .unwrap_or_default();
    let zero_points: Vec<i64> = q
        .zero_point()
        .map(|z| z.iter().collect())
        .unwrap_or_default();
    if let Some(zp) = zero_points
        .iter()
        .find(|z| !(full_min..=full_max).contains(*z))
    {
        return Err(format!(
            "has zero point {zp}, outside the range [{full_min}, {full_max}] of its {}-bit storage",
            storage.width
        ));
    }
    if let Some(s) = scales.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
        return Err(format!(
            "has quantization scale {s}: a scale must be finite and greater than 0"
        ));
    }
    if scales.len() != zero_points.len() {
        return Err(format!(
            "has {} quantization scales but {} zero points",
            scales.len(),
            zero_points.len()
        ));
    }
    let params = if scales.len() == 1 {
        QuantParams::PerTensor {
            scale: scales[0],
            zero_point: zero_points[0],
        }
    } else {
        let axis = q.quantized_dimension();
        let rank = t.shape().map_or(0, |s| s.len());
        if axis < 0 || axis as usize >= rank {
            return Err(format!(
                "has quantized_dimension {axis}, but its rank is {rank}"
            ));
        }
        QuantParams::PerAxis {
            axis,
            scales,
            zero_points,
        }
    };
    Ok(UniformQuant {
        storage,
        storage_min,
        storage_max: full_max,
        expressed: FloatKind::F32,
        params,
    })
}

/// The static shape of a constant tensor.
pub(crate) fn constant_shape(t: &tflite::Tensor<'_>) -> Result<Vec<i64>, String> {
    let ty = shaped(t, true, ElementType::F32);
    match ty.as_tensor() {
        Some(tt) if tt.has_static_shape() => Ok(tt.shape.to_vec()),
        _ => Err(format!(
            "is a constant but its shape {} is not static",
            ty.to_string().replace("xf32", "").replace("f32", "")
        )),
    }
}

/// The number of elements of a static shape, guarding against overflow.
pub(crate) fn element_count(shape: &[i64]) -> Result<usize, String> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
        .ok_or_else(|| "has a shape whose element count overflows".to_string())
}

/// Dense elements of `elem` over `shape` from raw TFLite buffer bytes.
pub(crate) fn dense_from_buffer(
    shape: &[i64],
    elem: ElementType,
    data: &Blob,
) -> Result<DenseElements, String> {
    let count = element_count(shape)?;
    let ty = TensorType::new(shape, elem.clone());
    match &elem {
        ElementType::Int(i) if i.width < 8 && i.width > 1 => {
            let bytes = unpack_sub_byte(data.as_bytes(), count, i.width, !i.is_unsigned())?;
            Ok(DenseElements {
                ty,
                values: DenseValues::Full(Blob::from_vec(bytes)),
            })
        }
        ElementType::Int(i) if i.width == 1 => {
            check_len(data, count, 1)?;
            let bytes = data.as_bytes();
            let blob = if bytes.iter().all(|&b| b <= 1) {
                data.clone()
            } else {
                Blob::from_vec(bytes.iter().map(|&b| (b != 0) as u8).collect())
            };
            Ok(DenseElements {
                ty,
                values: DenseValues::Full(blob),
            })
        }
        ElementType::Opaque(text) if &**text == "!tf_type.string" => {
            let strings = parse_strings(data.as_bytes())?;
            if strings.len() != count {
                return Err(format!(
                    "holds {} strings but its shape has {count} elements",
                    strings.len()
                ));
            }
            Ok(DenseElements {
                ty,
                values: DenseValues::Strings(Arc::from(strings)),
            })
        }
        _ => {
            let width = elem
                .storage_bytes()
                .ok_or_else(|| format!("is a constant of type {elem}, which tqopt cannot hold"))?;
            check_len(data, count, width)?;
            Ok(DenseElements {
                ty,
                values: DenseValues::Full(data.clone()),
            })
        }
    }
}

fn check_len(data: &Blob, count: usize, width: usize) -> Result<(), String> {
    let want = count
        .checked_mul(width)
        .ok_or("has a shape whose byte size overflows")?;
    if data.len() != want {
        return Err(format!(
            "has {} bytes of data, but its type needs {want} ({count} elements of {width} bytes)",
            data.len()
        ));
    }
    Ok(())
}

/// Unpacks little-endian packed `width`-bit integers (two 4-bit values per byte, low nibble
/// first) into one byte each, sign-extended when `signed`.
fn unpack_sub_byte(
    bytes: &[u8],
    count: usize,
    width: u32,
    signed: bool,
) -> Result<Vec<u8>, String> {
    let per_byte = (8 / width) as usize;
    let want = count.div_ceil(per_byte);
    if bytes.len() != want {
        return Err(format!(
            "has {} bytes of data, but {count} packed {width}-bit elements need {want}",
            bytes.len()
        ));
    }
    let mask = (1u8 << width) - 1;
    Ok((0..count)
        .map(|i| {
            let v = (bytes[i / per_byte] >> ((i % per_byte) as u32 * width)) & mask;
            if signed && v & (1 << (width - 1)) != 0 {
                v | !mask
            } else {
                v
            }
        })
        .collect())
}

/// TFLite's string buffer: an i32 count, count + 1 i32 offsets, then the bytes.
fn parse_strings(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let read = |at: usize| -> Option<usize> {
        let b = bytes.get(at..at + 4)?;
        usize::try_from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
    };
    let bad = || "has a malformed string buffer".to_string();
    let count = read(0).ok_or_else(bad)?;
    let header = count.checked_add(2).and_then(|n| n.checked_mul(4));
    if !matches!(header, Some(h) if h <= bytes.len()) {
        return Err(bad());
    }
    (0..count)
        .map(|i| {
            let start = read(4 + 4 * i).ok_or_else(bad)?;
            let end = read(8 + 4 * i).ok_or_else(bad)?;
            bytes.get(start..end).map(<[u8]>::to_vec).ok_or_else(bad)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacks_int4_low_nibble_first() {
        assert_eq!(
            unpack_sub_byte(&[0x7F, 0x08], 3, 4, true).unwrap(),
            vec![0xFF, 0x07, 0xF8]
        );
        assert_eq!(
            unpack_sub_byte(&[0x7F], 2, 4, false).unwrap(),
            vec![0x0F, 0x07]
        );
        assert!(unpack_sub_byte(&[0x7F], 3, 4, true).is_err());
    }

    #[test]
    fn parses_string_buffers() {
        let mut b = Vec::new();
        for v in [2i32, 16, 18, 21] {
            b.extend(v.to_le_bytes());
        }
        b.extend(b"hiyou");
        assert_eq!(
            parse_strings(&b).unwrap(),
            vec![b"hi".to_vec(), b"you".to_vec()]
        );
        assert!(parse_strings(&b[..10]).is_err());
        assert!(parse_strings(&[255, 255, 255, 127]).is_err());
    }
}
