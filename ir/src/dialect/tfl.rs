//! The tfl dialect: TensorFlow Lite's operations, named exactly as TensorFlow's `tfl` dialect
//! names them, with their TFLite builtin codes and quantization behaviour.

use super::{
    attr, one, op, opt_attr, optional, variadic, AttrDef, AttrKind, CustomSyntax, FixedRange, OpDef, QuantBehavior,
    SlotDef, Traits, TypeSet,
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
/// Values of `mode` of `tfl.mirror_pad`.
pub const MIRROR_PAD_MODES: &[&str] = &["REFLECT", "SYMMETRIC"];

const ACT: AttrDef = attr("fused_activation_function", AttrKind::Enum(ACTIVATIONS));
const PADDING: AttrDef = attr("padding", AttrKind::Enum(PADDINGS));
const STRIDE_H: AttrDef = attr("stride_h", AttrKind::I32);
const STRIDE_W: AttrDef = attr("stride_w", AttrKind::I32);
const DILATION_H: AttrDef = attr("dilation_h_factor", AttrKind::I32);
const DILATION_W: AttrDef = attr("dilation_w_factor", AttrKind::I32);
const KEEP_DIMS: AttrDef = attr("keep_dims", AttrKind::Bool);
const ASYM: AttrDef = opt_attr("asymmetric_quantize_inputs", AttrKind::Bool);

const PURE: Traits = Traits::PURE;
const SAME_SHAPE: Traits = Traits::SAME_OPERANDS_AND_RESULT_SHAPE;
const SAME_ELEM: Traits = Traits::SAME_OPERANDS_AND_RESULT_ELEMENT_TYPE;
const BCAST: Traits = Traits::BROADCASTING;

const SAME: QuantBehavior = QuantBehavior::SameScale;
const INDEP: QuantBehavior = QuantBehavior::Independent;

/// Fixed output range of softmax and logistic: [0, 1).
pub const RANGE_0_1: FixedRange = FixedRange { int8: (1.0 / 256.0, -128), uint8: (1.0 / 256.0, 0), int16: (1.0 / 32768.0, 0) };
/// Fixed output range of tanh and l2_normalization: [-1, 1).
pub const RANGE_M1_1: FixedRange =
    FixedRange { int8: (1.0 / 128.0, 0), uint8: (1.0 / 128.0, 128), int16: (1.0 / 32768.0, 0) };
/// Fixed output range of log_softmax: [-16, 0].
pub const RANGE_LOG_SOFTMAX: FixedRange =
    FixedRange { int8: (16.0 / 256.0, 127), uint8: (16.0 / 256.0, 255), int16: (16.0 / 32768.0, 32767) };

const BINARY: &[SlotDef] = &[one("lhs"), one("rhs")];
const UNARY_X: &[SlotDef] = &[one("x")];
const UNARY_INPUT: &[SlotDef] = &[one("input")];
const Y: &[SlotDef] = &[one("y")];
const BOOL_RESULT: &[SlotDef] = &[one("output").types(TypeSet::I1)];
const REDUCTION_OPERANDS: &[SlotDef] = &[one("input"), one("axes").types(TypeSet::I32_I64)];
const REDUCTION_ATTRS: &[AttrDef] = &[KEEP_DIMS];
const BINARY_ATTRS: &[AttrDef] = &[ACT];
const FLOAT_OR_QUANT: TypeSet = TypeSet::FLOATS.or(TypeSet::QUANT);
const POOL_ATTRS: &[AttrDef] = &[
    attr("filter_height", AttrKind::I32),
    attr("filter_width", AttrKind::I32),
    ACT,
    PADDING,
    STRIDE_H,
    STRIDE_W,
];

/// A binary op written by TensorFlow as `tfl.add %a, %b {...} : type` when types agree.
const fn binary(name: &'static str, summary: &'static str, code: i32, tfl_name: &'static str) -> OpDef {
    op(name, summary)
        .operands(BINARY)
        .attrs(BINARY_ATTRS)
        .traits(PURE.with(BCAST).with(SAME_ELEM))
        .quant(INDEP)
        .tflite(code, tfl_name)
        .custom_syntax(CustomSyntax::SameOperandsAndResultType)
}

/// A binary op with no attributes.
const fn plain_binary(name: &'static str, summary: &'static str, code: i32, tfl_name: &'static str) -> OpDef {
    op(name, summary).operands(BINARY).traits(PURE.with(BCAST)).tflite(code, tfl_name)
}

const fn comparison(name: &'static str, summary: &'static str, code: i32, tfl_name: &'static str) -> OpDef {
    plain_binary(name, summary, code, tfl_name).results(BOOL_RESULT).quant(INDEP)
}

const fn unary(name: &'static str, summary: &'static str, code: i32, tfl_name: &'static str) -> OpDef {
    op(name, summary).operands(UNARY_X).results(Y).traits(PURE.with(SAME_SHAPE)).tflite(code, tfl_name)
}

const fn reduction(name: &'static str, summary: &'static str, code: i32, tfl_name: &'static str) -> OpDef {
    op(name, summary).operands(REDUCTION_OPERANDS).attrs(REDUCTION_ATTRS).tflite(code, tfl_name)
}

// ---- constants and plumbing ----

pub static PSEUDO_CONST: OpDef = op("tfl.pseudo_const", "A constant tensor")
    .attrs(&[attr("value", AttrKind::Elements)])
    .traits(PURE.with(Traits::CONSTANT_LIKE))
    .quant(INDEP)
    .verify(verify_const_value);

pub static PSEUDO_QCONST: OpDef = op("tfl.pseudo_qconst", "A quantized constant tensor: storage values and a quantized type")
    .attrs(&[attr("qtype", AttrKind::Type), attr("value", AttrKind::Elements)])
    .results(&[one("output").types(TypeSet::QUANT)])
    .traits(PURE.with(Traits::CONSTANT_LIKE))
    .quant(INDEP)
    .verify(verify_qconst);

pub static PSEUDO_SPARSE_CONST: OpDef = op("tfl.pseudo_sparse_const", "A sparse constant tensor, densified by tfl.densify")
    .attrs(&[attr("value", AttrKind::Elements), attr("s_param", AttrKind::Dialect), attr("compressed_data", AttrKind::Elements)])
    .traits(PURE.with(Traits::CONSTANT_LIKE));

pub static PSEUDO_SPARSE_QCONST: OpDef = op("tfl.pseudo_sparse_qconst", "A sparse quantized constant tensor")
    .attrs(&[
        attr("qtype", AttrKind::Type),
        attr("value", AttrKind::Elements),
        attr("s_param", AttrKind::Dialect),
        attr("compressed_data", AttrKind::Elements),
    ])
    .traits(PURE.with(Traits::CONSTANT_LIKE));

pub static NO_VALUE: OpDef = op("tfl.no_value", "The absent value of an optional operand")
    .attrs(&[attr("value", AttrKind::Any)])
    .results(&[one("none_val").types(TypeSet::NONE_TYPE)])
    .traits(PURE.with(Traits::CONSTANT_LIKE));

pub static QUANTIZE: OpDef = op("tfl.quantize", "Quantizes a float tensor, or requantizes a quantized one")
    .operands(&[one("input").types(FLOAT_OR_QUANT)])
    .results(&[one("output").types(TypeSet::QUANT)])
    .attrs(&[attr("qtype", AttrKind::Type)])
    .traits(PURE.with(SAME_SHAPE))
    .tflite(114, "QUANTIZE")
    .verify(verify_quantize);

pub static DEQUANTIZE: OpDef = op("tfl.dequantize", "Converts a quantized, float16 or int8 tensor to float32")
    .operands(&[one("input").types(TypeSet::QUANT.or(TypeSet::F16).or(TypeSet::BF16).or(TypeSet::I8))])
    .results(&[one("output").types(TypeSet::FLOATS)])
    .traits(PURE.with(SAME_SHAPE))
    .tflite(6, "DEQUANTIZE");

pub static DENSIFY: OpDef = op("tfl.densify", "Expands a sparse constant into a dense tensor")
    .operands(UNARY_INPUT)
    .traits(PURE)
    .tflite(124, "DENSIFY");

pub static CAST: OpDef = op("tfl.cast", "Converts the element type of a tensor")
    .operands(UNARY_INPUT)
    .traits(PURE.with(SAME_SHAPE))
    .tflite(53, "CAST");

pub static YIELD: OpDef = op("tfl.yield", "Ends a region of tfl.while or tfl.if, passing values out")
    .operands(&[variadic("operands")])
    .results(&[])
    .traits(PURE.with(Traits::TERMINATOR));

pub static WHILE: OpDef = op("tfl.while", "Runs the body region while the condition region yields true")
    .operands(&[variadic("input")])
    .results(&[variadic("output")])
    .attrs(&[opt_attr("is_stateless", AttrKind::Bool)])
    .regions(2)
    .traits(Traits::SINGLE_BLOCK)
    .tflite(119, "WHILE");

pub static IF: OpDef = op("tfl.if", "Runs the then or else region depending on a boolean")
    .operands(&[one("cond").types(TypeSet::I1), variadic("input")])
    .results(&[variadic("output")])
    .regions(2)
    .traits(Traits::SINGLE_BLOCK)
    .tflite(118, "IF");

pub static CUSTOM: OpDef = op("tfl.custom", "A custom op: a code name and opaque option bytes")
    .operands(&[variadic("input")])
    .results(&[variadic("output")])
    .attrs(&[attr("custom_code", AttrKind::Str), attr("custom_option", AttrKind::Dialect)])
    .traits(Traits::NONE)
    .tflite(32, "CUSTOM");

// ---- elementwise arithmetic ----

pub static ADD: OpDef = binary("tfl.add", "Element-wise addition with broadcasting", 0, "ADD").traits(PURE.with(BCAST).with(SAME_ELEM).with(Traits::COMMUTATIVE));
pub static SUB: OpDef = binary("tfl.sub", "Element-wise subtraction with broadcasting", 41, "SUB");
pub static MUL: OpDef = binary("tfl.mul", "Element-wise multiplication with broadcasting", 18, "MUL").traits(PURE.with(BCAST).with(Traits::COMMUTATIVE));
pub static DIV: OpDef = binary("tfl.div", "Element-wise division with broadcasting", 42, "DIV").quant(QuantBehavior::NotQuantizable);
pub static SQUARED_DIFFERENCE: OpDef =
    plain_binary("tfl.squared_difference", "Element-wise (lhs - rhs)^2", 99, "SQUARED_DIFFERENCE").quant(INDEP);
pub static MAXIMUM: OpDef =
    op("tfl.maximum", "Element-wise maximum").operands(BINARY).results(&[one("max")]).traits(PURE.with(BCAST)).quant(SAME).tflite(55, "MAXIMUM");
pub static MINIMUM: OpDef =
    op("tfl.minimum", "Element-wise minimum").operands(BINARY).results(&[one("min")]).traits(PURE.with(BCAST)).quant(SAME).tflite(57, "MINIMUM");
pub static POW: OpDef = plain_binary("tfl.pow", "Element-wise power", 78, "POW");

// ---- convolutions and matrix products ----

pub static CONV_2D: OpDef = op("tfl.conv_2d", "2-D convolution with bias and fused activation")
    .operands(&[one("input"), one("filter"), optional("bias")])
    .attrs(&[DILATION_H, DILATION_W, ACT, PADDING, STRIDE_H, STRIDE_W])
    .quant(QuantBehavior::Affine { weight: 1, axis: 0, bias: Some(2) })
    .hybrid(&[1])
    .tflite(3, "CONV_2D");

pub static DEPTHWISE_CONV_2D: OpDef = op("tfl.depthwise_conv_2d", "Depthwise 2-D convolution with bias and fused activation")
    .operands(&[one("input"), one("filter"), optional("bias")])
    .attrs(&[attr("depth_multiplier", AttrKind::I32), DILATION_H, DILATION_W, ACT, PADDING, STRIDE_H, STRIDE_W])
    .quant(QuantBehavior::Affine { weight: 1, axis: 3, bias: Some(2) })
    .hybrid(&[1])
    .tflite(4, "DEPTHWISE_CONV_2D");

pub static TRANSPOSE_CONV: OpDef = op("tfl.transpose_conv", "Transposed 2-D convolution")
    .operands(&[one("output_shape").types(TypeSet::I32), one("weights"), one("input"), optional("bias")])
    .attrs(&[PADDING, STRIDE_H, STRIDE_W, opt_attr("fused_activation_function", AttrKind::Enum(ACTIVATIONS))])
    .quant(QuantBehavior::Affine { weight: 1, axis: 0, bias: Some(3) })
    .hybrid(&[1])
    .tflite(67, "TRANSPOSE_CONV");

pub static FULLY_CONNECTED: OpDef = op("tfl.fully_connected", "Fully connected layer: input x filter^T + bias")
    .operands(&[one("input"), one("filter"), optional("bias")])
    .results(&[variadic("output")])
    .attrs(&[
        ACT,
        opt_attr("weights_format", AttrKind::Enum(WEIGHTS_FORMATS)),
        opt_attr("keep_num_dims", AttrKind::Bool),
        ASYM,
    ])
    .quant(QuantBehavior::Affine { weight: 1, axis: 0, bias: Some(2) })
    .hybrid(&[1])
    .tflite(9, "FULLY_CONNECTED");

pub static BATCH_MATMUL: OpDef = op("tfl.batch_matmul", "Batched matrix product")
    .operands(&[one("x"), one("y")])
    .attrs(&[opt_attr("adj_x", AttrKind::Bool), opt_attr("adj_y", AttrKind::Bool), ASYM])
    .quant(INDEP)
    .hybrid(&[1])
    .tflite(126, "BATCH_MATMUL");

// ---- pooling and normalization ----

pub static AVERAGE_POOL_2D: OpDef =
    op("tfl.average_pool_2d", "2-D average pooling").operands(UNARY_INPUT).attrs(POOL_ATTRS).quant(SAME).tflite(1, "AVERAGE_POOL_2D");
pub static MAX_POOL_2D: OpDef =
    op("tfl.max_pool_2d", "2-D max pooling").operands(UNARY_INPUT).attrs(POOL_ATTRS).quant(SAME).tflite(17, "MAX_POOL_2D");
pub static L2_NORMALIZATION: OpDef = op("tfl.l2_normalization", "Normalizes along the last axis by the L2 norm")
    .operands(UNARY_INPUT)
    .attrs(&[ACT])
    .traits(PURE.with(SAME_SHAPE))
    .quant(QuantBehavior::FixedOutput(RANGE_M1_1))
    .tflite(11, "L2_NORMALIZATION");

// ---- reductions ----

pub static MEAN: OpDef = op("tfl.mean", "Mean over the given axes")
    .operands(&[one("input"), one("axis").types(TypeSet::I32_I64)])
    .attrs(&[KEEP_DIMS])
    .quant(INDEP)
    .tflite(40, "MEAN");
pub static SUM: OpDef = reduction("tfl.sum", "Sum over the given axes", 74, "SUM").quant(INDEP);
pub static REDUCE_MAX: OpDef = reduction("tfl.reduce_max", "Maximum over the given axes", 82, "REDUCE_MAX").quant(SAME);
pub static REDUCE_MIN: OpDef = reduction("tfl.reduce_min", "Minimum over the given axes", 89, "REDUCE_MIN").quant(SAME);
pub static REDUCE_PROD: OpDef = reduction("tfl.reduce_prod", "Product over the given axes", 81, "REDUCE_PROD").quant(INDEP);

// ---- activations ----

pub static SOFTMAX: OpDef = op("tfl.softmax", "Softmax along the last axis, with inverse temperature beta")
    .operands(&[one("input")])
    .attrs(&[attr("beta", AttrKind::F32)])
    .traits(PURE.with(SAME_SHAPE))
    .quant(QuantBehavior::FixedOutput(RANGE_0_1))
    .tflite(25, "SOFTMAX");
pub static LOG_SOFTMAX: OpDef = op("tfl.log_softmax", "Log of softmax along the last axis")
    .operands(&[one("input")])
    .traits(PURE.with(SAME_SHAPE))
    .quant(QuantBehavior::FixedOutput(RANGE_LOG_SOFTMAX))
    .tflite(50, "LOG_SOFTMAX");
pub static LOGISTIC: OpDef =
    unary("tfl.logistic", "Sigmoid: 1 / (1 + exp(-x))", 14, "LOGISTIC").quant(QuantBehavior::FixedOutput(RANGE_0_1));
pub static TANH: OpDef = op("tfl.tanh", "Hyperbolic tangent")
    .operands(UNARY_INPUT)
    .traits(PURE.with(SAME_SHAPE))
    .quant(QuantBehavior::FixedOutput(RANGE_M1_1))
    .tflite(28, "TANH");
pub static RELU: OpDef = unary("tfl.relu", "max(x, 0)", 19, "RELU").quant(INDEP);
pub static RELU6: OpDef = unary("tfl.relu6", "min(max(x, 0), 6)", 21, "RELU6").quant(INDEP);
pub static RELU_N1_TO_1: OpDef = unary("tfl.relu_n1_to_1", "min(max(x, -1), 1)", 20, "RELU_N1_TO_1").quant(INDEP);
pub static LEAKY_RELU: OpDef = op("tfl.leaky_relu", "x if x > 0 else alpha * x")
    .operands(UNARY_INPUT)
    .attrs(&[attr("alpha", AttrKind::F32)])
    .traits(PURE.with(SAME_SHAPE))
    .quant(INDEP)
    .tflite(98, "LEAKY_RELU");
pub static PRELU: OpDef = op("tfl.prelu", "x if x > 0 else alpha * x, with a learned alpha")
    .operands(&[one("input"), one("alpha")])
    .traits(PURE.with(BCAST))
    .quant(INDEP)
    .tflite(54, "PRELU");
pub static HARD_SWISH: OpDef = op("tfl.hard_swish", "x * relu6(x + 3) / 6")
    .operands(UNARY_INPUT)
    .traits(PURE.with(SAME_SHAPE))
    .quant(INDEP)
    .tflite(117, "HARD_SWISH");
pub static GELU: OpDef = op("tfl.gelu", "Gaussian error linear unit")
    .operands(UNARY_INPUT)
    .attrs(&[opt_attr("approximate", AttrKind::Bool)])
    .traits(PURE.with(SAME_SHAPE))
    .quant(INDEP)
    .tflite(150, "GELU");
pub static ELU: OpDef = unary("tfl.elu", "x if x > 0 else exp(x) - 1", 111, "ELU").quant(INDEP);
pub static EXP: OpDef = unary("tfl.exp", "Element-wise exponential", 47, "EXP").quant(INDEP);
pub static LOG: OpDef = unary("tfl.log", "Element-wise natural logarithm", 73, "LOG").quant(INDEP);
pub static SQRT: OpDef = unary("tfl.sqrt", "Element-wise square root", 75, "SQRT").quant(INDEP);
pub static RSQRT: OpDef = unary("tfl.rsqrt", "Element-wise 1 / sqrt(x)", 76, "RSQRT").quant(INDEP);
pub static NEG: OpDef = unary("tfl.neg", "Element-wise negation", 59, "NEG").quant(INDEP);
pub static ABS: OpDef = unary("tfl.abs", "Element-wise absolute value", 101, "ABS").quant(INDEP);
pub static SQUARE: OpDef = unary("tfl.square", "Element-wise square", 92, "SQUARE").quant(INDEP);

// ---- shape manipulation (one scale in, the same scale out) ----

pub static RESHAPE: OpDef = op("tfl.reshape", "Gives a tensor a new shape with the same elements")
    .operands(&[one("input"), one("shape").types(TypeSet::I32_I64)])
    .quant(SAME)
    .tflite(22, "RESHAPE");
pub static SQUEEZE: OpDef = op("tfl.squeeze", "Removes dimensions of size 1")
    .operands(UNARY_INPUT)
    .attrs(&[opt_attr("squeeze_dims", AttrKind::I64Array)])
    .quant(SAME)
    .tflite(43, "SQUEEZE");
pub static EXPAND_DIMS: OpDef = op("tfl.expand_dims", "Inserts a dimension of size 1")
    .operands(&[one("input"), one("dim").types(TypeSet::I32_I64)])
    .quant(SAME)
    .tflite(70, "EXPAND_DIMS");
pub static TRANSPOSE: OpDef = op("tfl.transpose", "Permutes dimensions")
    .operands(&[one("input"), one("perm").types(TypeSet::I32_I64)])
    .quant(SAME)
    .tflite(39, "TRANSPOSE");
pub static CONCATENATION: OpDef = op("tfl.concatenation", "Joins tensors along an axis")
    .operands(&[variadic("values")])
    .attrs(&[attr("axis", AttrKind::I32), ACT])
    .quant(SAME)
    .tflite(2, "CONCATENATION");
pub static PACK: OpDef = op("tfl.pack", "Stacks tensors along a new axis")
    .operands(&[variadic("values")])
    .attrs(&[attr("values_count", AttrKind::I32), attr("axis", AttrKind::I32)])
    .quant(SAME)
    .tflite(83, "PACK");
pub static UNPACK: OpDef = op("tfl.unpack", "Splits a tensor into tensors along an axis, removing it")
    .operands(UNARY_INPUT)
    .results(&[variadic("outputs")])
    .attrs(&[attr("num", AttrKind::I32), attr("axis", AttrKind::I32)])
    .quant(SAME)
    .tflite(88, "UNPACK");
pub static SPLIT: OpDef = op("tfl.split", "Splits a tensor into equal parts along an axis")
    .operands(&[one("split_dim").types(TypeSet::I32), one("value")])
    .results(&[variadic("outputs")])
    .attrs(&[attr("num_splits", AttrKind::I32)])
    .quant(SAME)
    .tflite(49, "SPLIT");
pub static SPLIT_V: OpDef = op("tfl.split_v", "Splits a tensor into parts of given sizes along an axis")
    .operands(&[one("value"), one("size_splits").types(TypeSet::I32_I64), one("split_dim").types(TypeSet::I32)])
    .results(&[variadic("outputs")])
    .attrs(&[attr("num_splits", AttrKind::I32)])
    .quant(SAME)
    .tflite(102, "SPLIT_V");
pub static SLICE: OpDef = op("tfl.slice", "Takes a slice of given begin and size")
    .operands(&[one("input"), one("begin").types(TypeSet::I32_I64), one("size").types(TypeSet::I32_I64)])
    .quant(SAME)
    .tflite(65, "SLICE");
pub static STRIDED_SLICE: OpDef = op("tfl.strided_slice", "Takes a strided slice")
    .operands(&[
        one("input"),
        one("begin").types(TypeSet::I32_I64),
        one("end").types(TypeSet::I32_I64),
        one("strides").types(TypeSet::I32_I64),
    ])
    .attrs(&[
        attr("begin_mask", AttrKind::I32),
        attr("end_mask", AttrKind::I32),
        attr("ellipsis_mask", AttrKind::I32),
        attr("new_axis_mask", AttrKind::I32),
        attr("shrink_axis_mask", AttrKind::I32),
        opt_attr("offset", AttrKind::Bool),
    ])
    .quant(SAME)
    .tflite(45, "STRIDED_SLICE");
pub static GATHER: OpDef = op("tfl.gather", "Gathers slices along an axis by indices")
    .operands(&[one("params"), one("indices").types(TypeSet::I32_I64.or(TypeSet::I16))])
    .attrs(&[attr("axis", AttrKind::I32), opt_attr("batch_dims", AttrKind::I32)])
    .quant(SAME)
    .tflite(36, "GATHER");
pub static GATHER_ND: OpDef = op("tfl.gather_nd", "Gathers slices by N-dimensional indices")
    .operands(&[one("params"), one("indices").types(TypeSet::I32_I64.or(TypeSet::I16))])
    .quant(SAME)
    .tflite(107, "GATHER_ND");
pub static PAD: OpDef = op("tfl.pad", "Pads with zeros")
    .operands(&[one("input"), one("padding").types(TypeSet::I32_I64)])
    .quant(SAME)
    .tflite(34, "PAD");
pub static PADV2: OpDef = op("tfl.padv2", "Pads with a given constant")
    .operands(&[one("input"), one("padding").types(TypeSet::I32_I64), one("constant_values")])
    .quant(SAME)
    .tflite(60, "PADV2");
pub static MIRROR_PAD: OpDef = op("tfl.mirror_pad", "Pads by mirroring the edges")
    .operands(&[one("input"), one("pad").types(TypeSet::I32_I64)])
    .attrs(&[attr("mode", AttrKind::Enum(MIRROR_PAD_MODES))])
    .quant(SAME)
    .tflite(100, "MIRROR_PAD");
pub static RESIZE_BILINEAR: OpDef = op("tfl.resize_bilinear", "Resizes images with bilinear interpolation")
    .operands(&[one("input"), one("size").types(TypeSet::I32)])
    .attrs(&[opt_attr("align_corners", AttrKind::Bool), opt_attr("half_pixel_centers", AttrKind::Bool)])
    .quant(SAME)
    .tflite(23, "RESIZE_BILINEAR");
pub static RESIZE_NEAREST_NEIGHBOR: OpDef = op("tfl.resize_nearest_neighbor", "Resizes images by nearest neighbour")
    .operands(&[one("input"), one("size").types(TypeSet::I32)])
    .attrs(&[opt_attr("align_corners", AttrKind::Bool), opt_attr("half_pixel_centers", AttrKind::Bool)])
    .quant(SAME)
    .tflite(97, "RESIZE_NEAREST_NEIGHBOR");
pub static DEPTH_TO_SPACE: OpDef = op("tfl.depth_to_space", "Moves depth blocks into spatial blocks")
    .operands(UNARY_INPUT)
    .attrs(&[attr("block_size", AttrKind::I32)])
    .quant(SAME)
    .tflite(5, "DEPTH_TO_SPACE");
pub static SPACE_TO_DEPTH: OpDef = op("tfl.space_to_depth", "Moves spatial blocks into depth")
    .operands(UNARY_INPUT)
    .attrs(&[attr("block_size", AttrKind::I32)])
    .quant(SAME)
    .tflite(26, "SPACE_TO_DEPTH");
pub static TILE: OpDef = op("tfl.tile", "Repeats a tensor along each axis")
    .operands(&[one("input"), one("multiples").types(TypeSet::I32_I64)])
    .quant(SAME)
    .tflite(69, "TILE");
pub static BROADCAST_TO: OpDef = op("tfl.broadcast_to", "Broadcasts a tensor to a shape")
    .operands(&[one("input"), one("shape").types(TypeSet::I32_I64)])
    .quant(SAME)
    .tflite(130, "BROADCAST_TO");
pub static SHAPE: OpDef = op("tfl.shape", "The shape of a tensor")
    .operands(UNARY_INPUT)
    .results(&[one("output").types(TypeSet::I32_I64)])
    .tflite(77, "SHAPE");

// ---- index and selection ----

pub static ARG_MAX: OpDef = op("tfl.arg_max", "Index of the largest value along an axis")
    .operands(&[one("input"), one("dim").types(TypeSet::I32_I64)])
    .results(&[one("output").types(TypeSet::I32_I64)])
    .quant(INDEP)
    .tflite(56, "ARG_MAX");
pub static ARG_MIN: OpDef = op("tfl.arg_min", "Index of the smallest value along an axis")
    .operands(&[one("input"), one("dim").types(TypeSet::I32_I64)])
    .results(&[one("output").types(TypeSet::I32_I64)])
    .quant(INDEP)
    .tflite(79, "ARG_MIN");
pub static SELECT_V2: OpDef = op("tfl.select_v2", "Picks x where the condition holds, y elsewhere, with broadcasting")
    .operands(&[one("condition").types(TypeSet::I1), one("x"), one("y")])
    .traits(PURE.with(BCAST))
    .quant(SAME)
    .tflite(123, "SELECT_V2");
pub static LESS: OpDef = comparison("tfl.less", "Element-wise lhs < rhs", 58, "LESS");
pub static LESS_EQUAL: OpDef = comparison("tfl.less_equal", "Element-wise lhs <= rhs", 63, "LESS_EQUAL");
pub static GREATER: OpDef = comparison("tfl.greater", "Element-wise lhs > rhs", 61, "GREATER");
pub static GREATER_EQUAL: OpDef = comparison("tfl.greater_equal", "Element-wise lhs >= rhs", 62, "GREATER_EQUAL");
pub static EQUAL: OpDef = op("tfl.equal", "Element-wise x == y")
    .operands(&[one("x"), one("y")])
    .results(BOOL_RESULT)
    .traits(PURE.with(BCAST))
    .quant(INDEP)
    .tflite(71, "EQUAL");
pub static NOT_EQUAL: OpDef = comparison("tfl.not_equal", "Element-wise lhs != rhs", 72, "NOT_EQUAL");
pub static LOGICAL_AND: OpDef = plain_binary("tfl.logical_and", "Element-wise and of booleans", 86, "LOGICAL_AND")
    .operands(&[one("lhs").types(TypeSet::I1), one("rhs").types(TypeSet::I1)])
    .results(BOOL_RESULT);
pub static LOGICAL_OR: OpDef = plain_binary("tfl.logical_or", "Element-wise or of booleans", 84, "LOGICAL_OR")
    .operands(&[one("lhs").types(TypeSet::I1), one("rhs").types(TypeSet::I1)])
    .results(BOOL_RESULT);
pub static LOGICAL_NOT: OpDef = op("tfl.logical_not", "Element-wise not of booleans")
    .operands(&[one("lhs").types(TypeSet::I1)])
    .results(BOOL_RESULT)
    .traits(PURE.with(SAME_SHAPE))
    .tflite(87, "LOGICAL_NOT");

// ---- sequences and lookups ----

pub static UNIDIRECTIONAL_SEQUENCE_LSTM: OpDef = op("tfl.unidirectional_sequence_lstm", "A unidirectional LSTM over a sequence")
    .operands(&[
        one("input"),
        optional("input_to_input_weights"),
        one("input_to_forget_weights"),
        one("input_to_cell_weights"),
        one("input_to_output_weights"),
        optional("recurrent_to_input_weights"),
        one("recurrent_to_forget_weights"),
        one("recurrent_to_cell_weights"),
        one("recurrent_to_output_weights"),
        optional("cell_to_input_weights"),
        optional("cell_to_forget_weights"),
        optional("cell_to_output_weights"),
        optional("input_gate_bias"),
        one("forget_gate_bias"),
        one("cell_bias"),
        one("output_gate_bias"),
        optional("projection_weights"),
        optional("projection_bias"),
        one("input_activation_state"),
        one("input_cell_state"),
        optional("input_layer_norm_coefficients"),
        optional("forget_layer_norm_coefficients"),
        optional("cell_layer_norm_coefficients"),
        optional("output_layer_norm_coefficients"),
    ])
    .attrs(&[
        ACT,
        opt_attr("cell_clip", AttrKind::F32),
        opt_attr("proj_clip", AttrKind::F32),
        attr("time_major", AttrKind::Bool),
        ASYM,
        opt_attr("diagonal_recurrent_tensors", AttrKind::Bool),
        opt_attr("input_to_input_intermediate", AttrKind::Type),
        opt_attr("input_to_forget_intermediate", AttrKind::Type),
        opt_attr("input_to_cell_intermediate", AttrKind::Type),
        opt_attr("input_to_output_intermediate", AttrKind::Type),
        opt_attr("effective_hidden_scale_intermediate", AttrKind::Type),
    ])
    .traits(Traits::NONE)
    .quant(INDEP)
    .hybrid(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16])
    .tflite(44, "UNIDIRECTIONAL_SEQUENCE_LSTM");
pub static EMBEDDING_LOOKUP: OpDef = op("tfl.embedding_lookup", "Looks up rows of a table by id")
    .operands(&[one("lookup").types(TypeSet::I32), one("value")])
    .quant(SAME)
    .hybrid(&[1])
    .tflite(7, "EMBEDDING_LOOKUP");
pub static CUMSUM: OpDef = op("tfl.cumsum", "Cumulative sum along an axis")
    .operands(&[one("input"), one("axis").types(TypeSet::I32)])
    .attrs(&[opt_attr("exclusive", AttrKind::Bool), opt_attr("reverse", AttrKind::Bool)])
    .tflite(128, "CUMSUM");

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
];

fn result_type(ctx: &Context, op: OpId) -> Option<&Type> {
    ctx.results(op).first().map(|v| ctx.value_type(*v))
}

fn verify_const_value(ctx: &Context, op: OpId) -> Vec<String> {
    let (Some(value), Some(ty)) = (ctx.op(op).attr("value"), result_type(ctx, op)) else { return vec![] };
    match value.elements_type() {
        Some(t) if Type::Tensor(t.clone()) == *ty => vec![],
        Some(t) => vec![format!("'value' has type '{}' but the result has type '{ty}'", Type::Tensor(t.clone()))],
        None => vec!["'value' must be dense elements".into()],
    }
}

fn verify_qconst(ctx: &Context, op: OpId) -> Vec<String> {
    let data = ctx.op(op);
    let (Some(Attribute::Type(q)), Some(ty)) = (data.attr("qtype"), result_type(ctx, op)) else { return vec![] };
    let mut errors = Vec::new();
    if q != ty {
        errors.push(format!("'qtype' is '{q}' but the result has type '{ty}'"));
    }
    if let (Some(t), Some(qt)) = (data.attr("value").and_then(|v| v.elements_type()), q.as_tensor()) {
        if t.shape != qt.shape {
            errors.push(format!("'value' has type '{}' whose shape differs from 'qtype'", Type::Tensor(t.clone())));
        }
    }
    errors
}

fn verify_quantize(ctx: &Context, op: OpId) -> Vec<String> {
    match (ctx.op(op).attr("qtype"), result_type(ctx, op)) {
        (Some(Attribute::Type(q)), Some(ty)) if q != ty => vec![format!("'qtype' is '{q}' but the result has type '{ty}'")],
        _ => vec![],
    }
}
