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
//!   parameters (layer norms decomposed by TensorFlow hold one NEG each).
//!
//! With `int16=true` (16x8 mode) a per-channel prelu always takes the second form,
//! `x + (1 - a) * relu(depthwise_1x1(x, -1))`: its slope is an int16 mul operand (steps of
//! max|1 - a| / 32767) rather than an int8 depthwise weight (steps of |a - 1| / 127), which in
//! 16-bit arithmetic is the larger error (iris_landmark: 41.2 dB folded, see the commit).
//!
//! Which forms XNNPACK takes is measured (`rewrite_*` cases of [`super::target::XNNPACK`]).
//! `target=reference` rewrites nothing; `target=xnnpack` only the rewrites into one op
//! (leaky_relu, mean), since XNNPACK runs a float prelu or hard_swish between a dequantize and
//! a quantize as fast as the int8 chains (see [`Target::chain_rewrites`]); `target=strict` all. Only float32 ops are rewritten; the last op of a
//! rewrite keeps the original location (the tensor's name), the others are named after it.

use tqopt_ir::dialect::{tfl, tfl_builders};
use tqopt_ir::{
    Attribute, DenseElements, ElementType, Location, Module, OpId, OpSpec, TensorType, Type,
    ValueId,
};

use super::target::{prelu_slope, Target, TARGETS};
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
    summary: "Rewrite float ops XNNPACK or LiteRT's int8 kernels handle badly (prelu, hard_swish, global average pool, neg) into ops they take",
    description: "prelu with one slope becomes leaky_relu; per-channel prelu becomes a 1x1 \
        depthwise convolution with a fused RELU plus an add; hard_swish becomes add(RELU6), mul, \
        mul; a global VALID average_pool_2d becomes mean; neg becomes mul by -1 (LiteRT's int8 \
        NEG is right only at zero point 0). Exact in real arithmetic. Run before \
        calibration. target=xnnpack does only the one-op rewrites (leaky_relu, mean), \
        target=strict all of them, target=reference none.",
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
fn f32_shape(m: &Module, v: ValueId) -> Option<Vec<i64>> {
    let t = m.value_type(v).as_tensor()?;
    (t.elem == ElementType::F32 && t.has_static_shape()).then(|| t.shape.to_vec())
}

/// A name derived from the op's location, for the ops a rewrite adds.
fn derived_loc(m: &Module, op: OpId, suffix: &str) -> Location {
    match m.op(op).loc.first_name() {
        Some(n) => Location::name(&format!("{n}/{suffix}")),
        None => Location::Unknown,
    }
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

/// Inserts `spec` before `anchor`; its first result.
fn insert(m: &mut Module, anchor: OpId, spec: OpSpec) -> Option<ValueId> {
    let op = m.create_op(spec);
    m.insert_before(anchor, op).ok()?;
    Some(m.results(op)[0])
}

/// Replaces `op`'s only result by `with` and erases `op`.
fn replace(m: &mut Module, op: OpId, with: ValueId) -> bool {
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
    let (Some(x), Some(out)) = (m.operand(op, 0), m.result(op, 0)) else {
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
    let per_channel = shape.len() == 4
        && slope_shape.last() == Some(&channels)
        && slope_shape[..slope_shape.len() - 1].iter().all(|&d| d == 1)
        && slope.len() as i64 == channels;
    if !per_channel || !chains {
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

fn rewrite_neg(m: &mut Module, op: OpId) -> bool {
    let (Some(x), Some(out)) = (m.operand(op, 0), m.result(op, 0)) else {
        return false;
    };
    if !is_f32(m, x) || !is_f32(m, out) {
        return false;
    }
    let ty = m.value_type(out).clone();
    let loc = m.op(op).loc.clone();
    let Some(minus_one) = constant(m, op, &[], &[-1.0], derived_loc(m, op, "neg_minus_one")) else {
        return false;
    };
    let mul = binary(&tfl::MUL, x, minus_one, ty, "NONE", loc);
    insert(m, op, mul).is_some_and(|v| replace(m, op, v))
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
    let axes_ty = TensorType::new(&[2], ElementType::I32);
    let Some(axes) = DenseElements::from_i32(axes_ty.clone(), &[1, 2]) else {
        return false;
    };
    let axes_loc = derived_loc(m, op, "mean_axes");
    let c = m.create_op(tfl_builders::pseudo_const(axes).loc(axes_loc));
    if m.insert_before(op, c).is_err() {
        return false;
    }
    let axes = m.results(c)[0];
    let mean = OpSpec::of(&tfl::MEAN)
        .operands(&[x, axes])
        .property("keep_dims", Attribute::Bool(true))
        .results([ty])
        .loc(loc);
    insert(m, op, mean).is_some_and(|v| replace(m, op, v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tqopt_interp::{Interpreter, Tensor};

    fn parse(text: &str) -> Module {
        tqopt_textual_ir::parse_str("test.mlir", text).expect("parses")
    }

    fn rewrite(text: &str) -> (Module, Module, String) {
        rewrite_with(text, false)
    }

    fn rewrite_with(text: &str, int16: bool) -> (Module, Module, String) {
        let before = parse(text);
        let mut after = parse(text);
        let mut cx = PassContext::new();
        RewriteForTarget {
            target: Target::Strict,
            int16,
        }
        .run(&mut after, &mut cx)
        .expect("runs");
        let printed = tqopt_textual_ir::print_module(&after, &Default::default());
        (before, after, printed)
    }

    /// Runs both modules on the same input; the largest absolute difference of the outputs.
    fn max_diff(before: &Module, after: &Module, shape: &[usize]) -> f32 {
        let n: usize = shape.iter().product();
        let x: Vec<f32> = (0..n)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let input = Tensor::from_f32(shape, x).unwrap();
        let a = Interpreter::new(before, "main")
            .unwrap()
            .run(std::slice::from_ref(&input))
            .unwrap();
        let b = Interpreter::new(after, "main")
            .unwrap()
            .run(&[input])
            .unwrap();
        assert_eq!(a[0].shape(), b[0].shape());
        let (a, b) = (a[0].to_f32_vec(), b[0].to_f32_vec());
        a.iter()
            .zip(&b)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f32::max)
    }

    const PRELU_CHANNEL: &str = r#"
func.func @main(%x: tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[[0.25, -0.5, 1.0, 0.0]]]> : tensor<1x1x4xf32>}> : () -> tensor<1x1x4xf32>
  %0 = "tfl.prelu"(%x, %a) : (tensor<1x3x3x4xf32>, tensor<1x1x4xf32>) -> tensor<1x3x3x4xf32> loc("p")
  return %0 : tensor<1x3x3x4xf32>
}
"#;

    #[test]
    fn per_channel_prelu_becomes_depthwise_relu_plus_add_and_computes_the_same() {
        let (before, after, out) = rewrite(PRELU_CHANNEL);
        assert!(!out.contains("tfl.prelu"), "{out}");
        assert!(out.contains("tfl.depthwise_conv_2d"), "{out}");
        assert!(
            out.contains(r#"fused_activation_function = "RELU""#),
            "{out}"
        );
        assert!(out.contains(r#"loc("p")"#), "{out}");
        let d = max_diff(&before, &after, &[1, 3, 3, 4]);
        assert!(d <= 1e-6, "max difference {d}");
    }

    #[test]
    fn int16_per_channel_prelu_carries_its_slope_in_a_mul_and_computes_the_same() {
        // Every slope <= 1, which int8 folds into the depthwise weights: int16 does not.
        let (before, after, out) = rewrite_with(PRELU_CHANNEL, true);
        assert!(!out.contains("tfl.prelu"), "{out}");
        assert!(out.contains("tfl.mul"), "{out}");
        assert!(out.contains("prelu_scale"), "{out}");
        let d = max_diff(&before, &after, &[1, 3, 3, 4]);
        assert!(d <= 1e-6, "max difference {d}");
        let (_, _, int8) = rewrite_with(PRELU_CHANNEL, false);
        assert!(!int8.contains("tfl.mul"), "{int8}");
    }

    #[test]
    fn scalar_prelu_becomes_leaky_relu() {
        let text = PRELU_CHANNEL.replace("[[[0.25, -0.5, 1.0, 0.0]]]", "[[[0.2, 0.2, 0.2, 0.2]]]");
        let (before, after, out) = rewrite(&text);
        assert!(out.contains("tfl.leaky_relu"), "{out}");
        assert!(out.contains("alpha = 2.000000e-01"), "{out}");
        assert_eq!(max_diff(&before, &after, &[1, 3, 3, 4]), 0.0);
    }

    #[test]
    fn prelu_with_a_slope_above_one_scales_relu_of_minus_x_and_computes_the_same() {
        let text =
            PRELU_CHANNEL.replace("[[[0.25, -0.5, 1.0, 0.0]]]", "[[[0.25, 1.5, 1.0, -0.3]]]");
        let (before, after, out) = rewrite(&text);
        assert!(!out.contains("tfl.prelu"), "{out}");
        assert!(out.contains("tfl.mul"), "{out}");
        let d = max_diff(&before, &after, &[1, 3, 3, 4]);
        assert!(d <= 1e-6, "max difference {d}");
    }

    #[test]
    fn prelu_whose_slope_varies_in_space_is_left_alone() {
        let text = r#"
func.func @main(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %a = "tfl.pseudo_const"() <{value = dense<[[[0.1, 0.2], [0.3, 0.4]]]> : tensor<1x2x2xf32>}> : () -> tensor<1x2x2xf32>
  %0 = "tfl.prelu"(%x, %a) : (tensor<1x1x2x2xf32>, tensor<1x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}
"#;
        let (_, _, out) = rewrite(text);
        assert!(out.contains("tfl.prelu"), "{out}");
    }

    #[test]
    fn hard_swish_becomes_add_relu6_mul_mul_and_computes_the_same() {
        let (before, after, out) = rewrite(
            r#"
func.func @main(%x: tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32> {
  %0 = "tfl.hard_swish"(%x) : (tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32> loc("h")
  return %0 : tensor<1x3x3x4xf32>
}
"#,
        );
        assert!(!out.contains("tfl.hard_swish"), "{out}");
        assert!(
            out.contains(r#"fused_activation_function = "RELU6""#),
            "{out}"
        );
        let d = max_diff(&before, &after, &[1, 3, 3, 4]);
        assert!(d <= 1e-5, "max difference {d}");
    }

    #[test]
    fn neg_becomes_mul_by_minus_one_and_computes_the_same() {
        let (before, after, text) = rewrite(
            r#"
func.func @main(%arg0: tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32> {
  %0 = "tfl.neg"(%arg0) : (tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32> loc("n")
  return %0 : tensor<1x4x4x3xf32>
}"#,
        );
        assert!(
            !text.contains("tfl.neg") && text.contains("tfl.mul"),
            "{text}"
        );
        assert_eq!(max_diff(&before, &after, &[1, 4, 4, 3]), 0.0);
    }

    #[test]
    fn global_average_pool_becomes_mean() {
        let (before, after, out) = rewrite(
            r#"
func.func @main(%x: tensor<1x3x3x4xf32>) -> tensor<1x1x1x4xf32> {
  %0 = "tfl.average_pool_2d"(%x) <{filter_height = 3 : i32, filter_width = 3 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 3 : i32, stride_w = 3 : i32}> : (tensor<1x3x3x4xf32>) -> tensor<1x1x1x4xf32> loc("gap")
  return %0 : tensor<1x1x1x4xf32>
}
"#,
        );
        assert!(out.contains("tfl.mean"), "{out}");
        let d = max_diff(&before, &after, &[1, 3, 3, 4]);
        assert!(d <= 1e-6, "max difference {d}");
    }

    #[test]
    fn xnnpack_rewrites_into_one_op_only() {
        let mut m = parse(PRELU_CHANNEL);
        let mut cx = PassContext::new();
        let changed = RewriteForTarget {
            target: Target::Xnnpack,
            int16: false,
        }
        .run(&mut m, &mut cx)
        .unwrap();
        assert_eq!(changed, Changed::No);
        let scalar =
            PRELU_CHANNEL.replace("[[[0.25, -0.5, 1.0, 0.0]]]", "[[[0.2, 0.2, 0.2, 0.2]]]");
        let mut m = parse(&scalar);
        let changed = RewriteForTarget {
            target: Target::Xnnpack,
            int16: false,
        }
        .run(&mut m, &mut cx)
        .unwrap();
        assert_eq!(changed, Changed::Yes);
    }

    #[test]
    fn reference_rewrites_nothing() {
        let mut m = parse(PRELU_CHANNEL);
        let mut cx = PassContext::new();
        let changed = RewriteForTarget {
            target: Target::Reference,
            int16: false,
        }
        .run(&mut m, &mut cx)
        .unwrap();
        assert_eq!(changed, Changed::No);
    }
}
