//! int8 and uint8 ops that LiteRT's default interpreter leaves to its builtin kernels (XNNPACK
//! does not take them quantized), computed as those kernels do on the storage integers, so
//! that `tqopt eval` sees LiteRT's values and not float emulation's (which misses ties and
//! fixed-point rounding by a step, and a model can amplify one step by decibels).
//!
//! - [`average_pool`]: the integer average, rounded half away from zero;
//! - [`hard_swish`]: 16-bit fixed point;
//! - [`squared_difference`]: inputs rescaled in fixed point, the square requantized;
//! - [`sqrt`]: the f32 square root, truncated;
//! - [`rsqrt`]: gemmlowp's fixed-point inverse square root;
//!
//! Each kernel states the measurement that called for it. Every function here is integer
//! arithmetic or the f32/f64 operations LiteRT performs, in the same order.

mod average_pool;
mod hard_swish;
pub(crate) mod lut;
mod rsqrt;
mod sqrt;
mod squared_difference;

use tqopt_ir::{ElementType, Module, OpId, QuantParams, ValueId};

use crate::error::KResult;
use crate::kernels::broadcast::binary;
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{DType, Element, Shape, Tensor, TensorData};

/// Per-tensor parameters of a quantized value whose storage is one of `storages`: (storage
/// type, scale as f32, zero point); `None` for other storage or per-axis parameters.
pub(crate) fn per_tensor_params(
    m: &Module,
    v: ValueId,
    storages: &[DType],
) -> Option<(DType, f32, i32)> {
    let ty = m.value_type(v);
    let q = ty.element_type().and_then(ElementType::as_quant)?;
    let dtype = ty.element_type().and_then(crate::consts::dtype_of)?;
    if !storages.contains(&dtype) {
        return None;
    }
    match q.params {
        QuantParams::PerTensor { scale, zero_point } => {
            Some((dtype, scale as f32, i32::try_from(zero_point).ok()?))
        }
        QuantParams::PerAxis { .. } => None,
    }
}

/// Per-tensor 8-bit parameters of a value: (storage type, scale as f32, zero point); `None`
/// for other storage or per-axis parameters.
pub(crate) fn eight_bit_params(m: &Module, v: ValueId) -> Option<(DType, f32, i32)> {
    per_tensor_params(m, v, &[DType::I8, DType::U8])
}

/// Per-tensor int8 parameters of a value: (scale as f32, zero point).
pub(crate) fn int8_params(m: &Module, v: ValueId) -> Option<(f32, i32)> {
    match eight_bit_params(m, v)? {
        (DType::I8, scale, zero_point) => Some((scale, zero_point)),
        _ => None,
    }
}

/// The storage integers of an int8 or uint8 run-time operand, widened.
pub(crate) fn eight_bit_values(t: &Tensor, what: &str) -> KResult<Vec<i32>> {
    match t.data() {
        TensorData::I8(v) => Ok(v.iter().map(|&q| q as i32).collect()),
        TensorData::U8(v) => Ok(v.iter().map(|&q| q as i32).collect()),
        other => Err(format!(
            "{what}: expected int8 or uint8 storage, got {}",
            other.dtype()
        )),
    }
}

/// The storage integers of an int8, uint8 or int16 run-time operand, widened.
pub(crate) fn storage_values(t: &Tensor, what: &str) -> KResult<Vec<i32>> {
    match t.data() {
        TensorData::I8(v) => Ok(v.iter().map(|&q| q as i32).collect()),
        TensorData::U8(v) => Ok(v.iter().map(|&q| q as i32).collect()),
        TensorData::I16(v) => Ok(v.iter().map(|&q| q as i32).collect()),
        other => Err(format!(
            "{what}: expected int8, uint8 or int16 storage, got {}",
            other.dtype()
        )),
    }
}

/// A tensor of `dtype` storage (uint8, int16, else int8) from values within its range.
pub(crate) fn storage_tensor(
    shape: Shape,
    dtype: DType,
    values: impl Iterator<Item = i32>,
) -> Tensor {
    let data = match dtype {
        DType::U8 => TensorData::U8(values.map(|v| v as u8).collect()),
        DType::I16 => TensorData::I16(values.map(|v| v as i16).collect()),
        _ => TensorData::I8(values.map(|v| v as i8).collect()),
    };
    Tensor::from_parts(shape, data)
}

/// The range of a quantized storage type (int8, uint8 or int16; int16's for any other).
pub(crate) fn storage_range(dtype: DType) -> (i32, i32) {
    match dtype {
        DType::I8 => (-128, 127),
        DType::U8 => (0, 255),
        _ => (-32768, 32767),
    }
}

/// A kernel that maps every storage integer of operand 0 (int8, uint8 or int16, as `dtype`)
/// through `f`, whose results must fit the storage; `what` names the op in errors.
pub(crate) fn map_storage(
    dtype: DType,
    what: &'static str,
    f: impl Fn(i32) -> i32 + Send + Sync + 'static,
) -> KResult<BoxKernel> {
    fn typed<T: Element>(
        what: &'static str,
        f: impl Fn(i32) -> i32 + Send + Sync + 'static,
    ) -> KResult<BoxKernel> {
        kernel(move |args: &mut Args<'_>| {
            let t = args.get(0)?;
            let v = t.as_slice::<T>().ok_or_else(|| {
                format!("{what}: expected {} storage, got {}", T::DTYPE, t.dtype())
            })?;
            let out = v
                .iter()
                .map(|&q| T::from_f64(f(q.to_f64() as i32) as f64))
                .collect();
            one(Tensor::from_parts(t.shape().into(), T::wrap(out)))
        })
    }
    match dtype {
        DType::I8 => typed::<i8>(what, f),
        DType::U8 => typed::<u8>(what, f),
        DType::I16 => typed::<i16>(what, f),
        other => Err(format!("{what}: no integer kernel for {other} storage")),
    }
}

/// A kernel that maps every int8 storage integer of operand 0 through `f` (an error from `f`
/// fails the run).
pub(crate) fn int8_unary(
    f: impl Fn(i8) -> KResult<i8> + Send + Sync + 'static,
) -> KResult<BoxKernel> {
    kernel(move |args: &mut Args<'_>| {
        let t = args.get(0)?;
        let v = t
            .as_slice::<i8>()
            .ok_or_else(|| format!("expected int8 storage, got {}", t.dtype()))?;
        let out = v.iter().map(|&q| f(q)).collect::<KResult<Vec<i8>>>()?;
        one(Tensor::from_parts(
            Shape::from_slice(t.shape()),
            TensorData::I8(out),
        ))
    })
}

/// A kernel that maps the int8 storage integers of operands 0 and 1, broadcast against each
/// other, through `f`.
pub(crate) fn int8_binary(f: impl Fn(i8, i8) -> i8 + Send + Sync + 'static) -> KResult<BoxKernel> {
    kernel(move |args: &mut Args<'_>| {
        let (a, b) = (args.get(0)?, args.get(1)?);
        let (Some(av), Some(bv)) = (a.as_slice::<i8>(), b.as_slice::<i8>()) else {
            return Err(format!(
                "expected int8 storage, got {} and {}",
                a.dtype(),
                b.dtype()
            ));
        };
        let (shape, out) = binary(av, a.shape(), bv, b.shape(), &f)?;
        one(Tensor::from_parts(shape, TensorData::I8(out)))
    })
}

/// The builtin kernel of `op` when it is one of the ops here in a form covered.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    match m.op(op).name.as_str() {
        "tfl.average_pool_2d" => average_pool::build(m, op),
        "tfl.hard_swish" => hard_swish::build(m, op),
        "tfl.log" => lut::build(m, op),
        "tfl.squared_difference" => squared_difference::build(m, op),
        "tfl.sqrt" => sqrt::build(m, op),
        "tfl.rsqrt" => rsqrt::build(m, op),
        _ => None,
    }
}
