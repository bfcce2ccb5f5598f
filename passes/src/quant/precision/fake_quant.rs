//! A float model that computes what the quantized model computes, fast: the search scores
//! configurations with it.
//!
//! Starting from the fake-quant form (quantize/dequantize pairs, after `legalize-opset`),
//! every `dequantize(quantize(..(x)))` of an activation becomes float arithmetic with the
//! same parameters: `s * clamp(round(x / s), qmin - zp, qmax - zp)`, written with `tfl.mul`
//! and `tfl.add` against scalar constants ([`fake`]), which the interpreter runs with its
//! vectorized float kernels (many times faster than its integer emulation).
//! Quantized constants stay behind their pairs: the interpreter folds them once, at plan
//! time. An op kept float (`tqopt.keep_float`) reads its float constants directly, as
//! `fold-quant` makes it do.
//!
//! It agrees with the folded quantized model up to rounding ties (half to even here, half
//! away from zero in quantize) and float rounding of the scaled values; the search checks its
//! final choice on the folded model.

use tqopt_ir::dialect::{tfl, tfl_builders};
use tqopt_ir::{
    Attribute, DenseElements, ElementType, Module, OpId, OpSpec, TensorType, Type, ValueId,
};

use std::collections::HashSet;

use crate::quant::legalize_opset::{float_reason, FLOAT_FOR_SPEED, KEEP_FLOAT};
use crate::quant::qdq::{defined_by, params_of, quantize_chain, range_of, VOLATILE};
use crate::quant::spec::is_candidate;

fn is_constant(m: &Module, v: ValueId) -> bool {
    m.defining_op(v).is_some_and(|d| {
        m.op(d)
            .def()
            .is_some_and(|def| def.has_trait(tqopt_ir::dialect::Traits::CONSTANT_LIKE))
    })
}

fn scalar(m: &mut Module, before: OpId, value: f32) -> Option<ValueId> {
    let ty = TensorType::new(&[], ElementType::F32);
    let dense = DenseElements::from_f32(ty, &[value])?;
    let c = m.create_op(tfl_builders::pseudo_const(dense));
    m.insert_before(before, c).ok()?;
    Some(m.results(c)[0])
}

/// The unit attribute on every op [`fake`] makes (incremental scoring does not keep the values
/// inside a chain, see [`super::incremental`]).
pub const FAKE_STEP: &str = "tqopt.fake_quant_step";

fn op(
    m: &mut Module,
    before: OpId,
    def: &'static tqopt_ir::OpDef,
    operands: &[ValueId],
    ty: &Type,
    activation: &str,
) -> Option<ValueId> {
    let spec = OpSpec::of(def)
        .operands(operands)
        .results([ty.clone()])
        .property("fused_activation_function", Attribute::string(activation))
        .attribute(FAKE_STEP, Attribute::Unit);
    let o = m.create_op(spec);
    m.insert_before(before, o).ok()?;
    Some(m.results(o)[0])
}

/// Adding and subtracting this rounds a float of magnitude below 2^22 to an integer (ties to
/// even).
const ROUNDER: f32 = 12_582_912.0; // 1.5 * 2^23

/// `x` through one quantize's parameters, in float, before `at`; `None` when they are not
/// per-tensor. With `n = qmax - qmin` and `lo = qmin - zp`: `u = relu6(x * 6 / (s n) - 6 lo /
/// n)` is the clamped integer scaled to [0, 6]; `u n / 6 + R + (lo - R)` rounds it and shifts
/// it back; times `s` it is real again. Only `tfl.mul` and `tfl.add` (with a fused relu6),
/// which the interpreter runs vectorized.
fn fake(m: &mut Module, at: OpId, x: ValueId, quantize: OpId, ty: &Type) -> Option<ValueId> {
    let out = *m.results(quantize).first()?;
    let q = m.value_type(out).element_type()?.as_quant()?.clone();
    let [p] = params_of(&q)[..] else { return None };
    let r = range_of(&q);
    let (s, zp) = (p.scale, p.zero_point as f64);
    let n = (r.max - r.min) as f64;
    let lo = r.min as f64 - zp;
    if s.is_nan() || s <= 0.0 || n <= 0.0 || n >= 4_194_304.0 {
        return None;
    }
    let k1 = scalar(m, at, (6.0 / (s * n)) as f32)?;
    let k2 = scalar(m, at, (-6.0 * lo / n) as f32)?;
    let k3 = scalar(m, at, (n / 6.0) as f32)?;
    let k4 = scalar(m, at, ROUNDER)?;
    let k5 = scalar(m, at, lo as f32 - ROUNDER)?;
    let k6 = scalar(m, at, s as f32)?;
    let v = op(m, at, &tfl::MUL, &[x, k1], ty, "NONE")?;
    let v = op(m, at, &tfl::ADD, &[v, k2], ty, "RELU6")?;
    let v = op(m, at, &tfl::MUL, &[v, k3], ty, "NONE")?;
    let v = op(m, at, &tfl::ADD, &[v, k4], ty, "NONE")?;
    let v = op(m, at, &tfl::ADD, &[v, k5], ty, "NONE")?;
    op(m, at, &tfl::MUL, &[v, k6], ty, "NONE")
}

/// The chain of `quantizes` (outermost first) applied to `root` in float before `at`.
fn fake_chain(
    m: &mut Module,
    at: OpId,
    root: ValueId,
    quantizes: &[OpId],
    ty: &Type,
) -> Option<ValueId> {
    let mut v = root;
    for &quantize in quantizes.iter().rev() {
        v = fake(m, at, v, quantize, ty)?;
    }
    Some(v)
}

/// Rewrites the fake-quant form `m` as described above. Which readers see a quantized value
/// follows what `fold-quant` and `fold-dequant` make of the pairs: an op that folds reads
/// the quantized value; a float op (or the return) reads the float value again when the pair
/// is volatile (from statistics, or after an op kept float for speed), the producer's own
/// quantization when the producer folds, and the value as quantized otherwise. With
/// `quantized_io` (integer model inputs and outputs), the pairs on inputs and outputs are
/// never volatile, as `fold-dequant{quantized-io}` keeps them.
pub fn lower(m: &mut Module, quantized_io: bool) {
    let boundary = if quantized_io {
        crate::quant::fold_dequant::io_values(m)
    } else {
        HashSet::new()
    };
    let folds: HashSet<OpId> = m
        .walk_nested(m.op)
        .filter(|&o| {
            is_candidate(m, o)
                && !m.op(o).attributes.contains(KEEP_FLOAT)
                && float_reason(m, o, None).is_none()
        })
        .collect();
    let dequantizes: Vec<OpId> = m
        .walk_nested(m.op)
        .filter(|&o| m.op(o).is(&tfl::DEQUANTIZE))
        .collect();
    for d in dequantizes {
        let (Some(&q), Some(&out)) = (m.operands(d).first(), m.results(d).first()) else {
            continue;
        };
        let (chain, root) = quantize_chain(m, q);
        if chain.is_empty() || is_constant(m, root) {
            continue;
        }
        let producer = m.defining_op(root);
        let producer_folds = producer.is_some_and(|p| folds.contains(&p));
        let at_io = boundary.contains(&root) || boundary.contains(&out);
        let volatile = !at_io
            && (m.op(chain[0]).attributes.contains(VOLATILE)
                || producer.is_some_and(|p| m.op(p).attributes.contains(FLOAT_FOR_SPEED)));
        let ty = m.value_type(out).clone();
        let users: Vec<OpId> = m.uses(out).iter().map(|u| u.op).collect();
        let (quantized, float): (Vec<OpId>, Vec<OpId>) =
            users.into_iter().partition(|u| folds.contains(u));
        let Some(full) = fake_chain(m, d, root, &chain, &ty) else {
            continue;
        };
        let for_float = match (volatile, producer_folds) {
            (true, false) => Some(root),
            (true, true) => fake_chain(m, d, root, &chain[chain.len() - 1..], &ty),
            (false, _) => Some(full),
        };
        m.replace_uses_where(out, full, |u| quantized.contains(&u.op));
        if let Some(v) = for_float {
            m.replace_uses_where(out, v, |u| float.contains(&u.op));
        }
    }
    // Ops kept float read their float constants.
    let kept: Vec<OpId> = m
        .walk_nested(m.op)
        .filter(|&o| m.op(o).attributes.contains(KEEP_FLOAT))
        .collect();
    for o in kept {
        for (i, v) in m.operands(o).to_vec().into_iter().enumerate() {
            let Some(d) = defined_by(m, v, &tfl::DEQUANTIZE) else {
                continue;
            };
            let Some(&q) = m.operands(d).first() else {
                continue;
            };
            let (chain, root) = quantize_chain(m, q);
            if !chain.is_empty() && is_constant(m, root) && m.value_type(root) == m.value_type(v) {
                m.set_operand(o, i, root);
            }
        }
    }
    crate::folds::erase_dead_ops(m);
}
