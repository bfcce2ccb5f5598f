//! `tfl.cast` between f32, f16, i8, u8, i16, i32, i64 and bool: floats to integers truncate
//! toward zero (saturating), integers to narrower integers wrap (C++'s conversion, as LiteRT
//! does), anything to bool is `!= 0`, bool to numbers is 0 or 1. A quantized result is its
//! storage type: the kernel ignores quantization parameters, as LiteRT's does.

use half::f16;

use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::consts::dtype_of;
use crate::error::KResult;
use crate::tensor::{DType, Element, Tensor, TensorData};

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    let to = info
        .result_elem(0)
        .and_then(dtype_of)
        .ok_or("the result's element type is not supported")?;
    kernel(move |a: &mut Args<'_>| {
        let t = a.get(0)?;
        if t.dtype() == to {
            return one(a.take(0)?);
        }
        fn conv<T: Element>(d: &TensorData) -> Vec<T> {
            crate::with_data!(d, v => v.iter().map(|x| T::from_f64(x.to_f64())).collect())
        }
        if let Some(data) = wrap_integers(t.data(), to) {
            return one(Tensor::from_parts(t.shape().into(), data));
        }
        let data = match to {
            DType::F32 => TensorData::F32(conv(t.data())),
            DType::F16 => TensorData::F16(conv::<f16>(t.data())),
            DType::I8 => TensorData::I8(conv(t.data())),
            DType::U8 => TensorData::U8(conv(t.data())),
            DType::I16 => TensorData::I16(conv(t.data())),
            DType::I32 => TensorData::I32(conv(t.data())),
            DType::I64 => match t.data() {
                // i64 does not survive the trip through f64 above 2^53.
                TensorData::I32(v) => TensorData::I64(v.iter().map(|&x| x as i64).collect()),
                d => TensorData::I64(conv(d)),
            },
            DType::Bool => TensorData::Bool(conv(t.data())),
            DType::C64 => TensorData::C64(conv(t.data())),
        };
        one(Tensor::from_parts(t.shape().into(), data))
    })
}

/// Integers to integers keep the low bits, as C++'s conversion does; `None` for other pairs
/// (floats, bools, 64-bit results).
fn wrap_integers(from: &TensorData, to: DType) -> Option<TensorData> {
    let wide: Vec<i64> = match from {
        TensorData::I8(v) => v.iter().map(|&x| x as i64).collect(),
        TensorData::U8(v) => v.iter().map(|&x| x as i64).collect(),
        TensorData::I16(v) => v.iter().map(|&x| x as i64).collect(),
        TensorData::I32(v) => v.iter().map(|&x| x as i64).collect(),
        TensorData::I64(v) => v.clone(),
        _ => return None,
    };
    Some(match to {
        DType::I8 => TensorData::I8(wide.iter().map(|&x| x as i8).collect()),
        DType::U8 => TensorData::U8(wide.iter().map(|&x| x as u8).collect()),
        DType::I16 => TensorData::I16(wide.iter().map(|&x| x as i16).collect()),
        DType::I32 => TensorData::I32(wide.iter().map(|&x| x as i32).collect()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_integer_casts_keep_the_low_bits() {
        let wrapped = wrap_integers(&TensorData::I32(vec![200, -300, 5, 127, 128]), DType::I8);
        assert_eq!(wrapped, Some(TensorData::I8(vec![-56, -44, 5, 127, -128])));
        let unsigned = wrap_integers(&TensorData::I32(vec![-1, 256, 300]), DType::U8);
        assert_eq!(unsigned, Some(TensorData::U8(vec![255, 0, 44])));
        let widened = wrap_integers(&TensorData::I8(vec![-1, 7]), DType::I32);
        assert_eq!(widened, Some(TensorData::I32(vec![-1, 7])));
        // Floats and bools take the other path (truncation, 0 or 1).
        assert_eq!(wrap_integers(&TensorData::F32(vec![1.5]), DType::I8), None);
        assert_eq!(
            wrap_integers(&TensorData::Bool(vec![true]), DType::I8),
            None
        );
    }
}
