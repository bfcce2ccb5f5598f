//! The producer → consumer pairs whose channels can be rescaled exactly, and the rewrite that
//! rescales them.
//!
//! A pair is a conv_2d, depthwise_conv_2d or fully_connected (the producer, fused activation
//! NONE or RELU) whose float result reaches one conv_2d, depthwise_conv_2d or fully_connected
//! (the consumer, as its `input`) through at most a chain of relu, prelu and leaky_relu ops,
//! each value used once, none of these ops marked for int16 activations. Every op on the way is positively homogeneous per channel, so
//! dividing the producer's output channel `c` (its weights and bias) by `s_c > 0` divides
//! channel `c` of every tensor on the way by `s_c`, and multiplying the consumer's weights that
//! read channel `c` by `s_c` gives back its exact result. Both ops' weights must be constants
//! (float32, or float16 behind a dequantize); the rewrite gives each op new float32 constants,
//! so weights another op shares are never changed under it.
//!
//! The tensors on the way keep their names with `/equalized` appended (a fused location whose
//! other names are the old ones): they no longer hold the float model's values, so
//! `tqopt eval --per-layer` must not compare them with the float tensors of the same name.

use tqopt_ir::dialect::tfl::operands::Weighted;
use tqopt_ir::dialect::{named_operand, tfl, tfl_builders, OpDef};
use tqopt_ir::{DenseElements, ElementType, Location, Module, OpId, TensorType, ValueId};

use super::scales::ConsumerWeights;
use crate::folds::{const_f32_values, float16_dequantize_values};
use crate::quant::mixed_precision::is_int16;

/// Ops whose output channels (and input channels) can be rescaled through their weights.
const WEIGHTED: &[&OpDef] = &[
    &tfl::CONV_2D,
    &tfl::DEPTHWISE_CONV_2D,
    &tfl::FULLY_CONNECTED,
];
/// Single-input ops that commute with a positive per-channel scale.
const HOMOGENEOUS: &[&OpDef] = &[&tfl::RELU, &tfl::PRELU, &tfl::LEAKY_RELU];
/// Fused activations that commute with a positive scale.
const HOMOGENEOUS_FUSED: &[&str] = &["NONE", "RELU"];

/// One pair: the producer, the values between it and the consumer (the producer's result
/// first), and the consumer.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub producer: OpId,
    pub between: Vec<ValueId>,
    pub consumer: OpId,
    pub channels: usize,
}

/// Every pair of `m`, in the module's order.
pub fn find(m: &Module) -> Vec<Pair> {
    m.walk_nested(m.op)
        .filter_map(|op| pair_from(m, op))
        .collect()
}

fn is_any(m: &Module, op: OpId, defs: &[&OpDef]) -> bool {
    defs.iter().any(|d| m.op(op).is(d))
}

fn only_user(m: &Module, v: ValueId) -> Option<(OpId, u32)> {
    match m.uses(v) {
        [only] => Some((only.op, only.index)),
        _ => None,
    }
}

fn float_shape(m: &Module, v: ValueId) -> Option<&TensorType> {
    let t = m.value_type(v).as_tensor()?;
    (t.elem == ElementType::F32).then_some(t)
}

fn pair_from(m: &Module, producer: OpId) -> Option<Pair> {
    if !is_any(m, producer, WEIGHTED) || m.results(producer).len() != 1 {
        return None;
    }
    let fused = m.op(producer).attr("fused_activation_function")?.as_str()?;
    if !HOMOGENEOUS_FUSED.contains(&fused) {
        return None;
    }
    let out = m.result(producer, 0)?;
    let channels = *float_shape(m, out)?.shape.last()?;
    if channels <= 0 {
        return None;
    }
    let channels = channels as usize;
    producer_layout(m, producer, channels)?;
    let mut between = vec![out];
    let mut v = out;
    loop {
        let (user, index) = only_user(m, v)?;
        if is_any(m, user, HOMOGENEOUS) {
            // The data operand: `x` of relu, `input` of prelu and leaky_relu.
            let data = named_operand(m, user, "input").or_else(|| named_operand(m, user, "x"));
            if data != Some(v) || m.results(user).len() != 1 {
                return None;
            }
            if m.op(user).is(&tfl::PRELU) && !alpha_is_constant(m, user) {
                return None;
            }
            v = m.result(user, 0)?;
            float_shape(m, v)?;
            between.push(v);
            continue;
        }
        if !is_any(m, user, WEIGHTED) || Weighted::of(m, user)?.input != v || index != 0 {
            return None;
        }
        consumer_layout(m, user, channels)?;
        // An int16 op (quantize-int8{int16=}) reads or writes the tensor with 65536 levels:
        // there the weights are the error, and rescaling would only make them coarser.
        let ops = between
            .iter()
            .filter_map(|&v| m.defining_op(v))
            .chain([user]);
        if ops.into_iter().any(|op| is_int16(m, op)) {
            return None;
        }
        return Some(Pair {
            producer,
            between,
            consumer: user,
            channels,
        });
    }
}

fn alpha_is_constant(m: &Module, prelu: OpId) -> bool {
    named_operand(m, prelu, "alpha")
        .and_then(|a| m.defining_op(a))
        .is_some_and(|d| {
            m.op(d).is(&tfl::PSEUDO_CONST)
                || (m.op(d).is(&tfl::DEQUANTIZE)
                    && m.operand(d, 0)
                        .and_then(|x| m.defining_op(x))
                        .is_some_and(|c| m.op(c).is(&tfl::PSEUDO_CONST)))
        })
}

/// A constant float operand's values and float32 type: a float32 `tfl.pseudo_const`, or a
/// float16 one behind a `tfl.dequantize`.
fn float_constant(m: &Module, v: ValueId) -> Option<(Vec<f32>, TensorType)> {
    let ty = float_shape(m, v)?.clone();
    let def = m.defining_op(v)?;
    let values = if m.op(def).is(&tfl::PSEUDO_CONST) {
        const_f32_values(m, def)?
    } else {
        float16_dequantize_values(m, def)?.to_f32_vec()
    };
    (values.len() as i64 == ty.shape.iter().product::<i64>()).then_some((values, ty))
}

/// How a filter's flat index maps to (output row, input channel).
#[derive(Copy, Clone, Debug)]
struct Layout {
    rows: usize,
    inputs: usize,
    /// Values per row: taps x inputs (OHWI, OI); for depthwise ([1, KH, KW, rows]) the taps.
    per_row: usize,
    depthwise_multiplier: Option<usize>,
}

impl Layout {
    fn of(m: &Module, op: OpId) -> Option<Layout> {
        let w = Weighted::of(m, op)?;
        let filter = float_shape(m, w.filter)?;
        let input = *float_shape(m, w.input)?.shape.last()?;
        let dims: Vec<usize> = filter
            .shape
            .iter()
            .map(|&d| usize::try_from(d).ok().filter(|&d| d > 0))
            .collect::<Option<_>>()?;
        let input = usize::try_from(input).ok().filter(|&d| d > 0)?;
        let data = m.op(op);
        if data.is(&tfl::DEPTHWISE_CONV_2D) {
            let &[1, kh, kw, out] = &dims[..] else {
                return None;
            };
            (out % input == 0).then_some(Layout {
                rows: out,
                inputs: input,
                per_row: kh * kw,
                depthwise_multiplier: Some(out / input),
            })
        } else {
            let (&rows, &inputs) = (dims.first()?, dims.last()?);
            let valid = match dims.len() {
                4 => data.is(&tfl::CONV_2D),
                2 => data.is(&tfl::FULLY_CONNECTED),
                _ => false,
            };
            (valid && inputs == input).then_some(Layout {
                rows,
                inputs,
                per_row: dims.iter().skip(1).product(),
                depthwise_multiplier: None,
            })
        }
    }

    /// (output row, input channel) of the filter's flat index `i`.
    fn at(&self, i: usize) -> (usize, usize) {
        match self.depthwise_multiplier {
            Some(mult) => {
                let row = i % self.rows;
                (row, row / mult)
            }
            None => (i / self.per_row, i % self.inputs),
        }
    }
}

fn producer_layout(m: &Module, op: OpId, channels: usize) -> Option<Layout> {
    let l = Layout::of(m, op)?;
    let w = Weighted::of(m, op)?;
    float_constant(m, w.filter)?;
    if let Some(b) = w.bias {
        let (values, _) = float_constant(m, b)?;
        if values.len() != channels {
            return None;
        }
    }
    (l.rows == channels).then_some(l)
}

fn consumer_layout(m: &Module, op: OpId, channels: usize) -> Option<Layout> {
    let l = Layout::of(m, op)?;
    float_constant(m, Weighted::of(m, op)?.filter)?;
    (l.inputs == channels).then_some(l)
}

/// The consumer's weights of `pair` as they read its channels.
pub fn consumer_weights(m: &Module, pair: &Pair) -> Option<ConsumerWeights> {
    let layout = consumer_layout(m, pair.consumer, pair.channels)?;
    let (w, _) = float_constant(m, Weighted::of(m, pair.consumer)?.filter)?;
    Some(ConsumerWeights::collect(
        layout.rows,
        w.iter().enumerate().map(|(i, &x)| {
            let (row, channel) = layout.at(i);
            (row, channel, x)
        }),
    ))
}

/// Divides channel `c` between the ops of `pair` by `s[c]`: the producer's weights and bias
/// of output channel `c` are divided by it, the consumer's weights reading channel `c`
/// multiplied. `None` (and `m` unchanged) when the pair no longer has that form.
pub fn rescale(m: &mut Module, pair: &Pair, s: &[f64]) -> Option<()> {
    let p = producer_layout(m, pair.producer, pair.channels)?;
    let c = consumer_layout(m, pair.consumer, pair.channels)?;
    if s.len() != pair.channels || s.iter().any(|&x| !(x.is_finite() && x > 0.0)) {
        return None;
    }
    let pw = Weighted::of(m, pair.producer)?;
    let cw = Weighted::of(m, pair.consumer)?;
    let (mut filter, filter_ty) = float_constant(m, pw.filter)?;
    for (i, w) in filter.iter_mut().enumerate() {
        *w = (*w as f64 / s[p.at(i).0]) as f32;
    }
    let bias = match pw.bias {
        Some(b) => {
            let (mut values, ty) = float_constant(m, b)?;
            for (v, &sc) in values.iter_mut().zip(s) {
                *v = (*v as f64 / sc) as f32;
            }
            Some((b, values, ty))
        }
        None => None,
    };
    let (mut weights, weights_ty) = float_constant(m, cw.filter)?;
    for (i, w) in weights.iter_mut().enumerate() {
        *w = (*w as f64 * s[c.at(i).1]) as f32;
    }
    // Every new constant is built before the module changes, so a failure leaves it as it was.
    let mut updates = vec![(
        pair.producer,
        pw.filter,
        DenseElements::from_f32(filter_ty, &filter)?,
    )];
    if let Some((b, values, ty)) = bias {
        updates.push((pair.producer, b, DenseElements::from_f32(ty, &values)?));
    }
    updates.push((
        pair.consumer,
        cw.filter,
        DenseElements::from_f32(weights_ty, &weights)?,
    ));
    for (op, old, dense) in updates {
        replace_constant(m, op, old, dense)?;
    }
    for &v in &pair.between {
        if let Some(def) = m.defining_op(v) {
            let old = m.op(def).loc.clone();
            m.op_mut(def).loc = equalized_location(old);
        }
    }
    Some(())
}

/// The location of a value whose channels were rescaled: `NAME/equalized`, then the old
/// location's names.
pub fn equalized_location(old: Location) -> Location {
    let name = format!("{}/{SUFFIX}", old.first_name().unwrap_or("tensor"));
    let mut locs = vec![Location::name(&name)];
    match old {
        Location::Unknown => {}
        Location::Fused {
            locs: inner,
            metadata: None,
        } => locs.extend(inner),
        other => locs.push(other),
    }
    Location::Fused {
        locs,
        metadata: None,
    }
}

/// What the name of a rescaled tensor ends with.
pub const SUFFIX: &str = "equalized";

/// Gives `op` a new constant `dense` in place of its operand `old`.
fn replace_constant(m: &mut Module, op: OpId, old: ValueId, dense: DenseElements) -> Option<()> {
    let index = m.operands(op).iter().position(|&v| v == old)?;
    let loc = m
        .defining_op(old)
        .map(|d| m.op(d).loc.clone())
        .unwrap_or_default();
    let c = m.create_op(tfl_builders::pseudo_const(dense));
    m.op_mut(c).loc = loc;
    m.insert_before(op, c).ok()?;
    let new = *m.results(c).first()?;
    m.set_operand(op, index, new);
    Some(())
}
