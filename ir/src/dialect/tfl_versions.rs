//! TFLite operator versions of the tfl ops: TensorFlow's versioning rules
//! (`GetBuiltinOperatorVersion` in `tensorflow/compiler/mlir/lite/tools/versioning/op_version.cc`,
//! with the extra facts `GetOpSignature` derives in `op_signature.cc`), read from the IR.
//!
//! Each rule is a list of conditions tried top-down, and the first one that holds gives the
//! version, as in op_version.cc; the order of the checks is TensorFlow's and is part of the
//! rule. Ops that op_version.cc has no case for are version 1 ([`always_1`]).
//!
//! How op_version.cc sees an op, and what stands for it here:
//! - A tensor's type is the flatbuffer's `TensorType` ([`TflType`]): a quantized type counts as
//!   its storage type (`!quant.uniform<i8:f32, ...>` is INT8, `u8` storage UINT8, `i16` INT16,
//!   `i32` INT32), `f16` is FLOAT16, `i1` BOOL, `!tf_type.string` STRING. An absent optional
//!   operand (`none`, index -1 in the file) is `kTfLiteNoType`.
//! - `inputs` and `outputs` are the op's operands and results in order: the tfl dialect orders
//!   them as TFLite does.
//! - `dims` are the shape as the exporter writes it (a dynamic dimension is written as 1).
//! - What op_signature.cc computes from the tensors (per-channel filters, the MUL scales, a
//!   sparse FULLY_CONNECTED weight, a grouped convolution) comes from the quantized types and
//!   from the op defining the weight.
//! - Builtin options come from the op's attributes. Options the tfl dialect has no attribute for
//!   are noted at the rules that read them.
//!
//! op_version.cc has checks that do not say what their comments say (CONV_2D's int16 check reads
//! `outputs.at(1)` and wants int16 filters, SELECT_V2 tests the boolean condition's type, ...),
//! and TensorFlow's exporter writes an empty quantization table for float tensors, so its
//! "input is not quantized" checks never hold. Where that makes TensorFlow write a version lower
//! than the runtime kernel needs, the rule here gives the version the kernel needs and says so.
//!
//! A file has one `OperatorCode` per builtin operator, whose version is the largest version
//! among the operators that use it (TensorFlow's `UpdateOpVersion`); these functions give one
//! op's version and the exporter takes the maximum.

use crate::context::Context;
use crate::dialect::tfl;
use crate::entity::{OpId, ValueId};
use crate::types::{QuantParams, Type, UniformQuant, DYNAMIC};

/// The discardable attribute the TFLite importer keeps `pot_scale_int16 = false` of ADD and SUB
/// in (the tfl dialect has no attribute for it; absent means the schema default, true).
pub const POT_SCALE_INT16_ATTR: &str = "tqopt.pot_scale_int16";

// ---- tensor types as TFLite names them ----

pub use super::tfl_types::TflType;
use TflType::*;

// ---- the op as op_version.cc's OpSignature sees it ----

/// One op's operands, results and attributes, read the way op_version.cc reads an
/// `OpSignature`.
struct Sig<'a> {
    ctx: &'a Context,
    op: OpId,
}

impl<'a> Sig<'a> {
    fn new(ctx: &'a Context, op: OpId) -> Sig<'a> {
        Sig { ctx, op }
    }

    fn num_inputs(&self) -> usize {
        self.ctx.operands(self.op).len()
    }

    fn operand(&self, i: usize) -> Option<ValueId> {
        self.ctx.operands(self.op).get(i).copied()
    }

    fn input_type(&self, i: usize) -> Option<&'a Type> {
        let ctx: &'a Context = self.ctx;
        ctx.operands(self.op).get(i).map(|&v| ctx.value_type(v))
    }

    fn output_type(&self, i: usize) -> Option<&'a Type> {
        let ctx: &'a Context = self.ctx;
        ctx.results(self.op).get(i).map(|&v| ctx.value_type(v))
    }

    /// `inputs.at(i).type`.
    fn input(&self, i: usize) -> TflType {
        self.input_type(i).map_or(NoType, TflType::of)
    }

    /// `outputs.at(i).type`.
    fn output(&self, i: usize) -> TflType {
        self.output_type(i).map_or(NoType, TflType::of)
    }

    fn input_quant(&self, i: usize) -> Option<&'a UniformQuant> {
        quant_of(self.input_type(i)?)
    }

    fn output_quant(&self, i: usize) -> Option<&'a UniformQuant> {
        quant_of(self.output_type(i)?)
    }

    /// The shape of input `i` as the IR has it (dynamic dimensions are `DYNAMIC`); `None` for an
    /// unranked tensor, `none` or a missing operand.
    fn input_shape(&self, i: usize) -> Option<&'a [i64]> {
        self.input_type(i)?.as_tensor().map(|t| t.shape.as_slice())
    }

    /// `inputs.at(i).dims`: the shape the exporter writes (dynamic dimensions as 1, nothing for
    /// an unranked tensor).
    fn input_dims(&self, i: usize) -> Vec<i64> {
        self.input_shape(i)
            .unwrap_or(&[])
            .iter()
            .map(|&d| if d == DYNAMIC { 1 } else { d })
            .collect()
    }

    /// A boolean option; absent means false (the schema default of every flag read here).
    fn flag(&self, name: &str) -> bool {
        self.ctx
            .op(self.op)
            .attr(name)
            .and_then(|a| a.as_bool())
            .unwrap_or(false)
    }

    /// An integer option, or `default` when absent.
    fn int(&self, name: &str, default: i64) -> i64 {
        self.ctx
            .op(self.op)
            .attr(name)
            .and_then(|a| a.as_int())
            .unwrap_or(default)
    }

    fn string(&self, name: &str) -> Option<&'a str> {
        let ctx: &'a Context = self.ctx;
        ctx.op(self.op).attr(name).and_then(|a| a.as_str())
    }

    /// `fused_activation_function != NONE`.
    fn has_activation(&self) -> bool {
        !matches!(
            self.string("fused_activation_function"),
            None | Some("NONE")
        )
    }
}

fn quant_of(ty: &Type) -> Option<&UniformQuant> {
    ty.element_type()?.as_quant()
}

// ---- shared conditions ----

/// The number of scales of a quantized type (the length of `quantization.scale` in the file).
fn scale_count(q: &UniformQuant) -> usize {
    match &q.params {
        QuantParams::PerTensor { .. } => 1,
        QuantParams::PerAxis { scales, .. } => scales.len(),
    }
}

/// The first scale, as the f32 the file stores (`quantization.scale[0]`).
fn first_scale(q: &UniformQuant) -> f32 {
    match &q.params {
        QuantParams::PerTensor { scale, .. } => *scale as f32,
        QuantParams::PerAxis { scales, .. } => scales.first().copied().unwrap_or(0.0) as f32,
    }
}

/// op_signature.cc's per-channel test of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
/// weights: input `i` is quantized with as many scales as its dimension `dim` is long. A
/// per-tensor weight whose channel dimension is 1 counts as per-channel, as in TensorFlow.
fn scales_span_dim(s: &Sig, i: usize, dim: usize) -> bool {
    let (Some(q), Some(shape)) = (s.input_quant(i), s.input_shape(i)) else {
        return false;
    };
    matches!(shape.get(dim), Some(&n) if n > 0 && n as usize == scale_count(q))
}

/// op_signature.cc's per-channel test of QUANTIZE, DEQUANTIZE and EMBEDDING_LOOKUP: more than
/// one scale, as many as the quantized dimension (`dim`, or the type's axis) is long.
fn is_per_channel(ty: &Type, dim: Option<usize>) -> bool {
    let (Some(q), Some(t)) = (quant_of(ty), ty.as_tensor()) else {
        return false;
    };
    let (count, axis) = match &q.params {
        QuantParams::PerTensor { .. } => (1, 0),
        QuantParams::PerAxis { axis, scales, .. } => (scales.len(), *axis as usize),
    };
    let dim = dim.unwrap_or(axis);
    count > 1 && matches!(t.shape.get(dim), Some(&n) if n >= 0 && n as usize == count)
}

/// A hybrid (dynamic-range) kernel: float activations (input 0), an int8 weight (input
/// `weight`), float output.
fn is_hybrid(s: &Sig, weight: usize) -> bool {
    s.input(0) == Float32 && s.input(weight) == Int8 && s.output(0) == Float32
}

/// `NeedBroadcastForBinaryInputs`: the first two inputs' dims differ.
fn needs_broadcast(s: &Sig) -> bool {
    s.num_inputs() >= 2 && s.input_dims(0) != s.input_dims(1)
}

/// `GetInputMaxDims`: the largest input rank.
fn max_input_rank(s: &Sig) -> usize {
    (0..s.num_inputs())
        .map(|i| s.input_dims(i).len())
        .max()
        .unwrap_or(0)
}

/// Broadcasting beyond rank 4, which the binary kernels added in a later version.
fn broadcasts_above_rank_4(s: &Sig) -> bool {
    needs_broadcast(s) && max_input_rank(s) > 4
}

/// int16 in, int16 out.
fn int16_in_out(s: &Sig) -> bool {
    s.input(0) == Int16 && s.output(0) == Int16
}

/// The runtime's `CheckedLog2`: the scale is a power of two, to within 1e-3 in log2.
fn is_pot_scale(scale: f32) -> bool {
    let log2 = scale.ln() * (1.0 / 2f32.ln());
    (log2 - log2.round()).abs() < 1e-3
}

/// Whether an int16 ADD or SUB runs the general-scale int16 kernel (rather than the older
/// power-of-two one). The kernel does when `pot_scale_int16` is false, and also when the option
/// is true but a scale is not a power of two (it then falls back to the general kernel).
/// TensorFlow's rule reads the option only, which the tfl dialect has no attribute for (the
/// importer keeps a false one as [`POT_SCALE_INT16_ATTR`]; absent means true, as written by the
/// exporter), so TensorFlow would write the power-of-two version for a 16x8 ADD or SUB whose
/// scales are not powers of two; here the scales are checked too.
fn int16_general_scale(s: &Sig) -> bool {
    let pot_option = s
        .ctx
        .op(s.op)
        .attr(POT_SCALE_INT16_ATTR)
        .and_then(|a| a.as_bool())
        .unwrap_or(true);
    if !pot_option {
        return true;
    }
    match (s.input_quant(0), s.input_quant(1), s.output_quant(0)) {
        (Some(a), Some(b), Some(out)) => ![a, b, out].iter().all(|q| is_pot_scale(first_scale(q))),
        _ => false,
    }
}

/// Whether a value is a sparse constant (the exporter writes its `sparsity` parameters).
fn is_sparse_const(ctx: &Context, v: Option<ValueId>) -> bool {
    let Some(def) = v.and_then(|v| ctx.defining_op(v)) else {
        return false;
    };
    let data = ctx.op(def);
    data.is(&tfl::PSEUDO_SPARSE_CONST) || data.is(&tfl::PSEUDO_SPARSE_QCONST)
}

// ---- rules shared by several ops (op_version.cc's grouped cases) ----

/// Ops op_version.cc has no case for, and CUSTOM (whose version `UpdateOpVersion` leaves as
/// written, 1): POW, NEG, SQUARE, ELU, PRELU, HARD_SWISH, RELU_N1_TO_1, RESHAPE, EXPAND_DIMS,
/// SHAPE, LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT, WHILE, IF, CUMSUM, DENSIFY, CUSTOM.
pub fn always_1(_: &Context, _: OpId) -> i32 {
    1
}

/// SPACE_TO_DEPTH, SPLIT_V, SUM, LOG_SOFTMAX, GREATER, LESS_EQUAL, SQUARED_DIFFERENCE,
/// DEPTH_TO_SPACE: int8 2.
pub fn int8_2(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// SOFTMAX, MEAN, MIRROR_PAD, REDUCE_MAX, REDUCE_MIN, RELU6, RSQRT, and LESS and
/// GREATER_EQUAL (a case of their own with the same checks): int16 3, int8 2.
pub fn int16_3_int8_2(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int16 {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// TANH, LOGISTIC, AVERAGE_POOL_2D, MAX_POOL_2D: int16 in and out 3, int8 2.
pub fn int16_io_3_int8_2(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if int16_in_out(&s) {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// EXP, LOG, REDUCE_PROD, SQRT: int8 or int16 2.
pub fn int8_int16_2(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if matches!(s.input(0), Int8 | Int16) {
        return 2;
    }
    1
}

// ---- convolutions and matrix products ----

/// Whether a 16x8 CONV_2D, TRANSPOSE_CONV or FULLY_CONNECTED stores its bias as int32, which its
/// options must then state (`quantized_bias_type = INT32`): LiteRT's 16x8 kernels read the bias
/// of an op whose options leave it unset as int64, and compute garbage from int32 storage. The
/// exporter writes the option from this, and the ops' versions follow it (8, 5 and 11), so the
/// bias's type stays the one record of its storage.
pub fn states_int32_bias(ctx: &Context, op: OpId) -> bool {
    let s = Sig::new(ctx, op);
    let (input, bias) = if ctx.op(op).is(&tfl::TRANSPOSE_CONV) {
        (2, 3)
    } else {
        (0, 2)
    };
    s.input(input) == Int16 && s.input(bias) == Int32
}

/// CONV_2D.
///
/// - 8: int16 activations, int8 filter, with `quantized_bias_type` set: an int32 bias
///   ([`states_int32_bias`]).
/// - 6: grouped convolution (input channels differ from the filter's). An input whose channel
///   dimension is dynamic is taken as not grouped.
/// - 4: int16 activations (16x8). op_version.cc asks for an int16 filter and reads
///   `outputs.at(1)`, so TensorFlow writes 1 for a 16x8 convolution; the 16x8 kernel is
///   version 4 (its comment: "signed int16 inputs and outputs, version 4").
/// - 3: int8; 7: int8 activations, int4 filter.
/// - hybrid: 5 per-channel filter (as many scales as output channels), else 2.
pub fn conv_2d(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    let quantized_bias_type_set = states_int32_bias(ctx, op);
    if s.input(0) == Int16 && s.input(1) == Int8 && s.output(0) == Int16 && quantized_bias_type_set
    {
        return 8;
    }
    if is_grouped_conv(&s) {
        return 6;
    }
    if int16_in_out(&s) && matches!(s.input(1), Int8 | Int16) {
        return 4;
    }
    if s.input(0) == Int8 && s.input(1) == Int8 && s.output(0) == Int8 {
        return 3;
    }
    if s.input(0) == Int8 && s.input(1) == Int4 && s.output(0) == Int8 {
        return 7;
    }
    if is_hybrid(&s, 1) {
        if scales_span_dim(&s, 1, 0) {
            return 5;
        }
        return 2;
    }
    1
}

fn is_grouped_conv(s: &Sig) -> bool {
    let (Some(input), Some(filter)) = (s.input_shape(0), s.input_shape(1)) else {
        return false;
    };
    match (input.get(3), filter.get(3)) {
        (Some(&c), Some(&f)) => c != DYNAMIC && c != f,
        _ => false,
    }
}

/// DEPTHWISE_CONV_2D.
///
/// - 5: int16 activations (16x8). op_version.cc asks for an int16 filter and reads
///   `outputs.at(1)`, so TensorFlow writes 1 (or 2 with dilation); the 16x8 kernel is version 5.
/// - hybrid: 6 per-channel filter (as many scales as dimension 3), else 4.
/// - 3: int8; 7: int8 activations, int4 filter.
/// - 2: a dilation factor other than 1.
pub fn depthwise_conv_2d(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if int16_in_out(&s) && matches!(s.input(1), Int8 | Int16) {
        return 5;
    }
    if is_hybrid(&s, 1) {
        if scales_span_dim(&s, 1, 3) {
            return 6;
        }
        return 4;
    }
    if s.input(0) == Int8 && s.input(1) == Int8 && s.output(0) == Int8 {
        return 3;
    }
    if s.input(0) == Int8 && s.input(1) == Int4 && s.output(0) == Int8 {
        return 7;
    }
    if s.int("dilation_w_factor", 1) != 1 || s.int("dilation_h_factor", 1) != 1 {
        return 2;
    }
    1
}

/// TRANSPOSE_CONV (operands: output_shape, weights, input, bias).
///
/// - 5: int16 input, int8 weights, int16 output, with `quantized_bias_type` set (an int32 bias,
///   [`states_int32_bias`]). op_version.cc tests `inputs.at(0)`, the int32 output shape, so it
///   never holds there; here it tests the input, as the kernel does.
/// - 4: a fused activation; 3: a bias (not `none`); 2: int8 weights.
pub fn transpose_conv(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    let quantized_bias_type_set = states_int32_bias(ctx, op);
    if s.input(2) == Int16 && s.input(1) == Int8 && s.output(0) == Int16 && quantized_bias_type_set
    {
        return 5;
    }
    if s.has_activation() {
        return 4;
    }
    if s.num_inputs() == 4 && s.input(3) != NoType {
        return 3;
    }
    if s.input(1) == Int8 {
        return 2;
    }
    1
}

/// FULLY_CONNECTED.
///
/// - 14: int2 weights; 13: int16 activations, int4 weights.
/// - 12: hybrid with per-channel weights (as many scales as output units).
/// - 11: 16x8 with `quantized_bias_type` set: an int32 bias ([`states_int32_bias`]).
/// - 8: sparse weights (a `tfl.pseudo_sparse_const`/`pseudo_sparse_qconst`).
/// - 7: int16 activations. op_version.cc asks for int16 weights, so TensorFlow writes 1 for a
///   16x8 layer (or 5 with `keep_num_dims`); the int16 kernel is version 7 ("Int16 fully fixed
///   point kernel is at version 7").
/// - 6: two inputs (no bias slot). The bias slot is always there in the IR (`none` when
///   absent, written as index -1), as with TensorFlow's exporter, so this holds only for an op
///   built with two operands.
/// - 5: `keep_num_dims`; 4: int8; 10: int8 activations, int4 weights.
/// - hybrid: 9 with `asymmetric_quantize_inputs`, else 3.
/// - 2: `weights_format = "SHUFFLED4x16INT8"`.
pub fn fully_connected(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(1) == Int2 {
        return 14;
    }
    if s.input(0) == Int16 && s.input(1) == Int4 && s.output(0) == Int16 {
        return 13;
    }
    if is_hybrid(&s, 1) && scales_span_dim(&s, 1, 0) {
        return 12;
    }
    let quantized_bias_type_set = states_int32_bias(ctx, op);
    if s.input(0) == Int16 && s.input(1) == Int8 && s.output(0) == Int16 && quantized_bias_type_set
    {
        return 11;
    }
    if is_sparse_const(ctx, s.operand(1)) {
        return 8;
    }
    if int16_in_out(&s) && matches!(s.input(1), Int8 | Int16) {
        return 7;
    }
    if s.num_inputs() == 2 {
        return 6;
    }
    if s.flag("keep_num_dims") {
        return 5;
    }
    if s.input(0) == Int8 && s.input(1) == Int8 && s.output(0) == Int8 {
        return 4;
    }
    if s.input(0) == Int8 && s.input(1) == Int4 && s.output(0) == Int8 {
        return 10;
    }
    if is_hybrid(&s, 1) {
        if s.flag("asymmetric_quantize_inputs") {
            return 9;
        }
        return 3;
    }
    if s.string("weights_format") == Some("SHUFFLED4x16INT8") {
        return 2;
    }
    1
}

/// BATCH_MATMUL: int16 3, int8 2, hybrid with `asymmetric_quantize_inputs` 4 (a hybrid
/// without it is 1).
pub fn batch_matmul(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int16 {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    if is_hybrid(&s, 1) && s.flag("asymmetric_quantize_inputs") {
        return 4;
    }
    1
}

// ---- element-wise arithmetic ----

/// ADD.
///
/// - 6: float16.
/// - 5: int16 that is not quantized. op_signature.cc calls an input quantized when its tensor
///   has a quantization table, and TensorFlow's exporter writes an (empty) one for every tensor,
///   so TensorFlow never writes 5; here "quantized" is the IR's quantized type.
/// - 4: int64.
/// - 3: int16 in and out on the general-scale kernel (see [`int16_general_scale`]).
/// - 2: int8.
pub fn add(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Float16 {
        return 6;
    }
    if s.input(0) == Int16 && s.input_quant(0).is_none() {
        return 5;
    }
    if s.input(0) == Int64 {
        return 4;
    }
    if int16_in_out(&s) && int16_general_scale(&s) {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// SUB: 5 int16 in and out on the general-scale kernel (see [`int16_general_scale`]), 4 int64,
/// 3 broadcasting above rank 4, 2 int8.
pub fn sub(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if int16_in_out(&s) && int16_general_scale(&s) {
        return 5;
    }
    if s.input(0) == Int64 {
        return 4;
    }
    if broadcasts_above_rank_4(&s) {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// MUL.
///
/// - 8: float16.
/// - 7: int16 with neither input quantized, or uint32. As for ADD, TensorFlow's exporter makes
///   every input look quantized, so TensorFlow writes 4 for a plain int16 MUL; here "quantized"
///   is the IR's quantized type.
/// - 6: complex64; 5: int64; 4: int16.
/// - 3: all of input 1, input 2 and the output quantized, and
///   `scale1 * scale2 / scale_out >= 1` (first scales, in f32 as the file stores them).
/// - 2: int8.
pub fn mul(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Float16 {
        return 8;
    }
    let input_quantized = s.input_quant(0).is_some() || s.input_quant(1).is_some();
    if (s.input(0) == Int16 && !input_quantized) || s.input(0) == UInt32 {
        return 7;
    }
    if s.input(0) == Complex64 {
        return 6;
    }
    if s.input(0) == Int64 {
        return 5;
    }
    if s.input(0) == Int16 {
        return 4;
    }
    if let (Some(a), Some(b), Some(out)) = (s.input_quant(0), s.input_quant(1), s.output_quant(0)) {
        let (a, b, out) = (first_scale(a), first_scale(b), first_scale(out));
        if a != 0.0 && b != 0.0 && out != 0.0 && a * b / out >= 1.0 {
            return 3;
        }
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// DIV: 2 when broadcasting above rank 4. op_version.cc has no type rule, so an int8 DIV is 1.
pub fn div(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if broadcasts_above_rank_4(&s) {
        return 2;
    }
    1
}

/// MAXIMUM, MINIMUM: 4 int16 in and out, 3 broadcasting above rank 4, 2 int8.
pub fn maximum_minimum(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if int16_in_out(&s) {
        return 4;
    }
    if broadcasts_above_rank_4(&s) {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

// ---- activations and math ----

/// L2_NORMALIZATION: an int8 output 2.
pub fn l2_normalization(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.output(0) == Int8 {
        return 2;
    }
    1
}

/// RELU: int16 3, int8 or uint8 2.
pub fn relu(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int16 {
        return 3;
    }
    if matches!(s.input(0), Int8 | UInt8) {
        return 2;
    }
    1
}

/// LEAKY_RELU: int16 2 (int8 is 1).
pub fn leaky_relu(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int16 {
        return 2;
    }
    1
}

/// GELU: int8 or uint8 2.
pub fn gelu(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if matches!(s.input(0), Int8 | UInt8) {
        return 2;
    }
    1
}

/// ABS: 5 int32; int16 3 when quantized, 4 when not (TensorFlow's exporter makes every input
/// look quantized, so it writes 3 for both; here "quantized" is the IR's quantized type); 2 int8
/// or uint8.
pub fn abs(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int32 {
        return 5;
    }
    if s.input(0) == Int16 {
        return if s.input_quant(0).is_some() { 3 } else { 4 };
    }
    if matches!(s.input(0), Int8 | UInt8) {
        return 2;
    }
    1
}

// ---- quantization ----

/// QUANTIZE: 5 uint4 in or out, 4 int4 in or out, 3 per-channel output (more than one scale,
/// as many as the quantized dimension), 2 int16 output (int8 and uint8 outputs, and requantizing,
/// are 1).
pub fn quantize(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == UInt4 || s.output(0) == UInt4 {
        return 5;
    }
    if s.input(0) == Int4 || s.output(0) == Int4 {
        return 4;
    }
    if s.output_type(0).is_some_and(|t| is_per_channel(t, None)) {
        return 3;
    }
    if s.output(0) == Int16 {
        return 2;
    }
    1
}

/// DEQUANTIZE: 8 uint4, 7 int2, 6 int4, 3 int16 or float16, int8 5 per-channel (more than one
/// scale, as many as the quantized dimension) or 2, and 1 for uint8.
pub fn dequantize(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    match s.input(0) {
        UInt4 => 8,
        Int2 => 7,
        Int4 => 6,
        Int16 | Float16 => 3,
        Int8 if s.input_type(0).is_some_and(|t| is_per_channel(t, None)) => 5,
        Int8 => 2,
        _ => 1,
    }
}

/// CAST: 8 int2 or uint4, 7 bfloat16, 6 int4 to float32, 5 float64 or float16, 4 uint16, 3
/// int8, 2 uint32 (each "in or out" unless said).
pub fn cast(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    let (i, o) = (s.input(0), s.output(0));
    let either = |t: &[TflType]| t.contains(&i) || t.contains(&o);
    if either(&[Int2, UInt4]) {
        return 8;
    }
    if either(&[BFloat16]) {
        return 7;
    }
    if i == Int4 && o == Float32 {
        return 6;
    }
    if either(&[Float64, Float16]) {
        return 5;
    }
    if either(&[UInt16]) {
        return 4;
    }
    if either(&[Int8]) {
        return 3;
    }
    if either(&[UInt32]) {
        return 2;
    }
    1
}

// ---- shape manipulation ----

/// TRANSPOSE: 8 rank above 6 or bfloat16, 7 int4, 6 rank above 5, 5 int16, 4 rank above 4,
/// 3 bool, 2 int8.
pub fn transpose(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    let rank = s.input_dims(0).len();
    if rank > 6 || s.input(0) == BFloat16 {
        return 8;
    }
    if s.input(0) == Int4 {
        return 7;
    }
    if rank > 5 {
        return 6;
    }
    if s.input(0) == Int16 {
        return 5;
    }
    if rank > 4 {
        return 4;
    }
    if s.input(0) == Bool {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// CONCATENATION: 5 int4, 4 uint32, 3 int16, 2 int8.
pub fn concatenation(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    match s.input(0) {
        Int4 => 5,
        UInt32 => 4,
        Int16 => 3,
        Int8 => 2,
        _ => 1,
    }
}

/// PACK: 2 int8, 3 int16 in and out, 4 uint32.
pub fn pack(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int8 {
        return 2;
    }
    if int16_in_out(&s) {
        return 3;
    }
    if s.input(0) == UInt32 {
        return 4;
    }
    1
}

/// UNPACK: 2 int8 or uint8, 3 bool, 4 int16 in and out, 5 float16 or bfloat16.
pub fn unpack(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if matches!(s.input(0), Int8 | UInt8) {
        return 2;
    }
    if s.input(0) == Bool {
        return 3;
    }
    if int16_in_out(&s) {
        return 4;
    }
    if matches!(s.input(0), Float16 | BFloat16) {
        return 5;
    }
    1
}

/// SPLIT (operands: split_dim, value; the value is input 1): 4 int16, 3 int32, 2 int8.
pub fn split(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    match s.input(1) {
        Int16 => 4,
        Int32 => 3,
        Int8 => 2,
        _ => 1,
    }
}

/// SLICE: 7 int4, 6 uint32, 5 rank above 4, 4 int16, 3 string, 2 int8.
pub fn slice(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int4 {
        return 7;
    }
    if s.input(0) == UInt32 {
        return 6;
    }
    if s.input_dims(0).len() > 4 {
        return 5;
    }
    match s.input(0) {
        Int16 => 4,
        String => 3,
        Int8 => 2,
        _ => 1,
    }
}

/// STRIDED_SLICE: 8 `offset`, 7 uint32, 6 a nonzero `ellipsis_mask` or `new_axis_mask`, 5
/// string, 4 input rank above 4, 3 bool, 2 int8.
pub fn strided_slice(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.flag("offset") {
        return 8;
    }
    if s.input(0) == UInt32 {
        return 7;
    }
    if s.int("ellipsis_mask", 0) != 0 || s.int("new_axis_mask", 0) != 0 {
        return 6;
    }
    if s.input(0) == String {
        return 5;
    }
    if s.input_dims(0).len() > 4 {
        return 4;
    }
    if s.input(0) == Bool {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// GATHER: 7 int4 params, 6 int16 indices, 5 nonzero `batch_dims`, 4 int16 params, 3 bool
/// params, 2 int8 params.
pub fn gather(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int4 {
        return 7;
    }
    if s.input(1) == Int16 {
        return 6;
    }
    if s.int("batch_dims", 0) != 0 {
        return 5;
    }
    match s.input(0) {
        Int16 => 4,
        Bool => 3,
        Int8 => 2,
        _ => 1,
    }
}

/// GATHER_ND: 5 bool params, 4 int16 indices, 3 int16 params, 2 string params (int8 is 1).
pub fn gather_nd(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Bool {
        return 5;
    }
    if s.input(1) == Int16 {
        return 4;
    }
    match s.input(0) {
        Int16 => 3,
        String => 2,
        _ => 1,
    }
}

/// PAD, PADV2: 5 bool, 4 rank above 4, 3 int16, 2 int8.
pub fn pad(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Bool {
        return 5;
    }
    if s.input_dims(0).len() > 4 {
        return 4;
    }
    match s.input(0) {
        Int16 => 3,
        Int8 => 2,
        _ => 1,
    }
}

/// RESIZE_BILINEAR: 4 int16, 3 `half_pixel_centers`, 2 int8.
pub fn resize_bilinear(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int16 {
        return 4;
    }
    if s.flag("half_pixel_centers") {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// RESIZE_NEAREST_NEIGHBOR: 4 int16, 3 `half_pixel_centers` or `align_corners`, 2 int8.
pub fn resize_nearest_neighbor(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int16 {
        return 4;
    }
    if s.flag("half_pixel_centers") || s.flag("align_corners") {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// TILE: 3 int8, 2 string.
pub fn tile(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    match s.input(0) {
        Int8 => 3,
        String => 2,
        _ => 1,
    }
}

/// SQUEEZE: 2 string.
pub fn squeeze(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == String {
        return 2;
    }
    1
}

/// BROADCAST_TO: 3 int8 or int16, otherwise 2 (version 1 was withdrawn and its builtin code
/// reassigned, so BROADCAST_TO is never 1).
pub fn broadcast_to(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if matches!(s.input(0), Int8 | Int16) {
        return 3;
    }
    2
}

// ---- index, selection, comparison ----

/// ARG_MAX, ARG_MIN: 3 bool, 2 int8.
pub fn arg_max_min(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    match s.input(0) {
        Bool => 3,
        Int8 => 2,
        _ => 1,
    }
}

/// SELECT_V2: 2 for uint32 data. op_version.cc tests `inputs.at(0)`, the boolean condition,
/// so it never holds there; the uint32 kernel is version 2, so this tests the data (`x`).
pub fn select_v2(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(1) == UInt32 {
        return 2;
    }
    1
}

/// EQUAL: 5 int16, 3 string, 2 int8.
pub fn equal(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    match s.input(0) {
        Int16 => 5,
        String => 3,
        Int8 => 2,
        _ => 1,
    }
}

/// NOT_EQUAL: 4 int16, 3 string, 2 int8.
pub fn not_equal(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    match s.input(0) {
        Int16 => 4,
        String => 3,
        Int8 => 2,
        _ => 1,
    }
}

// ---- sequences and lookups ----

/// UNIDIRECTIONAL_SEQUENCE_LSTM: 5 int16 input with int8 `input_to_forget_weights` and an
/// int16 output, 4 `diagonal_recurrent_tensors`, hybrid (float input, int8
/// `input_to_forget_weights`, float output) 3 with `asymmetric_quantize_inputs` or 2. A
/// full-integer int8 LSTM matches none of these and is 1, as in TensorFlow.
pub fn unidirectional_sequence_lstm(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int16 && s.input(2) == Int8 && s.output(0) == Int16 {
        return 5;
    }
    if s.flag("diagonal_recurrent_tensors") {
        return 4;
    }
    if is_hybrid(&s, 2) {
        if s.flag("asymmetric_quantize_inputs") {
            return 3;
        }
        return 2;
    }
    1
}

/// EMBEDDING_LOOKUP: 4 int4 table or a per-channel table (more than one scale, one per row),
/// 5 int2 table.
pub fn embedding_lookup(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    let per_channel = s.input_type(1).is_some_and(|t| is_per_channel(t, Some(0)));
    if s.input(1) == Int4 || per_channel {
        return 4;
    }
    if s.input(1) == Int2 {
        return 5;
    }
    1
}

// ---- ops modelled for issue 9 (REVERSE_V2 and friends) ----

/// REVERSE_V2: int8 3, bool 2.
pub fn reverse_v2(ctx: &Context, op: OpId) -> i32 {
    match Sig::new(ctx, op).input(0) {
        Int8 => 3,
        Bool => 2,
        _ => 1,
    }
}

/// SIGN: int32 2.
pub fn sign(ctx: &Context, op: OpId) -> i32 {
    if Sig::new(ctx, op).input(0) == Int32 {
        return 2;
    }
    1
}

/// FLOOR_DIV: int16 or int8 3, float32 2.
pub fn floor_div(ctx: &Context, op: OpId) -> i32 {
    match Sig::new(ctx, op).input(0) {
        Int16 | Int8 => 3,
        Float32 => 2,
        _ => 1,
    }
}

/// FLOOR_MOD: int16 or int8 2.
pub fn floor_mod(ctx: &Context, op: OpId) -> i32 {
    match Sig::new(ctx, op).input(0) {
        Int16 | Int8 => 2,
        _ => 1,
    }
}

/// SELECT: uint32 4, a rank-5 operand 3, int8 2 (the condition's type is read, as
/// op_version.cc reads `inputs.at(0)`, which is always bool: so int8 never gives 2 there).
pub fn select(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == UInt32 {
        return 4;
    }
    if (0..3).any(|i| s.input_dims(i).len() == 5) {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND: int16 4, rank other than 4 3, int8 2.
pub fn batch_space_nd(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int16 {
        return 4;
    }
    if s.input_dims(0).len() != 4 {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// FILL: float16 value 4, int8 or int16 3, bool or string 2.
pub fn fill(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.num_inputs() >= 2 {
        match s.input(1) {
            Float16 => return 4,
            Int8 | Int16 => return 3,
            Bool | String => return 2,
            _ => {}
        }
    }
    1
}

/// RANGE: int64 2.
pub fn range(ctx: &Context, op: OpId) -> i32 {
    if Sig::new(ctx, op).input(0) == Int64 {
        return 2;
    }
    1
}

/// TOPK_V2: int16 input, k or indices 3, int8 2.
pub fn topk_v2(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    if s.input(0) == Int16 || s.input(1) == Int16 || s.output(1) == Int16 {
        return 3;
    }
    if s.input(0) == Int8 {
        return 2;
    }
    1
}

/// WHERE: a bool condition 1, any other type 2.
pub fn where_(ctx: &Context, op: OpId) -> i32 {
    if Sig::new(ctx, op).input(0) == Bool {
        return 1;
    }
    2
}

#[cfg(test)]
#[path = "tfl_versions_tests.rs"]
mod tests;
