//! `rewrite-for-target{target=...}`: float ops that XNNPACK refuses in int8 become ops it
//! takes, before calibration, so that the int8 model stays inside the delegate.
//!
//! Each rewrite is exact in real arithmetic (float results differ by rounding only):
//! - `tfl.prelu` whose slope is one value `a` → `tfl.leaky_relu{alpha = a}`;
//! - `tfl.prelu` on NHWC input whose slope varies along channels only, every `a <= 1` →
//!   `x + relu(depthwise_1x1(x, -(1 - a)))` (a depthwise convolution with a fused RELU, then an
//!   add): for `x < 0` that is `x + (1 - a)(-x) = a x`, for `x >= 0` it is `x`;
//! - `tfl.hard_swish(x)` → `x * (relu6(x + 3) * 1/6)` (an add with a fused RELU6, two muls);
//!   the gate `relu6(x + 3) / 6` lies in `[0, 1]`, so int8 resolves it finely;
//! - `tfl.average_pool_2d` over the whole (static) spatial extent with VALID padding →
//!   `tfl.mean` over axes 1 and 2;
//! - `tfl.neg(x)` → `tfl.mul(x, -1)`: LiteRT's int8 NEG negates the stored integers, which is
//!   right only at zero point 0, so tqopt does not quantize NEG; the mul quantizes with any
//!   parameters (layer norms decomposed by TensorFlow hold one NEG each);
//! - `tfl.add_n(a, b, c, ...)` → `tfl.add(tfl.add(a, b), c) ...`, summed in the same order:
//!   LiteRT has no int8 or int16 ADD_N kernel (EfficientDet's weighted feature fusion sums with
//!   one), and XNNPACK takes ADD but not ADD_N;
//! - `tfl.square(x)` → `tfl.mul(x, x)`: LiteRT has no int8 or int16 SQUARE kernel, so a
//!   square (TensorFlow writes one for the variance of a group or instance norm) stayed float,
//!   and strict int8 refused the model; the mul has both;
//! - a `tfl.mean` or `tfl.sum` over more than 8192 trailing values → two reductions of at
//!   most 8192 ([`super::split_reduction`]): XNNPACK's AVX2 int8 sum wraps on longer runs
//!   (not in 16x8 mode, whose int16 reductions run LiteRT's builtin kernels);
//! - `tfl.pow(x, c)` with one exponent 2, 0.5 or -0.5 → `mul(x, x)`, `sqrt(x)`, `rsqrt(x)`:
//!   LiteRT has no integer POW (PyTorch's norms convert to `pow(sum(x²), 0.5)`);
//! - MediaPipe's custom `Convolution2DTransposeBias` → the builtin `tfl.transpose_conv` with
//!   its bias, which has int8 kernels and which XNNPACK takes (the custom op runs float,
//!   outside the delegate: selfie_segmentation's int8 model went from 0.86x to 0.76x float);
//! - on xnnpack, where a per-channel prelu stays float, a prelu over fewer than 128 channels
//!   runs on the same data reshaped into wider rows (`[n, h, w/k, k*c]`, slope repeated),
//!   bit for bit the same: XNNPACK's PRELU costs 0.67 ns per element at 8 channels and 0.12
//!   at 16 against 0.05 on rows of 128 (chains of 5 prelus, 1 thread); hand_recrop's int8
//!   model went from 1.02x to 0.61x float, face_landmark's from 0.83x to 0.77x.
//!
//! With `int16=true` (16x8 mode) a per-channel prelu always takes the second form,
//! `x + (1 - a) * relu(depthwise_1x1(x, -1))`: its slope is an int16 mul operand (steps of
//! max|1 - a| / 32767) rather than an int8 depthwise weight (steps of |a - 1| / 127), which in
//! 16-bit arithmetic is the larger error (iris_landmark: 41.2 dB folded, see the commit).
//!
//! Which forms XNNPACK takes is measured (`rewrite_*` cases of [`super::target::XNNPACK`]).
//! `target=reference` rewrites nothing; `target=xnnpack` only the rewrites into one op
//! (leaky_relu, mean, transpose_conv, the widened prelu, the split reduction), since XNNPACK runs a float prelu or hard_swish between a dequantize and
//! a quantize as fast as the int8 chains (see [`Target::chain_rewrites`]); `target=strict` all. Only float32 ops are rewritten; the last op of a
//! rewrite keeps the original location (the tensor's name), the others are named after it.

use tqopt_ir::dialect::{tfl, tfl_builders};
use tqopt_ir::{
    Attribute, DenseElements, ElementType, Location, Module, OpId, OpSpec, TensorType, Type,
    ValueId,
};

use tqopt_tflite::ops::custom::{TransposeConvBiasOptions, TRANSPOSE_CONV_BIAS};

use super::qdq::derived_loc;
use super::target::{prelu_slope, Target, TARGETS};
use crate::folds::const_f32_values;
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const REWRITTEN: Statistic = Statistic {
    name: "num-rewritten-for-target",
    description: "ops rewritten into ops the target takes in int8",
};

pub static OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        name: "target",
        kind: OptionKind::Enum(TARGETS),
        default: "xnnpack",
        help: "xnnpack: the rewrites into one op; strict: every rewrite; reference: none",
    },
    OptionInfo {
        name: "int16",
        kind: OptionKind::Bool,
        default: "false",
        help: "16x8 mode: a per-channel prelu's slope becomes an int16 mul operand, not an int8 weight",
    },
];

pub static INFO: PassInfo = PassInfo {
    argument: "rewrite-for-target",
    summary: "Rewrite float ops XNNPACK or LiteRT's int8 kernels handle badly (prelu, hard_swish, global average pool, neg, square, add_n, pow, long reductions, MediaPipe's transposed convolution) into ops they take",
    description: "prelu with one slope becomes leaky_relu; per-channel prelu becomes a 1x1 \
        depthwise convolution with a fused RELU plus an add; hard_swish becomes add(RELU6), mul, \
        mul; a global VALID average_pool_2d becomes mean; neg becomes mul by -1 (LiteRT's int8 \
        NEG is right only at zero point 0); square becomes mul of x by itself and add_n a chain \
        of adds (LiteRT has no integer SQUARE or ADD_N); pow by 2, 0.5 or -0.5 becomes mul, \
        sqrt or rsqrt (no integer POW); a mean or sum over more than 8192 \
        trailing values becomes two (XNNPACK's AVX2 int8 sum wraps past that; not with \
        int16=true); MediaPipe's custom Convolution2DTransposeBias \
        becomes transpose_conv. Exact in real arithmetic. Run before calibration. \
        target=xnnpack does only the one-op rewrites (leaky_relu, mean, transpose_conv, mul for neg and square, adds for add_n, pow by 2, 0.5 or -0.5) and the split reductions, and \
        runs a per-channel prelu of fewer than 128 channels on wider rows (reshapes around \
        it), target=strict all the rewrites, target=reference none.",
    options: OPTIONS,
    create,
    traits: PassTraits::NONE,
};

fn create(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(RewriteForTarget {
        target: Target::parse(options.choice("target")?)?,
        int16: options.bool("int16")?,
    }))
}

pub struct RewriteForTarget {
    pub target: Target,
    /// 16x8 mode: slopes as int16 mul operands (see the module doc).
    pub int16: bool,
}

impl Pass for RewriteForTarget {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        if !self.target.single_op_rewrites() {
            return Ok(Changed::No);
        }
        let chains = self.target.chain_rewrites();
        let ops: Vec<OpId> = m.walk_nested(m.op).collect();
        let mut count = 0;
        for op in ops {
            let done = {
                let d = m.op(op);
                if d.is(&tfl::PRELU) {
                    rewrite_prelu(m, op, chains, self.int16)
                } else if chains && d.is(&tfl::HARD_SWISH) {
                    rewrite_hard_swish(m, op)
                } else if d.is(&tfl::AVERAGE_POOL_2D) {
                    rewrite_global_average_pool(m, op)
                } else if d.is(&tfl::NEG) {
                    rewrite_neg(m, op)
                } else if d.is(&tfl::SQUARE) {
                    rewrite_square(m, op)
                } else if d.is(&tfl::ADD_N) {
                    rewrite_add_n(m, op)
                } else if d.is(&tfl::POW) {
                    rewrite_pow(m, op)
                } else if (d.is(&tfl::MEAN) || d.is(&tfl::SUM)) && !self.int16 {
                    super::split_reduction::rewrite_long_reduction(m, op)
                } else if d.is(&tfl::CUSTOM) {
                    rewrite_transpose_conv_bias(m, op)
                } else {
                    false
                }
            };
            count += u64::from(done);
        }
        cx.count(REWRITTEN, count);
        Ok(Changed::from(count > 0))
    }
}

fn is_f32(m: &Module, v: ValueId) -> bool {
    m.value_type(v).element_type() == Some(&ElementType::F32)
}

/// The static shape of a float32 value.
pub(super) fn f32_shape(m: &Module, v: ValueId) -> Option<Vec<i64>> {
    let t = m.value_type(v).as_tensor()?;
    (t.elem == ElementType::F32 && t.has_static_shape()).then(|| t.shape.to_vec())
}

/// A float32 constant inserted before `anchor`.
fn constant(
    m: &mut Module,
    anchor: OpId,
    shape: &[i64],
    values: &[f32],
    loc: Location,
) -> Option<ValueId> {
    let ty = TensorType::new(shape, ElementType::F32);
    let dense = DenseElements::from_f32(ty, values)?;
    let c = m.create_op(tfl_builders::pseudo_const(dense).loc(loc));
    m.insert_before(anchor, c).ok()?;
    Some(m.results(c)[0])
}

/// `dims` as int32 (a shape operand's element type), when every one fits.
pub(super) fn to_i32(dims: &[i64]) -> Option<Vec<i32>> {
    dims.iter().map(|&d| i32::try_from(d).ok()).collect()
}

/// A one-dimensional int32 constant (a shape or axes operand) inserted before `anchor`.
pub(super) fn i32_vector(
    m: &mut Module,
    anchor: OpId,
    values: &[i32],
    loc: Location,
) -> Option<ValueId> {
    let ty = TensorType::new(&[values.len() as i64], ElementType::I32);
    let dense = DenseElements::from_i32(ty, values)?;
    let c = m.create_op(tfl_builders::pseudo_const(dense).loc(loc));
    m.insert_before(anchor, c).ok()?;
    Some(m.results(c)[0])
}

/// Inserts `spec` before `anchor`; its first result.
pub(super) fn insert(m: &mut Module, anchor: OpId, spec: OpSpec) -> Option<ValueId> {
    let op = m.create_op(spec);
    m.insert_before(anchor, op).ok()?;
    Some(m.results(op)[0])
}

/// Replaces `op`'s only result by `with` and erases `op`.
pub(super) fn replace(m: &mut Module, op: OpId, with: ValueId) -> bool {
    let r = m.results(op)[0];
    m.replace_all_uses(r, with);
    m.erase_op(op).is_ok()
}

fn binary(
    def: &'static tqopt_ir::dialect::OpDef,
    a: ValueId,
    b: ValueId,
    ty: Type,
    act: &str,
    loc: Location,
) -> OpSpec {
    OpSpec::of(def)
        .operands(&[a, b])
        .property("fused_activation_function", Attribute::string(act))
        .results([ty])
        .loc(loc)
}

fn rewrite_prelu(m: &mut Module, op: OpId, chains: bool, int16: bool) -> bool {
    let input = tqopt_ir::dialect::named_operand(m, op, "input");
    let (Some(x), Some(out)) = (input, m.result(op, 0)) else {
        return false;
    };
    if !is_f32(m, x) || !is_f32(m, out) || m.value_type(x) != m.value_type(out) {
        return false;
    }
    let Some((slope, slope_shape)) = prelu_slope(m, op) else {
        return false;
    };
    if slope.is_empty() || slope.iter().any(|a| !a.is_finite()) {
        return false;
    }
    let ty = m.value_type(out).clone();
    let loc = m.op(op).loc.clone();
    if slope.iter().all(|&a| a == slope[0]) {
        let leaky = OpSpec::of(&tfl::LEAKY_RELU)
            .operands(&[x])
            .property("alpha", Attribute::f32(slope[0]))
            .results([ty])
            .loc(loc);
        return insert(m, op, leaky).is_some_and(|v| replace(m, op, v));
    }
    // Per channel: the input is NHWC with a static channel count, and the slope varies along
    // the last axis only (its other dimensions are 1).
    let Some(shape) = f32_shape(m, x) else {
        return false;
    };
    let channels = *shape.last().unwrap_or(&0);
    let per_channel = slope_shape.last() == Some(&channels)
        && slope_shape[..slope_shape.len() - 1].iter().all(|&d| d == 1)
        && slope.len() as i64 == channels;
    if !per_channel {
        return false;
    }
    if !chains {
        return !int16 && widen_prelu(m, op, x, &shape, &slope);
    }
    if shape.len() != 4 {
        return false;
    }
    let c = channels;
    // Every slope at most 1 (and int8): the depthwise weights -(1 - a) carry the slope.
    // Otherwise the depthwise computes relu(-x) and a per-channel mul scales it by 1 - a.
    let folded = !int16 && slope.iter().all(|&a| a <= 1.0);
    let weights: Vec<f32> = match folded {
        true => slope.iter().map(|&a| a - 1.0).collect(),
        false => vec![-1.0; c as usize],
    };
    let Some(w) = constant(
        m,
        op,
        &[1, 1, 1, c],
        &weights,
        derived_loc(m, op, "prelu_negative_weights"),
    ) else {
        return false;
    };
    let Some(b) = constant(
        m,
        op,
        &[c],
        &vec![0.0; c as usize],
        derived_loc(m, op, "prelu_negative_bias"),
    ) else {
        return false;
    };
    let dw = OpSpec::of(&tfl::DEPTHWISE_CONV_2D)
        .operands(&[x, w, b])
        .property("depth_multiplier", Attribute::i32(1))
        .property("dilation_h_factor", Attribute::i32(1))
        .property("dilation_w_factor", Attribute::i32(1))
        .property("fused_activation_function", Attribute::string("RELU"))
        .property("padding", Attribute::string("VALID"))
        .property("stride_h", Attribute::i32(1))
        .property("stride_w", Attribute::i32(1))
        .results([ty.clone()])
        .loc(derived_loc(m, op, "prelu_negative_part"));
    let Some(mut neg) = insert(m, op, dw) else {
        return false;
    };
    if !folded {
        let scale: Vec<f32> = slope.iter().map(|&a| 1.0 - a).collect();
        let Some(k) = constant(
            m,
            op,
            &[1, 1, 1, c],
            &scale,
            derived_loc(m, op, "prelu_scale"),
        ) else {
            return false;
        };
        let mul = binary(
            &tfl::MUL,
            neg,
            k,
            ty.clone(),
            "NONE",
            derived_loc(m, op, "prelu_scaled_negative_part"),
        );
        let Some(scaled) = insert(m, op, mul) else {
            return false;
        };
        neg = scaled;
    }
    let add = binary(&tfl::ADD, x, neg, ty, "NONE", loc);
    insert(m, op, add).is_some_and(|v| replace(m, op, v))
}

/// XNNPACK's float PRELU is fast only on wide rows: measured on chains of 5 prelus, 1 thread
/// (LiteRT 2.3.0, AMD EPYC), 0.67 ns per element at 8 channels, 0.12 at 16 and 0.07 at 32,
/// against 0.05 once the same data is seen as rows of 128 or more channels, reshapes included.
pub const WIDE_PRELU_CHANNELS: i64 = 128;

/// A per-channel prelu on `[.., w, c]` (rank 2 to 4) with `c` below [`WIDE_PRELU_CHANNELS`]
/// runs on the same data seen as `[.., w / k, k * c]`, its slope repeated `k` times: element
/// `(i, j)` of a wide row is channel `j mod c` of position `k i + j / c`, so the result is
/// the same, bit for bit. `k` is the smallest divisor of `w` that makes the row wide enough
/// (else `w`). The reshapes around it are views, which XNNPACK runs as copies of int8 data once
/// the neighbours are quantized; the prelu stays float (XNNPACK has no int8 PRELU).
fn widen_prelu(m: &mut Module, op: OpId, x: ValueId, shape: &[i64], slope: &[f32]) -> bool {
    let rank = shape.len();
    if !(2..=4).contains(&rank) || shape.iter().any(|&d| d < 1) {
        return false;
    }
    let (w, c) = (shape[rank - 2], shape[rank - 1]);
    if c >= WIDE_PRELU_CHANNELS || w <= 1 {
        return false;
    }
    let k = (2..=w)
        .find(|k| w % k == 0 && k * c >= WIDE_PRELU_CHANNELS)
        .unwrap_or(w);
    let mut wide = shape.to_vec();
    wide[rank - 2] = w / k;
    wide[rank - 1] = k * c;
    let (Some(wide32), Some(shape32)) = (to_i32(&wide), to_i32(shape)) else {
        return false;
    };
    let tiled: Vec<f32> = slope
        .iter()
        .copied()
        .cycle()
        .take((k * c) as usize)
        .collect();
    let wide_ty = Type::tensor(&wide, ElementType::F32);
    // Ones before the channels, one rank below the input, as a prelu's slope is shaped.
    let mut slope_shape = vec![1; rank - 2];
    slope_shape.push(k * c);
    let ty = m.value_type(x).clone();
    let loc = m.op(op).loc.clone();
    let (Some(to_wide), Some(back), Some(wide_slope)) = (
        i32_vector(m, op, &wide32, derived_loc(m, op, "prelu_wide_shape")),
        i32_vector(m, op, &shape32, derived_loc(m, op, "prelu_shape")),
        constant(
            m,
            op,
            &slope_shape,
            &tiled,
            derived_loc(m, op, "prelu_wide_slope"),
        ),
    ) else {
        return false;
    };
    let reshape = |input: ValueId, shape: ValueId, ty: Type, loc: Location| {
        OpSpec::of(&tfl::RESHAPE)
            .operands(&[input, shape])
            .results([ty])
            .loc(loc)
    };
    let Some(rows) = insert(
        m,
        op,
        reshape(
            x,
            to_wide,
            wide_ty.clone(),
            derived_loc(m, op, "prelu_wide_input"),
        ),
    ) else {
        return false;
    };
    let prelu = OpSpec::of(&tfl::PRELU)
        .operands(&[rows, wide_slope])
        .results([wide_ty])
        .loc(derived_loc(m, op, "prelu_wide"));
    let Some(wide_out) = insert(m, op, prelu) else {
        return false;
    };
    insert(m, op, reshape(wide_out, back, ty, loc)).is_some_and(|v| replace(m, op, v))
}

fn rewrite_hard_swish(m: &mut Module, op: OpId) -> bool {
    let (Some(x), Some(out)) = (m.operand(op, 0), m.result(op, 0)) else {
        return false;
    };
    if !is_f32(m, x) || !is_f32(m, out) {
        return false;
    }
    let ty = m.value_type(out).clone();
    let loc = m.op(op).loc.clone();
    let (Some(three), Some(sixth)) = (
        constant(m, op, &[], &[3.0], derived_loc(m, op, "hard_swish_three")),
        constant(
            m,
            op,
            &[],
            &[1.0 / 6.0],
            derived_loc(m, op, "hard_swish_sixth"),
        ),
    ) else {
        return false;
    };
    let shifted = binary(
        &tfl::ADD,
        x,
        three,
        ty.clone(),
        "RELU6",
        derived_loc(m, op, "hard_swish_relu6"),
    );
    let Some(shifted) = insert(m, op, shifted) else {
        return false;
    };
    let gate = binary(
        &tfl::MUL,
        shifted,
        sixth,
        ty.clone(),
        "NONE",
        derived_loc(m, op, "hard_swish_gate"),
    );
    let Some(gate) = insert(m, op, gate) else {
        return false;
    };
    let mul = binary(&tfl::MUL, x, gate, ty, "NONE", loc);
    insert(m, op, mul).is_some_and(|v| replace(m, op, v))
}

/// MediaPipe's custom `Convolution2DTransposeBias(x, w, b)` → the builtin
/// `tfl.transpose_conv(output_shape, w, x, b)` with the same padding and strides: both take
/// OHWI weights and remove `(in - 1) * stride + filter - out` rows and columns of padding,
/// half of it (rounded down) at the top and left, so the output shape (the custom op's
/// static result shape) decides the same padding. The builtin has int8 kernels and XNNPACK
/// takes it, where the custom op runs float outside the delegate.
fn rewrite_transpose_conv_bias(m: &mut Module, op: OpId) -> bool {
    let d = m.op(op);
    if d.attr("custom_code").and_then(Attribute::as_str) != Some(TRANSPOSE_CONV_BIAS) {
        return false;
    }
    let Some(Attribute::Opaque(bytes)) = d.attr("custom_option") else {
        return false;
    };
    let Some(Ok(options)) = bytes
        .const_bytes()
        .map(|b| TransposeConvBiasOptions::parse(&b))
    else {
        return false;
    };
    let (&[x, w, b], &[out]) = (m.operands(op), m.results(op)) else {
        return false;
    };
    let Some(shape) = f32_shape(m, out) else {
        return false;
    };
    let float_4d = |v: ValueId| f32_shape(m, v).is_some_and(|s| s.len() == 4);
    if shape.len() != 4 || !float_4d(x) || !float_4d(w) || !is_f32(m, b) {
        return false;
    }
    let Some(shape32) = to_i32(&shape) else {
        return false;
    };
    let ty = m.value_type(out).clone();
    let loc = m.op(op).loc.clone();
    let Some(output_shape) = i32_vector(m, op, &shape32, derived_loc(m, op, "output_shape")) else {
        return false;
    };
    let conv = OpSpec::of(&tfl::TRANSPOSE_CONV)
        .operands(&[output_shape, w, x, b])
        .property("padding", Attribute::string(options.padding))
        .property("stride_h", Attribute::i32(options.stride_h))
        .property("stride_w", Attribute::i32(options.stride_w))
        .property("fused_activation_function", Attribute::string("NONE"))
        .results([ty])
        .loc(loc);
    insert(m, op, conv).is_some_and(|v| replace(m, op, v))
}

/// A float unary op `op(x)` becomes `tfl.mul(x, rhs)`, `rhs` made by `make_rhs` from `x`.
fn rewrite_unary_as_mul(
    m: &mut Module,
    op: OpId,
    make_rhs: impl FnOnce(&mut Module, ValueId) -> Option<ValueId>,
) -> bool {
    let (Some(x), Some(out)) = (m.operand(op, 0), m.result(op, 0)) else {
        return false;
    };
    if !is_f32(m, x) || !is_f32(m, out) {
        return false;
    }
    let ty = m.value_type(out).clone();
    let loc = m.op(op).loc.clone();
    let Some(rhs) = make_rhs(m, x) else {
        return false;
    };
    let mul = binary(&tfl::MUL, x, rhs, ty, "NONE", loc);
    insert(m, op, mul).is_some_and(|v| replace(m, op, v))
}

fn rewrite_neg(m: &mut Module, op: OpId) -> bool {
    rewrite_unary_as_mul(m, op, |m, _| {
        let loc = derived_loc(m, op, "neg_minus_one");
        constant(m, op, &[], &[-1.0], loc)
    })
}

fn rewrite_square(m: &mut Module, op: OpId) -> bool {
    rewrite_unary_as_mul(m, op, |_, x| Some(x))
}

/// `tfl.pow(x, c)` with every exponent `c` equal to 2, 0.5 or -0.5, and a result shaped as
/// `x`: `mul(x, x)`, `sqrt(x)` or `rsqrt(x)`. LiteRT has no integer POW; PyTorch's
/// `torch.norm` and `F.normalize` convert to `pow(sum(x²), 0.5)`, which kept an embedding's
/// last step float and made strict int8 refuse the model.
fn rewrite_pow(m: &mut Module, op: OpId) -> bool {
    let (Some(x), Some(c), Some(out)) = (m.operand(op, 0), m.operand(op, 1), m.result(op, 0))
    else {
        return false;
    };
    if !is_f32(m, x) || m.value_type(x) != m.value_type(out) {
        return false;
    }
    let Some(exponents) = m.defining_op(c).and_then(|d| const_f32_values(m, d)) else {
        return false;
    };
    let Some(&e) = exponents.first() else {
        return false;
    };
    if exponents.iter().any(|&v| v != e) {
        return false;
    }
    let unary = |def: &'static tqopt_ir::dialect::OpDef, m: &mut Module| {
        let spec = OpSpec::of(def)
            .operands(&[x])
            .results([m.value_type(out).clone()])
            .loc(m.op(op).loc.clone());
        insert(m, op, spec).is_some_and(|v| replace(m, op, v))
    };
    match e {
        2.0 => rewrite_square(m, op),
        0.5 => unary(&tfl::SQRT, m),
        -0.5 => unary(&tfl::RSQRT, m),
        _ => false,
    }
}

fn rewrite_add_n(m: &mut Module, op: OpId) -> bool {
    let inputs = m.operands(op).to_vec();
    let Some(out) = m.result(op, 0) else {
        return false;
    };
    if inputs.len() < 2 || !is_f32(m, out) || !inputs.iter().all(|&v| is_f32(m, v)) {
        return false;
    }
    let ty = m.value_type(out).clone();
    let loc = m.op(op).loc.clone();
    let mut sum = inputs[0];
    for (k, &next) in inputs.iter().enumerate().skip(1) {
        let last = k + 1 == inputs.len();
        let at = match last {
            true => loc.clone(),
            false => derived_loc(m, op, &format!("add_n_partial_{k}")),
        };
        let add = binary(&tfl::ADD, sum, next, ty.clone(), "NONE", at);
        let Some(v) = insert(m, op, add) else {
            return false;
        };
        sum = v;
    }
    replace(m, op, sum)
}

fn rewrite_global_average_pool(m: &mut Module, op: OpId) -> bool {
    let (Some(x), Some(out)) = (m.operand(op, 0), m.result(op, 0)) else {
        return false;
    };
    let (Some(shape), true) = (f32_shape(m, x), is_f32(m, out)) else {
        return false;
    };
    let d = m.op(op);
    let int = |name: &str| d.attr(name).and_then(Attribute::as_int);
    let text = |name: &str| d.attr(name).and_then(Attribute::as_str).map(str::to_string);
    let global = shape.len() == 4
        && int("filter_height") == Some(shape[1])
        && int("filter_width") == Some(shape[2])
        && text("padding").as_deref() == Some("VALID")
        && text("fused_activation_function").as_deref() == Some("NONE");
    if !global {
        return false;
    }
    let ty = m.value_type(out).clone();
    let loc = m.op(op).loc.clone();
    let Some(axes) = i32_vector(m, op, &[1, 2], derived_loc(m, op, "mean_axes")) else {
        return false;
    };
    let mean = OpSpec::of(&tfl::MEAN)
        .operands(&[x, axes])
        .property("keep_dims", Attribute::Bool(true))
        .results([ty])
        .loc(loc);
    insert(m, op, mean).is_some_and(|v| replace(m, op, v))
}

#[cfg(test)]
#[path = "rewrite_for_target_tests.rs"]
mod tests;
