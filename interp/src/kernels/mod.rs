//! Kernels: the code that computes one op, and the table that finds it by op name.
//!
//! A kernel is built once per op when the plan is made ([`build`]), with the op's attributes
//! parsed and its constant operands at hand (so weights can be repacked once), and then run
//! many times ([`Kernel::run`]) on the op's run-time operands. Kernels compute output shapes
//! from their inputs at run time, so dynamic dimensions need nothing special. Semantics are
//! TFLite's reference kernels'.
//!
//! One module per op family; each exposes `build_*` functions that the table in [`build`]
//! names.

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
pub(crate) mod cumsum;
pub(crate) mod custom;
pub(crate) mod depthwise;
pub(crate) mod gather;
pub(crate) mod gemm;
pub(crate) mod index;
pub(crate) mod lstm;
pub(crate) mod math;
pub(crate) mod matmul;
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
pub(crate) mod transpose;
pub(crate) mod transpose_conv;
pub(crate) mod unary;
pub(crate) mod update;

pub(crate) use args::{Args, OpInfo};

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

/// The kernel of an op, or `None` when the interpreter has none for its name.
pub(crate) fn build(info: &OpInfo<'_>) -> Option<KResult<BoxKernel>> {
    use activation as act;
    let name = info.name();
    let k = match name {
        // element-wise arithmetic
        "tfl.add"
        | "tfl.sub"
        | "tfl.mul"
        | "tfl.div"
        | "tfl.squared_difference"
        | "tfl.maximum"
        | "tfl.minimum"
        | "tfl.pow" => binary::build(info),
        "tfl.prelu" => act::build_prelu(info),
        // comparisons and logic
        "tfl.less" | "tfl.less_equal" | "tfl.greater" | "tfl.greater_equal" | "tfl.equal"
        | "tfl.not_equal" | "tfl.logical_and" | "tfl.logical_or" => compare::build(info),
        "tfl.logical_not" => compare::build_not(info),
        "tfl.select_v2" | "tfl.select" => compare::build_select(info),
        // element-wise functions
        "tfl.logistic" | "tfl.tanh" | "tfl.relu" | "tfl.relu6" | "tfl.relu_n1_to_1"
        | "tfl.leaky_relu" | "tfl.hard_swish" | "tfl.gelu" | "tfl.elu" | "tfl.exp" | "tfl.log"
        | "tfl.sqrt" | "tfl.rsqrt" | "tfl.neg" | "tfl.abs" | "tfl.square" | "tfl.floor"
        | "tfl.ceil" | "tfl.round" | "tfl.sin" | "tfl.cos" | "tfl.sign" => unary::build(info),
        "tfl.floor_div" | "tfl.floor_mod" | "tfl.atan2" => math::build_binary(info),
        "tfl.add_n" => math::build_add_n(info),
        "tfl.zeros_like" => math::build_zeros_like(info),
        "tfl.fill" => math::build_fill(info),
        "tfl.range" => math::build_range(info),
        "tfl.one_hot" => math::build_one_hot(info),
        "tfl.topk_v2" => math::build_topk(info),
        // convolutions and products
        "tfl.conv_2d" => conv::build(info),
        "tfl.depthwise_conv_2d" => depthwise::build(info),
        "tfl.transpose_conv" => transpose_conv::build(info),
        "tfl.fully_connected" => matmul::build_fully_connected(info),
        "tfl.batch_matmul" => matmul::build_batch_matmul(info),
        // pooling, normalization, reductions
        "tfl.average_pool_2d" | "tfl.max_pool_2d" => pool::build(info),
        "tfl.l2_normalization" => normalization::build_l2(info),
        "tfl.local_response_normalization" => normalization::build_lrn(info),
        "tfl.softmax" | "tfl.log_softmax" => softmax::build(info),
        "tfl.mean" | "tfl.sum" | "tfl.reduce_max" | "tfl.reduce_min" | "tfl.reduce_prod"
        | "tfl.reduce_any" | "tfl.reduce_all" => reduce::build(info),
        "tfl.cumsum" => cumsum::build(info),
        "tfl.arg_max" | "tfl.arg_min" => index::build_arg(info),
        // shapes and data movement
        "tfl.reshape" => shape::build_reshape(info),
        "tfl.squeeze" => shape::build_squeeze(info),
        "tfl.expand_dims" => shape::build_expand_dims(info),
        "tfl.shape" => shape::build_shape(info),
        "tfl.broadcast_to" => shape::build_broadcast_to(info),
        "tfl.transpose" => transpose::build(info),
        "tfl.concatenation" => concat::build_concat(info),
        "tfl.pack" => concat::build_pack(info),
        "tfl.unpack" => concat::build_unpack(info),
        "tfl.split" => concat::build_split(info),
        "tfl.split_v" => concat::build_split_v(info),
        "tfl.slice" => slice::build_slice(info),
        "tfl.strided_slice" => slice::build_strided_slice(info),
        "tfl.gather" => gather::build_gather(info),
        "tfl.gather_nd" => gather::build_gather_nd(info),
        "tfl.embedding_lookup" => gather::build_embedding_lookup(info),
        "tfl.pad" | "tfl.padv2" => pad::build_pad(info),
        "tfl.mirror_pad" => pad::build_mirror_pad(info),
        "tfl.tile" => pad::build_tile(info),
        "tfl.resize_bilinear" | "tfl.resize_nearest_neighbor" => resize::build(info),
        "tfl.depth_to_space" => transpose::build_depth_to_space(info),
        "tfl.space_to_depth" => transpose::build_space_to_depth(info),
        "tfl.space_to_batch_nd" => batch_space::build_space_to_batch(info),
        "tfl.batch_to_space_nd" => batch_space::build_batch_to_space(info),
        "tfl.reverse_v2" => reverse::build_reverse(info),
        "tfl.dynamic_update_slice" => update::build_dynamic_update_slice(info),
        "tfl.where" => update::build_where(info),
        "tfl.broadcast_args" => update::build_broadcast_args(info),
        "tfl.reverse_sequence" => reverse::build_reverse_sequence(info),
        // types
        "tfl.cast" => cast::build(info),
        "tfl.quantize" => quant::build_quantize(info),
        "tfl.dequantize" => quant::build_dequantize(info),
        "tfl.densify" => shape::build_identity(info),
        // sequences
        "tfl.unidirectional_sequence_lstm" => lstm::build(info),
        "tfl.custom" => custom::build(info),
        _ => return None,
    };
    Some(k)
}
