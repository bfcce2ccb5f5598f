//! The tfl dialect's index, selection, sequence, lookup and data-movement ops: declared here
//! only to keep `tfl.rs` readable; they are part of the one op table (`tfl::OPS`, re-exported
//! from `tfl`) and use its shared attribute and type-set definitions.

use super::*;

// ---- index and selection ----

const ARG_T: TypeSet = of(&[I1, F32, I32, I8, UI8, QI8, QUI8]);
pub static ARG_MAX: OpDef = op("tfl.arg_max", "Index of the largest value along an axis")
    .operands(&[one("input").types(ARG_T), one("dim").types(I32_I64)])
    .results(&[one("output").types(I32_I64)])
    .quant(INDEP)
    .tflite(56, "ARG_MAX")
    .version(tfl_versions::arg_max_min)
    .kernels(Kernels::INT8);
pub static ARG_MIN: OpDef = op("tfl.arg_min", "Index of the smallest value along an axis")
    .operands(&[one("input").types(ARG_T), one("dim").types(I32_I64)])
    .results(&[one("output").types(I32_I64)])
    .quant(INDEP)
    .tflite(79, "ARG_MIN")
    .version(tfl_versions::arg_max_min)
    .kernels(Kernels::INT8);

const SELECT_V2_T: TypeSet = of(&[F32, F16, I1, I8, I16, I32, I64, OTHER, QI8, QUI8, QI16]);
pub static SELECT_V2: OpDef = op(
    "tfl.select_v2",
    "Picks x where the condition holds, y elsewhere, with broadcasting",
)
.operands(&[
    one("condition").types(I1),
    one("x").types(SELECT_V2_T),
    one("y").types(SELECT_V2_T),
])
.results(&[one("output").types(SELECT_V2_T)])
.traits(PURE.with(BCAST))
.quant(SAME)
.tflite(123, "SELECT_V2")
.version(tfl_versions::select_v2)
.kernels(Kernels::INT8_INT16);

/// QI16 in the comparisons: LiteRT compares int16 quantized operands (measured).
const LESS_T: TypeSet = of(&[F32, I16, I32, I64, QUI8, QI8, OTHER, QI16]);
pub static LESS: OpDef = comparison("tfl.less", "Element-wise lhs < rhs", 58, "LESS")
    .operands(&[one("lhs").types(LESS_T), one("rhs").types(LESS_T)])
    .version(tfl_versions::int16_3_int8_2)
    .kernels(Kernels::INT8_INT16);
const LESS_EQUAL_T: TypeSet = of(&[F32, I32, I64, QI8, QUI8, QI16]);
pub static LESS_EQUAL: OpDef = comparison(
    "tfl.less_equal",
    "Element-wise lhs <= rhs",
    63,
    "LESS_EQUAL",
)
.operands(&[
    one("lhs").types(LESS_EQUAL_T),
    one("rhs").types(LESS_EQUAL_T),
])
.version(tfl_versions::int8_2)
.kernels(Kernels::INT8_INT16);
const GREATER_T: TypeSet = of(&[F32, I32, I64, QUI8, QI8, OTHER, QI16]);
pub static GREATER: OpDef = comparison("tfl.greater", "Element-wise lhs > rhs", 61, "GREATER")
    .operands(&[one("lhs").types(GREATER_T), one("rhs").types(GREATER_T)])
    .version(tfl_versions::int8_2)
    .kernels(Kernels::INT8_INT16);
const GREATER_EQUAL_T: TypeSet = of(&[F32, I16, I32, I64, QUI8, QI8, QI16]);
pub static GREATER_EQUAL: OpDef = comparison(
    "tfl.greater_equal",
    "Element-wise lhs >= rhs",
    62,
    "GREATER_EQUAL",
)
.operands(&[
    one("lhs").types(GREATER_EQUAL_T),
    one("rhs").types(GREATER_EQUAL_T),
])
.version(tfl_versions::int16_3_int8_2)
.kernels(Kernels::INT8_INT16);

const EQUAL_T: TypeSet = of(&[I1, F32, I16, I32, I64, QI8, QUI8, QI16, UI8, OTHER]);
/// Generic syntax only (no custom format, unlike the other comparisons).
pub static EQUAL: OpDef = op("tfl.equal", "Element-wise x == y")
    .operands(&[one("x").types(EQUAL_T), one("y").types(EQUAL_T)])
    .results(BOOL_RESULT)
    .traits(PURE.with(BCAST).with(COMMUTATIVE))
    .quant(INDEP)
    .tflite(71, "EQUAL")
    .version(tfl_versions::equal)
    .kernels(Kernels::INT8_INT16);

const NOT_EQUAL_T: TypeSet = of(&[I1, F32, I32, I64, QUI8, QI8, QI16, OTHER]);
/// Not quantizable in TensorFlow (no QuantizableResult), but LiteRT compares int8 and int16
/// quantized operands like equal does (measured by the kernel probe), so it is here.
pub static NOT_EQUAL: OpDef =
    comparison("tfl.not_equal", "Element-wise lhs != rhs", 72, "NOT_EQUAL")
        .operands(&[one("lhs").types(NOT_EQUAL_T), one("rhs").types(NOT_EQUAL_T)])
        .traits(PURE.with(BCAST).with(COMMUTATIVE))
        .quant(INDEP)
        .version(tfl_versions::not_equal)
        .kernels(Kernels::INT8_INT16);

pub static LOGICAL_AND: OpDef = plain_binary(
    "tfl.logical_and",
    "Element-wise and of booleans",
    86,
    "LOGICAL_AND",
)
.operands(&[one("lhs").types(I1), one("rhs").types(I1)])
.results(BOOL_RESULT)
.version(tfl_versions::always_1);
pub static LOGICAL_OR: OpDef = plain_binary(
    "tfl.logical_or",
    "Element-wise or of booleans",
    84,
    "LOGICAL_OR",
)
.operands(&[one("lhs").types(I1), one("rhs").types(I1)])
.results(BOOL_RESULT)
.version(tfl_versions::always_1);
pub static LOGICAL_NOT: OpDef = op("tfl.logical_not", "Element-wise not of booleans")
    .operands(&[one("lhs").types(I1)])
    .results(BOOL_RESULT)
    .traits(PURE.with(SAME_SHAPE).with(SAME_ELEM))
    .tflite(87, "LOGICAL_NOT")
    .version(tfl_versions::always_1);

// ---- sequences and lookups ----

/// Kernels: not probed (24 operands); LiteRT has full-integer int8 and 16x8 kernels.
/// Element types are left open: TensorFlow's lists (float input, f32/QI8 weights) describe the
/// float and hybrid forms only, while LiteRT also runs full-integer LSTMs (int8 input and
/// weights, int16 cell state and layer norms, int32 biases).
pub static UNIDIRECTIONAL_SEQUENCE_LSTM: OpDef = op(
    "tfl.unidirectional_sequence_lstm",
    "A unidirectional LSTM over a sequence",
)
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
// Full-integer LSTM needs TFLite's own scheme (int16 cell state, int32 biases, intermediate
// scales per gate), not the independent per-operand rule: until that exists it stays float
// in int8 (LiteRT refused int8 biases), and keeps its hybrid kernel in dynamic range.
.quant(QuantBehavior::NotQuantizable)
.hybrid(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16])
.tflite(44, "UNIDIRECTIONAL_SEQUENCE_LSTM")
.version(tfl_versions::unidirectional_sequence_lstm)
.kernels(Kernels::INT8_INT16);

/// Kernels: not probed (the table is a constant); LiteRT's kernel copies quantized rows.
/// Full integer: same scale. LiteRT copies int8 rows only when the table has one scale (its
/// Prepare refuses a per-row table unless the output is float), so the table takes the
/// output's parameters, as a constant gathered by `tfl.gather` does. Dynamic range: the table
/// is a weight, int8 per row (`hybrid_axis`); TensorFlow's quantizer folds the table's
/// dequantize into the op (`FoldQuantWeightsIntoEmbeddingLookup`), so the op reads the int8
/// table directly and writes float. TensorFlow lists [F32, I8, UI8] for the output.
pub static EMBEDDING_LOOKUP: OpDef = op("tfl.embedding_lookup", "Looks up rows of a table by id")
    .operands(&[
        one("lookup").types(I32),
        one("value").types(of(&[F32, I8, UI8, QI8, QUI8, QI4, OTHER])),
    ])
    .results(&[one("output").types(of(&[F32, I8, UI8, QI8, QUI8]))])
    .quant(SAME)
    .hybrid(&[1])
    .hybrid_axis(0)
    .tflite(7, "EMBEDDING_LOOKUP")
    .version(tfl_versions::embedding_lookup)
    .kernels(Kernels::INT8);

const CUMSUM_T: TypeSet = of(&[F32, I32, I64]);
pub static CUMSUM: OpDef = op("tfl.cumsum", "Cumulative sum along an axis")
    .operands(&[one("input").types(CUMSUM_T), one("axis").types(I32)])
    .results(&[one("output").types(CUMSUM_T)])
    .attrs(&[
        opt_attr("exclusive", AttrKind::Bool),
        opt_attr("reverse", AttrKind::Bool),
    ])
    .tflite(128, "CUMSUM")
    .version(tfl_versions::always_1);

// ---- more data movement and math (REVERSE_V2 for bidirectional RNNs first) ----

const REVERSE_V2_T: TypeSet = of(&[F32, UI8, I16, I32, I64, QI16, QUI8, QI8, OTHER, I1]);
pub static REVERSE_V2: OpDef = op("tfl.reverse_v2", "Reverses a tensor along the given axes")
    .operands(&[one("input").types(REVERSE_V2_T), one("axis").types(I32_I64)])
    .results(&[one("output").types(REVERSE_V2_T)])
    .quant(SAME)
    .tflite(105, "REVERSE_V2")
    .version(tfl_versions::reverse_v2)
    .kernels(Kernels::INT8_INT16);

/// LiteRT's kernel takes f32, uint8, int16, int32 and int64; no int8.
const REVERSE_SEQUENCE_T: TypeSet = of(&[F32, I16, I32, I64, QI16, QUI8, OTHER]);
pub static REVERSE_SEQUENCE: OpDef = op(
    "tfl.reverse_sequence",
    "Reverses the first seq_lengths[b] elements along seq_dim of each batch entry b",
)
.operands(&[
    one("input").types(REVERSE_SEQUENCE_T),
    one("seq_lengths").types(I32_I64),
])
.results(&[one("output").types(REVERSE_SEQUENCE_T)])
.attrs(&[
    attr("seq_dim", AttrKind::I64),
    attr("batch_dim", AttrKind::I64),
])
.tflite(112, "REVERSE_SEQUENCE")
.version(tfl_versions::always_1)
.kernels(Kernels::INT16);

const FLOAT_X: &[SlotDef] = &[one("x").types(F32)];
const FLOAT_Y: &[SlotDef] = &[one("y").types(F32)];

/// A float-only element-wise function `(x) -> y`.
const fn float_unary(
    name: &'static str,
    summary: &'static str,
    code: i32,
    tfl_name: &'static str,
) -> OpDef {
    unary(name, summary, code, tfl_name)
        .operands(FLOAT_X)
        .results(FLOAT_Y)
        .traits(PURE.with(SAME_SHAPE).with(SAME_ELEM))
        .version(tfl_versions::always_1)
}

pub static FLOOR: OpDef = float_unary("tfl.floor", "Element-wise floor", 8, "FLOOR");
pub static CEIL: OpDef = float_unary("tfl.ceil", "Element-wise ceiling", 104, "CEIL");
pub static ROUND: OpDef = float_unary(
    "tfl.round",
    "Element-wise rounding, halves to even",
    116,
    "ROUND",
);
pub static SIN: OpDef = float_unary("tfl.sin", "Element-wise sine", 66, "SIN");
pub static COS: OpDef = float_unary("tfl.cos", "Element-wise cosine", 108, "COS");

const SIGN_T: TypeSet = of(&[F32, F64, I32]);
pub static SIGN: OpDef = op("tfl.sign", "Element-wise sign: -1, 0 or 1")
    .operands(&[one("x").types(SIGN_T)])
    .results(&[one("output").types(SIGN_T)])
    .traits(PURE.with(SAME_SHAPE).with(SAME_ELEM))
    .tflite(158, "SIGN")
    .version(tfl_versions::sign);

const FLOOR_DIV_T: TypeSet = of(&[F32, I8, I16, I32]);
pub static FLOOR_DIV: OpDef = plain_binary(
    "tfl.floor_div",
    "Element-wise division rounded towards negative infinity",
    90,
    "FLOOR_DIV",
)
.operands(&[one("lhs").types(FLOOR_DIV_T), one("rhs").types(FLOOR_DIV_T)])
.results(&[one("output").types(FLOOR_DIV_T)])
.traits(PURE.with(BCAST).with(SAME_ELEM))
.version(tfl_versions::floor_div);

const FLOOR_MOD_T: TypeSet = of(&[I8, I16, I32, I64, F32]);
pub static FLOOR_MOD: OpDef = plain_binary(
    "tfl.floor_mod",
    "Element-wise remainder with the divisor's sign",
    95,
    "FLOOR_MOD",
)
.operands(&[one("lhs").types(FLOOR_MOD_T), one("rhs").types(FLOOR_MOD_T)])
.results(&[one("output").types(FLOOR_MOD_T)])
.traits(PURE.with(BCAST).with(SAME_ELEM))
.version(tfl_versions::floor_mod);

pub static ATAN2: OpDef = op("tfl.atan2", "Element-wise arc tangent of y / x")
    .operands(&[one("y").types(F32.or(F64)), one("x").types(F32.or(F64))])
    .results(&[one("output").types(F32.or(F64))])
    .traits(PURE.with(SAME_SHAPE).with(SAME_ELEM))
    .tflite(156, "ATAN2")
    .version(tfl_versions::always_1);

const LIKE_T: TypeSet = of(&[F32, I32, I64]);
pub static ZEROS_LIKE: OpDef = op("tfl.zeros_like", "Zeros of the operand's shape and type")
    .operands(&[one("input").types(LIKE_T)])
    .results(&[one("output").types(LIKE_T)])
    .traits(PURE.with(SAME_SHAPE).with(SAME_ELEM))
    .tflite(93, "ZEROS_LIKE")
    .version(tfl_versions::always_1);

const SELECT_T: TypeSet = of(&[F32, I1, I8, I16, I32, I64, QI8, QUI8, QI16, OTHER]);
/// Without broadcasting: the condition has the operands' shape, or is a vector picking rows.
pub static SELECT: OpDef = op(
    "tfl.select",
    "Picks x where the condition holds, y elsewhere",
)
.operands(&[
    one("condition").types(I1),
    one("x").types(SELECT_T),
    one("y").types(SELECT_T),
])
.results(&[one("output").types(SELECT_T)])
.quant(SAME)
.tflite(64, "SELECT")
.version(tfl_versions::select)
.kernels(Kernels::INT8_INT16);

const BATCH_SPACE_T: TypeSet = of(&[F32, F16, I8, I32, I64, UI8, QI8, QUI8, QI16]);
pub static SPACE_TO_BATCH_ND: OpDef = op(
    "tfl.space_to_batch_nd",
    "Pads spatial dimensions and moves blocks of them into the batch",
)
.operands(&[
    one("input").types(BATCH_SPACE_T),
    one("block_shape").types(I32),
    one("paddings").types(I32),
])
.results(&[one("output").types(BATCH_SPACE_T)])
.quant(SAME)
.tflite(38, "SPACE_TO_BATCH_ND")
.version(tfl_versions::batch_space_nd)
.kernels(Kernels::INT8_INT16);
pub static BATCH_TO_SPACE_ND: OpDef = op(
    "tfl.batch_to_space_nd",
    "Moves batch blocks back into spatial dimensions and crops them",
)
.operands(&[
    one("input").types(BATCH_SPACE_T),
    one("block_shape").types(I32),
    one("indices").types(I32),
])
.results(&[one("output").types(BATCH_SPACE_T)])
.quant(SAME)
.tflite(37, "BATCH_TO_SPACE_ND")
.version(tfl_versions::batch_space_nd)
.kernels(Kernels::INT8_INT16);

const FILL_T: TypeSet = of(&[F32, F16, I32, I64, I1, QI8, QI16, OTHER]);
pub static FILL: OpDef = op(
    "tfl.fill",
    "A tensor of a given shape filled with one value",
)
.operands(&[one("dims").types(I32_I64), one("input").types(FILL_T)])
.results(&[one("result").types(FILL_T)])
.quant(SAME)
.tflite(94, "FILL")
.version(tfl_versions::fill)
.kernels(Kernels::INT8_INT16);

const RANGE_T: TypeSet = of(&[I32, F32, I64]);
pub static RANGE: OpDef = op("tfl.range", "start, start + delta, ... up to limit")
    .operands(&[
        one("start").types(RANGE_T),
        one("limit").types(RANGE_T),
        one("delta").types(RANGE_T),
    ])
    .results(&[one("result").types(RANGE_T)])
    .tflite(96, "RANGE")
    .version(tfl_versions::range);

pub static ADD_N: OpDef = op("tfl.add_n", "Element-wise sum of tensors of one shape")
    .operands(&[variadic("inputs").types(F32.or(I32))])
    .results(&[one("sum").types(F32.or(I32))])
    .traits(PURE.with(Traits::COMMUTATIVE))
    .tflite(106, "ADD_N")
    .version(tfl_versions::always_1);

const ONE_HOT_T: TypeSet = of(&[F32, I32, I64, I1, I8, UI8]);
pub static ONE_HOT: OpDef = op(
    "tfl.one_hot",
    "on_value where the index equals the position along a new axis, off_value elsewhere",
)
.operands(&[
    one("indices").types(I32_I64),
    one("depth").types(I32),
    one("on_value").types(ONE_HOT_T),
    one("off_value").types(ONE_HOT_T),
])
.results(&[one("output").types(ONE_HOT_T)])
.attrs(&[attr("axis", AttrKind::I32)])
.tflite(85, "ONE_HOT")
.version(tfl_versions::always_1);

pub static LOCAL_RESPONSE_NORMALIZATION: OpDef = op(
    "tfl.local_response_normalization",
    "x / (bias + alpha * sum of squares over a window of the last axis)^beta",
)
.operands(&[one("input").types(F32)])
.results(&[one("output").types(F32)])
.attrs(&[
    attr("radius", AttrKind::I32),
    attr("bias", AttrKind::F32),
    attr("alpha", AttrKind::F32),
    attr("beta", AttrKind::F32),
])
.traits(PURE.with(SAME_SHAPE))
.tflite(13, "LOCAL_RESPONSE_NORMALIZATION")
.version(tfl_versions::always_1);

pub static REDUCE_ANY: OpDef = reduction(
    "tfl.reduce_any",
    "Logical or over the given axes",
    91,
    "REDUCE_ANY",
)
.operands(&[one("input").types(I1), one("reduction_indices").types(I32)])
.results(BOOL_RESULT)
.version(tfl_versions::always_1);

pub static REDUCE_ALL: OpDef = reduction(
    "tfl.reduce_all",
    "Logical and over the given axes",
    140,
    "REDUCE_ALL",
)
.operands(&[one("input").types(I1), one("reduction_indices").types(I32)])
.results(BOOL_RESULT)
.version(tfl_versions::always_1);

/// The values keep the input's scale: LiteRT selects int8 and int16 quantized values (measured).
const TOPK_T: TypeSet = of(&[F32, I8, I16, I32, I64, UI8, QI8, QUI8, QI16]);
pub static TOPK_V2: OpDef = op(
    "tfl.topk_v2",
    "The k largest values along the last axis, and their indices",
)
.operands(&[one("input").types(TOPK_T), one("k").types(I32.or(I16))])
.results(&[
    one("values").types(TOPK_T),
    one("indices").types(I32.or(I16)),
])
.quant(SAME)
.tflite(48, "TOPK_V2")
.version(tfl_versions::topk_v2)
.kernels(Kernels::INT8_INT16);

/// Operand, update and result share one scale: LiteRT copies int8 and int16 values (measured).
const DYNAMIC_UPDATE_SLICE_T: TypeSet = of(&[F32, F16, I1, I8, I16, I32, I64, UI8, QI8, QI16]);
pub static DYNAMIC_UPDATE_SLICE: OpDef = op(
    "tfl.dynamic_update_slice",
    "Writes update into operand at start_indices (clamped so the update fits)",
)
.operands(&[
    one("operand").types(DYNAMIC_UPDATE_SLICE_T),
    one("update").types(DYNAMIC_UPDATE_SLICE_T),
    one("start_indices").types(I32_I64),
])
.results(&[one("output").types(DYNAMIC_UPDATE_SLICE_T)])
.quant(SAME)
.tflite(151, "DYNAMIC_UPDATE_SLICE")
.version(tfl_versions::always_1)
.kernels(Kernels::INT8_INT16);

pub static BROADCAST_ARGS: OpDef = op("tfl.broadcast_args", "The shape two shapes broadcast to")
    .operands(&[one("s0").types(I32_I64), one("s1").types(I32_I64)])
    .results(&[one("r0").types(I32_I64)])
    .tflite(145, "BROADCAST_ARGS")
    .version(tfl_versions::always_1);

/// The operands of non-max suppression: V4 takes the first five, V5 all six.
const NMS_OPERANDS: [SlotDef; 6] = [
    one("boxes").types(F32),
    one("scores").types(F32),
    one("max_output_size").types(I32),
    one("iou_threshold").types(F32),
    one("score_threshold").types(F32),
    one("soft_nms_sigma").types(F32),
];

/// Boxes are `[y1, x1, y2, x2]` corners. LiteRT's kernels are float only; the selected
/// indices are padded with zeros to `max_output_size` and `valid_outputs` counts the real ones.
pub static NON_MAX_SUPPRESSION_V4: OpDef = op(
    "tfl.non_max_suppression_v4",
    "Greedy non-max suppression: the indices of the highest-scoring boxes that overlap less",
)
.operands(NMS_OPERANDS.split_at(5).0)
.results(&[
    one("selected_indices").types(I32),
    one("valid_outputs").types(I32),
])
.tflite(120, "NON_MAX_SUPPRESSION_V4")
.version(tfl_versions::always_1);

/// As [`NON_MAX_SUPPRESSION_V4`], with Soft-NMS (`soft_nms_sigma` > 0 decays the scores of
/// overlapping boxes instead of dropping them) and the selected boxes' scores.
pub static NON_MAX_SUPPRESSION_V5: OpDef = op(
    "tfl.non_max_suppression_v5",
    "Non-max suppression with Soft-NMS: selected indices, their scores and how many",
)
.operands(&NMS_OPERANDS)
.results(&[
    one("selected_indices").types(I32),
    one("selected_scores").types(F32),
    one("valid_outputs").types(I32),
])
.tflite(121, "NON_MAX_SUPPRESSION_V5")
.version(tfl_versions::always_1);

pub static WHERE: OpDef = op(
    "tfl.where",
    "The coordinates of the true (non-zero) elements, one row each",
)
.operands(&[one("condition").types(of(&[I1, F32, I32, I64, I8, UI8]))])
.results(&[one("index").types(I64)])
.tflite(109, "WHERE")
.version(tfl_versions::where_);
