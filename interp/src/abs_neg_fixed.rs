//! Quantized `tfl.abs` and `tfl.neg` (int8 or int16) as LiteRT's builtin kernels compute them.
//!
//! ABS: `|q - in_zp|`, requantized with `MultiplyByQuantizedMultiplier` (the multiplier of
//! `in_scale / out_scale`, in `double`) when the scales differ, plus the output zero point,
//! clamped. NEG: LiteRT negates the storage integers and ignores the quantization (right only
//! for zero points of 0 and one scale, which tqopt's own models keep); `-(-128)` wraps to
//! -128. Float emulation differed on 14 of 256 int8 inputs of an ABS from scale 0.05 to 0.04,
//! and on every input of a NEG with a zero point of -5.

use tqopt_ir::{Module, OpId};

use crate::builtin8::{map_storage, per_tensor_params, storage_range};
use crate::error::KResult;
use crate::int16::fixed_point::{multiply_by_quantized_multiplier, quantize_multiplier};
use crate::kernels::BoxKernel;
use crate::tensor::DType;

/// The kernel of `op` when it is an int8 or int16 ABS or NEG.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let abs = match data.name.as_str() {
        "tfl.abs" => true,
        "tfl.neg" => false,
        _ => return None,
    };
    let (&[x], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let storages = [DType::I8, DType::I16];
    let (tx, si, zi) = per_tensor_params(m, x, &storages)?;
    let (ty, so, zo) = per_tensor_params(m, y, &storages)?;
    if tx != ty {
        return None;
    }
    let (lo, hi) = storage_range(tx);
    if !abs {
        // The storage negated, wrapping as LiteRT's cast back to the storage type does.
        return Some(map_storage(tx, "neg", move |q| {
            let r = -q;
            if r > hi {
                r - (hi - lo + 1)
            } else {
                r
            }
        }));
    }
    let rescale = if si != so {
        Some(quantize_multiplier(si as f64 / so as f64)?)
    } else {
        None
    };
    Some(map_storage(tx, "abs", move |q| {
        let v = (q - zi).abs();
        let v = match rescale {
            Some((mult, shift)) => multiply_by_quantized_multiplier(v, mult, shift),
            None => v,
        };
        (v + zo).clamp(lo, hi)
    }))
}
