//! Values to TFLite tensors: shapes, element types, quantization parameters and names.
//!
//! The rules mirror TensorFlow's exporter (`BuildTensor`) and invert tqopt's importer:
//! - a ranked tensor writes its shape with `has_rank = true`; a dynamic dimension is written as
//!   1 in `shape` and -1 in `shape_signature` (which is only written when some dimension is
//!   dynamic); an unranked tensor writes an empty shape and `has_rank = false`;
//! - the element type is the TFLite tensor type (a quantized type is its storage type);
//! - a `!quant.uniform` type writes its scales and zero points (and the quantized dimension
//!   when per-axis); a float tensor with `quantfork.stats` writes the statistics as min/max;
//! - the name is the value's location name (`loc("conv1/Relu6")`): an op's location for its
//!   result (the n-th name of a fused location for the n-th result), an argument's location
//!   for an argument; values without a name get an empty name, as the importer read them.

use tqopt_ir::types::{IntType, Signedness, DYNAMIC};
use tqopt_ir::{ElementType, FloatKind, QuantParams, Type};
use tqopt_tflite::schema::tflite::{QuantizationParametersT, TensorT, VariantSubTypeT};
use tqopt_tflite::types::tensor_type;

/// A dimension as TFLite stores it.
fn dim32(d: i64) -> Result<i32, String> {
    i32::try_from(d).map_err(|_| format!("dimension {d} does not fit TFLite's 32-bit shapes"))
}

/// A tensor of type `ty` named `name`, without buffer, quantization from statistics or
/// sparsity (the caller adds those).
pub(crate) fn tensor_of_type(ty: &Type, name: &str) -> Result<TensorT, String> {
    let mut t = TensorT::default();
    t.name = Some(name.to_string());
    let elem = match ty {
        Type::Tensor(tt) => {
            let mut shape = Vec::with_capacity(tt.shape.len());
            let mut signature = Vec::with_capacity(tt.shape.len());
            for &d in &tt.shape {
                if d == DYNAMIC {
                    shape.push(1);
                    signature.push(-1);
                } else if d < 0 {
                    return Err(format!("type '{ty}' has a negative dimension"));
                } else {
                    let d = dim32(d)?;
                    shape.push(d);
                    signature.push(d);
                }
            }
            if !tt.has_static_shape() {
                t.shape_signature = Some(signature);
            }
            t.shape = Some(shape);
            t.has_rank = true;
            &tt.elem
        }
        Type::UnrankedTensor(e) => {
            t.shape = Some(Vec::new());
            t.has_rank = false;
            e
        }
        other => return Err(format!("type '{other}' is not a tensor type")),
    };
    set_element_type(&mut t, elem, ty)?;
    Ok(t)
}

/// Sets the tensor type, quantization and variant subtypes of an element type.
fn set_element_type(t: &mut TensorT, elem: &ElementType, ty: &Type) -> Result<(), String> {
    if let Some(inner) = calibrated(elem) {
        // `!quant.calibrated<f32<min:max>>` (the LSTM's intermediates): the float type with
        // min/max.
        let (e, min, max) = inner?;
        set_element_type(t, &e, ty)?;
        let mut q = QuantizationParametersT::default();
        q.min = Some(vec![min]);
        q.max = Some(vec![max]);
        t.quantization = Some(Box::new(q));
        return Ok(());
    }
    t.type_ = tensor_type(elem)
        .ok_or_else(|| format!("element type {elem} of '{ty}' has no TFLite tensor type"))?;
    if let ElementType::Quant(q) = elem {
        let mut p = QuantizationParametersT::default();
        match &q.params {
            QuantParams::PerTensor { scale, zero_point } => {
                p.scale = Some(vec![*scale as f32]);
                p.zero_point = Some(vec![*zero_point]);
            }
            QuantParams::PerAxis {
                axis,
                scales,
                zero_points,
            } => {
                p.scale = Some(scales.iter().map(|&s| s as f32).collect());
                p.zero_point = Some(zero_points.clone());
                p.quantized_dimension = *axis;
            }
        }
        t.quantization = Some(Box::new(p));
    }
    if let ElementType::Opaque(text) = elem {
        if let Some(inner) = text
            .strip_prefix("!tf_type.variant<")
            .and_then(|s| s.strip_suffix('>'))
        {
            let sub = variant_subtype(inner)
                .ok_or_else(|| format!("cannot read the nested type of '{text}'"))?;
            t.variant_tensors = Some(vec![sub]);
        }
    }
    Ok(())
}

/// `!quant.calibrated<f32<-1.0:1.0>>` as (element type, min, max).
fn calibrated(elem: &ElementType) -> Option<Result<(ElementType, f32, f32), String>> {
    let ElementType::Opaque(text) = elem else {
        return None;
    };
    let body = text
        .strip_prefix("!quant.calibrated<")?
        .strip_suffix('>')?
        .trim();
    let parse = || -> Option<(ElementType, f32, f32)> {
        let (name, range) = body.split_once('<')?;
        let range = range.strip_suffix('>')?;
        let (min, max) = range.split_once(':')?;
        Some((
            scalar_type(name.trim())?,
            min.trim().parse().ok()?,
            max.trim().parse().ok()?,
        ))
    };
    Some(parse().ok_or_else(|| format!("cannot read the calibrated type '{text}'")))
}

/// An element type by its MLIR name (`f32`, `i8`, `ui8`...).
fn scalar_type(name: &str) -> Option<ElementType> {
    Some(match name {
        "f16" => ElementType::F16,
        "bf16" => ElementType::BF16,
        "f32" => ElementType::F32,
        "f64" => ElementType::F64,
        "complex<f32>" => ElementType::Complex(FloatKind::F32),
        "complex<f64>" => ElementType::Complex(FloatKind::F64),
        "!tf_type.string" => ElementType::Opaque("!tf_type.string".into()),
        _ => {
            let (signedness, digits) = if let Some(d) = name.strip_prefix("ui") {
                (Signedness::Unsigned, d)
            } else if let Some(d) = name.strip_prefix('i') {
                (Signedness::Signless, d)
            } else {
                return None;
            };
            ElementType::Int(IntType {
                width: digits.parse().ok()?,
                signedness,
            })
        }
    })
}

/// `tensor<2x?xf32>` / `tensor<*xf32>` as a variant's nested type.
fn variant_subtype(text: &str) -> Option<VariantSubTypeT> {
    let body = text.trim().strip_prefix("tensor<")?.strip_suffix('>')?;
    let mut sub = VariantSubTypeT::default();
    if let Some(e) = body.strip_prefix("*x") {
        sub.type_ = tensor_type(&scalar_type(e)?)?;
        sub.has_rank = false;
        return Some(sub);
    }
    let mut parts: Vec<&str> = body.split('x').collect();
    let elem = parts.pop()?;
    let mut shape = Vec::new();
    for p in parts {
        shape.push(if p == "?" { -1 } else { p.parse().ok()? });
    }
    sub.type_ = tensor_type(&scalar_type(elem)?)?;
    sub.shape = Some(shape);
    sub.has_rank = true;
    Some(sub)
}

/// Min/max quantization parameters from statistics (`quantized_dimension` is the axis of
/// per-channel statistics).
pub(crate) fn stats_quantization(
    mins: Vec<f32>,
    maxs: Vec<f32>,
    axis: i32,
) -> QuantizationParametersT {
    let mut q = QuantizationParametersT::default();
    q.min = Some(mins);
    q.max = Some(maxs);
    q.quantized_dimension = axis;
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use tqopt_tflite::schema::tflite::TensorType;

    #[test]
    fn dynamic_dimensions_go_to_the_signature() {
        let t = tensor_of_type(&Type::tensor(&[DYNAMIC, 3], ElementType::F32), "x").unwrap();
        assert_eq!(t.shape.as_deref(), Some(&[1, 3][..]));
        assert_eq!(t.shape_signature.as_deref(), Some(&[-1, 3][..]));
        assert!(t.has_rank);
        let t = tensor_of_type(&Type::tensor(&[], ElementType::I32), "s").unwrap();
        assert_eq!(t.shape.as_deref(), Some(&[][..]));
        assert!(t.has_rank && t.shape_signature.is_none());
        let t = tensor_of_type(&Type::UnrankedTensor(ElementType::F32), "u").unwrap();
        assert!(!t.has_rank);
        assert!(tensor_of_type(&Type::None, "n").is_err());
        assert!(tensor_of_type(&Type::tensor(&[1 << 40], ElementType::F32), "big").is_err());
    }

    #[test]
    fn reads_calibrated_and_variant_types() {
        let ty = Type::tensor(
            &[2],
            ElementType::Opaque("!quant.calibrated<f32<-1.000000e+00:2.500000e-01>>".into()),
        );
        let t = tensor_of_type(&ty, "i").unwrap();
        assert_eq!(t.type_, TensorType::FLOAT32);
        let q = t.quantization.unwrap();
        assert_eq!(q.min.as_deref(), Some(&[-1.0][..]));
        assert_eq!(q.max.as_deref(), Some(&[0.25][..]));
        let ty = Type::tensor(
            &[],
            ElementType::Opaque("!tf_type.variant<tensor<2x?xi32>>".into()),
        );
        let t = tensor_of_type(&ty, "v").unwrap();
        assert_eq!(t.type_, TensorType::VARIANT);
        let sub = &t.variant_tensors.unwrap()[0];
        assert_eq!(sub.shape.as_deref(), Some(&[2, -1][..]));
        assert_eq!(sub.type_, TensorType::INT32);
    }
}
