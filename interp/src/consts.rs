//! Decoding the IR's constants into tensors, once, when the plan is made.
//!
//! `tfl.pseudo_const` and `tfl.pseudo_qconst` hold dense little-endian bytes (inline or in a
//! `dense_resource` blob of the module); quantized constants keep their storage integers. The
//! sparse constants (`tfl.pseudo_sparse_const`, `tfl.pseudo_sparse_qconst`) are densified here
//! from their `compressed_data` and `s_param` (see [`crate::sparse`]), so `tfl.densify` of them
//! is a copy that plan-time folding removes.

use half::f16;
use tqopt_ir::{Attribute, DenseElements, DenseValues, ElementType, FloatKind, Module, OpId, Type};

use crate::error::KResult;
use crate::tensor::{DType, Shape, Tensor, TensorData};

/// The run-time element type of an IR element type: quantized types by their storage,
/// `i1` as booleans. `None` for types the interpreter does not compute with (strings,
/// complex numbers, f64, bf16).
pub(crate) fn dtype_of(elem: &ElementType) -> Option<DType> {
    match elem {
        ElementType::Float(FloatKind::F32) => Some(DType::F32),
        ElementType::Float(FloatKind::F16) => Some(DType::F16),
        ElementType::Int(t) => int_dtype(t.width, t.is_unsigned()),
        ElementType::Quant(q) => int_dtype(q.storage.width, q.storage.is_unsigned()),
        ElementType::Complex(FloatKind::F32) => Some(DType::C64),
        _ => None,
    }
}

fn int_dtype(width: u32, unsigned: bool) -> Option<DType> {
    Some(match (width, unsigned) {
        (1, _) => DType::Bool,
        // 4-bit values take one byte each in dense elements.
        (4, false) | (8, false) => DType::I8,
        (8, true) => DType::U8,
        (16, false) => DType::I16,
        (32, false) => DType::I32,
        (64, false) => DType::I64,
        _ => return None,
    })
}

/// Whether the op defines a constant the interpreter decodes itself.
pub(crate) fn is_constant_op(name: &str) -> bool {
    matches!(
        name,
        "tfl.pseudo_const"
            | "tfl.pseudo_qconst"
            | "tfl.pseudo_sparse_const"
            | "tfl.pseudo_sparse_qconst"
            | "arith.constant"
    )
}

/// The value of a constant op.
pub(crate) fn decode_constant(m: &Module, op: OpId) -> KResult<Tensor> {
    let data = m.op(op);
    let name = data.name.as_str();
    let result = data
        .results()
        .first()
        .ok_or("a constant must have a result")?;
    let result_ty = m.value_type(*result);
    if name.starts_with("tfl.pseudo_sparse") {
        let compressed = data
            .attr("compressed_data")
            .ok_or("attribute 'compressed_data' is missing")?;
        let s_param = match data.attr("s_param") {
            Some(Attribute::Opaque(o)) => o.body.as_deref().unwrap_or(""),
            Some(_) => return Err("attribute 's_param' must be a #tfl.sparsity_parameter".into()),
            None => return Err("attribute 's_param' is missing".into()),
        };
        let values = decode_elements(m, compressed)?;
        let dense_ty = result_ty
            .as_tensor()
            .ok_or("a sparse constant must have a ranked tensor type")?;
        let shape = static_shape(&dense_ty.shape)?;
        check_budget(&shape, dtype_of(&dense_ty.elem).map_or(4, DType::size))?;
        return crate::sparse::densify(&values, s_param, &shape);
    }
    let value = data.attr("value").ok_or("attribute 'value' is missing")?;
    let t = decode_elements(m, value)?;
    if data.attributes.contains(tqopt_ir::IS_VARIABLE_ATTR) {
        return Ok(variable_initial_value(&t, result_ty));
    }
    if let Some(ty) = result_ty.as_tensor() {
        let shape = static_shape(&ty.shape)?;
        if shape.as_slice() != t.shape() {
            return Err(format!(
                "'value' has shape {:?} but the result type is {result_ty}",
                t.shape()
            ));
        }
    }
    Ok(t)
}

/// What a TFLite variable tensor holds before its op first writes it: LiteRT resets variables
/// to zero bytes, and int8 ones to their zero point. The importer's value (`placeholder`, a
/// splat that keeps variables apart) only gives the shape and type.
fn variable_initial_value(placeholder: &Tensor, ty: &Type) -> Tensor {
    let zero_point = ty
        .element_type()
        .and_then(|e| e.as_quant())
        .filter(|q| q.storage.width == 8 && !q.storage.is_unsigned())
        .and_then(|q| match &q.params {
            tqopt_ir::QuantParams::PerTensor { zero_point, .. } => Some(*zero_point),
            _ => None,
        })
        .unwrap_or(0);
    let mut t = Tensor::zeros(placeholder.dtype(), placeholder.shape());
    if let (Some(v), Ok(zp)) = (t.as_slice_mut::<i8>(), i8::try_from(zero_point)) {
        v.fill(zp);
    }
    t
}

/// Fails when a constant of `shape` would not fit the memory budget (a splat or sparse constant
/// declares a shape its few bytes do not bound).
fn check_budget(shape: &[usize], elem_bytes: usize) -> KResult<usize> {
    crate::budget::check_dims(shape, elem_bytes).map_err(|e| {
        format!(
            "a constant of shape {} {e}",
            crate::tensor::format_shape(shape)
        )
    })
}

fn static_shape(dims: &[i64]) -> KResult<Shape> {
    dims.iter()
        .map(|&d| usize::try_from(d).map_err(|_| "a constant must have a static shape".to_string()))
        .collect()
}

/// A dense or resource elements attribute as a tensor.
pub(crate) fn decode_elements(m: &Module, attr: &Attribute) -> KResult<Tensor> {
    match attr {
        Attribute::Dense(d) => decode_dense(d),
        Attribute::DenseResource { name, ty } => {
            if &**name == "__elided__" {
                return Err(
                    "the constant's values were elided from the IR (dense_resource<__elided__>)"
                        .into(),
                );
            }
            let blob = m
                .resource(name)
                .ok_or_else(|| format!("no resource blob named '{name}' in the module"))?;
            let dense =
                DenseElements::from_blob(ty.clone(), blob.data.clone()).ok_or_else(|| {
                    format!(
                        "resource blob '{name}' has {} bytes, which does not fit {}",
                        blob.data.len(),
                        Type::Tensor(ty.clone())
                    )
                })?;
            decode_dense(&dense)
        }
        other => Err(format!(
            "expected dense elements but found a {} attribute",
            other.kind_name()
        )),
    }
}

/// Dense elements as a tensor (splats expanded).
pub(crate) fn decode_dense(d: &DenseElements) -> KResult<Tensor> {
    let shape = static_shape(&d.ty.shape)?;
    let n = check_budget(&shape, dtype_of(&d.ty.elem).map_or(4, DType::size))?;
    let (bytes, splat) = match &d.values {
        DenseValues::Full(b) => (b.as_bytes(), false),
        DenseValues::Splat(b) => (b.as_bytes(), true),
        DenseValues::Strings(_) => return Err("string constants are not supported".into()),
    };
    let elem = &d.ty.elem;
    let data = match elem {
        // bf16 and f64 constants are computed with as f32.
        ElementType::Float(FloatKind::BF16) | ElementType::Float(FloatKind::F64) => {
            TensorData::F32(d.to_f32_vec())
        }
        _ => {
            let dtype = dtype_of(elem)
                .ok_or_else(|| format!("constants of element type {elem} are not supported"))?;
            decode_bytes(dtype, bytes, if splat { 1 } else { n })?
        }
    };
    let data = if splat && n != 1 {
        crate::map_data!(data, v => vec![v[0]; n])
    } else {
        data
    };
    Tensor::new(&shape, data).map_err(|e| e.to_string())
}

/// `n` little-endian elements of `dtype` from `bytes`.
fn decode_bytes(dtype: DType, bytes: &[u8], n: usize) -> KResult<TensorData> {
    let width = dtype.size();
    if Some(bytes.len()) != n.checked_mul(width) {
        return Err(format!(
            "constant data has {} bytes where {n} elements of {dtype} need {}",
            bytes.len(),
            n as u128 * width as u128
        ));
    }
    macro_rules! le {
        ($t:ty, $w:literal) => {
            bytes
                .chunks_exact($w)
                .map(|c| {
                    let mut a = [0u8; $w];
                    a.copy_from_slice(c);
                    <$t>::from_le_bytes(a)
                })
                .collect()
        };
    }
    Ok(match dtype {
        DType::F32 => TensorData::F32(le!(f32, 4)),
        DType::F16 => TensorData::F16(
            bytes
                .chunks_exact(2)
                .map(|c| f16::from_bits(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
        ),
        DType::I8 => TensorData::I8(bytes.iter().map(|&b| b as i8).collect()),
        DType::U8 => TensorData::U8(bytes.to_vec()),
        DType::Bool => TensorData::Bool(bytes.iter().map(|&b| b & 1 != 0).collect()),
        DType::I16 => TensorData::I16(le!(i16, 2)),
        DType::I32 => TensorData::I32(le!(i32, 4)),
        DType::I64 => TensorData::I64(le!(i64, 8)),
        DType::C64 => {
            let parts: Vec<f32> = le!(f32, 4);
            TensorData::C64(
                parts
                    .chunks_exact(2)
                    .map(|p| crate::tensor::Complex32 { re: p[0], im: p[1] })
                    .collect(),
            )
        }
    })
}
