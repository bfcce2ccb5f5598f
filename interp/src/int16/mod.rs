//! 16x8 ops (int16 activations, int8 weights) computed as LiteRT's builtin kernels compute
//! them, bit for bit: LiteRT has no XNNPACK path for int16, so a 16x8 model runs in its
//! builtin kernels (reference kernels, or the "optimized" ones where they exist, whose x86
//! build runs NEON code translated to SSE).
//!
//! - [`affine`]: `tfl.conv_2d`, `tfl.depthwise_conv_2d`, `tfl.transpose_conv` (exact 64-bit
//!   accumulator, the 15-bit reduced multiplier) and `tfl.fully_connected` (exact
//!   accumulator, requantized in `double`).
//! - [`elementwise`]: `tfl.add` (16-lane body in the optimized kernel's fixed point, scalar tail
//!   and broadcasts in the reference kernel's) and `tfl.mul`.
//! - [`logistic`]: `tfl.logistic` and `tfl.tanh` through LiteRT's 256-entry sigmoid table.
//! - [`lut`]: `tfl.exp` and `tfl.gelu` through LiteRT's interpolated 513-entry table.
//! - [`batch_matmul`]: `tfl.batch_matmul` (exact int64 sum, 15-bit reduced multiplier).
//! - [`softmax`]: `tfl.softmax` through LiteRT's exp and reciprocal tables.
//! - [`mean`]: `tfl.mean` (integer sum, 32-bit multiplier folded with 1/count).
//! - [`resize`]: `tfl.resize_bilinear` (10-bit fixed-point weights).
//! - [`quantize`]: `tfl.quantize` from f32 (8-lane body multiplies by the f32 reciprocal and
//!   rounds halves to even, the tail divides in `double` and rounds halves away).
//!
//! Each builder returns `None` for forms it does not cover (other storage types, non-zero
//! zero points, power-of-two-scale adds, activations LiteRT does not fuse), and those ops keep
//! float emulation ([`crate::quantized`]). All arithmetic is done on the storage integers with
//! the parameters LiteRT derives from the model's f32 scales (see [`fixed_point`]).
//! Measured against LiteRT (ai-edge-litert 2.3.0) op by op on the shared models' 16x8 forms
//! (`interp/examples/op_by_op_named.rs`) and by single-op tests
//! (`tests/interop/test_eval_kernels.py`).

pub(crate) mod affine;
pub(crate) mod batch_matmul;
pub(crate) mod elementwise;
pub(crate) mod fixed_point;
pub(crate) mod logistic;
pub(crate) mod lut;
pub(crate) mod mean;
pub(crate) mod quantize;
pub(crate) mod resize;
pub(crate) mod softmax;

use tqopt_ir::{ElementType, Module, OpId, QuantParams, ValueId};

use crate::error::KResult;
use crate::kernels::BoxKernel;
use crate::tensor::{DType, Tensor};

/// Per-tensor parameters of an int16 value: (scale as the model's f32, zero point).
pub(crate) fn int16_params(m: &Module, v: ValueId) -> Option<(f32, i32)> {
    let ty = m.value_type(v);
    if ty.element_type().and_then(crate::consts::dtype_of) != Some(DType::I16) {
        return None;
    }
    let q = ty.element_type().and_then(ElementType::as_quant)?;
    match q.params {
        QuantParams::PerTensor { scale, zero_point } => {
            Some((scale as f32, i32::try_from(zero_point).ok()?))
        }
        QuantParams::PerAxis { .. } => None,
    }
}

/// The op's fused activation name ("NONE" when absent).
pub(crate) fn activation_name(m: &Module, op: OpId) -> Option<&str> {
    match m.op(op).attr("fused_activation_function") {
        None => Some("NONE"),
        Some(a) => a.as_str(),
    }
}

/// The scales (input, result) of a one-operand op whose operand and result are int16 with
/// zero point 0, the form LiteRT's int16 activation kernels require.
pub(crate) fn unary_scales(m: &Module, op: OpId) -> Option<(f32, f32)> {
    let data = m.op(op);
    let (&[x], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let (sx, zx) = int16_params(m, x)?;
    let (sy, zy) = int16_params(m, y)?;
    (zx == 0 && zy == 0).then_some((sx, sy))
}

/// A kernel that maps every int16 storage integer of operand 0 through `f`.
pub(crate) fn int16_map(
    what: &'static str,
    f: impl Fn(i16) -> i16 + Send + Sync + 'static,
) -> KResult<BoxKernel> {
    crate::kernels::kernel(move |args: &mut crate::kernels::Args<'_>| {
        let t = args.get(0)?;
        let out = int16_slice(t, what)?.iter().map(|&x| f(x)).collect();
        crate::kernels::one(Tensor::from_parts(
            t.shape().into(),
            crate::tensor::TensorData::I16(out),
        ))
    })
}

/// The int16 storage slice of a run-time operand.
pub(crate) fn int16_slice<'t>(t: &'t Tensor, what: &str) -> KResult<&'t [i16]> {
    t.as_slice::<i16>()
        .ok_or_else(|| format!("{what}: expected int16 storage, got {}", t.dtype()))
}

/// The int16 kernel of `op` for everything but the accumulating ops (those need the op's
/// float kernel, see [`affine`]); `None` when it is not a 16x8 form covered here.
pub(crate) fn build(
    m: &Module,
    op: OpId,
    consts: &[Option<&Tensor>],
) -> Option<KResult<BoxKernel>> {
    match m.op(op).name.as_str() {
        "tfl.add" | "tfl.sub" | "tfl.mul" => elementwise::build(m, op),
        "tfl.logistic" | "tfl.tanh" => logistic::build(m, op),
        "tfl.exp" | "tfl.gelu" | "tfl.log" => lut::build(m, op),
        "tfl.batch_matmul" => batch_matmul::build(m, op),
        "tfl.mean" => mean::build(m, op, consts),
        "tfl.softmax" => softmax::build(m, op),
        "tfl.resize_bilinear" => resize::build(m, op, consts),
        "tfl.quantize" => quantize::build(m, op),
        _ => None,
    }
}
