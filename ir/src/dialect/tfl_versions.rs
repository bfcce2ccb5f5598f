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
use crate::types::{ElementType, FloatKind, QuantParams, Signedness, Type, UniformQuant, DYNAMIC};

/// The discardable attribute the TFLite importer keeps `pot_scale_int16 = false` of ADD and SUB
/// in (the tfl dialect has no attribute for it; absent means the schema default, true).
pub const POT_SCALE_INT16_ATTR: &str = "tqopt.pot_scale_int16";

// ---- tensor types as TFLite names them ----

/// A tensor's element type as TFLite's `TensorType` (and `TfLiteType`) names it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TflType {
    /// No tensor: an absent optional operand (`none`), or an operand the op does not have.
    NoType,
    Float32,
    Float16,
    BFloat16,
    Float64,
    Bool,
    Int2,
    Int4,
    UInt4,
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Complex64,
    Complex128,
    String,
    Resource,
    Variant,
    /// A type TFLite has no tensor type for.
    Other,
}

use TflType::*;

impl TflType {
    /// The TFLite type of a value of type `ty`.
    pub fn of(ty: &Type) -> TflType {
        match ty {
            Type::None => NoType,
            Type::Opaque(text) => Self::of_opaque(text),
            other => other.element_type().map_or(Other, Self::of_element),
        }
    }

    /// The TFLite type of a tensor with element type `e`; a quantized type is its storage type.
    pub fn of_element(e: &ElementType) -> TflType {
        match e {
            ElementType::Float(FloatKind::F32) => Float32,
            ElementType::Float(FloatKind::F16) => Float16,
            ElementType::Float(FloatKind::BF16) => BFloat16,
            ElementType::Float(FloatKind::F64) => Float64,
            ElementType::Int(t) => Self::of_int(t.width, t.signedness == Signedness::Unsigned),
            ElementType::Quant(q) => Self::of_int(q.storage.width, q.storage.is_unsigned()),
            ElementType::Complex(FloatKind::F32) => Complex64,
            ElementType::Complex(FloatKind::F64) => Complex128,
            ElementType::Opaque(text) => Self::of_opaque(text),
            _ => Other,
        }
    }

    fn of_int(width: u32, unsigned: bool) -> TflType {
        match (width, unsigned) {
            (1, _) => Bool,
            (2, false) => Int2,
            (4, false) => Int4,
            (4, true) => UInt4,
            (8, false) => Int8,
            (8, true) => UInt8,
            (16, false) => Int16,
            (16, true) => UInt16,
            (32, false) => Int32,
            (32, true) => UInt32,
            (64, false) => Int64,
            (64, true) => UInt64,
            _ => Other,
        }
    }

    fn of_opaque(text: &str) -> TflType {
        if text.starts_with("!tf_type.string") {
            String
        } else if text.starts_with("!tf_type.quint8") {
            UInt8
        } else if text.starts_with("!tf_type.resource") {
            Resource
        } else if text.starts_with("!tf_type.variant") {
            Variant
        } else {
            Other
        }
    }
}

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

/// CONV_2D.
///
/// - 8: int16 activations, int8 filter, with `quantized_bias_type` set. The tfl dialect has no
///   attribute for the option and the exporter writes it unset, so this never holds.
/// - 6: grouped convolution (input channels differ from the filter's). An input whose channel
///   dimension is dynamic is taken as not grouped.
/// - 4: int16 activations (16x8). op_version.cc asks for an int16 filter and reads
///   `outputs.at(1)`, so TensorFlow writes 1 for a 16x8 convolution; the 16x8 kernel is
///   version 4 (its comment: "signed int16 inputs and outputs, version 4").
/// - 3: int8; 7: int8 activations, int4 filter.
/// - hybrid: 5 per-channel filter (as many scales as output channels), else 2.
pub fn conv_2d(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    let quantized_bias_type_set = false;
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
/// - 5: int16 input, int8 weights, int16 output, with `quantized_bias_type` set. op_version.cc
///   tests `inputs.at(0)`, the int32 output shape, so it never holds there; here it tests the
///   input, but the tfl dialect has no attribute for the option and the exporter writes it
///   unset, so it never holds here either.
/// - 4: a fused activation; 3: a bias (not `none`); 2: int8 weights.
pub fn transpose_conv(ctx: &Context, op: OpId) -> i32 {
    let s = Sig::new(ctx, op);
    let quantized_bias_type_set = false;
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
/// - 11: 16x8 with `quantized_bias_type` set: never (no attribute; the exporter writes it unset).
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
    let quantized_bias_type_set = false;
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
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::attributes::Attribute;
    use crate::context::OpSpec;
    use crate::dialect::OpDef;
    use crate::dialect::{all_ops, func};
    use crate::entity::BlockId;
    use crate::types::IntType;

    /// A function body to build ops in, one op at a time.
    struct Builder {
        ctx: Context,
        block: BlockId,
    }

    impl Builder {
        fn new() -> Builder {
            let mut ctx = Context::new();
            let f = ctx.create_op(
                OpSpec::of(&func::FUNC)
                    .property("sym_name", Attribute::string("main"))
                    .regions(1),
            );
            let region = ctx.op(f).regions()[0];
            let block = ctx.create_block(region);
            Builder { ctx, block }
        }

        /// A function argument of type `ty`.
        fn arg(&mut self, ty: Type) -> ValueId {
            self.ctx.add_block_arg(self.block, ty, Default::default())
        }

        /// The result of a `def` op with no operands (a constant).
        fn constant(&mut self, def: &'static OpDef, ty: Type) -> ValueId {
            let op = self.ctx.create_op(OpSpec::of(def).results([ty]));
            self.ctx.append_op(self.block, op).unwrap();
            self.ctx.result(op, 0).unwrap()
        }

        fn none(&mut self) -> ValueId {
            self.constant(&tfl::NO_VALUE, Type::None)
        }

        /// Appends a `def` op and returns its TFLite version.
        fn version(
            &mut self,
            def: &'static OpDef,
            operands: &[ValueId],
            results: &[Type],
            attrs: &[(&str, Attribute)],
        ) -> i32 {
            let mut spec = OpSpec::of(def)
                .operands(operands)
                .results(results.iter().cloned());
            for (name, value) in attrs {
                spec = if name.starts_with("tqopt.") {
                    spec.attribute(name, value.clone())
                } else {
                    spec.property(name, value.clone())
                };
            }
            let op = self.ctx.create_op(spec);
            self.ctx.append_op(self.block, op).unwrap();
            def.tflite_version(&self.ctx, op)
        }
    }

    fn t(shape: &[i64], elem: ElementType) -> Type {
        Type::tensor(shape, elem)
    }

    fn f32t(shape: &[i64]) -> Type {
        t(shape, ElementType::F32)
    }

    fn quant(width: u32, signed: bool, scale: f64, zero_point: i64) -> ElementType {
        let storage = IntType {
            width,
            signedness: if signed {
                Signedness::Signed
            } else {
                Signedness::Unsigned
            },
        };
        ElementType::Quant(Arc::new(UniformQuant::per_tensor(
            storage,
            FloatKind::F32,
            scale,
            zero_point,
        )))
    }

    fn qi8(scale: f64, zp: i64) -> ElementType {
        quant(8, true, scale, zp)
    }

    fn qu8(scale: f64, zp: i64) -> ElementType {
        quant(8, false, scale, zp)
    }

    fn qi16(scale: f64) -> ElementType {
        quant(16, true, scale, 0)
    }

    fn qi32(scale: f64) -> ElementType {
        quant(32, true, scale, 0)
    }

    /// Symmetric narrow-range int8 weights, one scale per index of `axis`.
    fn qi8_axis(axis: i32, n: usize) -> ElementType {
        ElementType::Quant(Arc::new(UniformQuant {
            storage: IntType {
                width: 8,
                signedness: Signedness::Signed,
            },
            storage_min: -127,
            storage_max: 127,
            expressed: FloatKind::F32,
            params: QuantParams::PerAxis {
                axis,
                scales: (0..n).map(|i| 0.01 * (i + 1) as f64).collect(),
                zero_points: vec![0; n],
            },
        }))
    }

    fn s(text: &str) -> Attribute {
        Attribute::string(text)
    }

    fn conv_attrs(dilation: i32) -> Vec<(&'static str, Attribute)> {
        vec![
            ("dilation_h_factor", Attribute::i32(dilation)),
            ("dilation_w_factor", Attribute::i32(dilation)),
            ("fused_activation_function", s("NONE")),
            ("padding", s("SAME")),
            ("stride_h", Attribute::i32(1)),
            ("stride_w", Attribute::i32(1)),
            ("depth_multiplier", Attribute::i32(1)),
        ]
    }

    /// conv_2d or depthwise_conv_2d with activations `act`, filter `filter` (8 output channels
    /// for conv, 8 channels in dimension 3 for depthwise), bias `bias` and output `out`.
    fn conv(
        def: &'static OpDef,
        act: ElementType,
        filter: ElementType,
        bias: ElementType,
        out: ElementType,
        dilation: i32,
    ) -> i32 {
        let mut b = Builder::new();
        let x = b.arg(t(&[1, 8, 8, 8], act));
        let filter_shape: &[i64] = if def.name == "tfl.conv_2d" {
            &[8, 3, 3, 8]
        } else {
            &[1, 3, 3, 8]
        };
        let w = b.constant(&tfl::PSEUDO_QCONST, t(filter_shape, filter));
        let bias = b.constant(&tfl::PSEUDO_CONST, t(&[8], bias));
        b.version(
            def,
            &[x, w, bias],
            &[t(&[1, 8, 8, 8], out)],
            &conv_attrs(dilation),
        )
    }

    #[test]
    fn tflite_types_of_ir_types() {
        use ElementType as E;
        assert_eq!(TflType::of(&f32t(&[2])), Float32);
        assert_eq!(TflType::of(&t(&[2], E::F16)), Float16);
        assert_eq!(TflType::of(&t(&[2], E::I1)), Bool);
        assert_eq!(TflType::of(&t(&[2], E::UI8)), UInt8);
        assert_eq!(TflType::of(&t(&[2], qi8(0.1, 0))), Int8);
        assert_eq!(TflType::of(&t(&[2], qu8(0.1, 128))), UInt8);
        assert_eq!(TflType::of(&t(&[2], qi16(0.1))), Int16);
        assert_eq!(TflType::of(&t(&[2], qi32(0.1))), Int32);
        assert_eq!(
            TflType::of(&t(&[2], E::Opaque("!tf_type.string".into()))),
            String
        );
        assert_eq!(TflType::of(&Type::None), NoType);
    }

    #[test]
    fn every_tflite_op_has_a_rule() {
        for def in all_ops() {
            if def.tflite.is_some() {
                assert!(def.version.is_some(), "{} has no version rule", def.name);
            }
        }
    }

    #[test]
    fn conv_2d() {
        let f = ElementType::F32;
        assert_eq!(
            conv(&tfl::CONV_2D, f.clone(), f.clone(), f.clone(), f.clone(), 1),
            1
        );
        // Full-integer int8: per-channel int8 filter, int32 bias.
        assert_eq!(
            conv(
                &tfl::CONV_2D,
                qi8(0.1, -128),
                qi8_axis(0, 8),
                qi32(0.001),
                qi8(0.2, -128),
                1
            ),
            3
        );
        // uint8 stays 1.
        assert_eq!(
            conv(
                &tfl::CONV_2D,
                qu8(0.1, 128),
                qu8(0.1, 128),
                qi32(0.01),
                qu8(0.2, 128),
                1
            ),
            1
        );
        // Hybrid, per-tensor and per-channel weights.
        assert_eq!(
            conv(
                &tfl::CONV_2D,
                f.clone(),
                qi8(0.1, 0),
                f.clone(),
                f.clone(),
                1
            ),
            2
        );
        assert_eq!(
            conv(
                &tfl::CONV_2D,
                f.clone(),
                qi8_axis(0, 8),
                f.clone(),
                f.clone(),
                1
            ),
            5
        );
        // 16x8: int16 activations, int8 filter, int64 bias.
        let qi64 = quant(64, true, 1e-6, 0);
        assert_eq!(
            conv(
                &tfl::CONV_2D,
                qi16(1e-3),
                qi8_axis(0, 8),
                qi64,
                qi16(2e-3),
                1
            ),
            4
        );
    }

    #[test]
    fn conv_2d_grouped() {
        let mut b = Builder::new();
        let x = b.arg(f32t(&[1, 8, 8, 8]));
        let w = b.constant(&tfl::PSEUDO_CONST, f32t(&[8, 3, 3, 4]));
        let bias = b.none();
        let v = b.version(
            &tfl::CONV_2D,
            &[x, w, bias],
            &[f32t(&[1, 8, 8, 8])],
            &conv_attrs(1),
        );
        assert_eq!(v, 6);
    }

    #[test]
    fn depthwise_conv_2d() {
        let dw = &tfl::DEPTHWISE_CONV_2D;
        let f = ElementType::F32;
        assert_eq!(conv(dw, f.clone(), f.clone(), f.clone(), f.clone(), 1), 1);
        assert_eq!(conv(dw, f.clone(), f.clone(), f.clone(), f.clone(), 2), 2);
        let int8 = |dilation| {
            conv(
                dw,
                qi8(0.1, -128),
                qi8_axis(3, 8),
                qi32(0.001),
                qi8(0.2, -128),
                dilation,
            )
        };
        assert_eq!(int8(1), 3);
        assert_eq!(int8(2), 3, "int8 is checked before dilation");
        assert_eq!(conv(dw, f.clone(), qi8(0.1, 0), f.clone(), f.clone(), 1), 4);
        assert_eq!(
            conv(dw, f.clone(), qi8_axis(3, 8), f.clone(), f.clone(), 1),
            6
        );
        let qi64 = quant(64, true, 1e-6, 0);
        assert_eq!(conv(dw, qi16(1e-3), qi8_axis(3, 8), qi64, qi16(2e-3), 1), 5);
    }

    #[test]
    fn transpose_conv() {
        let mut b = Builder::new();
        let shape = b.arg(t(&[4], ElementType::I32));
        let w = b.constant(&tfl::PSEUDO_QCONST, t(&[8, 3, 3, 8], qi8_axis(0, 8)));
        let x = b.arg(t(&[1, 8, 8, 8], qi8(0.1, 0)));
        let none = b.none();
        let bias = b.constant(&tfl::PSEUDO_QCONST, t(&[8], qi32(0.001)));
        let out = [t(&[1, 16, 16, 8], qi8(0.2, 0))];
        let attrs = |act: &str| {
            vec![
                ("fused_activation_function", s(act)),
                ("padding", s("SAME")),
                ("stride_h", Attribute::i32(2)),
                ("stride_w", Attribute::i32(2)),
            ]
        };
        let tc = &tfl::TRANSPOSE_CONV;
        assert_eq!(b.version(tc, &[shape, w, x, none], &out, &attrs("NONE")), 2);
        assert_eq!(b.version(tc, &[shape, w, x, bias], &out, &attrs("NONE")), 3);
        assert_eq!(b.version(tc, &[shape, w, x, bias], &out, &attrs("RELU")), 4);
        let wf = b.constant(&tfl::PSEUDO_CONST, f32t(&[8, 3, 3, 8]));
        let xf = b.arg(f32t(&[1, 8, 8, 8]));
        let outf = [f32t(&[1, 16, 16, 8])];
        assert_eq!(
            b.version(tc, &[shape, wf, xf, none], &outf, &attrs("NONE")),
            1
        );
    }

    /// fully_connected with input `act`, weights `w` (16 units), bias `bias` and output `out`.
    fn fc(
        act: ElementType,
        w: ElementType,
        bias: Option<ElementType>,
        out: ElementType,
        attrs: &[(&str, Attribute)],
    ) -> i32 {
        let mut b = Builder::new();
        let x = b.arg(t(&[1, 32], act));
        let w = b.constant(&tfl::PSEUDO_QCONST, t(&[16, 32], w));
        let bias = match bias {
            Some(e) => b.constant(&tfl::PSEUDO_CONST, t(&[16], e)),
            None => b.none(),
        };
        let mut all = vec![
            ("fused_activation_function", s("NONE")),
            ("weights_format", s("DEFAULT")),
            ("keep_num_dims", Attribute::Bool(false)),
        ];
        for (name, value) in attrs {
            all.retain(|(n, _)| n != name);
            all.push((name, value.clone()));
        }
        b.version(
            &tfl::FULLY_CONNECTED,
            &[x, w, bias],
            &[t(&[1, 16], out)],
            &all,
        )
    }

    #[test]
    fn fully_connected() {
        let f = ElementType::F32;
        let keep = [("keep_num_dims", Attribute::Bool(true))];
        let asym = [("asymmetric_quantize_inputs", Attribute::Bool(true))];
        assert_eq!(fc(f.clone(), f.clone(), Some(f.clone()), f.clone(), &[]), 1);
        assert_eq!(fc(f.clone(), f.clone(), None, f.clone(), &keep), 5);
        let shuffled = [("weights_format", s("SHUFFLED4x16INT8"))];
        assert_eq!(
            fc(qu8(0.1, 128), qu8(0.1, 128), None, qu8(0.1, 0), &shuffled),
            2
        );
        // Full-integer int8, with and without a bias, and with keep_num_dims.
        let int8 = |bias: Option<ElementType>, attrs: &[(&str, Attribute)]| {
            fc(qi8(0.1, -128), qi8_axis(0, 16), bias, qi8(0.3, 5), attrs)
        };
        assert_eq!(int8(Some(qi32(0.001)), &[]), 4);
        assert_eq!(int8(None, &[]), 4);
        assert_eq!(int8(Some(qi32(0.001)), &keep), 5);
        // Hybrid: per-tensor 3, asymmetric 9, per-channel 12.
        assert_eq!(
            fc(f.clone(), qi8(0.1, 0), Some(f.clone()), f.clone(), &[]),
            3
        );
        assert_eq!(
            fc(f.clone(), qi8(0.1, 0), Some(f.clone()), f.clone(), &asym),
            9
        );
        assert_eq!(
            fc(
                f.clone(),
                qi8_axis(0, 16),
                Some(f.clone()),
                f.clone(),
                &asym
            ),
            12
        );
        assert_eq!(fc(f.clone(), qi8_axis(0, 16), None, f.clone(), &[]), 12);
        // 16x8.
        let qi64 = quant(64, true, 1e-6, 0);
        assert_eq!(
            fc(qi16(1e-3), qi8_axis(0, 16), Some(qi64), qi16(1e-3), &[]),
            7
        );
    }

    #[test]
    fn fully_connected_sparse_and_two_inputs() {
        let mut b = Builder::new();
        let x = b.arg(t(&[1, 32], qi8(0.1, 0)));
        let w = b.constant(&tfl::PSEUDO_SPARSE_QCONST, t(&[16, 32], qi8_axis(0, 16)));
        let none = b.none();
        let attrs = [
            ("fused_activation_function", s("NONE")),
            ("weights_format", s("DEFAULT")),
            ("keep_num_dims", Attribute::Bool(false)),
        ];
        let fcd = &tfl::FULLY_CONNECTED;
        let out = [t(&[1, 16], qi8(0.2, 0))];
        assert_eq!(b.version(fcd, &[x, w, none], &out, &attrs), 8);
        let wd = b.constant(&tfl::PSEUDO_QCONST, t(&[16, 32], qi8_axis(0, 16)));
        assert_eq!(b.version(fcd, &[x, wd], &out, &attrs), 6);
    }

    #[test]
    fn batch_matmul() {
        let mut b = Builder::new();
        let xf = b.arg(f32t(&[2, 4, 8]));
        let yq = b.constant(&tfl::PSEUDO_QCONST, t(&[2, 8, 4], qi8(0.1, 0)));
        let bm = &tfl::BATCH_MATMUL;
        let outf = [f32t(&[2, 4, 4])];
        let asym = [("asymmetric_quantize_inputs", Attribute::Bool(true))];
        assert_eq!(b.version(bm, &[xf, xf], &outf, &[]), 1);
        assert_eq!(b.version(bm, &[xf, yq], &outf, &[]), 1);
        assert_eq!(b.version(bm, &[xf, yq], &outf, &asym), 4);
        let xq = b.arg(t(&[2, 4, 8], qi8(0.2, 0)));
        assert_eq!(
            b.version(bm, &[xq, yq], &[t(&[2, 4, 4], qi8(0.5, 0))], &[]),
            2
        );
        let x16 = b.arg(t(&[2, 4, 8], qi16(1e-3)));
        assert_eq!(
            b.version(bm, &[x16, x16], &[t(&[2, 4, 4], qi16(1e-3))], &[]),
            3
        );
    }

    fn binary(def: &'static OpDef, lhs: Type, rhs: Type, out: Type) -> i32 {
        binary_with(def, lhs, rhs, out, &[])
    }

    fn binary_with(
        def: &'static OpDef,
        lhs: Type,
        rhs: Type,
        out: Type,
        extra: &[(&str, Attribute)],
    ) -> i32 {
        let mut b = Builder::new();
        let l = b.arg(lhs);
        let r = b.arg(rhs);
        let mut attrs = vec![("fused_activation_function", s("NONE"))];
        attrs.extend(extra.iter().cloned());
        b.version(def, &[l, r], &[out], &attrs)
    }

    #[test]
    fn add() {
        let a = &tfl::ADD;
        let sh = [1, 4, 4, 8];
        assert_eq!(binary(a, f32t(&sh), f32t(&sh), f32t(&sh)), 1);
        assert_eq!(
            binary(
                a,
                t(&sh, ElementType::F16),
                t(&sh, ElementType::F16),
                t(&sh, ElementType::F16)
            ),
            6
        );
        let q = |sc, zp| t(&sh, qi8(sc, zp));
        assert_eq!(binary(a, q(0.1, -3), q(0.2, 7), q(0.25, -1)), 2);
        assert_eq!(
            binary(
                a,
                t(&sh, qu8(0.1, 128)),
                t(&sh, qu8(0.1, 128)),
                t(&sh, qu8(0.2, 128))
            ),
            1
        );
        let i = ElementType::I64;
        assert_eq!(
            binary(a, t(&sh, i.clone()), t(&sh, i.clone()), t(&sh, i)),
            4
        );
        let i16 = ElementType::I16;
        assert_eq!(
            binary(a, t(&sh, i16.clone()), t(&sh, i16.clone()), t(&sh, i16)),
            5
        );
        // Quantized int16: general scales 3; power-of-two scales 1 unless the option is false.
        let q16 = |sc| t(&sh, qi16(sc));
        assert_eq!(binary(a, q16(1e-3), q16(2e-3), q16(3e-3)), 3);
        assert_eq!(binary(a, q16(0.5), q16(0.25), q16(1.0 / 1024.0)), 1);
        let general = [(POT_SCALE_INT16_ATTR, Attribute::Bool(false))];
        assert_eq!(
            binary_with(a, q16(0.5), q16(0.25), q16(1.0 / 1024.0), &general),
            3
        );
    }

    #[test]
    fn sub_and_div_broadcast() {
        let (sub, div) = (&tfl::SUB, &tfl::DIV);
        let r4 = [2, 3, 4, 5];
        let r5 = [2, 3, 4, 5, 6];
        let r5b = [1, 3, 1, 5, 6];
        assert_eq!(binary(sub, f32t(&r4), f32t(&r4), f32t(&r4)), 1);
        assert_eq!(binary(sub, f32t(&r5), f32t(&r5), f32t(&r5)), 1);
        assert_eq!(binary(sub, f32t(&r5), f32t(&r5b), f32t(&r5)), 3);
        assert_eq!(binary(sub, f32t(&r4), f32t(&[5]), f32t(&r4)), 1);
        assert_eq!(
            binary(
                sub,
                t(&r4, qi8(0.1, 0)),
                t(&r4, qi8(0.1, 0)),
                t(&r4, qi8(0.2, 0))
            ),
            2
        );
        assert_eq!(
            binary(
                sub,
                t(&r5, qi8(0.1, 0)),
                t(&r5b, qi8(0.1, 0)),
                t(&r5, qi8(0.2, 0))
            ),
            3
        );
        let i = ElementType::I64;
        assert_eq!(
            binary(sub, t(&r4, i.clone()), t(&r4, i.clone()), t(&r4, i)),
            4
        );
        let q16 = |sc| t(&r4, qi16(sc));
        assert_eq!(binary(sub, q16(1e-3), q16(2e-3), q16(3e-3)), 5);
        assert_eq!(binary(div, f32t(&r4), f32t(&r4), f32t(&r4)), 1);
        assert_eq!(binary(div, f32t(&r5), f32t(&r5b), f32t(&r5)), 2);
        assert_eq!(binary(div, f32t(&r5), f32t(&r5), f32t(&r5)), 1);
        assert_eq!(
            binary(
                div,
                t(&r4, qi8(0.1, 0)),
                t(&r4, qi8(0.1, 0)),
                t(&r4, qi8(0.2, 0))
            ),
            1
        );
    }

    #[test]
    fn maximum_minimum() {
        let r4 = [2, 3, 4, 5];
        let r5 = [2, 3, 4, 5, 6];
        let r5b = [1, 3, 1, 5, 6];
        let mx = &tfl::MAXIMUM;
        let plain = |l: Type, r: Type, o: Type| {
            let mut b = Builder::new();
            let (l, r) = (b.arg(l), b.arg(r));
            b.version(mx, &[l, r], &[o], &[])
        };
        assert_eq!(plain(f32t(&r4), f32t(&r4), f32t(&r4)), 1);
        assert_eq!(plain(f32t(&r5), f32t(&r5b), f32t(&r5)), 3);
        assert_eq!(
            plain(
                t(&r4, qi8(0.1, 0)),
                t(&r4, qi8(0.1, 0)),
                t(&r4, qi8(0.1, 0))
            ),
            2
        );
        assert_eq!(
            plain(t(&r4, qi16(0.1)), t(&r4, qi16(0.1)), t(&r4, qi16(0.1))),
            4
        );
    }

    #[test]
    fn mul() {
        let m = &tfl::MUL;
        let sh = [1, 8];
        assert_eq!(binary(m, f32t(&sh), f32t(&sh), f32t(&sh)), 1);
        // int8: scale1 * scale2 / scale_out below 1 gives 2, at or above 1 gives 3.
        let q = |sc| t(&sh, qi8(sc, 0));
        assert_eq!(binary(m, q(0.1), q(0.2), q(0.05)), 2);
        assert_eq!(binary(m, q(0.5), q(0.5), q(0.25)), 3);
        assert_eq!(binary(m, q(0.5), q(0.5), q(0.125)), 3);
        // uint8 follows the scale rule too, and is 1 below it.
        let u = |sc| t(&sh, qu8(sc, 128));
        assert_eq!(binary(m, u(0.1), u(0.2), u(0.05)), 1);
        assert_eq!(binary(m, u(1.0), u(2.0), u(0.5)), 3);
        let q16 = |sc| t(&sh, qi16(sc));
        assert_eq!(binary(m, q16(0.1), q16(0.1), q16(0.001)), 4);
        let e = |e: ElementType| t(&sh, e);
        assert_eq!(
            binary(
                m,
                e(ElementType::I16),
                e(ElementType::I16),
                e(ElementType::I16)
            ),
            7
        );
        assert_eq!(
            binary(
                m,
                e(ElementType::I64),
                e(ElementType::I64),
                e(ElementType::I64)
            ),
            5
        );
        assert_eq!(
            binary(
                m,
                e(ElementType::F16),
                e(ElementType::F16),
                e(ElementType::F16)
            ),
            8
        );
    }

    fn unary(def: &'static OpDef, input: Type, output: Type, attrs: &[(&str, Attribute)]) -> i32 {
        let mut b = Builder::new();
        let x = b.arg(input);
        b.version(def, &[x], &[output], attrs)
    }

    #[test]
    fn quantize() {
        let q = &tfl::QUANTIZE;
        let sh = [1, 8];
        assert_eq!(unary(q, f32t(&sh), t(&sh, qi8(0.1, -128)), &[]), 1);
        assert_eq!(unary(q, f32t(&sh), t(&sh, qu8(0.1, 128)), &[]), 1);
        assert_eq!(unary(q, t(&sh, qi8(0.1, 0)), t(&sh, qi8(0.2, 3)), &[]), 1);
        assert_eq!(unary(q, f32t(&sh), t(&sh, qi16(0.1)), &[]), 2);
        assert_eq!(unary(q, f32t(&sh), t(&sh, qi8_axis(1, 8)), &[]), 3);
        assert_eq!(unary(q, f32t(&sh), t(&sh, quant(4, true, 0.1, 0)), &[]), 4);
    }

    #[test]
    fn dequantize() {
        let d = &tfl::DEQUANTIZE;
        let sh = [16, 3, 3, 8];
        let out = f32t(&sh);
        assert_eq!(unary(d, t(&sh, qi8(0.1, 0)), out.clone(), &[]), 2);
        assert_eq!(unary(d, t(&sh, qi8_axis(0, 16)), out.clone(), &[]), 5);
        assert_eq!(unary(d, t(&sh, qi8_axis(3, 8)), out.clone(), &[]), 5);
        // A per-axis type whose scales do not span the dimension is not per-channel.
        assert_eq!(unary(d, t(&sh, qi8_axis(1, 16)), out.clone(), &[]), 2);
        assert_eq!(unary(d, t(&sh, ElementType::F16), out.clone(), &[]), 3);
        assert_eq!(unary(d, t(&sh, qi16(0.1)), out.clone(), &[]), 3);
        assert_eq!(unary(d, t(&sh, qu8(0.1, 128)), out.clone(), &[]), 1);
        assert_eq!(unary(d, t(&sh, quant(4, true, 0.1, 0)), out, &[]), 6);
    }

    #[test]
    fn densify_and_version_1_ops() {
        let sh = [16, 3, 3, 8];
        let f16 = t(&sh, ElementType::F16);
        assert_eq!(unary(&tfl::DENSIFY, f16.clone(), f16, &[]), 1);
        assert_eq!(unary(&tfl::NEG, f32t(&sh), f32t(&sh), &[]), 1);
        let hs = &tfl::HARD_SWISH;
        assert_eq!(unary(hs, t(&sh, qi8(0.1, 0)), t(&sh, qi8(0.1, 0)), &[]), 1);
    }

    #[test]
    fn softmax_and_logistic() {
        let sh = [1, 10];
        let beta = [("beta", Attribute::f32(1.0))];
        let sm = &tfl::SOFTMAX;
        assert_eq!(unary(sm, f32t(&sh), f32t(&sh), &beta), 1);
        let out8 = t(&sh, qi8(1.0 / 256.0, -128));
        assert_eq!(unary(sm, t(&sh, qi8(0.1, 3)), out8.clone(), &beta), 2);
        let out16 = t(&sh, qi16(1.0 / 32768.0));
        assert_eq!(unary(sm, t(&sh, qi16(1e-3)), out16.clone(), &beta), 3);
        assert_eq!(
            unary(
                sm,
                t(&sh, qu8(0.1, 128)),
                t(&sh, qu8(1.0 / 256.0, 0)),
                &beta
            ),
            1
        );
        let lg = &tfl::LOGISTIC;
        assert_eq!(unary(lg, f32t(&sh), f32t(&sh), &[]), 1);
        assert_eq!(unary(lg, t(&sh, qi8(0.1, 3)), out8, &[]), 2);
        assert_eq!(unary(lg, t(&sh, qi16(1e-3)), out16, &[]), 3);
        assert_eq!(
            unary(lg, t(&sh, qu8(0.1, 128)), t(&sh, qu8(1.0 / 256.0, 0)), &[]),
            1
        );
    }

    #[test]
    fn pools_and_activations() {
        let sh = [1, 8, 8, 4];
        let pool_attrs = [
            ("filter_height", Attribute::i32(2)),
            ("filter_width", Attribute::i32(2)),
            ("fused_activation_function", s("NONE")),
            ("padding", s("VALID")),
            ("stride_h", Attribute::i32(2)),
            ("stride_w", Attribute::i32(2)),
        ];
        for def in [&tfl::AVERAGE_POOL_2D, &tfl::MAX_POOL_2D] {
            assert_eq!(unary(def, f32t(&sh), f32t(&sh), &pool_attrs), 1);
            let q8 = t(&sh, qi8(0.1, 0));
            assert_eq!(unary(def, q8.clone(), q8, &pool_attrs), 2);
            let q16 = t(&sh, qi16(0.1));
            assert_eq!(unary(def, q16.clone(), q16, &pool_attrs), 3);
        }
        let q8 = t(&sh, qi8(0.1, 0));
        assert_eq!(unary(&tfl::RELU, q8.clone(), q8.clone(), &[]), 2);
        assert_eq!(unary(&tfl::RELU6, q8.clone(), q8.clone(), &[]), 2);
        let alpha = [("alpha", Attribute::f32(0.2))];
        assert_eq!(unary(&tfl::LEAKY_RELU, q8.clone(), q8.clone(), &alpha), 1);
        assert_eq!(
            unary(&tfl::TANH, q8.clone(), t(&sh, qi8(1.0 / 128.0, 0)), &[]),
            2
        );
        assert_eq!(unary(&tfl::L2_NORMALIZATION, q8.clone(), q8, &[]), 2);
    }

    #[test]
    fn concatenation() {
        let c = &tfl::CONCATENATION;
        let attrs = [
            ("axis", Attribute::i32(1)),
            ("fused_activation_function", s("NONE")),
        ];
        let cat = |e: ElementType| {
            let mut b = Builder::new();
            let x = b.arg(t(&[1, 4], e.clone()));
            let y = b.arg(t(&[1, 4], e.clone()));
            b.version(c, &[x, y], &[t(&[1, 8], e)], &attrs)
        };
        assert_eq!(cat(ElementType::F32), 1);
        assert_eq!(cat(qi8(0.1, 0)), 2);
        assert_eq!(cat(qi16(0.1)), 3);
        assert_eq!(cat(qu8(0.1, 128)), 1);
        assert_eq!(cat(ElementType::I32), 1);
    }

    #[test]
    fn reshape_and_shape_ops() {
        let mut b = Builder::new();
        let x = b.arg(t(&[1, 4, 4, 2], qi8(0.1, 0)));
        let shape = b.constant(&tfl::PSEUDO_CONST, t(&[2], ElementType::I32));
        let out = [t(&[1, 32], qi8(0.1, 0))];
        assert_eq!(b.version(&tfl::RESHAPE, &[x, shape], &out, &[]), 1);
        let sq = [("squeeze_dims", Attribute::Array(vec![]))];
        assert_eq!(b.version(&tfl::SQUEEZE, &[x], &out, &sq), 1);
        let mut b = Builder::new();
        let dim = b.constant(&tfl::PSEUDO_CONST, t(&[], ElementType::I32));
        let x = b.arg(t(&[8, 6], qi8(0.1, 0)));
        let nsplit = [("num_splits", Attribute::i32(2))];
        let halves = [t(&[4, 6], qi8(0.1, 0)), t(&[4, 6], qi8(0.1, 0))];
        assert_eq!(b.version(&tfl::SPLIT, &[dim, x], &halves, &nsplit), 2);
    }

    fn strided_slice_version(input: Type, masks: (i32, i32), offset: bool) -> i32 {
        let mut b = Builder::new();
        let rank = input.as_tensor().unwrap().rank() as i64;
        let x = b.arg(input.clone());
        let idx = t(&[rank], ElementType::I32);
        let begin = b.constant(&tfl::PSEUDO_CONST, idx.clone());
        let end = b.constant(&tfl::PSEUDO_CONST, idx.clone());
        let strides = b.constant(&tfl::PSEUDO_CONST, idx);
        let attrs = [
            ("begin_mask", Attribute::i32(0)),
            ("end_mask", Attribute::i32(0)),
            ("ellipsis_mask", Attribute::i32(masks.0)),
            ("new_axis_mask", Attribute::i32(masks.1)),
            ("shrink_axis_mask", Attribute::i32(0)),
            ("offset", Attribute::Bool(offset)),
        ];
        b.version(
            &tfl::STRIDED_SLICE,
            &[x, begin, end, strides],
            &[input],
            &attrs,
        )
    }

    #[test]
    fn strided_slice() {
        let r4 = [1, 4, 4, 2];
        let r5 = [1, 2, 4, 4, 2];
        assert_eq!(strided_slice_version(f32t(&r4), (0, 0), false), 1);
        assert_eq!(strided_slice_version(t(&r4, qi8(0.1, 0)), (0, 0), false), 2);
        assert_eq!(
            strided_slice_version(t(&r4, ElementType::I1), (0, 0), false),
            3
        );
        assert_eq!(strided_slice_version(t(&r5, qi8(0.1, 0)), (0, 0), false), 4);
        assert_eq!(strided_slice_version(t(&r4, qi8(0.1, 0)), (0, 2), false), 6);
        assert_eq!(strided_slice_version(t(&r4, qi8(0.1, 0)), (1, 0), false), 6);
        assert_eq!(strided_slice_version(f32t(&r4), (0, 0), true), 8);
        assert_eq!(
            strided_slice_version(t(&r4, qu8(0.1, 128)), (0, 0), false),
            1
        );
    }

    #[test]
    fn transpose() {
        let tr = |shape: &[i64], e: ElementType| {
            let mut b = Builder::new();
            let x = b.arg(t(shape, e.clone()));
            let perm = b.constant(
                &tfl::PSEUDO_CONST,
                t(&[shape.len() as i64], ElementType::I32),
            );
            let out: Vec<i64> = shape.iter().rev().copied().collect();
            b.version(&tfl::TRANSPOSE, &[x, perm], &[t(&out, e)], &[])
        };
        assert_eq!(tr(&[1, 2, 3, 4], ElementType::F32), 1);
        assert_eq!(tr(&[1, 2, 3, 4], qi8(0.1, 0)), 2);
        assert_eq!(tr(&[1, 2, 3, 4], ElementType::I1), 3);
        assert_eq!(tr(&[1, 2, 3, 4, 5], ElementType::F32), 4);
        assert_eq!(tr(&[1, 2, 3, 4, 5], qi8(0.1, 0)), 4);
        assert_eq!(tr(&[1, 2, 3, 4], qi16(0.1)), 5);
        assert_eq!(tr(&[1, 2, 3, 4, 5, 6], ElementType::F32), 6);
        assert_eq!(tr(&[1, 2, 3, 4, 5, 6, 7], ElementType::F32), 8);
        assert_eq!(tr(&[1, 2, 3, 4], ElementType::BF16), 8);
        assert_eq!(tr(&[1, 2, 3, 4], ElementType::I4), 7);
    }

    #[test]
    fn resize_select_and_comparisons() {
        let sh = [1, 4, 4, 2];
        let rb = |e: ElementType, hpc: bool| {
            let mut b = Builder::new();
            let x = b.arg(t(&sh, e.clone()));
            let size = b.constant(&tfl::PSEUDO_CONST, t(&[2], ElementType::I32));
            let attrs = [
                ("align_corners", Attribute::Bool(false)),
                ("half_pixel_centers", Attribute::Bool(hpc)),
            ];
            b.version(
                &tfl::RESIZE_BILINEAR,
                &[x, size],
                &[t(&[1, 8, 8, 2], e)],
                &attrs,
            )
        };
        assert_eq!(rb(ElementType::F32, false), 1);
        assert_eq!(rb(ElementType::F32, true), 3);
        assert_eq!(rb(qi8(0.1, 0), false), 2);
        assert_eq!(rb(qi8(0.1, 0), true), 3);
        assert_eq!(rb(qi16(0.1), true), 4);

        let mut b = Builder::new();
        let c = b.arg(t(&sh, ElementType::I1));
        let u32t = t(&sh, ElementType::Int(IntType::unsigned(32)));
        let (x, y) = (b.arg(u32t.clone()), b.arg(u32t.clone()));
        assert_eq!(b.version(&tfl::SELECT_V2, &[c, x, y], &[u32t], &[]), 2);
        let (x, y) = (b.arg(f32t(&sh)), b.arg(f32t(&sh)));
        assert_eq!(b.version(&tfl::SELECT_V2, &[c, x, y], &[f32t(&sh)], &[]), 1);

        let bool_out = [t(&sh, ElementType::I1)];
        let q8 = b.arg(t(&sh, qi8(0.1, 0)));
        let q16 = b.arg(t(&sh, qi16(0.1)));
        assert_eq!(b.version(&tfl::LESS, &[q8, q8], &bool_out, &[]), 2);
        assert_eq!(b.version(&tfl::LESS, &[q16, q16], &bool_out, &[]), 3);
        assert_eq!(b.version(&tfl::GREATER, &[q16, q16], &bool_out, &[]), 1);
        assert_eq!(b.version(&tfl::EQUAL, &[q16, q16], &bool_out, &[]), 5);
        assert_eq!(b.version(&tfl::NOT_EQUAL, &[q16, q16], &bool_out, &[]), 4);
        assert_eq!(b.version(&tfl::EQUAL, &[q8, q8], &bool_out, &[]), 2);
    }

    #[test]
    fn broadcast_to_is_never_1() {
        let mut b = Builder::new();
        let shape = b.constant(&tfl::PSEUDO_CONST, t(&[2], ElementType::I32));
        let x = b.arg(f32t(&[1, 4]));
        assert_eq!(
            b.version(&tfl::BROADCAST_TO, &[x, shape], &[f32t(&[3, 4])], &[]),
            2
        );
        let q = b.arg(t(&[1, 4], qi8(0.1, 0)));
        let out = [t(&[3, 4], qi8(0.1, 0))];
        assert_eq!(b.version(&tfl::BROADCAST_TO, &[q, shape], &out, &[]), 3);
    }

    /// An LSTM over [batch 1, time 3, input 4] with 2 cells; `weights` is the element type of
    /// every weight, `input`/`output` of the sequence tensors.
    fn lstm(input: ElementType, weights: ElementType, attrs: &[(&str, Attribute)]) -> i32 {
        let mut b = Builder::new();
        let x = b.arg(t(&[1, 3, 4], input.clone()));
        let none = b.none();
        let w_in = b.constant(&tfl::PSEUDO_QCONST, t(&[2, 4], weights.clone()));
        let w_rec = b.constant(&tfl::PSEUDO_QCONST, t(&[2, 2], weights));
        let bias = b.constant(&tfl::PSEUDO_CONST, f32t(&[2]));
        let state = b.arg(f32t(&[1, 2]));
        let cell = b.arg(f32t(&[1, 2]));
        let operands = [
            x, none, w_in, w_in, w_in, none, w_rec, w_rec, w_rec, none, none, none, none, bias,
            bias, bias, none, none, state, cell, none, none, none, none,
        ];
        let mut all = vec![
            ("fused_activation_function", s("TANH")),
            ("time_major", Attribute::Bool(false)),
        ];
        all.extend(attrs.iter().cloned());
        let def = &tfl::UNIDIRECTIONAL_SEQUENCE_LSTM;
        b.version(def, &operands, &[t(&[1, 3, 2], input)], &all)
    }

    #[test]
    fn unidirectional_sequence_lstm() {
        let f = ElementType::F32;
        let asym = [("asymmetric_quantize_inputs", Attribute::Bool(true))];
        let diag = [("diagonal_recurrent_tensors", Attribute::Bool(true))];
        assert_eq!(lstm(f.clone(), f.clone(), &[]), 1);
        assert_eq!(lstm(f.clone(), qi8(0.1, 0), &[]), 2);
        assert_eq!(lstm(f.clone(), qi8(0.1, 0), &asym), 3);
        assert_eq!(lstm(f.clone(), qi8(0.1, 0), &diag), 4);
        assert_eq!(lstm(qi16(1e-3), qi8(0.1, 0), &[]), 5);
    }

    #[test]
    fn embedding_lookup_and_gather() {
        let mut b = Builder::new();
        let ids = b.arg(t(&[3], ElementType::I32));
        let table = b.constant(&tfl::PSEUDO_QCONST, t(&[10, 4], qi8(0.1, 0)));
        let rows = b.constant(&tfl::PSEUDO_QCONST, t(&[10, 4], qi8_axis(0, 10)));
        let el = &tfl::EMBEDDING_LOOKUP;
        assert_eq!(b.version(el, &[ids, table], &[f32t(&[3, 4])], &[]), 1);
        assert_eq!(b.version(el, &[ids, rows], &[f32t(&[3, 4])], &[]), 4);
        let axis = [("axis", Attribute::i32(0))];
        let out = [t(&[3, 4], qi8(0.1, 0))];
        assert_eq!(b.version(&tfl::GATHER, &[table, ids], &out, &axis), 2);
        let batch = [
            ("axis", Attribute::i32(1)),
            ("batch_dims", Attribute::i32(1)),
        ];
        assert_eq!(b.version(&tfl::GATHER, &[table, ids], &out, &batch), 5);
    }

    #[test]
    fn cast() {
        let c = |i: ElementType, o: ElementType| unary(&tfl::CAST, t(&[4], i), t(&[4], o), &[]);
        assert_eq!(c(ElementType::I32, ElementType::F32), 1);
        assert_eq!(c(ElementType::F16, ElementType::F32), 5);
        assert_eq!(c(ElementType::I8, ElementType::F32), 3);
        assert_eq!(c(ElementType::I4, ElementType::F32), 6);
        assert_eq!(c(ElementType::BF16, ElementType::F32), 7);
    }
}
