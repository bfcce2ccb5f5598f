//! Kernels: the code that computes one op, and the table that finds it by op definition.
//!
//! A kernel is built once per op when the plan is made ([`build`]), with the op's attributes
//! parsed and its constant operands at hand (so weights can be repacked once), and then run
//! many times ([`Kernel::run`]) on the op's run-time operands. Kernels compute output shapes
//! from their inputs at run time, so dynamic dimensions need nothing special. Semantics are
//! TFLite's reference kernels'.
//!
//! One module per op family; each exposes `build_*` functions that the table in [`build`]
//! names ([`KERNELS`]).

pub(crate) mod activation;
pub(crate) mod args;
pub(crate) mod attrs;
pub(crate) mod batch_space;
pub(crate) mod binary;
pub(crate) mod broadcast;
pub(crate) mod cast;
pub(crate) mod compare;
pub(crate) mod concat;
pub(crate) mod conv;
pub(crate) mod conv3d;
pub(crate) mod cumsum;
pub(crate) mod custom;
pub(crate) mod depthwise;
pub(crate) mod detection;
pub(crate) mod fft;
pub(crate) mod float_sum;
pub(crate) mod gather;
pub(crate) mod gemm;
pub(crate) mod index;
pub(crate) mod lstm;
pub(crate) mod math;
pub(crate) mod matmul;
pub(crate) mod nms;
pub(crate) mod normalization;
pub(crate) mod pad;
pub(crate) mod pool;
pub(crate) mod quant;
pub(crate) mod reduce;
pub(crate) mod resize;
pub(crate) mod reverse;
pub(crate) mod shape;
pub(crate) mod simd;
pub(crate) mod slice;
pub(crate) mod softmax;
pub(crate) mod stl_heap;
pub(crate) mod transpose;
pub(crate) mod transpose_conv;
pub(crate) mod unary;
pub(crate) mod update;
pub(crate) mod xnnpack_math;

pub(crate) use args::{Args, OpInfo};

use std::collections::HashMap;
use std::sync::OnceLock;

use tqopt_ir::dialect::{tfl, OpDef};

use crate::error::KResult;
use crate::tensor::Tensor;

/// The outputs of one kernel run, one per op result.
pub(crate) type Outputs = smallvec::SmallVec<[Tensor; 2]>;

/// A prepared op: attributes parsed, constant weights repacked.
pub(crate) trait Kernel: Send + Sync {
    fn run(&self, args: &mut Args<'_>) -> KResult<Outputs>;
}

impl<F> Kernel for F
where
    F: Fn(&mut Args<'_>) -> KResult<Outputs> + Send + Sync,
{
    fn run(&self, args: &mut Args<'_>) -> KResult<Outputs> {
        self(args)
    }
}

/// A boxed kernel.
pub(crate) type BoxKernel = Box<dyn Kernel>;

/// A kernel for a chain of ops fused into one pass (see `plan::fuse`). It may decline a run
/// whose operands it does not handle (`Ok(None)`); the chain's own kernels then run one by one.
pub(crate) trait FusedKernel: Send + Sync {
    fn run(&self, args: &mut Args<'_>) -> KResult<Option<Outputs>>;
}

/// Wraps a closure as a kernel.
pub(crate) fn kernel<F>(f: F) -> KResult<BoxKernel>
where
    F: Fn(&mut Args<'_>) -> KResult<Outputs> + Send + Sync + 'static,
{
    Ok(Box::new(f))
}

/// One output.
pub(crate) fn one(t: Tensor) -> KResult<Outputs> {
    Ok(smallvec::smallvec![t])
}

/// An optional bias operand as `n` float32 values; the error names the `n` as `what`
/// ("the bias has 3 elements for 4 output channels").
pub(crate) fn bias_f32<'t>(
    bias: Option<&'t Tensor>,
    n: usize,
    what: &str,
) -> KResult<Option<&'t [f32]>> {
    let Some(b) = bias else { return Ok(None) };
    let v = b.as_f32().ok_or("the bias must be f32")?;
    if v.len() != n {
        return Err(format!("the bias has {} elements for {n} {what}", v.len()));
    }
    Ok(Some(v))
}

/// Builds an op's kernel from what the plan knows about the op.
pub(crate) type Builder = fn(&OpInfo<'_>) -> KResult<BoxKernel>;

/// The interpreter's kernels, keyed by op definition: an op that does not exist is a compile
/// error, and `coverage_tests` checks that every op of `tfl::OPS` is here or is listed there as
/// having no kernel, with the reason.
pub(crate) static KERNELS: &[(&OpDef, Builder)] = &[
    // element-wise arithmetic
    (&tfl::ADD, binary::build),
    (&tfl::SUB, binary::build),
    (&tfl::MUL, binary::build),
    (&tfl::DIV, binary::build),
    (&tfl::SQUARED_DIFFERENCE, binary::build),
    (&tfl::MAXIMUM, binary::build),
    (&tfl::MINIMUM, binary::build),
    (&tfl::POW, binary::build),
    (&tfl::PRELU, activation::build_prelu),
    // comparisons and logic
    (&tfl::LESS, compare::build),
    (&tfl::LESS_EQUAL, compare::build),
    (&tfl::GREATER, compare::build),
    (&tfl::GREATER_EQUAL, compare::build),
    (&tfl::EQUAL, compare::build),
    (&tfl::NOT_EQUAL, compare::build),
    (&tfl::LOGICAL_AND, compare::build),
    (&tfl::LOGICAL_OR, compare::build),
    (&tfl::LOGICAL_NOT, compare::build_not),
    (&tfl::SELECT_V2, compare::build_select),
    (&tfl::SELECT, compare::build_select),
    // element-wise functions
    (&tfl::LOGISTIC, unary::build),
    (&tfl::TANH, unary::build),
    (&tfl::RELU, unary::build),
    (&tfl::RELU6, unary::build),
    (&tfl::RELU_N1_TO_1, unary::build),
    (&tfl::LEAKY_RELU, unary::build),
    (&tfl::HARD_SWISH, unary::build),
    (&tfl::GELU, unary::build),
    (&tfl::ELU, unary::build),
    (&tfl::EXP, unary::build),
    (&tfl::LOG, unary::build),
    (&tfl::SQRT, unary::build),
    (&tfl::RSQRT, unary::build),
    (&tfl::NEG, unary::build),
    (&tfl::ABS, unary::build),
    (&tfl::SQUARE, unary::build),
    (&tfl::FLOOR, unary::build),
    (&tfl::CEIL, unary::build),
    (&tfl::ROUND, unary::build),
    (&tfl::SIN, unary::build),
    (&tfl::COS, unary::build),
    (&tfl::SIGN, unary::build),
    (&tfl::FLOOR_DIV, math::build_binary),
    (&tfl::FLOOR_MOD, math::build_binary),
    (&tfl::ATAN2, math::build_binary),
    (&tfl::ADD_N, math::build_add_n),
    (&tfl::ZEROS_LIKE, math::build_zeros_like),
    (&tfl::FILL, math::build_fill),
    (&tfl::RANGE, math::build_range),
    (&tfl::ONE_HOT, math::build_one_hot),
    (&tfl::TOPK_V2, math::build_topk),
    (&tfl::NON_MAX_SUPPRESSION_V4, nms::build),
    (&tfl::NON_MAX_SUPPRESSION_V5, nms::build),
    // convolutions and products
    (&tfl::CONV_2D, conv::build),
    (&tfl::CONV_3D, conv3d::build),
    (&tfl::DEPTHWISE_CONV_2D, depthwise::build),
    (&tfl::TRANSPOSE_CONV, transpose_conv::build),
    (&tfl::FULLY_CONNECTED, matmul::build_fully_connected),
    (&tfl::BATCH_MATMUL, matmul::build_batch_matmul),
    // pooling, normalization, reductions
    (&tfl::AVERAGE_POOL_2D, pool::build),
    (&tfl::MAX_POOL_2D, pool::build),
    (&tfl::L2_NORMALIZATION, normalization::build_l2),
    (&tfl::LOCAL_RESPONSE_NORMALIZATION, normalization::build_lrn),
    (&tfl::SOFTMAX, softmax::build),
    (&tfl::LOG_SOFTMAX, softmax::build),
    (&tfl::MEAN, reduce::build),
    (&tfl::SUM, reduce::build),
    (&tfl::REDUCE_MAX, reduce::build),
    (&tfl::REDUCE_MIN, reduce::build),
    (&tfl::REDUCE_PROD, reduce::build),
    (&tfl::REDUCE_ANY, reduce::build),
    (&tfl::REDUCE_ALL, reduce::build),
    (&tfl::CUMSUM, cumsum::build),
    (&tfl::ARG_MAX, index::build_arg),
    (&tfl::ARG_MIN, index::build_arg),
    // shapes and data movement
    (&tfl::RESHAPE, shape::build_reshape),
    (&tfl::SQUEEZE, shape::build_squeeze),
    (&tfl::EXPAND_DIMS, shape::build_expand_dims),
    (&tfl::SHAPE, shape::build_shape),
    (&tfl::BROADCAST_TO, shape::build_broadcast_to),
    (&tfl::TRANSPOSE, transpose::build),
    (&tfl::CONCATENATION, concat::build_concat),
    (&tfl::PACK, concat::build_pack),
    (&tfl::UNPACK, concat::build_unpack),
    (&tfl::SPLIT, concat::build_split),
    (&tfl::SPLIT_V, concat::build_split_v),
    (&tfl::SLICE, slice::build_slice),
    (&tfl::STRIDED_SLICE, slice::build_strided_slice),
    (&tfl::GATHER, gather::build_gather),
    (&tfl::GATHER_ND, gather::build_gather_nd),
    (&tfl::EMBEDDING_LOOKUP, gather::build_embedding_lookup),
    (&tfl::PAD, pad::build_pad),
    (&tfl::PADV2, pad::build_pad),
    (&tfl::MIRROR_PAD, pad::build_mirror_pad),
    (&tfl::TILE, pad::build_tile),
    (&tfl::RESIZE_BILINEAR, resize::build),
    (&tfl::RESIZE_NEAREST_NEIGHBOR, resize::build),
    (&tfl::DEPTH_TO_SPACE, transpose::build_depth_to_space),
    (&tfl::SPACE_TO_DEPTH, transpose::build_space_to_depth),
    (&tfl::SPACE_TO_BATCH_ND, batch_space::build_space_to_batch),
    (&tfl::BATCH_TO_SPACE_ND, batch_space::build_batch_to_space),
    (&tfl::REVERSE_V2, reverse::build_reverse),
    (
        &tfl::DYNAMIC_UPDATE_SLICE,
        update::build_dynamic_update_slice,
    ),
    (&tfl::WHERE, update::build_where),
    (&tfl::BROADCAST_ARGS, update::build_broadcast_args),
    (&tfl::REVERSE_SEQUENCE, reverse::build_reverse_sequence),
    // types
    (&tfl::CAST, cast::build),
    (&tfl::QUANTIZE, quant::build_quantize),
    (&tfl::DEQUANTIZE, quant::build_dequantize),
    (&tfl::DENSIFY, shape::build_identity),
    // sequences
    (&tfl::UNIDIRECTIONAL_SEQUENCE_LSTM, lstm::build),
    (&tfl::CUSTOM, custom::build),
];

/// The kernel builder of an op, or `None` when the interpreter has none.
pub(crate) fn builder(def: &OpDef) -> Option<Builder> {
    static INDEX: OnceLock<HashMap<&'static str, Builder>> = OnceLock::new();
    INDEX
        .get_or_init(|| KERNELS.iter().map(|&(d, b)| (d.name, b)).collect())
        .get(def.name)
        .copied()
}

/// The kernel of an op, or `None` when the interpreter has none for it.
pub(crate) fn build(info: &OpInfo<'_>) -> Option<KResult<BoxKernel>> {
    let data = info.module.op(info.op);
    if data.is(&tfl::BUILTIN) {
        let name = data
            .attr("builtin_name")
            .and_then(tqopt_ir::Attribute::as_str)?;
        return Some(builtin_builder(name)?(info));
    }
    Some(builder(data.def()?)?(info))
}

/// The kernel builder of a TFLite builtin tqopt keeps in generic form (`tfl.builtin` with
/// this `builtin_name`), or `None` when the interpreter has none (a partial plan then leaves
/// such ops out).
pub(crate) fn builtin_builder(name: &str) -> Option<Builder> {
    match name {
        fft::RFFT2D => Some(fft::build_rfft2d),
        fft::COMPLEX_ABS => Some(fft::build_complex_abs),
        fft::REAL => Some(fft::build_real),
        fft::IMAG => Some(fft::build_imag),
        _ => None,
    }
}
