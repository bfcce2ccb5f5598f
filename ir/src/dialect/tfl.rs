//! The tfl dialect: TensorFlow Lite's operations, named exactly as TensorFlow's `tfl` dialect
//! names them, with their TFLite builtin codes and quantization behaviour.
//!
//! Element types are TensorFlow's runtime type lists (`TFL_TensorOf<[...]>` in `tfl_ops.td`),
//! which say what LiteRT's kernels take. TypeSet has a bit for most of their entries; the rest
//! (`!tf_type.quint8`, `!tf_type.string`, `complex<f32>`, ui16, ui32, i2, 2-bit quantized) are
//! `OTHER`. TypeSet does not tell signed from unsigned 4-, 16- and 32-bit quantized storage, so
//! QUI4, QUI16 and QUI32 are written as QI4, QI16 and QI32. Where a list deviates from
//! TensorFlow's, a comment says why.

use super::tfl_versions;
use super::{
    attr, one, op, opt_attr, optional, variadic, AttrDef, AttrKind, CustomSyntax, FixedRange,
    Kernels, OpDef, QuantBehavior, SlotDef, Traits, TypeSet,
};
use crate::attributes::Attribute;
use crate::context::Context;
use crate::entity::OpId;
use crate::types::Type;

/// Values of `fused_activation_function`.
pub const ACTIVATIONS: &[&str] = &["NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"];
/// Values of `padding`.
pub const PADDINGS: &[&str] = &["SAME", "VALID"];
/// Values of `weights_format` of `tfl.fully_connected`.
pub const WEIGHTS_FORMATS: &[&str] = &["DEFAULT", "SHUFFLED4x16INT8"];
/// Values of `mode` of `tfl.mirror_pad`, printed as the dialect attribute
/// `#tfl<mirror_pad_attr REFLECT>`.
pub const MIRROR_PAD_MODES: &[&str] = &["REFLECT", "SYMMETRIC"];

const ACT: AttrDef = attr("fused_activation_function", AttrKind::Enum(ACTIVATIONS));
const PADDING: AttrDef = attr("padding", AttrKind::Enum(PADDINGS));
const STRIDE_H: AttrDef = attr("stride_h", AttrKind::I32);
const STRIDE_W: AttrDef = attr("stride_w", AttrKind::I32);
const DILATION_H: AttrDef = attr("dilation_h_factor", AttrKind::I32);
const DILATION_W: AttrDef = attr("dilation_w_factor", AttrKind::I32);
const STRIDE_D: AttrDef = attr("stride_d", AttrKind::I32);
const DILATION_D: AttrDef = attr("dilation_d_factor", AttrKind::I32);
const KEEP_DIMS: AttrDef = attr("keep_dims", AttrKind::Bool);
const ASYM: AttrDef = opt_attr("asymmetric_quantize_inputs", AttrKind::Bool);

const PURE: Traits = Traits::PURE;
const SAME_SHAPE: Traits = Traits::SAME_OPERANDS_AND_RESULT_SHAPE;
const SAME_ELEM: Traits = Traits::SAME_OPERANDS_AND_RESULT_ELEMENT_TYPE;
const BCAST: Traits = Traits::BROADCASTING;
const COMMUTATIVE: Traits = Traits::COMMUTATIVE;

const SAME: QuantBehavior = QuantBehavior::SameScale;
const INDEP: QuantBehavior = QuantBehavior::Independent;

/// Fixed output range of softmax and logistic: [0, 1). For int16, LiteRT's kernels require
/// scale 1/32768 and zero point 0 (TensorFlow's MLIR formula for logistic would give 1/65536
/// and -32768, which the int16 logistic kernel rejects).
pub const RANGE_0_1: FixedRange = FixedRange {
    int8: (1.0 / 256.0, -128),
    uint8: (1.0 / 256.0, 0),
    int16: (1.0 / 32768.0, 0),
};
/// Fixed output range of tanh and l2_normalization: [-1, 1).
pub const RANGE_M1_1: FixedRange = FixedRange {
    int8: (1.0 / 128.0, 0),
    uint8: (1.0 / 128.0, 128),
    int16: (1.0 / 32768.0, 0),
};
/// Fixed output range of log_softmax: [-16, 0]. LiteRT has no int16 log_softmax kernel, so in
/// 16x8 mode the op stays float; its result is still quantized to int16 for the ops after it,
/// and LiteRT's int16 kernels take only zero point 0: the int16 entry covers [-16, 16) (a
/// zero point of 32767 made LiteRT refuse a REDUCE_MAX reading it).
pub const RANGE_LOG_SOFTMAX: FixedRange = FixedRange {
    int8: (16.0 / 256.0, 127),
    uint8: (16.0 / 256.0, 255),
    int16: (16.0 / 32768.0, 0),
};

// ---- element type classes, for writing TensorFlow's lists ----

const F32: TypeSet = TypeSet::F32;
const F16: TypeSet = TypeSet::F16;
const BF16: TypeSet = TypeSet::BF16;
const F64: TypeSet = TypeSet::F64;
const I1: TypeSet = TypeSet::I1;
const I4: TypeSet = TypeSet::I4;
const I8: TypeSet = TypeSet::I8;
const I16: TypeSet = TypeSet::I16;
const I32: TypeSet = TypeSet::I32;
const I64: TypeSet = TypeSet::I64;
const UI8: TypeSet = TypeSet::UI8;
const QI4: TypeSet = TypeSet::QI4;
const QI8: TypeSet = TypeSet::QI8;
const QUI8: TypeSet = TypeSet::QUI8;
const QI16: TypeSet = TypeSet::QI16;
const QI32: TypeSet = TypeSet::QI32;
/// TFL_Quint8, TFL_Str, complex, ui16, ui32, i2, QI2, ui4 (see the module comment).
const OTHER: TypeSet = TypeSet::OTHER;
const I32_I64: TypeSet = TypeSet::I32_I64;

/// The union of a list of type classes.
const fn of(list: &[TypeSet]) -> TypeSet {
    let mut bits = 0;
    let mut i = 0;
    while i < list.len() {
        bits |= list[i].0;
        i += 1;
    }
    TypeSet(bits)
}

/// Biases of the convolutions: TensorFlow lists [F32, I32, I64] (transpose_conv [F32, QI32,
/// I64]); imported int8 models carry `!quant.uniform<i32:f32, ...>` (QI32) and int16x8 ones
/// `!tqopt.uniform<i64:f32, ...>` (OTHER, printed so since MLIR stops at 32 bits), which LiteRT's kernels take.
const CONV_BIAS_T: TypeSet = of(&[F32, I32, I64, QI32, OTHER]);
const CONV_ACT_T: TypeSet = of(&[F32, QI8, QUI8, QI16]);
const CONV_FILTER_T: TypeSet = of(&[F32, QI4, QI8, QUI8]);
const CONV_OPERANDS: &[SlotDef] = &[
    one("input").types(CONV_ACT_T),
    one("filter").types(CONV_FILTER_T),
    optional("bias").types(CONV_BIAS_T),
];

const BINARY: &[SlotDef] = &[one("lhs"), one("rhs")];
const BOOL_RESULT: &[SlotDef] = &[one("output").types(I1)];
const BINARY_ATTRS: &[AttrDef] = &[ACT];
const REDUCTION_ATTRS: &[AttrDef] = &[KEEP_DIMS];
const POOL_ATTRS: &[AttrDef] = &[
    attr("filter_height", AttrKind::I32),
    attr("filter_width", AttrKind::I32),
    ACT,
    PADDING,
    STRIDE_H,
    STRIDE_W,
];

/// A binary op with a fused activation, written by TensorFlow as `tfl.add %a, %b {...} : type`
/// when the types agree. TensorFlow ties only the operands' element types together; SAME_ELEM
/// also ties the result's, as LiteRT's add, sub and div kernels require.
const fn binary(
    name: &'static str,
    summary: &'static str,
    code: i32,
    tfl_name: &'static str,
) -> OpDef {
    op(name, summary)
        .operands(BINARY)
        .attrs(BINARY_ATTRS)
        .traits(PURE.with(BCAST).with(SAME_ELEM))
        .quant(INDEP)
        .tflite(code, tfl_name)
        .custom_syntax(CustomSyntax::SameOperandsAndResultType)
}

/// A binary op with no attributes, printed like `binary`'s (`tfl.pow %a, %b : type`, or
/// `tfl.less(%a, %b) : (...) -> ...` when the types differ).
const fn plain_binary(
    name: &'static str,
    summary: &'static str,
    code: i32,
    tfl_name: &'static str,
) -> OpDef {
    op(name, summary)
        .operands(BINARY)
        .traits(PURE.with(BCAST))
        .tflite(code, tfl_name)
        .custom_syntax(CustomSyntax::SameOperandsAndResultType)
}

/// A comparison: two operands of one element type, an i1 result.
const fn comparison(
    name: &'static str,
    summary: &'static str,
    code: i32,
    tfl_name: &'static str,
) -> OpDef {
    plain_binary(name, summary, code, tfl_name)
        .results(BOOL_RESULT)
        .quant(INDEP)
}

/// A one-operand element-wise op whose operand and result shapes are the same; each op sets
/// its slots (`x`/`y` or `input`/`output`, as TensorFlow names them).
const fn unary(
    name: &'static str,
    summary: &'static str,
    code: i32,
    tfl_name: &'static str,
) -> OpDef {
    op(name, summary)
        .traits(PURE.with(SAME_SHAPE))
        .tflite(code, tfl_name)
}

/// A reduction `(input, axes) -> output` with `keep_dims`.
const fn reduction(
    name: &'static str,
    summary: &'static str,
    code: i32,
    tfl_name: &'static str,
) -> OpDef {
    op(name, summary)
        .attrs(REDUCTION_ATTRS)
        .tflite(code, tfl_name)
}

// ---- constants and plumbing ----

// TensorFlow declares pseudo_qconst and the sparse constants without ConstantLike (they have no
// folder); here CONSTANT_LIKE means "defines a constant value", which they all do.

pub static PSEUDO_CONST: OpDef = op("tfl.pseudo_const", "A constant tensor")
    .attrs(&[attr("value", AttrKind::Elements)])
    .traits(PURE.with(Traits::CONSTANT_LIKE))
    .quant(INDEP)
    .verify(verify_const_value);

/// TensorFlow's runtime list is [QUI8, QI8, QUI4, QI16, QUI16, quint8] but it is never checked
/// for this op: i32 biases are pseudo_qconsts too, and int16x8 models have i64 ones (OTHER).
pub static PSEUDO_QCONST: OpDef = op(
    "tfl.pseudo_qconst",
    "A quantized constant tensor: storage values and a quantized type",
)
.attrs(&[
    attr("qtype", AttrKind::Type),
    attr("value", AttrKind::Elements),
])
.results(&[one("output").types(TypeSet::QUANT.or(OTHER))])
.traits(PURE.with(Traits::CONSTANT_LIKE))
.quant(INDEP)
.verify(verify_qconst);

pub static PSEUDO_SPARSE_CONST: OpDef = op(
    "tfl.pseudo_sparse_const",
    "A sparse constant tensor, densified by tfl.densify",
)
.attrs(&[
    attr("value", AttrKind::Elements),
    attr("s_param", AttrKind::Dialect),
    attr("compressed_data", AttrKind::Elements),
])
.traits(PURE.with(Traits::CONSTANT_LIKE))
.quant(INDEP);

pub static PSEUDO_SPARSE_QCONST: OpDef = op(
    "tfl.pseudo_sparse_qconst",
    "A sparse quantized constant tensor",
)
.attrs(&[
    attr("qtype", AttrKind::Type),
    attr("value", AttrKind::Elements),
    attr("s_param", AttrKind::Dialect),
    attr("compressed_data", AttrKind::Elements),
])
.results(&[one("output").types(TypeSet::QUANT.or(OTHER))])
.traits(PURE.with(Traits::CONSTANT_LIKE));

pub static NO_VALUE: OpDef = op("tfl.no_value", "The absent value of an optional operand")
    .attrs(&[attr("value", AttrKind::Any)])
    .results(&[one("none_val").types(TypeSet::NONE_TYPE)])
    .traits(PURE.with(Traits::CONSTANT_LIKE));

// TensorFlow's lists for quantize and dequantize have no QI32; it is allowed here for the
// quantize/dequantize pairs that stand for int32 biases between insert-fake-quant and fold-quant.

pub static QUANTIZE: OpDef = op(
    "tfl.quantize",
    "Quantizes a float tensor, or requantizes a quantized one",
)
.operands(&[one("input").types(F32.or(TypeSet::QUANT))])
.results(&[one("output").types(TypeSet::QUANT)])
.attrs(&[attr("qtype", AttrKind::Type)])
.traits(PURE.with(SAME_SHAPE))
.tflite(114, "QUANTIZE")
.verify(verify_quantize)
.version(tfl_versions::quantize);

pub static DEQUANTIZE: OpDef = op(
    "tfl.dequantize",
    "Converts a quantized or float16 tensor to float32",
)
.operands(&[one("input").types(TypeSet::QUANT.or(F16))])
.results(&[one("output").types(F32)])
.traits(PURE)
.tflite(6, "DEQUANTIZE")
.version(tfl_versions::dequantize);

/// TensorFlow lists [F32, I8]; LiteRT's kernel also densifies float16, which the shared models'
/// sparse float16 weights need, and quantized int8 weights (`tfl.pseudo_sparse_qconst`).
pub static DENSIFY: OpDef = op(
    "tfl.densify",
    "Expands a sparse constant into a dense tensor",
)
.operands(&[one("input").types(of(&[F32, F16, I8, QI8]))])
.results(&[one("output").types(of(&[F32, F16, I8, QI8]))])
.traits(PURE)
.tflite(124, "DENSIFY")
.version(tfl_versions::always_1);

const CAST_T: TypeSet = of(&[F16, BF16, F32, F64, I1, I4, I16, I32, I64, UI8, I8, OTHER]);
/// A cast from integers or bools to float quantizes as a cast to the storage type (scale 1,
/// zero point 0): LiteRT's kernel converts the stored integers, whatever their parameters.
pub static CAST: OpDef = op("tfl.cast", "Converts the element type of a tensor")
    .operands(&[one("input").types(CAST_T)])
    .results(&[one("output").types(CAST_T.or(of(&[QI8, QUI8, QI16])))])
    .traits(PURE.with(SAME_SHAPE))
    .quant(QuantBehavior::IntegerValued)
    .tflite(53, "CAST")
    .version(tfl_versions::cast)
    .kernels(Kernels::INT8_INT16);

pub static YIELD: OpDef = op(
    "tfl.yield",
    "Ends a region of tfl.while or tfl.if, passing values out",
)
.operands(&[variadic("operands")])
.results(&[])
.traits(PURE.with(Traits::TERMINATOR))
.quant(INDEP);

pub static WHILE: OpDef = op(
    "tfl.while",
    "Runs the body region while the condition region yields true",
)
.operands(&[variadic("input")])
.results(&[variadic("output")])
.attrs(&[opt_attr("is_stateless", AttrKind::Bool)])
.regions(2)
.traits(Traits::SINGLE_BLOCK)
.tflite(119, "WHILE")
.version(tfl_versions::always_1);

/// The regions use outer values directly: the only operand is the condition.
pub static IF: OpDef = op(
    "tfl.if",
    "Runs the then or else region depending on a boolean",
)
.operands(&[one("cond").types(I1)])
.results(&[variadic("results")])
.regions(2)
.traits(Traits::SINGLE_BLOCK)
.tflite(118, "IF")
.version(tfl_versions::always_1);

pub static CUSTOM: OpDef = op(
    "tfl.custom",
    "A custom op: a code name and opaque option bytes",
)
.operands(&[variadic("input")])
.results(&[variadic("output")])
.attrs(&[
    attr("custom_code", AttrKind::Str),
    attr("custom_option", AttrKind::Dialect),
])
.traits(Traits::NONE)
.tflite(32, "CUSTOM")
.version(tfl_versions::always_1);

/// A TFLite builtin operator tqopt does not model: its builtin code, the operator version the
/// file gave it, and its options, kept opaque so that import then export gives the operator
/// back bit for bit.
///
/// - `builtin_code` (i32): the `BuiltinOperator` value; `builtin_name` (string) its schema name,
///   for readers (the exporter checks that it names the code).
/// - `version` (i32): the operator code's version, written back as it was.
/// - `builtin_options` (`#tfl<const_bytes : "0x...">`, absent when the operator has no
///   options): a standalone flatbuffer whose root is a TFLite `Operator` table that holds only
///   the operator's `builtin_options` and `builtin_options_2` unions (see
///   `tqopt_frontend::ops::generic`).
/// - `intermediates` (array of types) and `intermediate_names` (array of strings): the
///   operator's intermediate tensors (a quantized LSTM's), absent when it has none.
///
/// Not pure (the operator may have side effects: variables, calls), not quantizable: passes
/// keep it float and say "tqopt does not model TFLite op NAME" ([`unmodelled_reason`]).
pub static BUILTIN: OpDef = op(
    "tfl.builtin",
    "A TFLite builtin operator tqopt does not model, with its options kept as bytes",
)
.operands(&[variadic("inputs")])
.results(&[variadic("outputs")])
.attrs(&[
    attr("builtin_code", AttrKind::I32),
    opt_attr("builtin_name", AttrKind::Str),
    opt_attr("version", AttrKind::I32),
    opt_attr("builtin_options", AttrKind::Dialect),
    opt_attr("intermediates", AttrKind::Array),
    opt_attr("intermediate_names", AttrKind::Array),
])
.traits(Traits::NONE)
.version(builtin_version)
.verify(verify_builtin);

/// The version a `tfl.builtin` carries (1 when it has none).
fn builtin_version(ctx: &Context, op: OpId) -> i32 {
    ctx.op(op)
        .attr("version")
        .and_then(Attribute::as_int)
        .and_then(|v| i32::try_from(v).ok())
        .unwrap_or(1)
}

fn verify_builtin(ctx: &Context, op: OpId) -> Vec<String> {
    let data = ctx.op(op);
    let mut errors = Vec::new();
    match data.attr("builtin_code").and_then(Attribute::as_int) {
        Some(c) if (0..=i32::MAX as i64).contains(&c) => {}
        Some(c) => errors.push(format!("'builtin_code' = {c} is not a TFLite builtin code")),
        None => {}
    }
    if let Some(v) = data.attr("version").and_then(Attribute::as_int) {
        if v < 1 || v > i32::MAX as i64 {
            errors.push(format!("'version' = {v} is not an operator version (>= 1)"));
        }
    }
    errors
}

/// Why an op stays float because tqopt does not model it: `Some("tqopt does not model TFLite
/// op REVERSE_SEQUENCE")` for a `tfl.builtin`, `None` for every other op.
pub fn unmodelled_reason(ctx: &Context, op: OpId) -> Option<String> {
    let data = ctx.op(op);
    if !data.is(&BUILTIN) {
        return None;
    }
    let name = match data.attr("builtin_name").and_then(Attribute::as_str) {
        Some(n) => n.to_string(),
        None => format!(
            "with builtin code {}",
            data.attr("builtin_code")
                .and_then(Attribute::as_int)
                .map_or_else(|| "?".to_string(), |c| c.to_string())
        ),
    };
    Some(format!("tqopt does not model TFLite op {name}"))
}

// ---- elementwise arithmetic ----

const ADD_T: TypeSet = of(&[F32, F16, I16, I32, I64, QI8, QUI8, QI16]);
pub static ADD: OpDef = binary(
    "tfl.add",
    "Element-wise addition with broadcasting",
    0,
    "ADD",
)
.operands(&[one("lhs").types(ADD_T), one("rhs").types(ADD_T)])
.results(&[one("output").types(ADD_T)])
.traits(PURE.with(BCAST).with(SAME_ELEM).with(COMMUTATIVE))
.version(tfl_versions::add)
.kernels(Kernels::INT8_INT16);

const SUB_T: TypeSet = of(&[F32, F16, I32, I64, QI8, QUI8, QI16]);
pub static SUB: OpDef = binary(
    "tfl.sub",
    "Element-wise subtraction with broadcasting",
    41,
    "SUB",
)
.operands(&[one("lhs").types(SUB_T), one("rhs").types(SUB_T)])
.results(&[one("output").types(SUB_T)])
.version(tfl_versions::sub)
.kernels(Kernels::INT8_INT16);

const MUL_T: TypeSet = of(&[F32, F16, I32, I64, QI8, QUI8, QI16, I16, OTHER]);
/// No SAME_OPERANDS_AND_RESULT_ELEMENT_TYPE: LiteRT's mul kernel also multiplies int16 operands
/// into an int8 result.
pub static MUL: OpDef = binary(
    "tfl.mul",
    "Element-wise multiplication with broadcasting",
    18,
    "MUL",
)
.operands(&[one("lhs").types(MUL_T), one("rhs").types(MUL_T)])
.results(&[one("output").types(MUL_T)])
.traits(PURE.with(BCAST).with(COMMUTATIVE))
.version(tfl_versions::mul)
.kernels(Kernels::INT8_INT16);

const DIV_T: TypeSet = of(&[F32, F16, I32, QUI8, QI8, QI16]);
/// Quantizable since TensorFlow's newest tfl_ops.td (int8 and int16 types); op_version.cc has
/// no int8 rule, so an int8 DIV stays version 1.
pub static DIV: OpDef = binary(
    "tfl.div",
    "Element-wise division with broadcasting",
    42,
    "DIV",
)
.operands(&[one("lhs").types(DIV_T), one("rhs").types(DIV_T)])
.results(&[one("output").types(DIV_T)])
.version(tfl_versions::div)
.kernels(Kernels::INT8_INT16);

const SQUARED_DIFFERENCE_T: TypeSet = of(&[F32, I32, QI8]);
pub static SQUARED_DIFFERENCE: OpDef = plain_binary(
    "tfl.squared_difference",
    "Element-wise (lhs - rhs)^2",
    99,
    "SQUARED_DIFFERENCE",
)
.operands(&[
    one("lhs").types(SQUARED_DIFFERENCE_T),
    one("rhs").types(SQUARED_DIFFERENCE_T),
])
.results(&[one("output").types(SQUARED_DIFFERENCE_T)])
.quant(INDEP)
.version(tfl_versions::int8_2)
.kernels(Kernels::INT8);

const MAXIMUM_T: TypeSet = of(&[F32, F16, I32, I64, QI8, QUI8, QI16]);
pub static MAXIMUM: OpDef = op("tfl.maximum", "Element-wise maximum")
    .operands(&[one("lhs").types(MAXIMUM_T), one("rhs").types(MAXIMUM_T)])
    .results(&[one("max").types(MAXIMUM_T)])
    .traits(PURE.with(BCAST).with(COMMUTATIVE))
    .quant(SAME)
    .tflite(55, "MAXIMUM")
    .version(tfl_versions::maximum_minimum)
    .kernels(Kernels::INT8_INT16);

const MINIMUM_T: TypeSet = of(&[F32, I32, I64, QI8, QUI8, QI16]);
pub static MINIMUM: OpDef = op("tfl.minimum", "Element-wise minimum")
    .operands(&[one("lhs").types(MINIMUM_T), one("rhs").types(MINIMUM_T)])
    .results(&[one("min").types(MINIMUM_T)])
    .traits(PURE.with(BCAST).with(COMMUTATIVE))
    .quant(SAME)
    .tflite(57, "MINIMUM")
    .version(tfl_versions::maximum_minimum)
    .kernels(Kernels::INT8_INT16);

const POW_T: TypeSet = of(&[F32, I32]);
pub static POW: OpDef = plain_binary("tfl.pow", "Element-wise power", 78, "POW")
    .operands(&[one("lhs").types(POW_T), one("rhs").types(POW_T)])
    .results(&[one("output").types(POW_T)])
    .version(tfl_versions::always_1);

// ---- convolutions and matrix products ----

/// Named operand accessors for these ops (`Weighted::of(ctx, conv).filter`), resolved
/// through the slots declared here.
#[path = "tfl_operands.rs"]
pub mod operands;

pub static CONV_2D: OpDef = op(
    "tfl.conv_2d",
    "2-D convolution with bias and fused activation",
)
.operands(CONV_OPERANDS)
.results(&[one("output").types(CONV_ACT_T)])
.attrs(&[DILATION_H, DILATION_W, ACT, PADDING, STRIDE_H, STRIDE_W])
.quant(QuantBehavior::Affine {
    weight: 1,
    axis: Some(0),
    bias: Some(2),
})
.hybrid(&[1])
.tflite(3, "CONV_2D")
.version(tfl_versions::conv_2d)
.kernels(Kernels::INT8_INT16);

pub static DEPTHWISE_CONV_2D: OpDef = op(
    "tfl.depthwise_conv_2d",
    "Depthwise 2-D convolution with bias and fused activation",
)
.operands(CONV_OPERANDS)
.results(&[one("output").types(CONV_ACT_T)])
.attrs(&[
    DILATION_H,
    DILATION_W,
    ACT,
    PADDING,
    STRIDE_H,
    STRIDE_W,
    attr("depth_multiplier", AttrKind::I32),
])
.quant(QuantBehavior::Affine {
    weight: 1,
    axis: Some(3),
    bias: Some(2),
})
.hybrid(&[1])
.tflite(4, "DEPTHWISE_CONV_2D")
.version(tfl_versions::depthwise_conv_2d)
.kernels(Kernels::INT8_INT16);

/// Dynamic range: TensorFlow's interface lists no hybrid kernel, but its quantizer folds the
/// weight's dequantize into the op (`FoldQuantWeightsIntoTposeConv`), so the op reads int8
/// weights directly, which the runtime supports.
pub static TRANSPOSE_CONV: OpDef = op("tfl.transpose_conv", "Transposed 2-D convolution")
    .operands(&[
        one("output_shape").types(I32),
        one("weights").types(of(&[F32, QI8, QUI8, QI16])),
        one("input").types(CONV_ACT_T),
        optional("bias").types(CONV_BIAS_T),
    ])
    .results(&[one("output").types(CONV_ACT_T)])
    .attrs(&[PADDING, STRIDE_H, STRIDE_W, ACT])
    .quant(QuantBehavior::Affine {
        weight: 1,
        axis: Some(0),
        bias: Some(3),
    })
    .hybrid(&[1])
    .tflite(67, "TRANSPOSE_CONV")
    .version(tfl_versions::transpose_conv)
    .kernels(Kernels::INT8_INT16);

/// LiteRT runs CONV_3D in float32 only, input and filter alike (`conv3d.cc`): no int8 and no
/// hybrid kernel, so quantization leaves it float with float weights. The filter is
/// [depth, height, width, in_channels, out_channels], TensorFlow's layout.
pub static CONV_3D: OpDef = op(
    "tfl.conv_3d",
    "3-D convolution with bias and fused activation (NDHWC)",
)
.operands(&[
    one("input").types(F32),
    one("filter").types(F32),
    optional("bias").types(F32),
])
.results(&[one("output").types(F32)])
.attrs(&[
    DILATION_D, DILATION_H, DILATION_W, ACT, PADDING, STRIDE_D, STRIDE_H, STRIDE_W,
])
.tflite(132, "CONV_3D")
.version(tfl_versions::always_1);

const FC_IN_T: TypeSet = of(&[F32, F16, QI8, QUI8, QI16]);
/// TensorFlow lists [F32, F16, QI32, QUI32]; int16x8 models have i64-quantized biases (OTHER).
const FC_BIAS_T: TypeSet = of(&[F32, F16, QI32, OTHER]);
pub static FULLY_CONNECTED: OpDef = op(
    "tfl.fully_connected",
    "Fully connected layer: input x filter^T + bias",
)
.operands(&[
    one("input").types(FC_IN_T),
    one("filter").types(of(&[F32, F16, OTHER, QI4, QI8, QUI8, QI16])),
    optional("bias").types(FC_BIAS_T),
])
.results(&[variadic("output").types(FC_IN_T)])
.attrs(&[
    ACT,
    attr("weights_format", AttrKind::Enum(WEIGHTS_FORMATS)),
    attr("keep_num_dims", AttrKind::Bool),
    ASYM,
])
.quant(QuantBehavior::Affine {
    weight: 1,
    axis: Some(0),
    bias: Some(2),
})
.hybrid(&[1])
.tflite(9, "FULLY_CONNECTED")
.version(tfl_versions::fully_connected)
.kernels(Kernels::INT8_INT16);

const BATCH_MATMUL_IN_T: TypeSet = of(&[F32, F16, QI8, QI16, I8]);
pub static BATCH_MATMUL: OpDef = op("tfl.batch_matmul", "Batched matrix product")
    .operands(&[
        one("x").types(BATCH_MATMUL_IN_T),
        one("y").types(BATCH_MATMUL_IN_T),
    ])
    .results(&[one("output").types(of(&[F32, F16, QI8, QI16, I32]))])
    .attrs(&[
        opt_attr("adj_x", AttrKind::Bool),
        opt_attr("adj_y", AttrKind::Bool),
        ASYM,
    ])
    .quant(INDEP)
    .hybrid(&[1])
    .tflite(126, "BATCH_MATMUL")
    .version(tfl_versions::batch_matmul)
    .kernels(Kernels::INT8_INT16);

// ---- pooling and normalization ----

const AVERAGE_POOL_T: TypeSet = of(&[F32, QI8, QUI8, QI16]);
pub static AVERAGE_POOL_2D: OpDef = op("tfl.average_pool_2d", "2-D average pooling")
    .operands(&[one("input").types(AVERAGE_POOL_T)])
    .results(&[one("output").types(AVERAGE_POOL_T)])
    .attrs(POOL_ATTRS)
    .quant(SAME)
    .tflite(1, "AVERAGE_POOL_2D")
    .version(tfl_versions::int16_io_3_int8_2)
    .kernels(Kernels::INT8_INT16);

const MAX_POOL_T: TypeSet = of(&[F32, QUI8, QI8, QI16, OTHER]);
pub static MAX_POOL_2D: OpDef = op("tfl.max_pool_2d", "2-D max pooling")
    .operands(&[one("input").types(MAX_POOL_T)])
    .results(&[one("output").types(MAX_POOL_T)])
    .attrs(POOL_ATTRS)
    .quant(SAME)
    .tflite(17, "MAX_POOL_2D")
    .version(tfl_versions::int16_io_3_int8_2)
    .kernels(Kernels::INT8_INT16);

const L2_NORMALIZATION_T: TypeSet = of(&[F32, QUI8, QI8, QI16, I8]);
pub static L2_NORMALIZATION: OpDef = op(
    "tfl.l2_normalization",
    "Normalizes along the last axis by the L2 norm",
)
.operands(&[one("input").types(L2_NORMALIZATION_T)])
.results(&[one("output").types(L2_NORMALIZATION_T)])
.attrs(&[ACT])
.quant(QuantBehavior::FixedOutput(RANGE_M1_1))
.tflite(11, "L2_NORMALIZATION")
.version(tfl_versions::l2_normalization)
.kernels(Kernels::INT8);

// ---- reductions ----

const MEAN_T: TypeSet = of(&[F32, F16, I32, I64, QI8, QUI8, UI8, QI16]);
pub static MEAN: OpDef = reduction("tfl.mean", "Mean over the given axes", 40, "MEAN")
    .operands(&[one("input").types(MEAN_T), one("axis").types(I32)])
    .results(&[one("output").types(MEAN_T)])
    .quant(INDEP)
    .version(tfl_versions::int16_3_int8_2)
    .kernels(Kernels::INT8_INT16);

const SUM_T: TypeSet = of(&[F32, F16, I32, I64, QI8, QUI8, OTHER, QI16]);
pub static SUM: OpDef = reduction("tfl.sum", "Sum over the given axes", 74, "SUM")
    .operands(&[one("input").types(SUM_T), one("axes").types(I32)])
    .results(&[one("output").types(SUM_T)])
    .quant(INDEP)
    .version(tfl_versions::int8_2)
    .kernels(Kernels::INT8_INT16);

const REDUCE_MAX_T: TypeSet = of(&[F32, F16, I32, I64, QI8, QUI8, OTHER, QI16]);
pub static REDUCE_MAX: OpDef = reduction(
    "tfl.reduce_max",
    "Maximum over the given axes",
    82,
    "REDUCE_MAX",
)
.operands(&[one("input").types(REDUCE_MAX_T), one("axes").types(I32)])
.results(&[one("output").types(REDUCE_MAX_T)])
.quant(SAME)
.version(tfl_versions::int16_3_int8_2)
.kernels(Kernels::INT8_INT16);

const REDUCE_MIN_T: TypeSet = of(&[F32, I32, I64, QI8, QUI8, OTHER, QI16]);
pub static REDUCE_MIN: OpDef = reduction(
    "tfl.reduce_min",
    "Minimum over the given axes",
    89,
    "REDUCE_MIN",
)
.operands(&[one("input").types(REDUCE_MIN_T), one("axes").types(I32)])
.results(&[one("output").types(REDUCE_MIN_T)])
.quant(SAME)
.version(tfl_versions::int16_3_int8_2)
.kernels(Kernels::INT8_INT16);

const REDUCE_PROD_T: TypeSet = of(&[F32, I32, I64, QI8, QUI8, OTHER, QI16]);
pub static REDUCE_PROD: OpDef = reduction(
    "tfl.reduce_prod",
    "Product over the given axes",
    81,
    "REDUCE_PROD",
)
.operands(&[one("input").types(REDUCE_PROD_T), one("axes").types(I32)])
.results(&[one("output").types(REDUCE_PROD_T)])
.quant(INDEP)
.version(tfl_versions::int8_int16_2)
.kernels(Kernels::INT8_INT16);

// ---- activations ----

const SOFTMAX_T: TypeSet = of(&[F32, F16, QI8, QUI8, OTHER, QI16]);
pub static SOFTMAX: OpDef = op(
    "tfl.softmax",
    "Softmax along the last axis, with inverse temperature beta",
)
.operands(&[one("input").types(SOFTMAX_T)])
.results(&[one("output").types(SOFTMAX_T)])
.attrs(&[attr("beta", AttrKind::F32)])
.traits(PURE.with(SAME_SHAPE))
.quant(QuantBehavior::FixedOutput(RANGE_0_1))
.tflite(25, "SOFTMAX")
.version(tfl_versions::int16_3_int8_2)
.kernels(Kernels::INT8_INT16);

const LOG_SOFTMAX_T: TypeSet = of(&[F32, QUI8, QI8, OTHER]);
pub static LOG_SOFTMAX: OpDef = op("tfl.log_softmax", "Log of softmax along the last axis")
    .operands(&[one("input").types(LOG_SOFTMAX_T)])
    .results(&[one("output").types(LOG_SOFTMAX_T)])
    .traits(PURE.with(SAME_SHAPE))
    .quant(QuantBehavior::FixedOutput(RANGE_LOG_SOFTMAX))
    .tflite(50, "LOG_SOFTMAX")
    .version(tfl_versions::int8_2)
    .kernels(Kernels::INT8);

const LOGISTIC_T: TypeSet = of(&[F32, QI8, QUI8, QI16, OTHER]);
pub static LOGISTIC: OpDef = unary("tfl.logistic", "Sigmoid: 1 / (1 + exp(-x))", 14, "LOGISTIC")
    .operands(&[one("x").types(LOGISTIC_T)])
    .results(&[one("y").types(LOGISTIC_T)])
    .quant(QuantBehavior::FixedOutput(RANGE_0_1))
    .version(tfl_versions::int16_io_3_int8_2)
    .kernels(Kernels::INT8_INT16);

const TANH_T: TypeSet = of(&[F32, F16, QI8, QUI8, QI16, OTHER]);
pub static TANH: OpDef = unary("tfl.tanh", "Hyperbolic tangent", 28, "TANH")
    .operands(&[one("input").types(TANH_T)])
    .results(&[one("output").types(TANH_T)])
    .quant(QuantBehavior::FixedOutput(RANGE_M1_1))
    .version(tfl_versions::int16_io_3_int8_2)
    .kernels(Kernels::INT8_INT16);

const RELU_T: TypeSet = of(&[F32, QUI8, QI8, QI16]);
pub static RELU: OpDef = unary("tfl.relu", "max(x, 0)", 19, "RELU")
    .operands(&[one("x").types(RELU_T)])
    .results(&[one("y").types(RELU_T)])
    .quant(INDEP)
    .version(tfl_versions::relu)
    .kernels(Kernels::INT8_INT16);

/// QI16: LiteRT runs int16 relu6 (op_version.cc version 3; measured).
const RELU6_T: TypeSet = of(&[F32, QUI8, QI8, QI16]);
pub static RELU6: OpDef = unary("tfl.relu6", "min(max(x, 0), 6)", 21, "RELU6")
    .operands(&[one("x").types(RELU6_T)])
    .results(&[one("y").types(RELU6_T)])
    .quant(INDEP)
    .version(tfl_versions::int16_3_int8_2)
    .kernels(Kernels::INT8_INT16);

const RELU_N1_TO_1_T: TypeSet = of(&[F32, QUI8, QI8]);
pub static RELU_N1_TO_1: OpDef =
    unary("tfl.relu_n1_to_1", "min(max(x, -1), 1)", 20, "RELU_N1_TO_1")
        .operands(&[one("x").types(RELU_N1_TO_1_T)])
        .results(&[one("y").types(RELU_N1_TO_1_T)])
        .quant(INDEP)
        .version(tfl_versions::always_1)
        .kernels(Kernels::INT8);

const LEAKY_RELU_T: TypeSet = of(&[F32, QUI8, QI8, OTHER, QI16]);
pub static LEAKY_RELU: OpDef = unary(
    "tfl.leaky_relu",
    "x if x > 0 else alpha * x",
    98,
    "LEAKY_RELU",
)
.operands(&[one("input").types(LEAKY_RELU_T)])
.results(&[one("output").types(LEAKY_RELU_T)])
.attrs(&[attr("alpha", AttrKind::F32)])
.quant(INDEP)
.version(tfl_versions::leaky_relu)
.kernels(Kernels::INT8_INT16);

/// QI16: LiteRT runs int16 prelu (measured).
const PRELU_T: TypeSet = of(&[F32, QI8, QUI8, OTHER, QI16]);
/// TensorFlow quantizes alpha as a per-tensor, narrow-range weight (AffineOpCoefficient<-1, 1>).
pub static PRELU: OpDef = op(
    "tfl.prelu",
    "x if x > 0 else alpha * x, with a learned alpha",
)
.operands(&[one("input").types(PRELU_T), one("alpha").types(PRELU_T)])
.results(&[one("output").types(PRELU_T)])
.traits(PURE.with(BCAST))
.quant(QuantBehavior::Affine {
    weight: 1,
    axis: None,
    bias: None,
})
.tflite(54, "PRELU")
.version(tfl_versions::always_1)
.kernels(Kernels::INT8_INT16);

const HARD_SWISH_T: TypeSet = of(&[F32, QUI8, QI8]);
pub static HARD_SWISH: OpDef = unary("tfl.hard_swish", "x * relu6(x + 3) / 6", 117, "HARD_SWISH")
    .operands(&[one("input").types(HARD_SWISH_T)])
    .results(&[one("output").types(HARD_SWISH_T)])
    .quant(INDEP)
    .version(tfl_versions::always_1)
    .kernels(Kernels::INT8);

/// QI16: LiteRT runs int16 gelu (measured).
const GELU_T: TypeSet = of(&[F32, F16, QI8, QUI8, QI16]);
pub static GELU: OpDef = unary("tfl.gelu", "Gaussian error linear unit", 150, "GELU")
    .operands(&[one("input").types(GELU_T)])
    .results(&[one("output").types(GELU_T)])
    .attrs(&[opt_attr("approximate", AttrKind::Bool)])
    .quant(INDEP)
    .version(tfl_versions::gelu)
    .kernels(Kernels::INT8_INT16);

/// TensorFlow lists [F32, I8]; LiteRT's kernel is a quantized int8 one (a lookup table), so
/// the list has QI8 too.
pub static ELU: OpDef = unary("tfl.elu", "x if x > 0 else exp(x) - 1", 111, "ELU")
    .operands(&[one("x").types(of(&[F32, I8, QI8]))])
    .results(&[one("y").types(of(&[F32, I8, QI8]))])
    .quant(INDEP)
    .version(tfl_versions::always_1)
    .kernels(Kernels::INT8);

// exp and log do not require the same shapes in TensorFlow.
const EXP_T: TypeSet = of(&[F32, F16, QI8, QI16]);
pub static EXP: OpDef = unary("tfl.exp", "Element-wise exponential", 47, "EXP")
    .operands(&[one("x").types(EXP_T)])
    .results(&[one("y").types(EXP_T)])
    .traits(PURE)
    .quant(INDEP)
    .version(tfl_versions::int8_int16_2)
    .kernels(Kernels::INT8_INT16);

/// QI16: LiteRT runs int16 log (op_version.cc version 2), but its results are off by up to 7
/// (scale 0.0005) where the float op gives the right ones (measured): no int16 kernel fact.
pub static LOG: OpDef = unary("tfl.log", "Element-wise natural logarithm", 73, "LOG")
    .operands(&[one("x").types(of(&[F32, QI8, QI16]))])
    .results(&[one("y").types(of(&[F32, QI8, QI16]))])
    .traits(PURE)
    .quant(INDEP)
    .version(tfl_versions::int8_int16_2)
    .kernels(Kernels::INT8);

const SQRT_T: TypeSet = of(&[F32, QI8, QI16]);
/// Quantizable since TensorFlow's newest tfl_ops.td (F32 only before).
pub static SQRT: OpDef = unary("tfl.sqrt", "Element-wise square root", 75, "SQRT")
    .operands(&[one("x").types(SQRT_T)])
    .results(&[one("y").types(SQRT_T)])
    .quant(INDEP)
    .version(tfl_versions::int8_int16_2)
    .kernels(Kernels::INT8_INT16);

/// LiteRT runs int16 rsqrt, but measured off by up to 2.8 (scale 0.0005): no int16 kernel fact.
const RSQRT_T: TypeSet = of(&[F32, QI8, QI16]);
pub static RSQRT: OpDef = unary("tfl.rsqrt", "Element-wise 1 / sqrt(x)", 76, "RSQRT")
    .operands(&[one("x").types(RSQRT_T)])
    .results(&[one("y").types(RSQRT_T)])
    .quant(INDEP)
    .version(tfl_versions::int16_3_int8_2)
    .kernels(Kernels::INT8);

/// TensorFlow lists [F32, I32, I64]; LiteRT's kernel also negates int8 and int16 quantized
/// tensors (measured by the kernel probe), which is what strict int8 needs of a transformer.
const NEG_T: TypeSet = of(&[F32, I32, I64, QI8, QI16]);
/// LiteRT's int8 kernel negates storage values: right only with zero point 0 and the operand's
/// scale for the result (measured: off by 2 x zero point x scale otherwise), hence
/// `ZERO_POINT_0`. It stays not quantizable until the quantizer gives such ops a symmetric
/// range (zero point 0, one scale in and out); then it becomes same-scale. Quantizing it with
/// today's asymmetric ranges gave a model off by 1.7 (zero point -71, scale 0.012).
pub static NEG: OpDef = unary("tfl.neg", "Element-wise negation", 59, "NEG")
    .operands(&[one("x").types(NEG_T)])
    .results(&[one("y").types(NEG_T)])
    .version(tfl_versions::always_1)
    .kernels(Kernels::INT8_INT16.with(Kernels::ZERO_POINT_0));

const ABS_T: TypeSet = of(&[I16, I32, F32, QI8, QI16]);
pub static ABS: OpDef = unary("tfl.abs", "Element-wise absolute value", 101, "ABS")
    .operands(&[one("x").types(ABS_T)])
    .results(&[one("y").types(ABS_T)])
    .quant(INDEP)
    .version(tfl_versions::abs)
    .kernels(Kernels::INT8_INT16);

pub static SQUARE: OpDef = unary("tfl.square", "Element-wise square", 92, "SQUARE")
    .operands(&[one("x").types(F32)])
    .results(&[one("y").types(F32)])
    .version(tfl_versions::always_1);

// ---- shape manipulation (one scale in, the same scale out) ----

pub static RESHAPE: OpDef = op(
    "tfl.reshape",
    "Gives a tensor a new shape with the same elements",
)
.operands(&[one("input"), one("shape").types(I32)])
.quant(SAME)
.tflite(22, "RESHAPE")
.version(tfl_versions::always_1)
.kernels(Kernels::INT8_INT16);
pub static SQUEEZE: OpDef = op("tfl.squeeze", "Removes dimensions of size 1")
    .operands(&[one("input")])
    .attrs(&[opt_attr("squeeze_dims", AttrKind::I64Array)])
    .quant(SAME)
    .tflite(43, "SQUEEZE")
    .version(tfl_versions::squeeze)
    .kernels(Kernels::INT8_INT16);
pub static EXPAND_DIMS: OpDef = op("tfl.expand_dims", "Inserts a dimension of size 1")
    .operands(&[one("input"), one("dim").types(I32_I64)])
    .quant(SAME)
    .tflite(70, "EXPAND_DIMS")
    .version(tfl_versions::always_1)
    .kernels(Kernels::INT8_INT16);

const TRANSPOSE_T: TypeSet = of(&[
    I32, F32, F16, I8, UI8, QI8, QUI8, I4, QI4, OTHER, I1, I64, QI16,
]);
pub static TRANSPOSE: OpDef = op("tfl.transpose", "Permutes dimensions")
    .operands(&[one("input").types(TRANSPOSE_T), one("perm").types(I32)])
    .results(&[one("output").types(TRANSPOSE_T)])
    .quant(SAME)
    .tflite(39, "TRANSPOSE")
    .version(tfl_versions::transpose)
    .kernels(Kernels::INT8_INT16);

/// TensorFlow's list has no QI16, but LiteRT's kernel and op_version.cc (version 3) take int16.
const CONCATENATION_T: TypeSet = of(&[
    F32, F16, I64, I32, I16, QI4, I8, QI8, QUI8, UI8, OTHER, I1, QI16,
]);
pub static CONCATENATION: OpDef = op("tfl.concatenation", "Joins tensors along an axis")
    .operands(&[variadic("values").types(CONCATENATION_T)])
    .results(&[one("output").types(CONCATENATION_T)])
    .attrs(&[attr("axis", AttrKind::I32), ACT])
    .quant(SAME)
    .tflite(2, "CONCATENATION")
    .version(tfl_versions::concatenation)
    .kernels(Kernels::INT8_INT16);

const PACK_T: TypeSet = of(&[F32, I8, I16, I32, I64, UI8, OTHER, QI8, QUI8, QI16]);
pub static PACK: OpDef = op("tfl.pack", "Stacks tensors along a new axis")
    .operands(&[variadic("values").types(PACK_T)])
    .results(&[one("output").types(PACK_T)])
    .attrs(&[
        attr("values_count", AttrKind::I32),
        attr("axis", AttrKind::I32),
    ])
    .quant(SAME)
    .tflite(83, "PACK")
    .version(tfl_versions::pack)
    .kernels(Kernels::INT8_INT16);

const UNPACK_T: TypeSet = of(&[F32, F16, BF16, I1, I8, UI8, I32, QI8, QUI8, I16, QI16]);
pub static UNPACK: OpDef = op(
    "tfl.unpack",
    "Splits a tensor into tensors along an axis, removing it",
)
.operands(&[one("input").types(UNPACK_T)])
.results(&[variadic("outputs").types(UNPACK_T)])
.attrs(&[attr("num", AttrKind::I32), attr("axis", AttrKind::I32)])
.traits(PURE.with(SAME_ELEM))
.quant(SAME)
.tflite(88, "UNPACK")
.version(tfl_versions::unpack)
.kernels(Kernels::INT8_INT16);

const SPLIT_T: TypeSet = of(&[F32, I16, I32, I8, UI8, QI8, QUI8, QI16]);
pub static SPLIT: OpDef = op(
    "tfl.split",
    "Splits a tensor into equal parts along an axis",
)
.operands(&[one("split_dim").types(I32), one("value").types(SPLIT_T)])
.results(&[variadic("outputs").types(SPLIT_T)])
.attrs(&[attr("num_splits", AttrKind::I32)])
.quant(SAME)
.tflite(49, "SPLIT")
.version(tfl_versions::split)
.kernels(Kernels::INT8_INT16);

const SPLIT_V_T: TypeSet = of(&[F32, I16, I32, I64, I8, UI8, QI8, QUI8, QI16]);
pub static SPLIT_V: OpDef = op(
    "tfl.split_v",
    "Splits a tensor into parts of given sizes along an axis",
)
.operands(&[
    one("value").types(SPLIT_V_T),
    one("size_splits").types(I32),
    one("split_dim").types(I32),
])
.results(&[variadic("outputs").types(SPLIT_V_T)])
.attrs(&[attr("num_splits", AttrKind::I32)])
.quant(SAME)
.tflite(102, "SPLIT_V")
.version(tfl_versions::int8_2)
.kernels(Kernels::INT8_INT16);

const SLICE_T: TypeSet = of(&[F32, F16, I32, I64, QI4, I8, UI8, I1, QI8, QUI8, QI16, OTHER]);
pub static SLICE: OpDef = op("tfl.slice", "Takes a slice of given begin and size")
    .operands(&[
        one("input").types(SLICE_T),
        one("begin").types(I32_I64),
        one("size").types(I32_I64),
    ])
    .results(&[one("output").types(SLICE_T)])
    .quant(SAME)
    .tflite(65, "SLICE")
    .version(tfl_versions::slice)
    .kernels(Kernels::INT8_INT16);

const STRIDED_SLICE_T: TypeSet =
    of(&[F32, F16, I32, I64, I8, UI8, QI8, QUI8, I1, I16, QI16, OTHER]);
pub static STRIDED_SLICE: OpDef = op("tfl.strided_slice", "Takes a strided slice")
    .operands(&[
        one("input").types(STRIDED_SLICE_T),
        one("begin").types(I32),
        one("end").types(I32),
        one("strides").types(I32),
    ])
    .results(&[one("output").types(STRIDED_SLICE_T)])
    .attrs(&[
        attr("begin_mask", AttrKind::I32),
        attr("end_mask", AttrKind::I32),
        attr("ellipsis_mask", AttrKind::I32),
        attr("new_axis_mask", AttrKind::I32),
        attr("shrink_axis_mask", AttrKind::I32),
        attr("offset", AttrKind::Bool),
    ])
    .quant(SAME)
    .tflite(45, "STRIDED_SLICE")
    .version(tfl_versions::strided_slice)
    .kernels(Kernels::INT8_INT16);

const INDICES_T: TypeSet = of(&[I16, I32, I64]);

const GATHER_T: TypeSet = of(&[F32, I1, I4, I8, I16, I32, I64, OTHER, UI8, QI8, QUI8, QI16]);
/// Dynamic range: weight-only on `params`: int8 behind a dequantize (no hybrid kernel).
pub static GATHER: OpDef = op("tfl.gather", "Gathers slices along an axis by indices")
    .operands(&[
        one("params").types(GATHER_T),
        one("indices").types(INDICES_T),
    ])
    .results(&[one("output").types(GATHER_T)])
    .attrs(&[
        attr("axis", AttrKind::I32),
        opt_attr("batch_dims", AttrKind::I32),
    ])
    .quant(SAME)
    .weight_only(&[0])
    .tflite(36, "GATHER")
    .version(tfl_versions::gather)
    .kernels(Kernels::INT8_INT16);

/// TensorFlow's list has I16 but not QI16; LiteRT's kernel copies int16 (op_version.cc version
/// 3), quantized or not.
const GATHER_ND_T: TypeSet = of(&[F32, I1, I8, I16, I64, I32, UI8, QI8, OTHER, QI16]);
pub static GATHER_ND: OpDef = op("tfl.gather_nd", "Gathers slices by N-dimensional indices")
    .operands(&[
        one("params").types(GATHER_ND_T),
        one("indices").types(INDICES_T),
    ])
    .results(&[one("output").types(GATHER_ND_T)])
    .quant(SAME)
    .tflite(107, "GATHER_ND")
    .version(tfl_versions::gather_nd)
    .kernels(Kernels::INT8_INT16);

const PAD_T: TypeSet = of(&[F32, I1, I32, I64, QI8, QUI8, OTHER, QI16]);
pub static PAD: OpDef = op("tfl.pad", "Pads with zeros")
    .operands(&[one("input").types(PAD_T), one("padding").types(I32_I64)])
    .results(&[one("output").types(PAD_T)])
    .quant(SAME)
    .tflite(34, "PAD")
    .version(tfl_versions::pad)
    .kernels(Kernels::INT8_INT16);

/// TensorFlow's list has no QI16, but LiteRT's pad kernel and op_version.cc (version 3) take
/// int16.
const PADV2_T: TypeSet = of(&[F32, I1, I32, I64, UI8, QI8, QUI8, OTHER, QI16]);
pub static PADV2: OpDef = op("tfl.padv2", "Pads with a given constant")
    .operands(&[
        one("input").types(PADV2_T),
        one("padding").types(I32_I64),
        one("constant_values").types(PADV2_T),
    ])
    .results(&[one("output").types(PADV2_T)])
    .quant(SAME)
    .tflite(60, "PADV2")
    .version(tfl_versions::pad)
    .kernels(Kernels::INT8_INT16);

const MIRROR_PAD_T: TypeSet = of(&[F32, I32, I64, I8, UI8, QI8, QUI8, QI16]);
pub static MIRROR_PAD: OpDef = op("tfl.mirror_pad", "Pads by mirroring the edges")
    .operands(&[one("input").types(MIRROR_PAD_T), one("pad").types(I32_I64)])
    .results(&[one("output").types(MIRROR_PAD_T)])
    .attrs(&[attr("mode", AttrKind::Dialect)])
    .quant(SAME)
    .tflite(100, "MIRROR_PAD")
    .version(tfl_versions::int16_3_int8_2)
    .kernels(Kernels::INT8_INT16);

const RESIZE_T: TypeSet = of(&[F32, OTHER, QUI8, QI8, QI16]);
pub static RESIZE_BILINEAR: OpDef = op(
    "tfl.resize_bilinear",
    "Resizes images with bilinear interpolation",
)
.operands(&[one("input").types(RESIZE_T), one("size").types(I32)])
.results(&[one("output").types(RESIZE_T)])
.attrs(&[
    attr("align_corners", AttrKind::Bool),
    opt_attr("half_pixel_centers", AttrKind::Bool),
])
.quant(SAME)
.tflite(23, "RESIZE_BILINEAR")
.version(tfl_versions::resize_bilinear)
.kernels(Kernels::INT8_INT16);
pub static RESIZE_NEAREST_NEIGHBOR: OpDef = op(
    "tfl.resize_nearest_neighbor",
    "Resizes images by nearest neighbour",
)
.operands(&[one("input").types(RESIZE_T), one("size").types(I32)])
.results(&[one("output").types(RESIZE_T)])
.attrs(&[
    attr("align_corners", AttrKind::Bool),
    opt_attr("half_pixel_centers", AttrKind::Bool),
])
.quant(SAME)
.tflite(97, "RESIZE_NEAREST_NEIGHBOR")
.version(tfl_versions::resize_nearest_neighbor)
.kernels(Kernels::INT8_INT16);

const DEPTH_TO_SPACE_T: TypeSet = of(&[F32, I8, I32, I64, OTHER, UI8, QI8, QUI8]);
pub static DEPTH_TO_SPACE: OpDef = op(
    "tfl.depth_to_space",
    "Moves depth blocks into spatial blocks",
)
.operands(&[one("input").types(DEPTH_TO_SPACE_T)])
.results(&[one("output").types(DEPTH_TO_SPACE_T)])
.attrs(&[attr("block_size", AttrKind::I32)])
.quant(SAME)
.tflite(5, "DEPTH_TO_SPACE")
.version(tfl_versions::int8_2)
.kernels(Kernels::INT8);

const SPACE_TO_DEPTH_T: TypeSet = of(&[F32, I32, I64, QI8, QUI8, OTHER]);
pub static SPACE_TO_DEPTH: OpDef = op("tfl.space_to_depth", "Moves spatial blocks into depth")
    .operands(&[one("input").types(SPACE_TO_DEPTH_T)])
    .results(&[one("output").types(SPACE_TO_DEPTH_T)])
    .attrs(&[attr("block_size", AttrKind::I32)])
    .quant(SAME)
    .tflite(26, "SPACE_TO_DEPTH")
    .version(tfl_versions::int8_2)
    .kernels(Kernels::INT8);

/// QI16: LiteRT tiles int16 (measured).
const TILE_T: TypeSet = of(&[F32, I1, I32, I64, UI8, QI8, QUI8, OTHER, QI16]);
pub static TILE: OpDef = op("tfl.tile", "Repeats a tensor along each axis")
    .operands(&[one("input").types(TILE_T), one("multiples").types(I32_I64)])
    .results(&[one("output").types(TILE_T)])
    .quant(SAME)
    .tflite(69, "TILE")
    .version(tfl_versions::tile)
    .kernels(Kernels::INT8_INT16);

const BROADCAST_TO_T: TypeSet = of(&[F32, I32, I1, I4, I8, QI8, UI8, OTHER, QUI8, I16, QI16, I64]);
pub static BROADCAST_TO: OpDef = op("tfl.broadcast_to", "Broadcasts a tensor to a shape")
    .operands(&[
        one("input").types(BROADCAST_TO_T),
        one("shape").types(I32_I64),
    ])
    .results(&[one("output").types(BROADCAST_TO_T)])
    .quant(SAME)
    .tflite(130, "BROADCAST_TO")
    .version(tfl_versions::broadcast_to)
    .kernels(Kernels::INT8_INT16);

pub static SHAPE: OpDef = op("tfl.shape", "The shape of a tensor")
    .operands(&[one("input")])
    .results(&[one("output").types(I32_I64)])
    .quant(INDEP)
    .tflite(77, "SHAPE")
    .version(tfl_versions::always_1)
    .kernels(Kernels::INT8_INT16);

// ---- index and selection, sequences and lookups, more data movement and math ----
// (in tfl_data_ops.rs)
#[path = "tfl_data_ops.rs"]
mod data_ops;
pub use data_ops::*;

pub static OPS: &[&OpDef] = &[
    &PSEUDO_CONST,
    &PSEUDO_QCONST,
    &PSEUDO_SPARSE_CONST,
    &PSEUDO_SPARSE_QCONST,
    &NO_VALUE,
    &QUANTIZE,
    &DEQUANTIZE,
    &DENSIFY,
    &CAST,
    &YIELD,
    &WHILE,
    &IF,
    &CUSTOM,
    &BUILTIN,
    &ADD,
    &SUB,
    &MUL,
    &DIV,
    &SQUARED_DIFFERENCE,
    &MAXIMUM,
    &MINIMUM,
    &POW,
    &CONV_2D,
    &DEPTHWISE_CONV_2D,
    &TRANSPOSE_CONV,
    &CONV_3D,
    &FULLY_CONNECTED,
    &BATCH_MATMUL,
    &AVERAGE_POOL_2D,
    &MAX_POOL_2D,
    &L2_NORMALIZATION,
    &MEAN,
    &SUM,
    &REDUCE_MAX,
    &REDUCE_MIN,
    &REDUCE_PROD,
    &SOFTMAX,
    &LOG_SOFTMAX,
    &LOGISTIC,
    &TANH,
    &RELU,
    &RELU6,
    &RELU_N1_TO_1,
    &LEAKY_RELU,
    &PRELU,
    &HARD_SWISH,
    &GELU,
    &ELU,
    &EXP,
    &LOG,
    &SQRT,
    &RSQRT,
    &NEG,
    &ABS,
    &SQUARE,
    &RESHAPE,
    &SQUEEZE,
    &EXPAND_DIMS,
    &TRANSPOSE,
    &CONCATENATION,
    &PACK,
    &UNPACK,
    &SPLIT,
    &SPLIT_V,
    &SLICE,
    &STRIDED_SLICE,
    &GATHER,
    &GATHER_ND,
    &PAD,
    &PADV2,
    &MIRROR_PAD,
    &RESIZE_BILINEAR,
    &RESIZE_NEAREST_NEIGHBOR,
    &DEPTH_TO_SPACE,
    &SPACE_TO_DEPTH,
    &TILE,
    &BROADCAST_TO,
    &SHAPE,
    &ARG_MAX,
    &ARG_MIN,
    &SELECT_V2,
    &LESS,
    &LESS_EQUAL,
    &GREATER,
    &GREATER_EQUAL,
    &EQUAL,
    &NOT_EQUAL,
    &LOGICAL_AND,
    &LOGICAL_OR,
    &LOGICAL_NOT,
    &UNIDIRECTIONAL_SEQUENCE_LSTM,
    &EMBEDDING_LOOKUP,
    &CUMSUM,
    &REVERSE_V2,
    &REVERSE_SEQUENCE,
    &FLOOR,
    &CEIL,
    &ROUND,
    &SIN,
    &COS,
    &SIGN,
    &FLOOR_DIV,
    &FLOOR_MOD,
    &ATAN2,
    &ZEROS_LIKE,
    &SELECT,
    &SPACE_TO_BATCH_ND,
    &BATCH_TO_SPACE_ND,
    &FILL,
    &RANGE,
    &ADD_N,
    &ONE_HOT,
    &LOCAL_RESPONSE_NORMALIZATION,
    &REDUCE_ANY,
    &REDUCE_ALL,
    &TOPK_V2,
    &DYNAMIC_UPDATE_SLICE,
    &BROADCAST_ARGS,
    &WHERE,
    &NON_MAX_SUPPRESSION_V4,
    &NON_MAX_SUPPRESSION_V5,
];

fn result_type(ctx: &Context, op: OpId) -> Option<&Type> {
    ctx.results(op).first().map(|v| ctx.value_type(*v))
}

fn verify_const_value(ctx: &Context, op: OpId) -> Vec<String> {
    let (Some(value), Some(ty)) = (ctx.op(op).attr("value"), result_type(ctx, op)) else {
        return vec![];
    };
    match value.elements_type() {
        Some(t) if Type::Tensor(t.clone()) == *ty => vec![],
        Some(t) => vec![format!(
            "'value' has type '{}' but the result has type '{ty}'",
            Type::Tensor(t.clone())
        )],
        None => vec!["'value' must be dense elements".into()],
    }
}

fn verify_qconst(ctx: &Context, op: OpId) -> Vec<String> {
    let data = ctx.op(op);
    let (Some(Attribute::Type(q)), Some(ty)) = (data.attr("qtype"), result_type(ctx, op)) else {
        return vec![];
    };
    let mut errors = Vec::new();
    if q != ty {
        errors.push(format!("'qtype' is '{q}' but the result has type '{ty}'"));
    }
    if let (Some(t), Some(qt)) = (
        data.attr("value").and_then(|v| v.elements_type()),
        q.as_tensor(),
    ) {
        if t.shape != qt.shape {
            errors.push(format!(
                "'value' has type '{}' whose shape differs from 'qtype'",
                Type::Tensor(t.clone())
            ));
        }
    }
    errors
}

fn verify_quantize(ctx: &Context, op: OpId) -> Vec<String> {
    match (ctx.op(op).attr("qtype"), result_type(ctx, op)) {
        (Some(Attribute::Type(q)), Some(ty)) if q != ty => {
            vec![format!("'qtype' is '{q}' but the result has type '{ty}'")]
        }
        _ => vec![],
    }
}

#[cfg(test)]
#[path = "tfl_tests.rs"]
mod tests;
